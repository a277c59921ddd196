import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  abortedError,
  asZkError,
  fromWire,
  InvalidInputError,
  isZkError,
  isZkitError,
  NodeError,
  type NodeErrorCode,
  SessionError,
  ZkError,
  ZkitError,
  zkError,
} from './errors.js';

describe('the error hierarchy', () => {
  it('builds the subclass of a code, under one root', () => {
    const error = zkError('NO_NODE', 'gone', { path: '/a' });
    expect(error).toBeInstanceOf(NodeError);
    expect(error).toBeInstanceOf(ZkError);
    expect(error).toBeInstanceOf(ZkitError);
    expect(error).toMatchObject({ name: 'NodeError', code: 'NO_NODE', path: '/a' });
    expect(abortedError()).toBeInstanceOf(SessionError);
    // Raised on the main thread only (a provider with no instance up), yet a node error like the others.
    expect(zkError('NO_INSTANCE', 'no instance is up')).toBeInstanceOf(NodeError);
  });

  it('narrows the code of each subclass', () => {
    const error: unknown = zkError('NODE_EXISTS', 'there');
    if (error instanceof NodeError) expectTypeOf(error.code).toEqualTypeOf<NodeErrorCode>();
    // @ts-expect-error: SESSION_EXPIRED is not a node error's code
    const impossible: NodeError['code'] = 'SESSION_EXPIRED';
    expect(impossible).toBe('SESSION_EXPIRED');
  });

  it('recognises an error from another installed copy of zkit by its brand, not by instanceof', () => {
    // What a second copy's error looks like from here: same brand, other classes.
    class OtherCopyError extends Error {
      readonly code = 'NO_NODE';
    }
    const foreign = Object.defineProperty(new OtherCopyError('gone'), Symbol.for('@zkit/error'), {
      value: true,
    });
    expect(foreign instanceof ZkError).toBe(false);
    expect(isZkError(foreign)).toBe(true);
    expect(isZkError(foreign, 'NO_NODE')).toBe(true);
    expect(isZkError(foreign, 'NODE_EXISTS')).toBe(false);
    expect(isZkError(Object.assign(new Error('x'), { code: 'NO_NODE' }))).toBe(false);
  });

  it('tells the other packages’ errors (same root, own codes) from ZooKeeper errors', () => {
    const plugin = new ZkitError('PM2_ERROR', 'the daemon did not answer');
    expect(isZkitError(plugin)).toBe(true);
    expect(isZkitError(plugin, 'PM2_ERROR')).toBe(true);
    expect(isZkError(plugin)).toBe(false);
  });

  it('keeps class, code, path, zkName and stack across the wire', () => {
    const error = zkError('ZOOKEEPER_ERROR', 'refused', { path: '/p', zkName: 'MARSHALLING_ERROR' });
    const back = fromWire(error.toWire());
    expect(back).toBeInstanceOf(ZkError);
    expect(back).toMatchObject({ code: 'ZOOKEEPER_ERROR', path: '/p', zkName: 'MARSHALLING_ERROR' });
    expect(back.stack).toBe(error.stack);
    expect(fromWire({ code: 'INVALID_PATH', message: 'bad' })).toBeInstanceOf(InvalidInputError);
  });

  it('turns an unknown wire code into ZOOKEEPER_ERROR rather than losing the error', () => {
    const back = fromWire({ code: 'FROM_A_NEWER_WORKER' as 'INTERNAL', message: 'new' });
    expect(back.code).toBe('ZOOKEEPER_ERROR');
    expect(back.message).toBe('new');
  });

  it('makes any other throw INTERNAL, keeping its message, stack and cause', () => {
    const bug = new TypeError('x is undefined');
    const internal = asZkError(bug, '/p');
    expect(internal).toMatchObject({ code: 'INTERNAL', path: '/p', cause: bug });
    expect(internal.stack).toBe(bug.stack);
  });
});
