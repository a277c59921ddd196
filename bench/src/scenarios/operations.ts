/**
 * Scenario 1, operation latency: the same operations through zkit and through a plain node-zookeeper-client,
 * one at a time (p50/p99) and 64 in flight (throughput).
 *
 *   zkit:    main ── comlink call ──▶ worker ── request ──▶ ZooKeeper ── reply ──▶ worker ── reply (+events) ──▶ main
 *   direct:  main ──────────────────────────── request ──▶ ZooKeeper ── reply ──────────────────────────────────▶ main
 *
 * Each zkit operation is paired with what an application would do by hand for the same result, so the difference
 * is what the worker costs: a fresh view is a read that arms a watch (getChildren/getData with a watcher);
 * registerServer + unregister is create (ephemeral, world read-only) + delete; properties.update is the same
 * compare-and-set merge (the direct client: getData, then setData at the version read; zkit's view already holds
 * the version its watch saw, so it only writes, and reads on a conflict).
 *
 * The floor (floor.ts) is measured in the same run: what a bare worker adds over the direct client is the price of
 * the thread hop on this machine, below which no worker design can go.
 */
import type { Properties, Registration, ZooKeeper } from '@zkit/client';
import { BoundaryMeter } from '../boundary.js';
import type { BenchConfig } from '../config.js';
import type { BenchContext } from '../context.js';
import { DirectClient, exceptionName } from '../direct.js';
import { type Floor, measureFloor } from '../floor.js';
import { runInFlight, timeSequential } from '../pool.js';
import type { Distribution, Row, ScenarioResult, TargetCheck } from '../report.js';
import { requestsPerOp } from '../server-stats.js';
import { median, summarize } from '../stats.js';
import { ADDED_LATENCY_US, CPU_PER_OP_RATIO, FLOOR_LATENCY_MARGIN_US, THROUGHPUT_SHARE } from '../targets.js';
import { connectZkit } from '../zkit.js';

/** One operation, two ways. `slot` owns a path or an address of its own, so in-flight operations never collide. */
interface Operation {
  readonly name: string;
  readonly zkit: (index: number, slot: number) => Promise<void>;
  readonly direct: (index: number, slot: number) => Promise<void>;
}

interface Measured {
  readonly name: string;
  readonly zkitUs: number[];
  readonly directUs: number[];
  readonly zkitOpsPerSec: number;
  readonly directOpsPerSec: number;
  /** zkit's ops/s over the direct client's within each back-to-back pair of runs. */
  readonly pairShares: readonly number[];
  readonly zkitCpuUs: number;
  readonly directCpuUs: number;
  readonly zkitRequests: number | null;
  readonly directRequests: number | null;
  readonly messagesPerOp: number;
  readonly bytesPerOp: number;
}

const SERVICE_SIZE = 8;
/** Rounds alternate zkit and direct, so a drift in the machine (a JIT tier, another process) hits both alike. */
const ROUNDS = 4;

export async function operationLatency(ctx: BenchContext): Promise<ScenarioResult> {
  const { config } = ctx;
  const base = `${ctx.root}/ops`;
  await arrange(ctx, base);
  const zk = await connectZkit(ctx.connectionString);
  const direct = await DirectClient.connect(ctx.connectionString, 10_000);
  const views: Properties[] = [];
  try {
    for (let slot = 0; slot < config.inFlight; slot++)
      views.push(await zk.properties(`${base}/update/s${slot}`));
    const measured: Measured[] = [];
    for (const op of operations(zk, direct, base, views)) {
      ctx.progress(`  1. ${op.name}`);
      measured.push(await measure(ctx, zk, op));
    }
    ctx.progress('  1. floor: a bare worker');
    const floor = await measureFloor({
      connectionString: ctx.connectionString,
      paths: Array.from({ length: config.inFlight }, (_, slot) => `${base}/children/s${slot}`),
      count: config.ops,
      inFlightCount: config.throughputOps,
      warmup: config.warmup,
      inFlight: config.inFlight,
    });
    return result(measured, floor, config);
  } finally {
    for (const view of views) view.close();
    await zk.close();
    await direct.close();
  }
}

async function arrange(ctx: BenchContext, base: string): Promise<void> {
  const { admin, config } = ctx;
  for (const kind of ['children', 'data', 'update', 'update-direct', 'servers'])
    await admin.mkdirp(`${base}/${kind}`);
  const slots = Array.from({ length: config.inFlight }, (_, slot) => slot);
  await Promise.all(
    slots.map(async (slot) => {
      await admin.createPersistent(`${base}/children/s${slot}`);
      for (let i = 0; i < SERVICE_SIZE; i++) {
        await admin.createPersistent(`${base}/children/s${slot}/10.0.0.${i + 1}:8080`);
      }
      await admin.createPersistent(
        `${base}/data/s${slot}`,
        Buffer.from(JSON.stringify(sampleProperties(slot))),
      );
      // Separate nodes for each side: zkit's views watch theirs, and a write by the direct client to a watched
      // node would make zkit's worker re-read it, charging zkit's work to the direct client's runs.
      await admin.createPersistent(`${base}/update/s${slot}`, Buffer.from(JSON.stringify({ n: 0 })));
      await admin.createPersistent(`${base}/update-direct/s${slot}`, Buffer.from(JSON.stringify({ n: 0 })));
    }),
  );
}

/** About 120 bytes of JSON: a typical service configuration node. */
function sampleProperties(slot: number): Record<string, unknown> {
  return { threads: 4, timeout: 30, database: `db-${slot}.internal:5432`, features: ['a', 'b'], weight: 1.5 };
}

function operations(zk: ZooKeeper, direct: DirectClient, base: string, views: Properties[]): Operation[] {
  // One watcher function, as an application keeps one per path: node-zookeeper-client stores a function once.
  const watcher = (): void => {};
  const serverData = Buffer.from(JSON.stringify({ pid: process.pid }));
  return [
    {
      name: 'read: fresh children view (getChildren + watch)',
      zkit: async (_, slot) => (await zk.children(`${base}/children/s${slot}`)).close(),
      direct: async (_, slot) => void (await direct.getChildren(`${base}/children/s${slot}`, watcher)),
    },
    {
      name: 'read: fresh properties view (getData + watch)',
      zkit: async (_, slot) => (await zk.properties(`${base}/data/s${slot}`)).close(),
      direct: async (_, slot) => {
        const { data } = await direct.getData(`${base}/data/s${slot}`, watcher);
        JSON.parse(data?.toString() ?? '{}');
      },
    },
    {
      name: 'registerServer + unregister (create + delete)',
      zkit: async (_, slot) => {
        const registration: Registration = await zk.registerServer(`${base}/servers`, [
          '127.0.0.1',
          slot + 1,
        ]);
        await registration.unregister();
      },
      direct: async (_, slot) => {
        const path = `${base}/servers/127.0.0.1:${slot + 1}`;
        await direct.createEphemeral(path, serverData);
        await direct.remove(path);
      },
    },
    {
      name: 'properties.update (compare-and-set merge)',
      zkit: (index, slot) => (views[slot] as Properties).update({ n: index }),
      direct: (index, slot) => directUpdate(direct, `${base}/update-direct/s${slot}`, { n: index }),
    },
  ];
}

/** zkit's update, by hand: merge into what is there, write at the version read, read again on a conflict. */
async function directUpdate(
  direct: DirectClient,
  path: string,
  patch: Record<string, unknown>,
): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { data, stat } = await direct.getData(path);
    const merged = { ...(JSON.parse(data?.toString() ?? '{}') as Record<string, unknown>), ...patch };
    try {
      await direct.setData(path, Buffer.from(JSON.stringify(merged)), stat.version);
      return;
    } catch (error) {
      if (exceptionName(error) !== 'BAD_VERSION') throw error;
    }
  }
  throw new Error(`gave up updating ${path} after 100 version conflicts`);
}

async function measure(ctx: BenchContext, zk: ZooKeeper, op: Operation): Promise<Measured> {
  const { config } = ctx;
  await timeSequential(config.warmup, (i) => op.zkit(i, 0));
  await timeSequential(config.warmup, (i) => op.direct(i, 0));
  const zkitUs: number[] = [];
  const directUs: number[] = [];
  const perRound = Math.ceil(config.ops / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    const zkitFirst = round % 2 === 0;
    for (const side of zkitFirst ? (['zkit', 'direct'] as const) : (['direct', 'zkit'] as const)) {
      const samples = await timeSequential(perRound, (i) => op[side](round * perRound + i, 0));
      (side === 'zkit' ? zkitUs : directUs).push(...samples);
    }
  }
  const zkitRuns: Throughput[] = [];
  const directRuns: Throughput[] = [];
  // The order alternates too: a run of writes leaves the server work (log flushes, GC) that the next run pays for.
  for (let run = 0; run < config.throughputRuns; run++) {
    for (const side of run % 2 === 0 ? (['zkit', 'direct'] as const) : (['direct', 'zkit'] as const)) {
      const measured = await throughput(config.throughputOps, config.inFlight, op[side]);
      (side === 'zkit' ? zkitRuns : directRuns).push(measured);
    }
  }
  // Untimed passes: what each operation costs in server requests and in messages across the thread boundary.
  const sample = Math.min(200, config.ops);
  const zkitRequests = await requestsPerOp(ctx.serverAddress, sample, () => sequential(sample, op.zkit));
  const directRequests = await requestsPerOp(ctx.serverAddress, sample, () => sequential(sample, op.direct));
  const meter = BoundaryMeter.attach(zk);
  await sequential(sample, op.zkit);
  const crossed = meter.take();
  meter.detach();
  return {
    name: op.name,
    zkitUs: zkitUs.slice(0, config.ops),
    directUs: directUs.slice(0, config.ops),
    zkitOpsPerSec: median(zkitRuns.map((run) => run.opsPerSec)),
    directOpsPerSec: median(directRuns.map((run) => run.opsPerSec)),
    // The machine drifts between runs more than within a pair: a ratio per pair cancels most of it.
    pairShares: zkitRuns.map((run, i) => run.opsPerSec / (directRuns[i]?.opsPerSec ?? Number.NaN)),
    zkitCpuUs: median(zkitRuns.map((run) => run.cpuUsPerOp)),
    directCpuUs: median(directRuns.map((run) => run.cpuUsPerOp)),
    zkitRequests,
    directRequests,
    messagesPerOp: crossed.messages / sample,
    bytesPerOp: crossed.bytes / sample,
  };
}

interface Throughput {
  readonly opsPerSec: number;
  /** CPU of this process (every thread, so zkit's worker too) per operation: what bounds throughput on 2 cores. */
  readonly cpuUsPerOp: number;
}

async function throughput(
  total: number,
  inFlight: number,
  op: (index: number, slot: number) => Promise<void>,
): Promise<Throughput> {
  const cpu = process.cpuUsage();
  const elapsedMs = await runInFlight(total, inFlight, op);
  const used = process.cpuUsage(cpu);
  return { opsPerSec: total / (elapsedMs / 1000), cpuUsPerOp: (used.user + used.system) / total };
}

async function sequential(count: number, op: (index: number, slot: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < count; i++) await op(i, 0);
}

function result(measured: readonly Measured[], floor: Floor, config: BenchConfig): ScenarioResult {
  const { ops, inFlight } = config;
  const rows: Row[] = [];
  const checks: TargetCheck[] = [];
  const distributions: Distribution[] = [];
  // The floor reads children like the first operation: its direct side is the floor's comparison.
  const children = measured[0];
  const directChildrenP50 = children ? summarize(children.directUs).p50 : undefined;
  const floorShare = children
    ? `${((floor.bareOpsPerSec / children.directOpsPerSec) * 100).toFixed(0)}%`
    : 'n/a';
  // What the bare worker adds over the direct client: the floor's price of the hop, whatever the operation.
  const floorAdded = floor.bareGetChildrenP50 - (directChildrenP50 ?? Number.NaN);
  for (const m of measured) {
    const zkit = summarize(m.zkitUs);
    const direct = summarize(m.directUs);
    // The bare worker does what the first operation does (getChildren + watch): its figures sit in that row.
    const isChildren = m === children;
    const floorOf = (value: number): { floor: number | null } => ({ floor: isChildren ? value : null });
    rows.push(
      {
        metric: `${m.name}: p50`,
        unit: 'us',
        zkit: zkit.p50,
        direct: direct.p50,
        ...floorOf(floor.bareGetChildrenP50),
      },
      { metric: `${m.name}: p99`, unit: 'us', zkit: zkit.p99, direct: direct.p99 },
      {
        metric: `${m.name}: ${inFlight} in flight`,
        unit: 'ops/s',
        zkit: m.zkitOpsPerSec,
        direct: m.directOpsPerSec,
        ...floorOf(floor.bareOpsPerSec),
      },
      {
        metric: `${m.name}: client CPU per op (all threads)`,
        unit: 'us',
        zkit: m.zkitCpuUs,
        direct: m.directCpuUs,
        ...floorOf(floor.bareCpuUsPerOp),
      },
      // Absent when the server does not report its counters (an ensemble that does not whitelist `srvr`).
      ...(m.zkitRequests === null || m.directRequests === null
        ? []
        : [
            {
              metric: `${m.name}: ZooKeeper requests per op`,
              unit: 'count' as const,
              zkit: m.zkitRequests,
              direct: m.directRequests,
            },
          ]),
      {
        metric: `${m.name}: worker→main messages per op`,
        unit: 'count',
        zkit: m.messagesPerOp,
        direct: null,
      },
      { metric: `${m.name}: worker→main bytes per op`, unit: 'B', zkit: m.bytesPerOp, direct: null },
    );
    const added = zkit.p50 - direct.p50;
    checks.push(
      {
        target: `${m.name}: p50 added latency <= ${ADDED_LATENCY_US} us`,
        measured: `${added.toFixed(0)} us (${zkit.p50.toFixed(0)} vs ${direct.p50.toFixed(0)})`,
        met: added <= ADDED_LATENCY_US,
      },
      {
        target: `${m.name}: throughput >= ${THROUGHPUT_SHARE * 100}% of direct`,
        measured: `${percent(median(m.pairShares))} (median of ${m.pairShares.length} back-to-back pairs of runs; ${percent(Math.min(...m.pairShares))} to ${percent(Math.max(...m.pairShares))})`,
        met: median(m.pairShares) >= THROUGHPUT_SHARE,
      },
      {
        target: `${m.name}: p50 added latency <= the floor's + ${FLOOR_LATENCY_MARGIN_US} us`,
        measured: `${added.toFixed(0)} us (floor ${floorAdded.toFixed(0)} us)`,
        met: added <= floorAdded + FLOOR_LATENCY_MARGIN_US,
      },
      {
        target: `${m.name}: client CPU per op <= ${CPU_PER_OP_RATIO}x direct`,
        measured: `${(m.zkitCpuUs / m.directCpuUs).toFixed(2)}x (${m.zkitCpuUs.toFixed(0)} vs ${m.directCpuUs.toFixed(0)} us; floor ${(floor.bareCpuUsPerOp / m.directCpuUs).toFixed(2)}x of this op's direct)`,
        met: m.zkitCpuUs <= CPU_PER_OP_RATIO * m.directCpuUs,
      },
    );
    distributions.push({ label: m.name, zkit: m.zkitUs, direct: m.directUs });
  }
  return {
    id: 1,
    title: 'Operation latency',
    rows,
    checks,
    distributions,
    context: [
      { label: 'thread hop alone: postMessage to a worker and back, p50', value: floor.echoP50, unit: 'us' },
      {
        label: 'a zkit call that sends ZooKeeper nothing (diagnostics() on an idle client), p50',
        value: floor.zkitCallP50,
        unit: 'us',
      },
      {
        label:
          'floor of any worker design: getChildren + watch through a bare worker (no zkit, no comlink), p50',
        value: floor.bareGetChildrenP50,
        unit: 'us',
      },
      {
        label: 'the bare worker’s p50 added latency over the direct client (getChildren + watch)',
        value: floor.bareGetChildrenP50 - (directChildrenP50 ?? Number.NaN),
        unit: 'us',
      },
      {
        label: `the same bare worker, ${inFlight} in flight, one run as long as each client’s (${floorShare} of the direct client’s median for a fresh children view)`,
        value: floor.bareOpsPerSec,
        unit: 'ops/s',
      },
      {
        label: 'the same bare worker: client CPU per op (both threads)',
        value: floor.bareCpuUsPerOp,
        unit: 'us',
      },
    ],
    notes: [
      `p50/p99 over ${ops} operations per client, timed one at a time, in ${ROUNDS} rounds alternating zkit and direct.`,
      `Throughput: ${config.throughputOps} operations with ${inFlight} in flight, each in-flight slot on its own node or address; the median of ${config.throughputRuns} runs per side, alternating which side goes first. The rows give each side's median; the target takes the median of zkit/direct per back-to-back pair of runs, which can differ from the ratio of the two medians.`,
      "Requests per op: the server's received-packet counter (`srvr`) across 200 untimed operations (pings add noise).",
      'Messages/bytes per op: everything the worker posted to the main thread (replies, events, log records), measured as structured-clone size.',
    ],
  };
}

function percent(share: number): string {
  return `${(share * 100).toFixed(0)}%`;
}
