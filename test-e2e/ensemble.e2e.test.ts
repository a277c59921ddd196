import type { SessionState } from '@zkit/client';
import { startZooKeeper, waitFor, type ZooKeeperHandle } from '@zkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, observer, retryThroughFailover, root } from './support/harness.js';

const SESSION_TIMEOUT = 4000;

describe('a 3-node ensemble under a live client', () => {
  let ensemble: ZooKeeperHandle;

  beforeAll(async () => {
    ensemble = await startZooKeeper({ servers: 3 });
  });
  afterAll(() => ensemble?.stop());

  it('keeps session, registrations and watches when the leader is killed and restarted', async () => {
    const zk = await client({ sessionTimeout: SESSION_TIMEOUT }, ensemble.connectionString);
    const obs = await observer(ensemble.connectionString);
    const base = root('failover');
    const registration = await zk.registerServer(`${base}/servers`, ['127.0.0.1', 8080]);
    const kids = await zk.children(`${base}/servers`);
    await zk.ensure(`${base}/config`, { v: 1 });
    const props = await zk.properties(`${base}/config`);
    const owner = zk.sessionId;
    const states: SessionState[] = [];
    zk.onState((state) => states.push(state));
    // A second client follows the servers through a recursive watch, which lives on the connection: it must be
    // added again on the new one.
    const follower = await client(
      { sessionTimeout: SESSION_TIMEOUT, incrementalChildrenFrom: 0 },
      ensemble.connectionString,
    );
    const followed = await follower.children(`${base}/servers`);
    const followerStates: SessionState[] = [];
    follower.onState((state) => followerStates.push(state));

    const leader = await ensemble.leader();
    await ensemble.kill(leader);
    const next = await waitFor(async () => {
      const index = await ensemble.leader();
      return index !== leader ? index + 1 : 0;
    });
    expect(next - 1).not.toBe(leader);

    await waitFor(() => zk.state === 'connected');
    expect((await retryThroughFailover(() => obs.exists(registration.path)))?.ephemeralOwner).toBe(owner);
    await retryThroughFailover(() => obs.create(`${base}/servers/10.0.0.2:1`));
    await retryThroughFailover(() => obs.setData(`${base}/config`, '{"v":2}'));
    await waitFor(() => kids.has('10.0.0.2:1') && props.get('v') === 2 && followed.has('10.0.0.2:1'));
    expect(followerStates).toContain('disconnected');

    await ensemble.restart(leader);
    await retryThroughFailover(() => obs.setData(`${base}/config`, '{"v":3}'));
    await retryThroughFailover(() => obs.create(`${base}/servers/10.0.0.3:1`));
    await waitFor(() => props.get('v') === 3 && followed.has('10.0.0.3:1'));
    expect((await follower.diagnostics()).watches.incremental).toEqual([`${base}/servers`]);
    expect(zk.sessionId).toBe(owner);
    expect(states).not.toContain('expired');
  });

  it('recovers everything after the whole ensemble was down for longer than the session timeout', async () => {
    const zk = await client({ sessionTimeout: SESSION_TIMEOUT }, ensemble.connectionString);
    const base = root('outage');
    const registration = await zk.registerServer(`${base}/servers`, ['127.0.0.1', 8080], {
      data: { role: 'web' },
    });
    await zk.ensure(`${base}/config`, { v: 1 });
    const props = await zk.properties(`${base}/config`);

    for (const server of ensemble.servers) await ensemble.kill(server.index);
    await waitFor(() => zk.state === 'disconnected');
    // The outage itself: the scenario is "down for longer than the session timeout".
    await new Promise((resolve) => setTimeout(resolve, SESSION_TIMEOUT * 1.5));
    expect(props.get('v')).toBe(1);
    await Promise.all(ensemble.servers.map((server) => ensemble.restart(server.index)));

    const obs = await observer(ensemble.connectionString);
    const node = await waitFor(() => obs.exists(registration.path), { timeout: 20_000 });
    expect(node.ephemeralOwner).toBe(zk.sessionId);
    expect(JSON.parse(String((await obs.getData(registration.path)).data))).toEqual({
      role: 'web',
      pid: process.pid,
    });
    await retryThroughFailover(() => obs.setData(`${base}/config`, '{"v":2}'));
    await waitFor(() => props.get('v') === 2, { timeout: 15_000 });
  }, 60_000);
});
