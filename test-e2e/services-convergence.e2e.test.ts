// Services views converge under churn: an invariant, not a scenario (convergence.e2e.test.ts checks the same of
// children and properties views). Another process churns the instances of a few services (`HOST:PORT` children
// created, deleted, replaced, their JSON data rewritten, now and then with what is no valid instance) with many
// requests in flight, while zkit opens and closes services views of them, with or without a fault injected
// meanwhile. Once the churn stops (and the fault healed), every open view must list exactly the instances ZooKeeper
// holds, each with its data as the view parses it, read by an independent session, within SETTLE_MS.
// The choices come from a printed seed: replay a failure with ZKIT_TEST_SEED=<seed>. The interleaving with the
// server is not reproducible; the history of choices is.
import { startZooKeeper, waitFor, type ZooKeeperHandle } from '@zkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectionDrops,
  type Fault,
  leaderKills,
  noFault,
  sessionExpiries,
  workerTerminations,
} from './support/faults.js';
import { client, observer, root, zkConnect } from './support/harness.js';
import { failIfAny, injectAtMarks, settle } from './support/invariant.js';
import { startFixture } from './support/process.js';
import { seeded, testSeed } from './support/random.js';
import { isVolatileService, serviceIndexOf, servicePath } from './support/service-plan.js';
import { differences, readServicesTruth, report } from './support/services-views.js';
import { ViewChurn } from './support/view-churn.js';

const SERVICES = 20;
/** Bounded by time on any machine (a fast one would reach maxOps first and churn for less). */
const CHURN = { maxOps: 40_000, maxMs: 3000, inFlight: 64 };
/** The invariant's bound: every open view equals ZooKeeper this long after the churn stopped and faults healed. */
const SETTLE_MS = 1000;
/** On failure, how much longer to wait before counting the views again (slow, or stuck for good?). */
const LATER_MS = 5000;
/**
 * Services have 0 to 11 children and cross this during the churn: their lists are followed both by re-reading and
 * through a persistent recursive watch, and switch from one to the other.
 */
const INCREMENTAL_FROM = 4;
/** Faults are injected at these progress lines of the churner (one every 250 ms): every 0.5 s from 0.5 s to 2.5 s. */
const FAULT_MARKS = [2, 4, 6, 8, 10];

/**
 * `connectionString`: where the churner and the observer connect (the ensemble, or the shared server); the zkit
 * client connects through `fault.connectString`.
 */
async function convergesUnderChurn(
  fault: Fault,
  allowed: readonly string[],
  connectionString = zkConnect(),
): Promise<void> {
  const seed = testSeed(`services convergence (${fault.name})`, 21);
  const base = root(`services-converge-${fault.name.replace(/\W+/g, '-')}`);
  const obs = await observer(connectionString);
  const churner = startFixture('service-churner.ts', [
    connectionString,
    base,
    String(SERVICES),
    String(seed),
    String(CHURN.maxOps),
    String(CHURN.maxMs),
    String(CHURN.inFlight),
  ]);
  await churner.line((l) => l.type === 'ready', { timeout: 20_000 });
  // The server's longest session timeout: a drop on a loaded machine must not expire the session by accident.
  const zk = await client(
    { sessionTimeout: 10_000, incrementalChildrenFrom: INCREMENTAL_FROM },
    fault.connectString,
  );
  fault.attach(zk);
  const views = new ViewChurn(seeded(seed + 1), {
    open: async (random) => {
      const path = servicePath(base, random.int(SERVICES));
      return { path, view: await zk.services(path, { format: 'zkit' }) };
    },
    parallel: 8,
    maxOpen: 150,
    closeChance: 0.25,
  });

  // Views opened before the churn follow it from its first change; the others are opened during it.
  await views.run(() => false, 100);
  churner.child.kill('SIGUSR2');
  await churner.line((l) => l.type === 'churning');
  let churning = true;
  const done = churner
    .line((l) => l.type === 'done', { timeout: CHURN.maxMs + 30_000 })
    .finally(() => {
      churning = false;
    });
  const injected = injectAtMarks(churner, fault, () => churning, {
    marks: FAULT_MARKS,
    timeout: CHURN.maxMs + 30_000,
  });
  await views.run(() => !churning, 20_000);
  const summary = await done;
  const injections = await injected;
  await fault.heal();
  await waitFor(() => zk.state === 'connected', { timeout: 20_000, message: 'the client connected' });

  const { instances: truth, leftOut } = await readServicesTruth(
    obs,
    views.open.map((open) => open.path),
  );
  const mayEnd = (path: string) => isVolatileService(serviceIndexOf(base, path) ?? -1);
  const find = () => differences(views.open, truth, mayEnd);
  const found = await settle(find, SETTLE_MS);

  const failures = Object.fromEntries(views.failures);
  const instances = [...truth.values()].reduce((sum, list) => sum + (list?.length ?? 0), 0);
  console.log(
    `services convergence (${fault.name}), seed ${seed}: churn ${JSON.stringify(summary)}; ` +
      `views opened ${views.opened}, closed ${views.closed}, open ${views.open.length} ` +
      `(of ${truth.size} services: ${instances} instances, ${leftOut} children left out), failed ${JSON.stringify(failures)}; ` +
      `faults injected ${injections}: ${fault.evidence() ?? 'no evidence'}`,
  );
  await failIfAny(found, find, `seed ${seed}, ${fault.name}: ${report(found, views.open.length)}`, LATER_MS);
  expect(fault.evidence(), 'the fault happened').toBeDefined();
  expect(Object.keys(failures).filter((code) => !allowed.includes(code))).toEqual([]);
  expect(views.open.length).toBeGreaterThan(40);
}

describe('services views converge to the instances ZooKeeper holds after a churn', {
  timeout: 40_000,
}, () => {
  it('with no fault', async () => {
    await convergesUnderChurn(noFault(zkConnect()), ['NO_NODE']);
  });

  it('with connection drops', async () => {
    await convergesUnderChurn(await connectionDrops(zkConnect()), ['NO_NODE']);
  });

  it('with connection drops whose reconnect is held, as during an election', async () => {
    await convergesUnderChurn(await connectionDrops(zkConnect(), 300), ['NO_NODE']);
  });

  it('with the worker terminated', async () => {
    await convergesUnderChurn(workerTerminations(zkConnect()), ['NO_NODE', 'WORKER_CRASHED']);
  });

  it('with the session expired', async () => {
    await convergesUnderChurn(sessionExpiries(zkConnect()), ['NO_NODE']);
  });

  describe('in a 3-node ensemble', () => {
    let ensemble: ZooKeeperHandle;
    beforeAll(async () => {
      ensemble = await startZooKeeper({ servers: 3 });
    });
    afterAll(() => ensemble?.stop());

    it('with the leader killed and restarted', async () => {
      await convergesUnderChurn(leaderKills(ensemble), ['NO_NODE'], ensemble.connectionString);
    });
  });
});
