/**
 * Scenario 4, scale: one service with 10,000 registered children, and 1,000 properties views on 1,000 nodes.
 *
 *   parent (changer) ── fork ──▶ child: zkit or direct, alone in its process (its memory is its own)
 *        │                          registers N servers (64 in flight), loads a view of them
 *        └── adds/removes one child ──▶ ZooKeeper ──▶ child's watch ──▶ callback: time, bytes, main-thread busy
 *
 * One change in a big view is where the designs differ: a one-shot ZooKeeper watch says only "children changed",
 * so the direct client re-reads all N names on its main thread (O(children) on the wire and in the diff). zkit
 * follows a node this big through a persistent recursive watch (ZooKeeper 3.6+), which names the child created or
 * deleted: O(1) in its worker, and the diff alone crosses to the main thread.
 */

import { ChildTrial } from '../child-ipc.js';
import type { BenchContext } from '../context.js';
import { runInFlight } from '../pool.js';
import type { Row, ScenarioResult, TargetCheck, Unit } from '../report.js';
import { monotonicNs, summarize } from '../stats.js';
import { CHANGE_BUSY_US, CHANGE_BYTES } from '../targets.js';
import type { MemoryFigures, ScaleChildConfig, ScaleFromChild, ScaleToChild } from './scale-protocol.js';
import { type ServicesTrial, servicesChecks, servicesRows, servicesTrials } from './scale-services.js';

type Kind = ScaleChildConfig['kind'];

interface ChildrenTrial {
  readonly registerMs: number;
  readonly loadMs: number;
  readonly loadBytes: number | null;
  readonly memory: MemoryFigures;
  /** From the parent issuing the create/delete, and from its acknowledgement (the change committed). */
  readonly latencyUs: number[];
  readonly committedUs: number[];
  /** The same, split: zkit applies an added child at once and a removed one after a barrier round trip. */
  readonly committedAddedUs: number[];
  readonly committedRemovedUs: number[];
  readonly busyUs: number[];
  readonly workerBusyUs: number[];
  readonly bytes: number[];
}

interface PropertiesTrial {
  readonly loadMs: number;
  readonly loadBytes: number | null;
  readonly memory: MemoryFigures;
}

const CHILD = new URL('./scale-child.js', import.meta.url);
const LOAD_TIMEOUT_MS = 180_000;
const CHANGE_TIMEOUT_MS = 15_000;
const MiB = 1024 * 1024;
/** Untimed changes first (an add and a remove): the first callback compiles code paths no later one does. */
const WARMUP_CHANGES = 2;

export async function scale(ctx: BenchContext): Promise<ScenarioResult> {
  const { config } = ctx;
  const children: Partial<Record<Kind, ChildrenTrial>> = {};
  const properties: Partial<Record<Kind, PropertiesTrial>> = {};
  // One side at a time: both would compete for 2 cores, and each process's memory must be its own.
  for (const kind of ['zkit', 'direct'] as const) {
    ctx.progress(`  4. ${config.scaleChildren} children: ${kind}`);
    children[kind] = await childrenTrial(ctx, kind);
  }
  const services = await servicesTrials(ctx);
  for (const kind of ['zkit', 'direct'] as const) {
    ctx.progress(`  4. ${config.propertiesViews} properties views: ${kind}`);
    properties[kind] = await propertiesTrial(ctx, kind);
  }
  return result(ctx, {
    children: children as Record<Kind, ChildrenTrial>,
    services,
    properties: properties as Record<Kind, PropertiesTrial>,
  });
}

async function childrenTrial(ctx: BenchContext, kind: Kind): Promise<ChildrenTrial> {
  const path = `${ctx.root}/scale/children-${kind}`;
  await ctx.admin.mkdirp(path);
  const child = ChildTrial.start<ScaleToChild, ScaleFromChild>(CHILD, {
    kind,
    mode: 'children',
    connectionString: ctx.connectionString,
    path,
    count: ctx.config.scaleChildren,
    inFlight: ctx.config.inFlight,
  } satisfies ScaleChildConfig);
  try {
    const loaded = await child.next('loaded', LOAD_TIMEOUT_MS);
    const latencyUs: number[] = [];
    const committedUs: number[] = [];
    const committedAddedUs: number[] = [];
    const committedRemovedUs: number[] = [];
    const busyUs: number[] = [];
    const workerBusyUs: number[] = [];
    const bytes: number[] = [];
    // Even changes add a child, odd ones remove it again: one child event each, the view back at N after a pair.
    for (let i = 0; i < WARMUP_CHANGES + ctx.config.scaleChanges; i++) {
      const present = i % 2 === 0;
      child.send({ type: 'arm', name: 'extra', present });
      await child.next('armed', CHANGE_TIMEOUT_MS);
      const start = monotonicNs();
      if (present) await ctx.admin.createPersistent(`${path}/extra`);
      else await ctx.admin.remove(`${path}/extra`);
      const acked = monotonicNs();
      const seen = await child.next('seen', CHANGE_TIMEOUT_MS);
      if (i < WARMUP_CHANGES) continue;
      latencyUs.push(Number(BigInt(seen.atNs) - start) / 1000);
      const committed = Number(BigInt(seen.atNs) - acked) / 1000;
      committedUs.push(committed);
      (present ? committedAddedUs : committedRemovedUs).push(committed);
      busyUs.push(seen.busyUs);
      if (seen.workerBusyUs !== null) workerBusyUs.push(seen.workerBusyUs);
      if (seen.bytes !== null) bytes.push(seen.bytes);
    }
    child.send({ type: 'exit' });
    return {
      registerMs: loaded.registerMs ?? Number.NaN,
      loadMs: loaded.loadMs,
      loadBytes: loaded.loadBytes,
      memory: loaded.memory,
      latencyUs,
      committedUs,
      committedAddedUs,
      committedRemovedUs,
      busyUs,
      workerBusyUs,
      bytes,
    };
  } finally {
    await child.finish(15_000);
  }
}

async function propertiesTrial(ctx: BenchContext, kind: Kind): Promise<PropertiesTrial> {
  const path = `${ctx.root}/scale/properties-${kind}`;
  await ctx.admin.mkdirp(path);
  await runInFlight(ctx.config.propertiesViews, ctx.config.inFlight, (i) =>
    ctx.admin.createPersistent(`${path}/p${i}`, Buffer.from(JSON.stringify(serviceConfig(i)))),
  );
  const child = ChildTrial.start<ScaleToChild, ScaleFromChild>(CHILD, {
    kind,
    mode: 'properties',
    connectionString: ctx.connectionString,
    path,
    count: ctx.config.propertiesViews,
    inFlight: ctx.config.inFlight,
  } satisfies ScaleChildConfig);
  try {
    const loaded = await child.next('loaded', LOAD_TIMEOUT_MS);
    child.send({ type: 'exit' });
    return { loadMs: loaded.loadMs, loadBytes: loaded.loadBytes, memory: loaded.memory };
  } finally {
    await child.finish(15_000);
  }
}

/** About 120 bytes of JSON: a typical service configuration node. */
function serviceConfig(i: number): Record<string, unknown> {
  return { threads: 4, timeout: 30, database: `db-${i}.internal:5432`, features: ['a', 'b'], weight: 1.5 };
}

interface Trials {
  readonly children: Record<Kind, ChildrenTrial>;
  readonly services: Record<Kind, ServicesTrial>;
  readonly properties: Record<Kind, PropertiesTrial>;
}

function result(ctx: BenchContext, { children, services, properties }: Trials): ScenarioResult {
  const n = ctx.config.scaleChildren.toLocaleString('en-US');
  const v = ctx.config.propertiesViews.toLocaleString('en-US');
  const row = (metric: string, unit: Unit, of: (kind: Kind) => number | null): Row => ({
    metric,
    unit,
    zkit: of('zkit'),
    direct: of('direct'),
  });
  const latency = (kind: Kind) => summarize(children[kind].latencyUs);
  const committed = (kind: Kind) => summarize(children[kind].committedUs);
  const busy = (kind: Kind) => summarize(children[kind].busyUs);
  const zkitBytes = children.zkit.bytes.length > 0 ? summarize(children.zkit.bytes) : undefined;
  const rows: Row[] = [
    row(`register ${n} children, ${ctx.config.inFlight} in flight`, 'ms', (k) => children[k].registerMs),
    row(`${n}-child view: first load`, 'ms', (k) => children[k].loadMs),
    row(`${n}-child view: first load, bytes across threads`, 'KiB', (k) => kib(children[k].loadBytes)),
    row(`one child added/removed: committed → callback, p50`, 'us', (k) => committed(k).p50),
    row(`one child added/removed: committed → callback, p99`, 'us', (k) => committed(k).p99),
    row(
      `one child added: committed → callback, p50`,
      'us',
      (k) => summarize(children[k].committedAddedUs).p50,
    ),
    row(
      `one child removed: committed → callback, p50`,
      'us',
      (k) => summarize(children[k].committedRemovedUs).p50,
    ),
    row(`one child added/removed: write issued → callback, p50`, 'us', (k) => latency(k).p50),
    row(`one child added/removed: main-thread busy p50`, 'us', (k) => busy(k).p50),
    row(`one child added/removed: main-thread busy max`, 'us', (k) => busy(k).max),
    row(`one child added/removed: zkit worker busy p50`, 'us', (k) =>
      k === 'zkit' && children.zkit.workerBusyUs.length > 0
        ? summarize(children.zkit.workerBusyUs).p50
        : null,
    ),
    row(`one child added/removed: bytes across threads (max)`, 'B', (k) =>
      k === 'zkit' && zkitBytes ? zkitBytes.max : null,
    ),
    row(`process RSS: connected client, nothing loaded`, 'MiB', (k) =>
      rssDelta(children[k].memory, 'connected'),
    ),
    row(`process RSS: + ${n} registrations and their view`, 'MiB', (k) =>
      rssDelta(children[k].memory, 'loaded'),
    ),
    row(`main-thread heap: + ${n} registrations and their view`, 'MiB', (k) => heapDelta(children[k].memory)),
    row(`worker heap (live): with ${n} registrations and their view`, 'MiB', (k) =>
      workerHeapOf(children[k].memory),
    ),
    ...servicesRows(n, services, ctx.config.inFlight),
    row(`${v} properties views: load, ${ctx.config.inFlight} in flight`, 'ms', (k) => properties[k].loadMs),
    row(`${v} properties views: bytes across threads`, 'KiB', (k) => kib(properties[k].loadBytes)),
    row(`process RSS: + ${v} properties views`, 'MiB', (k) => rssDelta(properties[k].memory, 'loaded')),
    row(`main-thread heap: + ${v} properties views`, 'MiB', (k) => heapDelta(properties[k].memory)),
    row(`worker heap (live): with ${v} properties views`, 'MiB', (k) => workerHeapOf(properties[k].memory)),
  ];
  const busyZkit = busy('zkit');
  const checks: TargetCheck[] = [
    {
      target: `one change in a ${n}-child view: main-thread time < ${CHANGE_BUSY_US / 1000} ms (p50)`,
      measured: `p50 ${(busyZkit.p50 / 1000).toFixed(3)} ms, max ${(busyZkit.max / 1000).toFixed(3)} ms (direct p50 ${(busy('direct').p50 / 1000).toFixed(3)} ms)`,
      met: busyZkit.p50 < CHANGE_BUSY_US,
    },
    {
      target: `one change in a ${n}-child view: < ${CHANGE_BYTES / 1024} KiB across threads`,
      measured: zkitBytes ? `max ${zkitBytes.max} B` : 'no change measured',
      met: zkitBytes !== undefined && zkitBytes.max < CHANGE_BYTES,
    },
    {
      target: `one change in a ${n}-child view: committed → callback < 1 ms (end to end, p50)`,
      measured: `${(committed('zkit').p50 / 1000).toFixed(2)} ms (direct ${(committed('direct').p50 / 1000).toFixed(2)} ms; from write issued ${(latency('zkit').p50 / 1000).toFixed(2)} ms)`,
      met: committed('zkit').p50 < 1000,
    },
    ...servicesChecks(n, services),
  ];
  return {
    id: 4,
    title: 'Scale',
    rows,
    checks,
    distributions: [],
    context: [],
    notes: [
      `Each side runs alone in a child process; ${ctx.config.scaleChanges} single-child changes (half added, half removed) by the parent's session, after ${WARMUP_CHANGES} untimed ones.`,
      "Committed → callback: from the parent's create/delete being acknowledged to the callback in the child; write issued → callback adds the write itself (CLOCK_MONOTONIC, shared by both processes).",
      'zkit follows a node with at least `incrementalChildrenFrom` (default 1,000) children through a persistent recursive watch: an added child reaches the callback after its event alone; a removed one after one more round trip, which makes sure a registration deleted and re-created in one transaction never shows missing. The direct client re-reads and diffs all names after each one-shot watch.',
      "Main-thread busy: event-loop utilisation of the child's main thread from arming to the callback; for the direct client it includes re-reading and diffing all names. It is wall time while active, so a thread preempted by another process counts: the max shows a loaded machine.",
      "Memory: RSS is the whole process (zkit's worker thread and its uncollected garbage included); heaps are live objects after a full GC (the worker's from a heap snapshot, whole: compare with an idle client's in scenario 5).",
      'Bytes across threads: structured-clone size of every message the worker posted to the main thread (the direct client has no thread boundary).',
      `A ${n}-instance service: the parent creates ${n} instances (HOST:PORT children, ~60 B of JSON each), then rewrites ONE instance's data ${ctx.config.scaleChanges} times (after ${WARMUP_CHANGES} untimed). zkit follows them with \`zk.services()\` (one children view, one data view per instance) and the callback gets the changed instance (\`change.updated\`); the direct client keeps the same map by hand: getChildren with a watch, getData with a watch on every child, re-reading the changed child on its data watch. Both are O(change) per change; zkit's read happens in its worker.`,
    ],
  };
}

function kib(bytes: number | null): number | null {
  return bytes === null ? null : bytes / 1024;
}

function rssDelta(memory: MemoryFigures, stage: 'connected' | 'loaded'): number {
  const from = stage === 'connected' ? memory.baseline : memory.connected;
  return (memory[stage].rss - from.rss) / MiB;
}

function workerHeapOf(memory: MemoryFigures): number | null {
  return memory.workerHeap === null ? null : memory.workerHeap / MiB;
}

function heapDelta(memory: MemoryFigures): number {
  return (memory.loaded.heapUsed - memory.connected.heapUsed) / MiB;
}
