/**
 * Scenario 2, notification latency: another session changes a watched node; how long until this process's
 * main-thread callback runs with the new state.
 *
 *   changer process ── create/delete child, or setData ──▶ ZooKeeper ── watch event ──▶ watching client (here)
 *   zkit:   worker: event ─▶ re-read (getChildren/getData + watch) ─▶ diff ─▶ postMessage ─▶ main: view callback
 *   direct: main:   event ─▶ re-read (getChildren/getData + watch) ─▶ diff ─────────────────▶ callback
 *
 * Both sides must re-read: a ZooKeeper watch event says that a node changed, not what it holds now, and it
 * fires once, so the read that fetches the new state is also the one that re-arms. The changer is a child process
 * (changer-child.ts); its timestamps and the callback's are CLOCK_MONOTONIC (process.hrtime), which Linux shares
 * between processes.
 */
import type { ZooKeeper } from '@zkit/client';
import { ChildTrial } from '../child-ipc.js';
import type { BenchContext } from '../context.js';
import { DirectClient } from '../direct.js';
import { within } from '../pool.js';
import type { Distribution, Row, ScenarioResult, TargetCheck } from '../report.js';
import { monotonicNs, summarize } from '../stats.js';
import { NOTIFICATION_P50_US, NOTIFICATION_P99_US } from '../targets.js';
import { connectZkit } from '../zkit.js';
import type { Change, ChangerConfig, ChangerFromChild, ChangerToChild } from './changer-protocol.js';

const CHANGER = new URL('./changer-child.js', import.meta.url);

/** A watched node, through one of the two clients: `onState` is called with every new state it learns. */
interface Watching {
  close(): void;
}

/** What one kind of change does, and how a watcher recognises the state after change `i`. */
interface ChangeKind {
  readonly name: 'children' | 'properties';
  /** Change `i` of the node at `path`, for the changer to make. */
  change(path: string, i: number): Change;
  /** True when `state` is the state after change `i`. */
  reached(state: State, i: number): boolean;
  watchZkit(zk: ZooKeeper, path: string, onState: (state: State) => void): Promise<Watching>;
  watchDirect(direct: DirectClient, path: string, onState: (state: State) => void): Promise<Watching>;
}

/** Children names, or the properties' `seq`. */
type State = { readonly names: ReadonlySet<string> } | { readonly seq: number | undefined };

const CHILD = 'c';
/** Changes alternate sides in blocks, so a drift in the machine hits both alike. */
const BLOCK = 50;
const CHANGE_TIMEOUT_MS = 5000;

const children: ChangeKind = {
  name: 'children',
  // Even changes add the child, odd ones remove it: each change is exactly one child event.
  change: (path, i) => ({ op: i % 2 === 0 ? 'create' : 'remove', path: `${path}/${CHILD}` }),
  reached: (state, i) => 'names' in state && state.names.has(CHILD) === (i % 2 === 0),
  async watchZkit(zk, path, onState) {
    const view = await zk.children(path);
    view.watch((v) => onState({ names: new Set(v) }));
    return view;
  },
  async watchDirect(direct, path, onState) {
    let open = true;
    const watcher = (): void => {
      if (open) void direct.getChildren(path, watcher).then((names) => onState({ names: new Set(names) }));
    };
    onState({ names: new Set(await direct.getChildren(path, watcher)) });
    return { close: () => (open = false) };
  },
};

const properties: ChangeKind = {
  name: 'properties',
  change: (path, i) => ({ op: 'set', path, data: JSON.stringify({ seq: i }) }),
  reached: (state, i) => 'seq' in state && state.seq === i,
  async watchZkit(zk, path, onState) {
    const view = await zk.properties(path);
    view.watch((v) => {
      const seq = v.get('seq');
      onState({ seq: typeof seq === 'number' ? seq : undefined });
    });
    return view;
  },
  async watchDirect(direct, path, onState) {
    let open = true;
    const decode = (data: Buffer | undefined): State => {
      const seq = (JSON.parse(data?.toString() || '{}') as { seq?: unknown }).seq;
      return { seq: typeof seq === 'number' ? seq : undefined };
    };
    const watcher = (): void => {
      if (open) void direct.getData(path, watcher).then(({ data }) => onState(decode(data)));
    };
    onState(decode((await direct.getData(path, watcher)).data));
    return { close: () => (open = false) };
  },
};

interface Side {
  /** From the changer issuing its write: includes the write itself (ZooKeeper logs it to disk first). */
  readonly fromIssue: number[];
  /**
   * From the changer's acknowledgement, i.e. once the change is committed: ZooKeeper sends the watch events and
   * the writer's reply in the same step, so this is the delivery alone (slightly under it when the reply is read
   * after the event; a zkit callback that ran before the reply was read shows as a negative figure).
   */
  readonly fromAck: number[];
  /** The changer's own write, issue to acknowledgement: part of every notification, on both sides. */
  readonly writes: number[];
}

export async function notificationLatency(ctx: BenchContext): Promise<ScenarioResult> {
  const changer = ChildTrial.start<ChangerToChild, ChangerFromChild>(CHANGER, {
    connectionString: ctx.connectionString,
  } satisfies ChangerConfig);
  await changer.next('ready', 30_000);
  const zk = await connectZkit(ctx.connectionString);
  const direct = await DirectClient.connect(ctx.connectionString, 10_000);
  const rows: Row[] = [];
  const checks: TargetCheck[] = [];
  const distributions: Distribution[] = [];
  const writes: number[] = [];
  try {
    for (const kind of [children, properties]) {
      ctx.progress(`  2. ${kind.name}`);
      const { zkit, direct: control } = await measureKind(ctx, kind, { zk, direct, changer });
      writes.push(...zkit.writes, ...control.writes);
      const issued = { zkit: summarize(zkit.fromIssue), direct: summarize(control.fromIssue) };
      const committed = { zkit: summarize(zkit.fromAck), direct: summarize(control.fromAck) };
      rows.push(
        {
          metric: `${kind.name}: change committed → callback, p50`,
          unit: 'us',
          zkit: committed.zkit.p50,
          direct: committed.direct.p50,
        },
        {
          metric: `${kind.name}: change committed → callback, p99`,
          unit: 'us',
          zkit: committed.zkit.p99,
          direct: committed.direct.p99,
        },
        {
          metric: `${kind.name}: write issued → callback, p50`,
          unit: 'us',
          zkit: issued.zkit.p50,
          direct: issued.direct.p50,
        },
        {
          metric: `${kind.name}: write issued → callback, p99`,
          unit: 'us',
          zkit: issued.zkit.p99,
          direct: issued.direct.p99,
        },
      );
      // Both readings are held against the target: the first is what zkit and the client control, the second
      // adds ZooKeeper's own write (its disk sync), which no client can make faster.
      for (const [clock, figures] of [
        ['from commit', committed.zkit],
        ['from write issued', issued.zkit],
      ] as const) {
        checks.push(
          {
            target: `${kind.name} notification p50 < ${NOTIFICATION_P50_US / 1000} ms (${clock})`,
            measured: `${(figures.p50 / 1000).toFixed(2)} ms`,
            met: figures.p50 < NOTIFICATION_P50_US,
          },
          {
            target: `${kind.name} notification p99 < ${NOTIFICATION_P99_US / 1000} ms (${clock})`,
            measured: `${(figures.p99 / 1000).toFixed(2)} ms`,
            met: figures.p99 < NOTIFICATION_P99_US,
          },
        );
      }
      distributions.push({
        label: `notification: ${kind.name} (write issued → callback)`,
        zkit: zkit.fromIssue,
        direct: control.fromIssue,
      });
    }
  } finally {
    await zk.close();
    await direct.close();
    changer.send({ type: 'exit' });
    await changer.finish(10_000);
  }
  const write = summarize(writes);
  return {
    id: 2,
    title: 'Notification latency',
    rows,
    checks,
    distributions,
    context: [
      { label: "the changer's own write (issue to its ack), p50", value: write.p50, unit: 'us' },
      { label: "the changer's own write (issue to its ack), p99", value: write.p99, unit: 'us' },
    ],
    notes: [
      `${ctx.config.notifications} changes per kind and client, made one at a time by an independent session in a process of its own.`,
      "Committed → callback: from the changer receiving its write's reply (ZooKeeper sends watch events and that reply in the same step) to the callback seeing the new state.",
      'Write issued → callback: the same, from the changer issuing the write; it includes ZooKeeper logging the write to disk.',
      'Both clients re-read the node when the watch fires (the event carries no data, and the read re-arms the watch).',
    ],
  };
}

interface Clients {
  readonly zk: ZooKeeper;
  readonly direct: DirectClient;
  readonly changer: ChildTrial<ChangerToChild, ChangerFromChild>;
}

async function measureKind(
  ctx: BenchContext,
  kind: ChangeKind,
  { zk, direct, changer }: Clients,
): Promise<{ zkit: Side; direct: Side }> {
  const zkitSide: Side = { fromIssue: [], fromAck: [], writes: [] };
  const directSide: Side = { fromIssue: [], fromAck: [], writes: [] };
  const paths = {
    zkit: `${ctx.root}/notify-${kind.name}-zkit`,
    direct: `${ctx.root}/notify-${kind.name}-direct`,
  };
  for (const path of Object.values(paths)) await ctx.admin.createPersistent(path, Buffer.from('{}'));

  // The callback records when it saw the awaited state; the loop below waits for it, bounded.
  let awaited: { i: number; seenAt: bigint | undefined; done: () => void } | undefined;
  const onState = (state: State): void => {
    if (awaited && awaited.seenAt === undefined && kind.reached(state, awaited.i)) {
      awaited.seenAt = monotonicNs();
      awaited.done();
    }
  };
  const watching = {
    zkit: await kind.watchZkit(zk, paths.zkit, onState),
    direct: await kind.watchDirect(direct, paths.direct, onState),
  };
  try {
    const total = ctx.config.notifications;
    // Untimed warm-up changes first; both sides then alternate blocks, each continuing its own sequence.
    const next = { zkit: 0, direct: 0 };
    const run = async (side: 'zkit' | 'direct', count: number, into: Side | undefined): Promise<void> => {
      const seenAt: bigint[] = [];
      for (let n = 0; n < count; n++) {
        const i = next[side]++;
        const seen = new Promise<void>((done) => (awaited = { i, seenAt: undefined, done }));
        changer.send({ type: 'change', ...kind.change(paths[side], i) });
        await within(seen, CHANGE_TIMEOUT_MS, `${side} to see ${kind.name} change ${i}`);
        seenAt.push(awaited?.seenAt as bigint);
      }
      // The changer's timestamps come after the block, so no message reaches this process while one is timed.
      changer.send({ type: 'report' });
      const report = await changer.next('report', 30_000);
      if (report.error !== undefined) throw new Error(`the changer failed: ${report.error}`);
      if (report.timings.length !== seenAt.length)
        throw new Error(`the changer timed ${report.timings.length} changes, ${side} saw ${seenAt.length}`);
      report.timings.forEach(({ issuedNs, ackedNs }, n) => {
        const seen = seenAt[n] as bigint;
        const [issued, acked] = [BigInt(issuedNs), BigInt(ackedNs)];
        into?.fromIssue.push(Number(seen - issued) / 1000);
        into?.fromAck.push(Number(seen - acked) / 1000);
        into?.writes.push(Number(acked - issued) / 1000);
      });
    };
    const warmup = Math.min(ctx.config.warmup, 100);
    await run('zkit', warmup, undefined);
    await run('direct', warmup, undefined);
    for (let done = 0, block = 0; done < total; done += BLOCK, block++) {
      const count = Math.min(BLOCK, total - done);
      const order = block % 2 === 0 ? (['zkit', 'direct'] as const) : (['direct', 'zkit'] as const);
      for (const side of order) await run(side, count, side === 'zkit' ? zkitSide : directSide);
    }
  } finally {
    watching.zkit.close();
    watching.direct.close();
    awaited = undefined;
  }
  return { zkit: zkitSide, direct: directSide };
}
