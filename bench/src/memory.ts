/**
 * Memory of a child process running one client.
 *
 *   process RSS        every thread, garbage included: what the OS charges the process
 *   main-thread heap   live JS objects on the main thread after gc() (the child runs with --expose-gc)
 *   worker heap        live JS objects on zkit's worker thread: the sum of a heap snapshot's object sizes (V8 runs
 *                      a full GC before taking one; Node 20 has no other way to see or collect a worker's heap)
 *
 * Taking a snapshot allocates a lot (RSS stays up afterwards), so a trial reads the worker heap once, last.
 */
import type { ZooKeeper } from '@zkit/client';
import { workerThread } from '@zkit/client/internal';
import type { MemorySample } from './scenarios/scale-protocol.js';

export function memory(): MemorySample {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

/** Live bytes on zkit's worker thread; call it after every other memory reading of the process. */
export async function workerHeap(zk: ZooKeeper): Promise<number> {
  const thread = workerThread(zk);
  if (!thread) throw new Error('zkit has no live worker thread to measure');
  return liveHeap(await readAll(await thread.getHeapSnapshot()));
}

async function readAll(stream: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

interface HeapSnapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: readonly string[] } };
  readonly nodes: readonly number[];
}

/** Sum of self sizes over the snapshot's nodes (every object still reachable after the full GC). */
function liveHeap(text: string): number {
  const snapshot = JSON.parse(text) as HeapSnapshot;
  const fields = snapshot.snapshot.meta.node_fields;
  const stride = fields.length;
  const selfSize = fields.indexOf('self_size');
  let total = 0;
  for (let i = selfSize; i < snapshot.nodes.length; i += stride) total += snapshot.nodes[i] as number;
  return total;
}
