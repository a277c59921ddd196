import { fromWire } from '@zkit/protocol';
import zookeeper from 'node-zookeeper-client';
import { describe, expect, it } from 'vitest';
import { toZkError } from './exceptions.js';

// The library builds its exceptions with Exception.create, which @types/node-zookeeper-client does not declare.
const { create } = zookeeper.Exception as unknown as { create(code: number): Error };
const exception = (code: number) => create(code);

describe('toZkError', () => {
  it.each([
    ['NO_CHILDREN_FOR_EPHEMERALS', zookeeper.Exception.NO_CHILDREN_FOR_EPHEMERALS],
    ['OPERATION_TIMEOUT', zookeeper.Exception.OPERATION_TIMEOUT],
    ['NO_NODE', zookeeper.Exception.NO_NODE],
    ['AUTH_FAILED', zookeeper.Exception.AUTH_FAILED],
  ])('gives %s its own code', (code, number) => {
    const error = toZkError(exception(number), '/a');
    expect(error).toMatchObject({ code, path: '/a' });
    expect(error.zkName).toBeUndefined();
  });

  it("keeps any other ZooKeeper exception's name as zkName, across the thread boundary too", () => {
    const error = toZkError(exception(zookeeper.Exception.MARSHALLING_ERROR), '/a');
    expect(error).toMatchObject({ code: 'ZOOKEEPER_ERROR', zkName: 'MARSHALLING_ERROR', path: '/a' });
    expect(error.message).toContain('MARSHALLING_ERROR');
    expect(fromWire(error.toWire())).toMatchObject({ code: 'ZOOKEEPER_ERROR', zkName: 'MARSHALLING_ERROR' });
  });

  it('maps SessionMoved (-118), which node-zookeeper-client 1.1.3 has no name for, by its number', () => {
    const moved = Object.assign(new Error('Exception: SESSION_MOVED[-118]'), {
      getCode: () => -118,
      getName: () => 'SESSION_MOVED',
    });
    Object.setPrototypeOf(moved, zookeeper.Exception.prototype);
    expect(toZkError(moved, '/a')).toMatchObject({ code: 'SESSION_MOVED' });
  });

  it("reports an error that is not ZooKeeper's as INTERNAL, with its own message and stack", () => {
    const bug = new TypeError('cannot read properties of undefined');
    const error = toZkError(bug, '/a');
    expect(error).toMatchObject({ code: 'INTERNAL', path: '/a' });
    expect(error.message).toContain('cannot read properties of undefined');
    expect(error.stack).toBe(bug.stack);
    expect(error.cause).toBe(bug);
  });
});
