import { describe, expect, it } from 'vitest';
import {
  addressName,
  decodeProperties,
  encodeJsonObject,
  joinPath,
  parentOf,
  splitPath,
  validatePath,
} from './data.js';
import { InvalidInputError } from './errors.js';

describe('validatePath', () => {
  it.each(['/', '/a', '/a/b-c/d.e', '/fooservice/servers/192.168.0.42:8080', '/ünïcode'])(
    'accepts %s',
    (path) => {
      expect(validatePath(path)).toBe(path);
    },
  );

  it.each([
    '',
    'a',
    '/a/',
    '//a',
    '/a//b',
    '/a/./b',
    '/a/..',
    '/a\u0000',
    '/a\u007f',
    '/a\ud800',
    '/a\ufff5',
  ])('refuses %j with INVALID_PATH', (path) => {
    expect(() => validatePath(path)).toThrow(expect.objectContaining({ code: 'INVALID_PATH' }));
  });

  it('refuses what is not a string', () => {
    expect(() => validatePath(undefined)).toThrow(InvalidInputError);
  });
});

describe('paths', () => {
  it('joins and splits', () => {
    expect(joinPath('/', 'a')).toBe('/a');
    expect(joinPath('/a', 'b')).toBe('/a/b');
    expect(parentOf('/a/b')).toBe('/a');
    expect(parentOf('/a')).toBe('/');
    expect(splitPath('/a/b:1')).toEqual(['/a', 'b:1']);
    expect(splitPath('/a')).toEqual(['/', 'a']);
  });
});

describe('addressName', () => {
  it.each([
    [['192.168.0.42', 8080], '192.168.0.42:8080'],
    ['host.example:1', 'host.example:1'],
    [['::1', 80], '[::1]:80'],
    ['[::1]:80', '[::1]:80'],
    [['h', 65535], 'h:65535'],
  ])('names %j as %s', (address, name) => {
    expect(addressName(address)).toBe(name);
  });

  it.each([
    [['', 1]],
    [[' h', 1]],
    [['a b', 1]],
    [['h', 0]],
    [['h', '80']],
    ['h:'],
    [':80'],
    ['h:123456'],
    [42],
  ])('refuses %j with INVALID_ADDRESS', (address) => {
    expect(() => addressName(address)).toThrow(expect.objectContaining({ code: 'INVALID_ADDRESS' }));
  });
});

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
