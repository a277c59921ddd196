import { describe, expect, it } from 'vitest';
import { nodeData, splitNodeData } from './node-data.js';

describe('node data', () => {
  it('stores links as "name ->" and property links as "name =>" properties, as zc.zk does, and splits them back', () => {
    const parts = {
      properties: { threads: 3 },
      links: { main: '/cms/databases/main' },
      propertyLinks: { t: '/f t' },
    };
    const data = nodeData(parts);
    expect(data).toEqual({ threads: 3, 'main ->': '/cms/databases/main', 't =>': '/f t' });
    expect(splitNodeData(data)).toEqual(parts);
  });

  it('leaves propertyLinks out when there are none', () => {
    expect(splitNodeData({ a: 1 })).toEqual({ properties: { a: 1 }, links: {} });
  });

  it('keeps a "name ->" whose value is not a string, or a bare " ->", as a property', () => {
    expect(splitNodeData({ 'x ->': 3, ' ->': '/a', 'y =>': null })).toEqual({
      properties: { 'x ->': 3, ' ->': '/a', 'y =>': null },
      links: {},
    });
  });

  it('keeps a __proto__ key as a plain property', () => {
    const { properties } = splitNodeData(JSON.parse('{"__proto__": {"x": 1}}'));
    expect(Object.hasOwn(properties, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(properties)).toBe(Object.prototype);
  });
});
