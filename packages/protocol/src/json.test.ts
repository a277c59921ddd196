import { describe, expect, it } from 'vitest';
import { decodeProperties, encodeJsonObject } from './json.js';

describe('encodeJsonObject', () => {
  it('writes compact JSON', () => {
    expect(encodeJsonObject({ a: 1, b: [true, null, 'x'], c: { d: 1.5 } }, 1000)).toBe(
      '{"a":1,"b":[true,null,"x"],"c":{"d":1.5}}',
    );
  });

  it('accepts a null-prototype object', () => {
    expect(encodeJsonObject(Object.assign(Object.create(null), { a: 1 }), 100)).toBe('{"a":1}');
  });

  it.each([
    ['undefined', { a: undefined }],
    ['a symbol', { a: Symbol('s') }],
    ['NaN', { a: Number.NaN }],
    ['a Map', { a: new Map() }],
    ['a class instance', { a: new (class Thing {})() }],
    ['an array at the top', []],
    ['a string at the top', 'x'],
  ])('refuses %s with INVALID_DATA', (_, value) => {
    expect(() => encodeJsonObject(value, 1000)).toThrow(expect.objectContaining({ code: 'INVALID_DATA' }));
  });

  it('allows shared (non-cyclic) references', () => {
    const shared = { x: 1 };
    expect(encodeJsonObject({ a: shared, b: shared }, 100)).toBe('{"a":{"x":1},"b":{"x":1}}');
  });

  it('counts bytes, not characters, against the limit', () => {
    expect(() => encodeJsonObject({ a: 'é'.repeat(10) }, 20)).toThrow(
      expect.objectContaining({ code: 'DATA_TOO_LARGE' }),
    );
    expect(encodeJsonObject({ a: 'e'.repeat(10) }, 20)).toHaveLength(18);
  });
});

describe('decodeProperties', () => {
  it('reads like zc.zk: empty is {}, an object is itself, anything else is { string_value }', () => {
    expect(decodeProperties(undefined)).toEqual({ properties: {} });
    expect(decodeProperties(Buffer.alloc(0))).toEqual({ properties: {} });
    expect(decodeProperties(Buffer.from('{"a":1}'))).toEqual({ properties: { a: 1 } });
    expect(decodeProperties(Buffer.from('7')).properties).toEqual({ string_value: '7' });
    expect(decodeProperties(Buffer.from('{"a":')).problem).toBe('node data is not JSON');
    expect(decodeProperties(Buffer.from([0xc3, 0x28])).problem).toBe('node data is not valid UTF-8');
  });
});
