import zookeeper from 'node-zookeeper-client';
import { describe, expect, it } from 'vitest';
import { toZkError } from './exceptions.js';
import { NO_WATCHER, patchReplyCodes } from './reply-codes.js';
import { PATCHED_VERSION } from './version.js';

/** node-zookeeper-client's ConnectionManager, as far as reading a reply goes. */
interface Manager {
  state: number;
  readonly pendingQueue: { request: { header: { xid: number; type: number } }; callback: Callback }[];
  onSocketData(buffer: Buffer): void;
}
type Callback = (error: unknown, response?: unknown) => void;

const CONNECTED = 2; // ConnectionManager's STATES.CONNECTED
const OP_DELETE = 2;

/**
 * Feeds the library's real socket handler one reply frame with `code` for a request it is waiting for; resolves
 * with what the request's callback got. The client never connects: the frame is handed to onSocketData directly.
 */
function replyWithCode(code: number): { error: unknown } {
  const client = zookeeper.createClient('127.0.0.1:1');
  const manager = (client as unknown as { connectionManager: Manager }).connectionManager;
  manager.state = CONNECTED;
  const answer: { error: unknown } = { error: undefined };
  manager.pendingQueue.push({
    request: { header: { xid: 7, type: OP_DELETE } },
    callback: (error) => {
      answer.error = error;
    },
  });
  // int length, ReplyHeader { int xid; long zxid; int err }
  const frame = Buffer.alloc(20);
  frame.writeInt32BE(16, 0);
  frame.writeInt32BE(7, 4);
  frame.writeInt32BE(code, 16);
  manager.onSocketData(frame);
  return answer;
}

describe('patchReplyCodes', () => {
  // Runs first: the patch is module-wide and stays once installed.
  it('is needed: the unpatched library throws inside its socket handler on a code it does not know', () => {
    expect(() => replyWithCode(NO_WATCHER)).toThrow(`Unknown code: ${NO_WATCHER}`);
  });

  it('makes the socket handler hand NOWATCHER to the request as an Exception', () => {
    expect(patchReplyCodes()).toBe(true);

    const { error } = replyWithCode(NO_WATCHER);

    expect(error).toBeInstanceOf(zookeeper.Exception);
    const exception = error as zookeeper.Exception;
    expect([exception.getCode(), exception.getName()]).toEqual([NO_WATCHER, 'NO_WATCHER']);
    expect(toZkError(error, '/a')).toMatchObject({ path: '/a' });
  });

  it('names other newer codes after ZooKeeper, and anything else UNKNOWN_ERROR', () => {
    patchReplyCodes();
    const nameOf = (code: number) => (replyWithCode(code).error as zookeeper.Exception).getName();

    expect([nameOf(-118), nameOf(-127), nameOf(-999)]).toEqual([
      'SESSION_MOVED',
      'THROTTLED_OP',
      'UNKNOWN_ERROR',
    ]);
  });

  it("leaves the library's own codes to the library", () => {
    patchReplyCodes();
    const { error } = replyWithCode(zookeeper.Exception.NO_NODE);

    expect(error).toBeInstanceOf(zookeeper.Exception);
    expect((error as zookeeper.Exception).getName()).toBe('NO_NODE');
    expect((error as Error).message).toBe('Exception: NO_NODE[-101]');
  });

  it('installs once: calling it again wraps nothing twice', () => {
    patchReplyCodes();
    const create = (zookeeper.Exception as unknown as { create: unknown }).create;

    expect(patchReplyCodes()).toBe(true);
    expect((zookeeper.Exception as unknown as { create: unknown }).create).toBe(create);
  });

  it('is written for the installed library version', async () => {
    const { createRequire } = await import('node:module');
    const manifest = createRequire(import.meta.url)('node-zookeeper-client/package.json') as {
      version: string;
    };
    expect(manifest.version).toBe(PATCHED_VERSION);
  });
});
