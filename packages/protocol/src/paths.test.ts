import { describe, expect, it } from 'vitest';
import { InvalidInputError } from './errors.js';
import { joinPath, parentOf, splitPath, validatePath } from './paths.js';

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
