// Model-based tests: fast-check generates histories of commands (open and close views, writes through another
// session and through zkit, children created and deleted, nodes deleted and re-created, registrations, and faults:
// a dropped connection, an expired session, a terminated worker, a stalled main thread). Each command acts on a real
// zkit client and on a simple model; after each, once settled, every open view equals the model and ZooKeeper, every
// live registration is in ZooKeeper with its data, and nothing unregistered is left.
// A failure prints its seed and path; replay it with ZKIT_TEST_SEED=<seed> ZKIT_TEST_PATH=<path>. Explore more
// histories with ZKIT_TEST_RUNS=<n>.
import { connect, type ZooKeeper } from '@zkit/client';
import { openObserver, startProxy, uniquePath } from '@zkit/testing';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, it } from 'vitest';
import { zkConnect } from './support/harness.js';
import { initialModel, type Model, type Real } from './support/model.js';
import { commands, knownHistories, SETTLE_MS, settle } from './support/model-commands.js';
import { testSeed } from './support/random.js';

/** Histories per run of the file; ZKIT_TEST_RUNS=<n> explores longer (the budget is about a minute on 2 cores). */
const RUNS = Number(process.env.ZKIT_TEST_RUNS ?? 40);
const MAX_COMMANDS = 24;

/** A fresh world for one run: its own base path, observer, proxy and client. Shrinking replays runs from here. */
async function world(
  incrementalChildrenFrom: number,
): Promise<{ model: Model; real: Real; close(): Promise<void> }> {
  const direct = zkConnect();
  const chroot = /\/.*$/.exec(direct)?.[0] ?? '';
  const base = uniquePath('model');
  const obs = await openObserver(direct);
  const proxy = await startProxy(direct.replace(/\/.*$/, ''));
  let zk: ZooKeeper | undefined;
  try {
    await obs.mkdirp(`${base}/servers`);
    await obs.create(`${base}/n0`, '{"v":0}');
    await obs.create(`${base}/n1`, '{"v":0}');
    zk = await connect(proxy.connectString + chroot, {
      sessionTimeout: 4000,
      stallTimeout: 2000,
      incrementalChildrenFrom,
      logger: pino({ level: process.env.ZKIT_TEST_LOG ?? 'silent' }),
    });
  } catch (error) {
    await Promise.all([obs.close(), proxy.close()]);
    throw error;
  }
  const client = zk;
  const real: Real = { zk: client, obs, proxy, base, direct, views: new Map(), registrations: new Map() };
  return {
    model: initialModel(),
    real,
    close: async () => {
      await client.close();
      await proxy.close();
      await obs.removeRecursive(base).catch(() => {});
      await obs.close();
    },
  };
}

/**
 * How children views follow in a run: re-reading after one-shot watches, through a recursive watch from the first
 * child, or switching from one to the other at two children.
 */
const incrementalFrom = fc.constantFrom(Number.POSITIVE_INFINITY, 0, 2);

describe('zkit against a model', () => {
  it(
    'views, registrations and ZooKeeper agree with the model after every command',
    async () => {
      const seed = testSeed('model', 7);
      const path = process.env.ZKIT_TEST_PATH;
      await fc.assert(
        fc.asyncProperty(
          incrementalFrom,
          fc.commands(commands, { maxCommands: MAX_COMMANDS, size: 'medium' }),
          async (incrementalChildrenFrom, history) => {
            const { model, real, close } = await world(incrementalChildrenFrom);
            try {
              await fc.asyncModelRun(() => ({ model, real }), history);
              // Checked once more at the end: a fault last in the history, or a late restore undoing an unregister.
              await settle(model, real);
            } finally {
              await close();
            }
          },
        ),
        {
          seed,
          numRuns: RUNS,
          examples: knownHistories.map((history): [number, typeof history] => [
            Number.POSITIVE_INFINITY,
            history,
          ]),
          ...(path ? { path, endOnFailure: true } : {}),
          // Shrinking replays real histories: bound it, and say so rather than hang.
          interruptAfterTimeLimit: 150_000,
          markInterruptAsFailure: true,
        },
      );
    },
    200_000 + SETTLE_MS,
  );
});
