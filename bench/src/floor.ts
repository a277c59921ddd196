/**
 * The floor under any worker-thread design on this machine, measured in the same run: a bare worker (no zkit
 * code, no comlink) that answers getChildren for the main thread with raw postMessage. What zkit adds above
 * this floor is zkit's own; what the floor adds above the direct client is the price of the thread hop itself.
 *
 *   main ── postMessage { id, path } ──▶ bare worker ── getChildren ──▶ ZooKeeper
 *   main ◀── postMessage { id, names } ─ bare worker ◀────────────────┘
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { runInFlight, timeSequential, within } from './pool.js';
import { summarize } from './stats.js';
import { connectZkit } from './zkit.js';

const clientModule = createRequire(import.meta.url).resolve('node-zookeeper-client');

function bareWorkerSource(connectionString: string): string {
  return `
const { parentPort } = require('node:worker_threads');
const zookeeper = require(${JSON.stringify(clientModule)});
const client = zookeeper.createClient(${JSON.stringify(connectionString)});
const watcher = () => {};
client.once('connected', () => parentPort.postMessage({ id: 0 }));
client.connect();
parentPort.on('message', (message) => {
  if (message.close) { client.close(); parentPort.close(); return; }
  if (message.path === undefined) { parentPort.postMessage({ id: message.id }); return; }
  client.getChildren(message.path, watcher, (error, names) => parentPort.postMessage({ id: message.id, names }));
});`;
}

export interface Floor {
  /** A message to a worker and back, nothing else: the thread hop alone. */
  readonly echoP50: number;
  /**
   * A zkit call that sends ZooKeeper nothing (`diagnostics()` on an idle client): the hop plus zkit's call path
   * (comlink, the coalescing port, the supervisor) on both threads.
   */
  readonly zkitCallP50: number;
  /** getChildren + watch through the bare worker, one at a time. */
  readonly bareGetChildrenP50: number;
  /** The same with `inFlight` outstanding, and this process's CPU (both threads) per operation. */
  readonly bareOpsPerSec: number;
  readonly bareCpuUsPerOp: number;
}

export interface FloorOptions {
  readonly connectionString: string;
  /** Paths to read; in-flight request `slot` reads `paths[slot % paths.length]`. */
  readonly paths: readonly string[];
  /** Operations timed one at a time. */
  readonly count: number;
  /** Operations in the in-flight run: as many as in one of the clients' throughput runs, so the two compare. */
  readonly inFlightCount: number;
  readonly warmup: number;
  readonly inFlight: number;
}

export async function measureFloor(options: FloorOptions): Promise<Floor> {
  const worker = new Worker(bareWorkerSource(options.connectionString), { eval: true });
  const pending = new Map<number, () => void>();
  worker.on('message', (message: { id: number }) => {
    pending.get(message.id)?.();
    pending.delete(message.id);
  });
  let nextId = 1;
  const ask = (path?: string) =>
    new Promise<void>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      worker.postMessage(path === undefined ? { id } : { id, path });
    });
  try {
    await within(
      new Promise<void>((resolve) => pending.set(0, resolve)),
      30_000,
      'the bare worker to connect',
    );
    const first = options.paths[0] ?? '/';
    await timeSequential(options.warmup, () => ask());
    const echo = await timeSequential(options.count, () => ask());
    await timeSequential(options.warmup, () => ask(first));
    const bare = await timeSequential(options.count, () => ask(first));
    const cpu = process.cpuUsage();
    const elapsedMs = await runInFlight(options.inFlightCount, options.inFlight, (_, slot) =>
      ask(options.paths[slot % options.paths.length]),
    );
    const used = process.cpuUsage(cpu);
    return {
      echoP50: summarize(echo).p50,
      zkitCallP50: await measureZkitCall(options),
      bareGetChildrenP50: summarize(bare).p50,
      bareOpsPerSec: options.inFlightCount / (elapsedMs / 1000),
      bareCpuUsPerOp: (used.user + used.system) / options.inFlightCount,
    };
  } finally {
    worker.postMessage({ close: true });
    await worker.terminate();
  }
}

async function measureZkitCall(options: FloorOptions): Promise<number> {
  const zk = await connectZkit(options.connectionString);
  try {
    await timeSequential(options.warmup, async () => void (await zk.diagnostics()));
    return summarize(await timeSequential(options.count, async () => void (await zk.diagnostics()))).p50;
  } finally {
    await zk.close();
  }
}
