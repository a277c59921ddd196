/**
 * Scenario 5, start-up: from calling connect() to holding a session that can take requests.
 *
 *   zkit:   connect() ─▶ new Worker ─▶ worker loads its modules ─▶ createClient ─▶ session ─▶ resolves
 *   direct: createClient + connect() ─▶ session (`connected` event)
 *
 * Every zkit start pays for a new thread with its own V8 isolate, which compiles zkit, comlink and
 * node-zookeeper-client afresh (the OS file cache is warm after the first); the direct client's modules are
 * already loaded in this process. Each session is closed before the next start.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { BenchContext } from '../context.js';
import { DirectClient } from '../direct.js';
import { workerHeap } from '../memory.js';
import { within } from '../pool.js';
import type { ScenarioResult } from '../report.js';
import { summarize } from '../stats.js';
import { connectZkit } from '../zkit.js';

/** The part of zkit's start no worker design avoids: a new thread with its own V8 isolate and event loop. */
async function bareWorkerStarts(count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const worker = new Worker("require('node:worker_threads').parentPort.postMessage('up')", { eval: true });
    await within(once(worker, 'message'), 30_000, 'an empty worker to start');
    samples.push(performance.now() - start);
    await worker.terminate();
  }
  return samples;
}

export async function startupTime(ctx: BenchContext): Promise<ScenarioResult> {
  const zkitMs: number[] = [];
  const directMs: number[] = [];
  for (let i = 0; i < ctx.config.startups; i++) {
    // Alternating sides; each start is timed from the call to the resolved session.
    let start = performance.now();
    const zk = await connectZkit(ctx.connectionString);
    zkitMs.push(performance.now() - start);
    await zk.close();
    start = performance.now();
    const direct = await DirectClient.connect(ctx.connectionString, 10_000);
    directMs.push(performance.now() - start);
    await direct.close();
  }
  const z = summarize(zkitMs);
  const d = summarize(directMs);
  const spawn = summarize(await bareWorkerStarts(ctx.config.startups));
  // The worker's own memory, for reading scenario 4's worker heaps: what an idle connected client holds.
  const idle = await connectZkit(ctx.connectionString);
  const idleHeap = await workerHeap(idle);
  await idle.close();
  return {
    id: 5,
    title: 'Start-up',
    rows: [
      { metric: 'connect() to a usable session: p50', unit: 'ms', zkit: z.p50, direct: d.p50 },
      { metric: 'connect() to a usable session: max', unit: 'ms', zkit: z.max, direct: d.max },
    ],
    checks: [],
    distributions: [],
    context: [
      {
        label: 'an empty worker thread: new Worker() to its first message, p50',
        value: spawn.p50,
        unit: 'ms',
      },
      {
        label: "zkit's worker heap (live) of a connected, idle client",
        value: idleHeap / 1024 / 1024,
        unit: 'MiB',
      },
    ],
    notes: [`${ctx.config.startups} starts per client, alternating, each closed before the next.`],
  };
}
