import { abortedError, type DataSnapshot } from '@zkit/protocol';
import zookeeper from 'node-zookeeper-client';
import { describe, expect, it, vi } from 'vitest';
import { forwardingLog, LOG_SEVERITY } from './log-forward.js';
import { type PropertiesWriteContext, writeProperties } from './properties-write.js';
import type { Client } from './session/ops.js';
import type { Session } from './session/session.js';

// The library builds its exceptions with Exception.create, which @types/node-zookeeper-client does not declare.
const { create: exception } = zookeeper.Exception as unknown as { create(code: number): Error };

/** One node; `conflicts` more writers get in before each of ours, as many times as it says. */
class FakeNode {
  data = '{"a":1}';
  version = 0;
  conflicts = 0;
  writes = 0;

  getData(_path: string, done: (error: Error | null, data?: Buffer, stat?: object) => void): void {
    setImmediate(() => done(null, Buffer.from(this.data), { version: this.version, mzxid: Buffer.alloc(8) }));
  }

  setData(_path: string, data: Buffer, version: number, done: (error: Error | null, stat?: object) => void) {
    this.writes++;
    if (this.conflicts > 0) {
      this.conflicts--;
      this.version++;
    }
    if (version !== -1 && version !== this.version) {
      setImmediate(() => done(exception(zookeeper.Exception.BAD_VERSION)));
      return;
    }
    this.data = data.toString();
    this.version++;
    setImmediate(() => done(null, { version: this.version, mzxid: Buffer.alloc(8) }));
  }
}

function writer(node: FakeNode, waits: number[], attempts = 5): PropertiesWriteContext {
  const session = {
    run: async <T>(op: (client: Client) => Promise<T>, _wanted: unknown, signal?: AbortSignal) => {
      if (signal?.aborted) throw abortedError();
      return op(node as unknown as Client);
    },
  } as unknown as Session;
  return {
    session,
    watches: { lastKnownData: (): DataSnapshot | undefined => undefined, dataWritten: () => {} },
    maxDataBytes: 1 << 20,
    log: forwardingLog(() => {}, LOG_SEVERITY.silent),
    backoff: (attempt) => {
      if (attempt >= attempts) return null;
      const ms = attempt; // tiny, and recorded: the loop must wait between tries
      waits.push(ms);
      return ms;
    },
  };
}

const never = new AbortController().signal;

describe('writeProperties', () => {
  it('reads again and merges after a version conflict, waiting between tries', async () => {
    const node = new FakeNode();
    node.conflicts = 2;
    const waits: number[] = [];
    await writeProperties(writer(node, waits), '/p', 'update', '{"b":2}', never);
    expect(JSON.parse(node.data)).toEqual({ a: 1, b: 2 });
    expect(waits).toEqual([1, 2]);
  });

  it('gives up with BAD_VERSION once the retry policy says so', async () => {
    const node = new FakeNode();
    node.conflicts = 1000;
    const waits: number[] = [];
    await expect(
      writeProperties(writer(node, waits, 4), '/p', 'update', '{"b":2}', never),
    ).rejects.toMatchObject({
      code: 'BAD_VERSION',
    });
    expect(node.writes).toBe(4);
    expect(waits).toHaveLength(3);
  });

  it('gives up with ABORTED between tries, sending nothing more', async () => {
    const node = new FakeNode();
    node.conflicts = 1000;
    const controller = new AbortController();
    const waits: number[] = [];
    const w = writer(node, waits, 1000);
    const slow: PropertiesWriteContext = { ...w, backoff: () => 60_000 };
    const writing = writeProperties(slow, '/p', 'update', '{"b":2}', controller.signal);
    await vi.waitFor(() => expect(node.writes).toBe(1)); // the first try failed; the loop waits out its backoff
    controller.abort();
    await expect(writing).rejects.toMatchObject({ code: 'ABORTED' });
    expect(node.writes).toBe(1);
  });

  it('refuses what is not a JSON object before sending anything', async () => {
    const node = new FakeNode();
    await expect(writeProperties(writer(node, []), '/p', 'set', '[1]', never)).rejects.toMatchObject({
      code: 'INVALID_DATA',
    });
    expect(node.writes).toBe(0);
  });
});
