/**
 * The floor under any worker-thread design on this machine, measured in the same run: a bare worker (no zkit
 * code, no comlink) that answers getChildren for the main thread with raw postMessage. What zkit adds above
 * this floor is zkit's own; what the floor adds above the direct client is the price of the thread hop itself.
 *
 *   main ── postMessage { path } ──▶ bare worker ── getChildren ──▶ ZooKeeper
 *   main ◀── postMessage [names] ── bare worker ◀──────────────────┘
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { timeSequential, within } from './pool.js';
import { summarize } from './stats.js';

const clientModule = createRequire(import.meta.url).resolve('node-zookeeper-client');

function bareWorkerSource(connectionString: string): string {
  return `
const { parentPort } = require('node:worker_threads');
const zookeeper = require(${JSON.stringify(clientModule)});
const client = zookeeper.createClient(${JSON.stringify(connectionString)});
const watcher = () => {};
client.once('connected', () => parentPort.postMessage('ready'));
client.connect();
parentPort.on('message', (message) => {
  if (message === 'close') { client.close(); parentPort.close(); return; }
  if (message.echo) { parentPort.postMessage(message); return; }
  client.getChildren(message.path, watcher, (error, children) => parentPort.postMessage(error ? [] : children));
});`;
}

export interface Floor {
  /** A message to a worker and back, nothing else: the thread hop alone. */
  readonly echoP50: number;
  /** getChildren + watch through the bare worker. */
  readonly bareGetChildrenP50: number;
}

export async function measureFloor(
  connectionString: string,
  path: string,
  count: number,
  warmup: number,
): Promise<Floor> {
  const worker = new Worker(bareWorkerSource(connectionString), { eval: true });
  try {
    await within(
      new Promise((resolve) => worker.once('message', resolve)),
      30_000,
      'the bare worker to connect',
    );
    const ask = (message: unknown) =>
      new Promise<void>((resolve) => {
        worker.once('message', () => resolve());
        worker.postMessage(message);
      });
    await timeSequential(warmup, () => ask({ echo: true }));
    const echo = await timeSequential(count, () => ask({ echo: true }));
    await timeSequential(warmup, () => ask({ path }));
    const bare = await timeSequential(count, () => ask({ path }));
    return { echoP50: summarize(echo).p50, bareGetChildrenP50: summarize(bare).p50 };
  } finally {
    worker.postMessage('close');
    await worker.terminate();
  }
}
