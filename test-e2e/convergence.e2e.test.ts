// Convergence under churn: an invariant, not a scenario. Another process churns the children and data of a few
// hundred nodes with many requests in flight while zkit opens and closes views of them, with or without a fault
// injected meanwhile. Once the churn stops (and the fault healed), every open view must equal what ZooKeeper holds,
// read by an independent session, within SETTLE_MS.
// The choices (the churn's operations, the views opened and closed) come from a printed seed: replay a failure with
// ZKIT_TEST_SEED=<seed>. The interleaving with the server is not reproducible; the history of choices is.
import type { ConnectOptions } from '@zkit/client';
import { type SecureZooKeeperHandle, startZooKeeper, waitFor, type ZooKeeperHandle } from '@zkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexOf, isVolatile, nodePath } from './support/churn-plan.js';
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
import { ViewChurn } from './support/view-churn.js';
import { differences, openView, readTruth, report } from './support/views.js';

const NODES = 300;
/** Bounded by time on any machine (a fast one would reach maxOps first and churn for less). */
const CHURN = { maxOps: 60_000, maxMs: 4000, inFlight: 64 };
/** The invariant's bound: every open view equals ZooKeeper this long after the churn stopped and faults healed. */
const SETTLE_MS = 1000;
/** On failure, how much longer to wait before counting the views again (slow, or stuck for good?). */
const LATER_MS = 5000;
/**
 * Nodes have 0 to 8 children and cross this during the churn: children views follow both by re-reading and through
 * a persistent recursive watch, and switch from one to the other.
 */
const INCREMENTAL_FROM = 4;
/** Faults are injected at these progress lines of the churner (one every 250 ms): every 0.5 s from 0.5 s to 3 s. */
const FAULT_MARKS = [2, 4, 6, 8, 10, 12];

interface Case {
  readonly fault: Fault;
  /** Error codes an open may reject with under this fault (NO_NODE: the churn deleted the node). */
  readonly allowed: readonly string[];
  /** Where the churner and the observer connect (the ensemble, or the shared server). */
  readonly connectionString?: string;
  /** The zkit client's TLS settings, when it reaches the server over TLS (`fault.connectString` is a TLS port). */
  readonly tls?: ConnectOptions['tls'];
}

async function convergesUnderChurn({
  fault,
  allowed,
  connectionString = zkConnect(),
  tls,
}: Case): Promise<void> {
  const seed = testSeed(`convergence (${fault.name})`, 12);
  const base = root(`converge-${fault.name.replace(/\W+/g, '-')}`);
  const obs = await observer(connectionString);
  const churner = startFixture('churner.ts', [
    connectionString,
    base,
    String(NODES),
    String(seed),
    String(CHURN.maxOps),
    String(CHURN.maxMs),
    String(CHURN.inFlight),
  ]);
  await churner.line((l) => l.type === 'ready', { timeout: 20_000 });
  const zk = await client(
    // The server's longest (20 ticks): a drop or an election on a loaded CI machine must not expire the session by
    // accident, since those cases assert one session throughout. The expiry case ends sessions on purpose.
    { sessionTimeout: 10_000, incrementalChildrenFrom: INCREMENTAL_FROM, ...(tls ? { tls } : {}) },
    fault.connectString,
  );
  fault.attach(zk);
  const views = new ViewChurn(seeded(seed + 1), {
    open: (random) =>
      openView(zk, random.chance(0.5) ? 'children' : 'properties', nodePath(base, random.int(NODES))),
    parallel: 16,
    maxOpen: 500,
    closeChance: 0.25,
  });

  // Views opened before the churn follow it from its first change; the others are opened during it.
  await views.run(() => false, 150);
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
  await views.run(() => !churning, 50_000);
  const summary = await done;
  const injections = await injected;
  await fault.heal();
  await waitFor(() => zk.state === 'connected', { timeout: 20_000, message: 'the client connected' });

  const truth = await readTruth(
    obs,
    views.open.map((open) => open.path),
  );
  const mayEnd = (path: string) => isVolatile(indexOf(base, path) ?? -1);
  const find = () => differences(views.open, truth, mayEnd);
  const found = await settle(find, SETTLE_MS);

  const failures = Object.fromEntries(views.failures);
  console.log(
    `convergence (${fault.name}), seed ${seed}: churn ${JSON.stringify(summary)}; ` +
      `views opened ${views.opened}, closed ${views.closed}, open ${views.open.length}, failed ${JSON.stringify(failures)}; ` +
      `faults injected ${injections}: ${fault.evidence() ?? 'no evidence'}`,
  );
  await failIfAny(found, find, `seed ${seed}, ${fault.name}: ${report(found, views.open.length)}`, LATER_MS);
  expect(fault.evidence(), 'the fault happened').toBeDefined();
  expect(Object.keys(failures).filter((code) => !allowed.includes(code))).toEqual([]);
  expect(views.open.length).toBeGreaterThan(100);
}

// Six faults, each recovered from before the next (an expiry waits for the new session): slow on a loaded machine.
describe('views converge to what ZooKeeper holds after a churn', { timeout: 60_000 }, () => {
  it('with no fault', async () => {
    await convergesUnderChurn({ fault: noFault(zkConnect()), allowed: ['NO_NODE'] });
  });

  it('with connection drops', async () => {
    await convergesUnderChurn({ fault: await connectionDrops(zkConnect()), allowed: ['NO_NODE'] });
  });

  it('with connection drops whose reconnect is held, as during an election', async () => {
    await convergesUnderChurn({ fault: await connectionDrops(zkConnect(), 300), allowed: ['NO_NODE'] });
  });

  it('with the worker terminated', async () => {
    await convergesUnderChurn({
      fault: workerTerminations(zkConnect()),
      allowed: ['NO_NODE', 'WORKER_CRASHED'],
    });
  });

  it('with the session expired', async () => {
    await convergesUnderChurn({ fault: sessionExpiries(zkConnect()), allowed: ['NO_NODE'] });
  });

  // The churner and the observer use the server's plain port; zkit reaches it over mutual TLS, so every reconnect,
  // re-armed watch and new session goes through a TLS handshake.
  describe('over mutual TLS', () => {
    let secure: SecureZooKeeperHandle;
    beforeAll(async () => {
      secure = await startZooKeeper({ tls: { plainPort: true } });
    });
    afterAll(() => secure?.stop());
    const plain = () => secure.plainConnectionString ?? '';

    it('with connection drops', async () => {
      const drops = await connectionDrops(secure.connectionString);
      await convergesUnderChurn({
        fault: { ...drops, name: 'connection drops over TLS' },
        allowed: ['NO_NODE'],
        connectionString: plain(),
        tls: secure.tls.clientOptions,
      });
    });

    it('with the session expired', async () => {
      // The expiry is forced through the plain port: a session is the server's, whichever port it came through.
      const expiries = sessionExpiries(plain());
      await convergesUnderChurn({
        fault: { ...expiries, name: 'session expiry over TLS', connectString: secure.connectionString },
        allowed: ['NO_NODE'],
        connectionString: plain(),
        tls: secure.tls.clientOptions,
      });
    });
  });

  describe('in a 3-node ensemble', () => {
    let ensemble: ZooKeeperHandle;
    beforeAll(async () => {
      ensemble = await startZooKeeper({ servers: 3 });
    });
    afterAll(() => ensemble?.stop());

    it('with the leader killed and restarted', async () => {
      await convergesUnderChurn({
        fault: leaderKills(ensemble),
        allowed: ['NO_NODE'],
        connectionString: ensemble.connectionString,
      });
    });
  });
});
