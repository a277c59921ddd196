// The README's snippet, but for the import path and with its printed values asserted: if this passes, it runs.
import { expect, it } from 'vitest';
import { addressName, encodeJsonObject, isZkError, joinPath, validatePath, zkError } from './index.js';

it('checks paths, addresses and JSON the way zkit does, with typed errors', () => {
  const path = joinPath(validatePath('/fooservice/servers'), addressName(['127.0.0.1', 8080]));
  expect(path).toBe('/fooservice/servers/127.0.0.1:8080');
  expect(encodeJsonObject({ pid: process.pid }, 1024)).toBe(`{"pid":${process.pid}}`);
  let caught: unknown;
  try {
    validatePath('/a//b');
  } catch (error) {
    caught = error;
  }
  expect(isZkError(caught, 'INVALID_PATH') && [caught.name, caught.code]).toEqual([
    'InvalidInputError',
    'INVALID_PATH',
  ]);
  expect(zkError('NO_NODE', 'gone').name).toBe('NodeError');
});
