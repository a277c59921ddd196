/**
 * Scenario 6, footprint: what one process pays for holding a client, for zkit, the floor of any worker design and
 * the direct client, side by side (issue 17).
 *
 *   parent ── fork ──▶ child: pino + one client: connect (timed) ── one registration ── one view ── GC ── RSS
 *          ◀── measured { startupMs, rss } ──
 *
 * Each trial is a fresh process (a warm OS file cache, cold V8), so start-up includes compiling the worker's code
 * in its new isolate, as a service's start does. Kinds alternate within a round and the order rotates per round.
 */

import { ChildTrial } from '../child-ipc.js';
import type { BenchContext } from '../context.js';
import type { Row, ScenarioResult, TargetCheck } from '../report.js';
import { median } from '../stats.js';
import { RSS_OVER_FLOOR_MIB, STARTUP_OVER_FLOOR_MS } from '../targets.js';
import type {
  FootprintChildConfig,
  FootprintFromChild,
  FootprintKind,
  FootprintToChild,
} from './footprint-protocol.js';

const CHILD = new URL('./footprint-child.js', import.meta.url);
const KINDS: readonly FootprintKind[] = ['zkit', 'floor', 'direct'];
const MIB = 1024 * 1024;

type Samples = Record<FootprintKind, { startupMs: number[]; rss: number[] }>;

async function trial(ctx: BenchContext, kind: FootprintKind, port: number): Promise<FootprintFromChild> {
  const config: FootprintChildConfig = {
    kind,
    connectionString: ctx.connectionString,
    path: `${ctx.root}/footprint`,
    port,
  };
  const child = ChildTrial.start<FootprintToChild, FootprintFromChild>(CHILD, config);
  try {
    return await child.next('measured', 60_000);
  } finally {
    await child.finish(10_000);
  }
}

export async function footprint(ctx: BenchContext): Promise<ScenarioResult> {
  await ctx.admin.mkdirp(`${ctx.root}/footprint`);
  const samples: Samples = {
    zkit: { startupMs: [], rss: [] },
    floor: { startupMs: [], rss: [] },
    direct: { startupMs: [], rss: [] },
  };
  let port = 1;
  for (let round = 0; round < ctx.config.footprintRounds; round++) {
    for (let k = 0; k < KINDS.length; k++) {
      const kind = KINDS[(round + k) % KINDS.length] as FootprintKind;
      const measured = await trial(ctx, kind, port++);
      samples[kind].startupMs.push(measured.startupMs);
      samples[kind].rss.push(measured.rss / MIB);
    }
  }
  const rss = (kind: FootprintKind) => median(samples[kind].rss);
  const startup = (kind: FootprintKind) => median(samples[kind].startupMs);
  const rows: Row[] = [
    {
      metric: 'process RSS after GC: one session, one registration, one view (median)',
      unit: 'MiB',
      zkit: rss('zkit'),
      floor: rss('floor'),
      direct: rss('direct'),
    },
    {
      metric: 'time to a connected session in a fresh process (median)',
      unit: 'ms',
      zkit: startup('zkit'),
      floor: startup('floor'),
      direct: startup('direct'),
    },
  ];
  const checks: TargetCheck[] = [
    {
      target: `process RSS <= the floor's + ${RSS_OVER_FLOOR_MIB} MiB`,
      measured: `${rss('zkit').toFixed(1)} MiB (floor ${rss('floor').toFixed(1)}, direct ${rss('direct').toFixed(1)})`,
      met: rss('zkit') <= rss('floor') + RSS_OVER_FLOOR_MIB,
    },
    {
      target: `time to a connected session <= the floor's + ${STARTUP_OVER_FLOOR_MS} ms`,
      measured: `${startup('zkit').toFixed(1)} ms (floor ${startup('floor').toFixed(1)}, direct ${startup('direct').toFixed(1)})`,
      met: startup('zkit') <= startup('floor') + STARTUP_OVER_FLOOR_MS,
    },
  ];
  return {
    id: 6,
    title: 'Footprint per process',
    rows,
    checks,
    distributions: [],
    context: [],
    notes: [
      `${ctx.config.footprintRounds} processes per kind, each a fresh \`node\` with pino loaded; kinds alternate, the order rotating per round; medians.`,
      'Floor: a bare worker thread that runs node-zookeeper-client and answers by raw postMessage (no zkit code, no comlink): the least any design that keeps the session on another thread can cost.',
      "RSS: the whole process after a full GC of its main thread, 0.5 s after the view loaded; a worker's heap is collected when V8 likes.",
      `Per-process RSS figures move by a few MiB between runs: read the medians of several runs.`,
    ],
  };
}
