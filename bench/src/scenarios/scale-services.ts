/**
 * Scenario 4's services trial: a 10,000-instance service followed with every instance's data, and one instance's
 * data changed at a time (issue 14: one instance change costs O(change) across threads and on the main thread).
 *
 *   parent: creates N instances (HOST:PORT, ~60 B of JSON each), once for both sides
 *      └── fork ──▶ child: zkit `services()` or a direct client keeping the same map (services-child.ts)
 *   parent: setData of ONE instance ──▶ ZooKeeper ──▶ child's watch ──▶ callback: time, bytes, busy
 *
 * Both sides get one data watch event per change and read that one child again; what differs is where: zkit reads
 * it in its worker and sends the main thread that instance alone, the direct client reads it on its main thread.
 */
import { ChildTrial } from '../child-ipc.js';
import type { BenchContext } from '../context.js';
import { runInFlight } from '../pool.js';
import type { Row, TargetCheck } from '../report.js';
import { monotonicNs, summarize } from '../stats.js';
import { CHANGE_BUSY_US, CHANGE_BYTES } from '../targets.js';
import type { MemoryFigures, ScaleChildConfig, ScaleFromChild, ScaleToChild } from './scale-protocol.js';

type Kind = ScaleChildConfig['kind'];

export interface ServicesTrial {
  readonly loadMs: number;
  readonly loadBytes: number | null;
  readonly memory: MemoryFigures;
  /** From the parent's setData being acknowledged (committed) to the callback; and from issuing it. */
  readonly committedUs: number[];
  readonly latencyUs: number[];
  readonly busyUs: number[];
  readonly workerBusyUs: number[];
  readonly bytes: number[];
}

const CHILD = new URL('./services-child.js', import.meta.url);
const LOAD_TIMEOUT_MS = 180_000;
const CHANGE_TIMEOUT_MS = 15_000;
const WARMUP_CHANGES = 2;
/** The instance whose data changes: any one of the N. */
const CHANGED = '127.0.0.1:1';

/** Creates the service's instances, then runs each side alone. */
export async function servicesTrials(ctx: BenchContext): Promise<Record<Kind, ServicesTrial>> {
  const path = `${ctx.root}/scale/services`;
  await ctx.admin.mkdirp(path);
  await runInFlight(ctx.config.scaleChildren, ctx.config.inFlight, (i) =>
    ctx.admin.createPersistent(`${path}/127.0.0.1:${i + 1}`, instanceData(i + 1, 0)),
  );
  const trials: Partial<Record<Kind, ServicesTrial>> = {};
  for (const kind of ['zkit', 'direct'] as const) {
    ctx.progress(`  4. a ${ctx.config.scaleChildren}-instance service: ${kind}`);
    trials[kind] = await servicesTrial(ctx, kind, path);
  }
  return trials as Record<Kind, ServicesTrial>;
}

/** What a registration of a server holds (its pid), and the change counter the child waits for. */
function instanceData(pid: number, seq: number): Buffer {
  return Buffer.from(JSON.stringify({ pid, version: '1.2.3', weight: 1, seq }));
}

async function servicesTrial(ctx: BenchContext, kind: Kind, path: string): Promise<ServicesTrial> {
  const child = ChildTrial.start<ScaleToChild, ScaleFromChild>(CHILD, {
    kind,
    mode: 'services',
    connectionString: ctx.connectionString,
    path,
    count: ctx.config.scaleChildren,
    inFlight: ctx.config.inFlight,
  } satisfies ScaleChildConfig);
  try {
    const loaded = await child.next('loaded', LOAD_TIMEOUT_MS);
    const trial: ServicesTrial = {
      loadMs: loaded.loadMs,
      loadBytes: loaded.loadBytes,
      memory: loaded.memory,
      committedUs: [],
      latencyUs: [],
      busyUs: [],
      workerBusyUs: [],
      bytes: [],
    };
    // Each side starts from its own sequence numbers: the node keeps the other side's last one.
    const first = kind === 'zkit' ? 1_000 : 2_000;
    for (let i = 0; i < WARMUP_CHANGES + ctx.config.scaleChanges; i++) {
      const seq = first + i;
      child.send({ type: 'armData', name: CHANGED, seq });
      await child.next('armed', CHANGE_TIMEOUT_MS);
      const start = monotonicNs();
      await ctx.admin.setData(`${path}/${CHANGED}`, instanceData(1, seq));
      const acked = monotonicNs();
      const seen = await child.next('seen', CHANGE_TIMEOUT_MS);
      if (i < WARMUP_CHANGES) continue;
      trial.latencyUs.push(Number(BigInt(seen.atNs) - start) / 1000);
      trial.committedUs.push(Number(BigInt(seen.atNs) - acked) / 1000);
      trial.busyUs.push(seen.busyUs);
      if (seen.workerBusyUs !== null) trial.workerBusyUs.push(seen.workerBusyUs);
      if (seen.bytes !== null) trial.bytes.push(seen.bytes);
    }
    child.send({ type: 'exit' });
    return trial;
  } finally {
    await child.finish(15_000);
  }
}

/** The trial's rows, after scenario 4's children rows. */
export function servicesRows(n: string, trials: Record<Kind, ServicesTrial>, inFlight: number): Row[] {
  const row = (metric: string, unit: Row['unit'], of: (kind: Kind) => number | null): Row => ({
    metric,
    unit,
    zkit: of('zkit'),
    direct: of('direct'),
  });
  const stat = (samples: number[]) => (samples.length > 0 ? summarize(samples) : undefined);
  const zkitOnly = (samples: (t: ServicesTrial) => number[], pick: 'p50' | 'max') => (k: Kind) =>
    k === 'zkit' ? (stat(samples(trials.zkit))?.[pick] ?? null) : null;
  return [
    row(
      `${n}-instance service: first load (names and data), ${inFlight} in flight`,
      'ms',
      (k) => trials[k].loadMs,
    ),
    row(`${n}-instance service: first load, bytes across threads`, 'KiB', (k) =>
      trials[k].loadBytes === null ? null : (trials[k].loadBytes ?? 0) / 1024,
    ),
    row(
      `one instance's data changed: committed → callback, p50`,
      'us',
      (k) => summarize(trials[k].committedUs).p50,
    ),
    row(
      `one instance's data changed: committed → callback, p99`,
      'us',
      (k) => summarize(trials[k].committedUs).p99,
    ),
    row(
      `one instance's data changed: write issued → callback, p50`,
      'us',
      (k) => summarize(trials[k].latencyUs).p50,
    ),
    row(`one instance's data changed: main-thread busy p50`, 'us', (k) => summarize(trials[k].busyUs).p50),
    row(`one instance's data changed: main-thread busy max`, 'us', (k) => summarize(trials[k].busyUs).max),
    row(
      `one instance's data changed: zkit worker busy p50`,
      'us',
      zkitOnly((t) => t.workerBusyUs, 'p50'),
    ),
    row(
      `one instance's data changed: bytes across threads (max)`,
      'B',
      zkitOnly((t) => t.bytes, 'max'),
    ),
    row(`main-thread heap: + a ${n}-instance service`, 'MiB', (k) => {
      const { memory } = trials[k];
      return (memory.loaded.heapUsed - memory.connected.heapUsed) / (1024 * 1024);
    }),
  ];
}

/** Issue 14's target: one instance change costs O(change) on the main thread and across threads. */
export function servicesChecks(n: string, trials: Record<Kind, ServicesTrial>): TargetCheck[] {
  const busy = summarize(trials.zkit.busyUs);
  const direct = summarize(trials.direct.busyUs);
  const bytes = trials.zkit.bytes.length > 0 ? summarize(trials.zkit.bytes) : undefined;
  return [
    {
      target: `one instance change in a ${n}-instance service: main-thread time < ${CHANGE_BUSY_US / 1000} ms (p50)`,
      measured: `p50 ${(busy.p50 / 1000).toFixed(3)} ms, max ${(busy.max / 1000).toFixed(3)} ms (direct p50 ${(direct.p50 / 1000).toFixed(3)} ms)`,
      met: busy.p50 < CHANGE_BUSY_US,
    },
    {
      target: `one instance change in a ${n}-instance service: < ${CHANGE_BYTES / 1024} KiB across threads`,
      measured: bytes ? `max ${bytes.max} B` : 'no change measured',
      met: bytes !== undefined && bytes.max < CHANGE_BYTES,
    },
  ];
}
