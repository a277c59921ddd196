import { waitFor } from '@zkit/testing';
import zookeeper from 'node-zookeeper-client';
import { describe, expect, it } from 'vitest';
import { client, observer, root, zkConnect } from './support/harness.js';
import { blockThread, sampleFromAnotherProcess } from './support/sampler.js';

const SESSION_TIMEOUT = 2000;

describe('a blocked main thread', () => {
  it('keeps a zkit registration, with the same owner, through a block of 4x the session timeout', async () => {
    const zk = await client({ sessionTimeout: SESSION_TIMEOUT });
    const registration = await zk.registerServer(root('stall-zkit'), ['127.0.0.1', 8080]);
    const owner = zk.sessionId;
    const sampler = await sampleFromAnotherProcess(zkConnect(), registration.path, 5 * SESSION_TIMEOUT);

    blockThread(4 * SESSION_TIMEOUT);

    const samples = await sampler.samples;
    expect(samples.length).toBeGreaterThan(20);
    expect(samples.filter((s) => s.owner !== owner)).toEqual([]);
    expect(zk.state).toBe('connected');
    expect(zk.sessionId).toBe(owner);
  });

  it('loses a plain node-zookeeper-client registration through the same block (the control)', async () => {
    const direct = await directClient(zkConnect(), SESSION_TIMEOUT);
    const path = `${root('stall-direct')}-127.0.0.1:8080`;
    await new Promise<void>((resolve, reject) =>
      direct.create(path, Buffer.from('{}'), zookeeper.CreateMode.EPHEMERAL, (e) =>
        e ? reject(e) : resolve(),
      ),
    );
    const owner = direct.getSessionId().toString('hex');
    const sampler = await sampleFromAnotherProcess(zkConnect(), path, 5 * SESSION_TIMEOUT);

    blockThread(4 * SESSION_TIMEOUT);

    const samples = await sampler.samples;
    direct.close();
    expect(samples[0]?.owner).toBe(owner);
    expect(samples.some((s) => s.owner === null)).toBe(true);
  });

  it('removes registrations after stallTimeout and puts them back when the thread recovers', async () => {
    const zk = await client({ sessionTimeout: SESSION_TIMEOUT, stallTimeout: 1500 });
    const obs = await observer();
    const registration = await zk.registerServer(root('stall-long'), ['127.0.0.1', 8080], {
      data: { role: 'web' },
    });
    const sampler = await sampleFromAnotherProcess(zkConnect(), registration.path, 4000);

    blockThread(3000);

    const samples = await sampler.samples;
    expect(samples.some((s) => s.owner === null)).toBe(true);
    const back = await waitFor(() => obs.exists(registration.path), { timeout: 5000 });
    expect(back.ephemeralOwner).toBe(zk.sessionId);
    expect(JSON.parse(String((await obs.getData(registration.path)).data))).toEqual({
      role: 'web',
      pid: process.pid,
    });
  });

  it('changes nothing when a stall is shorter than stallTimeout', async () => {
    const zk = await client({ sessionTimeout: SESSION_TIMEOUT, stallTimeout: 4000 });
    const registration = await zk.registerServer(root('stall-short'), ['127.0.0.1', 8080]);
    const owner = zk.sessionId;
    const sampler = await sampleFromAnotherProcess(zkConnect(), registration.path, 3000);

    blockThread(2000);

    const samples = await sampler.samples;
    expect(samples.filter((s) => s.owner !== owner)).toEqual([]);
  });
});

function directClient(connectionString: string, sessionTimeout: number): Promise<zookeeper.Client> {
  const direct = zookeeper.createClient(connectionString, { sessionTimeout });
  return new Promise((resolve) => {
    direct.once('connected', () => resolve(direct));
    direct.connect();
  });
}
