/**
 * Scenario 3, stall survival: a process's main thread is blocked for 1x, 2x, 4x and 10x the session timeout.
 * zkit keeps its session in a worker thread, which keeps answering ZooKeeper; the direct client's session lives
 * on the blocked thread, so its pings stop and the server expires it, deleting its ephemeral nodes.
 *
 *   parent (this process) ── fork ──▶ child: zkit   ── registers N ──┐
 *                         ── fork ──▶ child: direct ── registers N ──┤
 *                                                                    ▼
 *   parent's own session ── watches both parents' children ──▶ ZooKeeper: counts what goes missing
 *
 * The stall must block the thread that runs the client, so each trial is a child process of its own, and the
 * observer is this process, whose thread never blocks. For each multiple the two trials run side by side.
 */

import { ChildTrial } from '../child-ipc.js';
import type { BenchContext } from '../context.js';
import { DirectClient } from '../direct.js';
import { RegistrationObserver } from '../observer.js';
import type { Row, ScenarioResult, TargetCheck } from '../report.js';
import type { StallChildConfig, StallFromChild, StallToChild } from './stall-protocol.js';

type Kind = StallChildConfig['kind'];

interface Trial {
  readonly kind: Kind;
  readonly multiple: number;
  readonly blockedMs: number;
  readonly lost: number;
  readonly restored: number;
  readonly expiries: number;
}

const CHILD = new URL('./stall-child.js', import.meta.url);
const START_TIMEOUT_MS = 30_000;

export async function stallSurvival(ctx: BenchContext): Promise<ScenarioResult> {
  const { config } = ctx;
  const timeout = await negotiatedTimeout(ctx.connectionString, config.stallSessionTimeout);
  const trials: Trial[] = [];
  for (const multiple of config.stallMultiples) {
    ctx.progress(`  3. stall ${multiple}x ${timeout} ms`);
    trials.push(
      ...(await Promise.all(
        (['zkit', 'direct'] as const).map((kind) => trial(ctx, kind, multiple, timeout)),
      )),
    );
  }
  const rows: Row[] = [];
  const checks: TargetCheck[] = [];
  for (const multiple of config.stallMultiples) {
    const zkit = trials.find((t) => t.kind === 'zkit' && t.multiple === multiple) as Trial;
    const direct = trials.find((t) => t.kind === 'direct' && t.multiple === multiple) as Trial;
    const label = `${multiple}x (${((multiple * timeout) / 1000).toFixed(1)} s blocked)`;
    rows.push(
      {
        metric: `${label}: registrations lost of ${config.stallRegistrations}`,
        unit: 'count',
        zkit: zkit.lost,
        direct: direct.lost,
      },
      { metric: `${label}: session expiries`, unit: 'count', zkit: zkit.expiries, direct: direct.expiries },
    );
    checks.push({
      target: `stall ${multiple}x session timeout: zkit loses 0 registrations`,
      measured: `zkit ${zkit.lost}, direct ${direct.lost} of ${config.stallRegistrations}`,
      met: zkit.lost === 0,
    });
  }
  const maxMultiple = Math.max(...config.stallMultiples);
  return {
    id: 3,
    title: 'Stall survival',
    rows,
    checks,
    distributions: [],
    context: [
      { label: 'session timeout granted by the server', value: timeout, unit: 'ms' },
      {
        label: 'longest measured block of a main thread',
        value: Math.max(...trials.map((t) => t.blockedMs)),
        unit: 'ms',
      },
    ],
    notes: [
      `Each trial: a child process registers ${config.stallRegistrations} servers, its main thread is blocked (Atomics.wait, like synchronous I/O), then it runs normally for one more session timeout.`,
      "Lost: seen missing by the parent's independent session at any time, or held by another session at the end (restored after an expiry counts as lost).",
      `zkit runs with its default stallTimeout (60 s), above the longest stall (${maxMultiple}x); past it zkit withdraws registrations on purpose.`,
      `Restored at the end by zkit after an expiry: ${trials.filter((t) => t.kind === 'zkit').reduce((n, t) => n + t.restored, 0)}.`,
    ],
  };
}

/** The timeout the server grants when asked for `asked` (it clamps to its bounds); both clients ask the same. */
async function negotiatedTimeout(connectionString: string, asked: number): Promise<number> {
  const probe = await DirectClient.connect(connectionString, asked);
  const granted = probe.sessionTimeout;
  await probe.close();
  return granted;
}

async function trial(ctx: BenchContext, kind: Kind, multiple: number, timeout: number): Promise<Trial> {
  const parent = `${ctx.root}/stall/${kind}-${multiple}x`;
  await ctx.admin.mkdirp(parent);
  const stallMs = multiple * timeout;
  const config: StallChildConfig = {
    kind,
    connectionString: ctx.connectionString,
    sessionTimeout: ctx.config.stallSessionTimeout,
    parent,
    registrations: ctx.config.stallRegistrations,
    stallMs,
    settleMs: timeout,
  };
  const child = ChildTrial.start<StallToChild, StallFromChild>(CHILD, config);
  try {
    const ready = await child.next('ready', START_TIMEOUT_MS);
    const observer = await RegistrationObserver.start(ctx.admin, parent, ready.names, ready.sessionId);
    child.send({ type: 'stall' });
    const resumed = await child.next('resumed', stallMs + START_TIMEOUT_MS);
    const settled = await child.next('settled', timeout + START_TIMEOUT_MS);
    const observed = await observer.finish();
    child.send({ type: 'exit' });
    return {
      kind,
      multiple,
      blockedMs: resumed.blockedMs,
      lost: observed.lost,
      restored: observed.restored,
      expiries: settled.expiries,
    };
  } finally {
    await child.finish(10_000);
  }
}
