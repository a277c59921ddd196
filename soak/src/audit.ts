/**
 * Figure 1, after every fault has healed: the writers pause (the clients' counters and the churner), and then every
 * open view of every live client must show what the observer reads from ZooKeeper.
 *
 *   soak ── pause ──▶ clients, churner        (each finishes its write in flight: PAUSE_TIMEOUT_MS, else a stuck write)
 *   loop: truth T1 ◀── observer
 *         reports ◀── every client (all its open views, as they are now)
 *         truth T2 ◀── observer
 *         a view agrees when it equals T1 or T2 for its path (the truth may change between the two reads)
 *   soak ── resume ──▶ clients, churner
 *
 * The rule: a view that does not agree by VIEW_GRACE_MS after the later of (the fault healed for every client, the
 * writers paused, the truth last changed, any client healed again after losing its connection meanwhile) is
 * counted once. The truth can still change while paused (a dead
 * process's session expiring, a write given up on landing late), and a view cannot be asked to show a change before
 * it happened. A counted view is followed for STALE_FOLLOW_MS more, to tell a late view from one stale for good.
 */
import type { ClientProcess } from './client-process.js';
import {
  AUDIT_POLL_MS,
  AUDIT_TIMEOUT_MS,
  PAUSE_TIMEOUT_MS,
  STALE_FOLLOW_MS,
  VIEW_GRACE_MS,
} from './config.js';
import type { Figures } from './figures.js';
import { describe } from './fleet.js';
import type { ViewReport } from './protocol.js';
import { delay } from './sleep.js';
import { canonical, type Snapshot, type Truth } from './truth.js';

export interface AuditResult {
  readonly views: number;
  readonly stale: number;
  /** From the writers pausing to every view agreeing (or the audit giving up). */
  readonly ms: number;
}

interface Disagreement {
  readonly process: ClientProcess;
  readonly view: ViewReport;
  readonly truth: string;
}

export interface AuditContext {
  readonly truth: Truth;
  readonly figures: Figures;
  /** Other writers to pause (the churner). */
  readonly pausables: readonly { pause(): Promise<void>; resume(): void }[];
  /** Runs once every writer is paused (the counters' check against acknowledged writes). */
  readonly whilePaused: () => Promise<void>;
  /** Which servers watch `path` for a session: for a stale view's incident. */
  readonly watchesOf: (path: string, sessionId: string | undefined) => Promise<string>;
}

export async function audit(clients: readonly ClientProcess[], ctx: AuditContext): Promise<AuditResult> {
  const { figures, pausables } = ctx;
  const healedAt = Math.max(...clients.map((c) => c.healAt ?? Date.now()));
  await pauseAll(clients, pausables, figures);
  const pausedAt = Date.now();
  try {
    await ctx.whilePaused();
    return await compare(clients, ctx, Math.max(healedAt, pausedAt));
  } finally {
    await Promise.all([
      ...clients.filter((c) => c.alive).map((c) => c.resume().catch(() => {})),
      ...pausables.map(async (p) => p.resume()),
    ]);
  }
}

async function pauseAll(
  clients: readonly ClientProcess[],
  pausables: readonly { pause(): Promise<void> }[],
  figures: Figures,
): Promise<void> {
  await Promise.all([
    ...pausables.map((p) => p.pause()),
    ...clients.map(async (client) => {
      try {
        await client.pause(PAUSE_TIMEOUT_MS);
      } catch (error) {
        if (client.alive)
          figures.count('stuckWrites', `${client.name} could not pause its writer: ${describe(error)}`);
      }
    }),
  ]);
}

async function compare(
  clients: readonly ClientProcess[],
  ctx: AuditContext,
  quietSince: number,
): Promise<AuditResult> {
  const { truth, figures } = ctx;
  const started = Date.now();
  let previous: Snapshot | undefined;
  let changedAt = quietSince;
  for (;;) {
    const { disagreeing, views, changed } = await look(clients, truth, figures, previous);
    const now = Date.now();
    previous = changed.after;
    if (changed.changed) changedAt = now;
    // A client that lost its connection meanwhile (the machine is loaded, a session expired) heals again first.
    changedAt = Math.max(changedAt, ...clients.filter((c) => c.alive).map((c) => c.healAt ?? now));
    if (disagreeing.length === 0) return { views, stale: 0, ms: now - started };
    if (now >= changedAt + VIEW_GRACE_MS || now - started >= AUDIT_TIMEOUT_MS) {
      for (const d of disagreeing) {
        const version = d.view.version === undefined ? '' : ` at version ${d.view.version}`;
        figures.count(
          'staleViews',
          `${d.process.name} view ${d.view.id} of ${d.view.path} shows ${short(d.view.value)}${version}` +
            `${d.view.ended ? ` (${d.view.ended})` : ''}; ZooKeeper holds ${d.truth}; ` +
            `${now - changedAt} ms after the later of heal, pause and the last change; ` +
            `the worker says ${await d.process.diagnose()}; ZooKeeper: ${await ctx.watchesOf(d.view.path, d.process.sessionId)}`,
        );
      }
      await follow(disagreeing, clients, truth, figures);
      return { views, stale: disagreeing.length, ms: Date.now() - started };
    }
    await delay(AUDIT_POLL_MS);
  }
}

/** One round: the truth, every client's views, the truth again. */
async function look(
  clients: readonly ClientProcess[],
  truth: Truth,
  figures: Figures,
  previous: Snapshot | undefined,
): Promise<{ disagreeing: Disagreement[]; views: number; changed: { changed: boolean; after: Snapshot } }> {
  const before = await truth.snapshot();
  const reports = await Promise.all(clients.filter((c) => c.alive).map((c) => reportOf(c, figures)));
  const after = await truth.snapshot();
  const changed = (previous !== undefined && !same(previous, before)) || !same(before, after);
  const disagreeing = reports.flatMap(({ process, views }) =>
    views
      .filter((view) => !agrees(view, before) && !agrees(view, after))
      .map((view) => ({ process, view, truth: describeTruth(view, after) })),
  );
  const views = reports.reduce((n, r) => n + r.views.length, 0);
  return { disagreeing, views, changed: { changed, after } };
}

/** Tells, for each counted view, whether it caught up later or stayed stale (noted, never counted again). */
async function follow(
  counted: readonly Disagreement[],
  clients: readonly ClientProcess[],
  truth: Truth,
  figures: Figures,
): Promise<void> {
  const started = Date.now();
  let open = [...counted];
  while (open.length > 0 && Date.now() - started < STALE_FOLLOW_MS) {
    await delay(AUDIT_POLL_MS);
    const { disagreeing } = await look(clients, truth, figures, undefined);
    const elapsed = Date.now() - started;
    open = open.filter((d) => {
      const still = disagreeing.some((s) => s.process === d.process && s.view.id === d.view.id);
      if (!still)
        figures.note('staleViews', `${d.process.name} view ${d.view.id} caught up ${elapsed} ms later`);
      return still;
    });
  }
  for (const d of open)
    figures.note('staleViews', `${d.process.name} view ${d.view.id} still stale ${STALE_FOLLOW_MS} ms later`);
}

async function reportOf(
  process: ClientProcess,
  figures: Figures,
): Promise<{ process: ClientProcess; views: ViewReport[] }> {
  try {
    const report = await process.report();
    return { process, views: [...report.views] };
  } catch (error) {
    // A healed client whose main thread cannot answer within the bound is not healthy, whatever its views show.
    if (process.alive) figures.count('unhealedClients', `${process.name} did not report: ${describe(error)}`);
    return { process, views: [] };
  }
}

/** A view that stopped following its node (the soak deletes none of them) is stale whatever it shows now. */
function agrees(view: ViewReport, truth: Snapshot): boolean {
  if (view.ended !== undefined) return false;
  const held = view.kind === 'children' ? truth.children.get(view.path) : truth.data.get(view.path);
  return held !== undefined && canonical(view.value) === canonical(held);
}

function describeTruth(view: ViewReport, truth: Snapshot): string {
  return short(view.kind === 'children' ? truth.children.get(view.path) : truth.data.get(view.path));
}

function same(a: Snapshot, b: Snapshot): boolean {
  return canonical([...a.children, ...a.data]) === canonical([...b.children, ...b.data]);
}

function short(value: unknown): string {
  const text = canonical(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
