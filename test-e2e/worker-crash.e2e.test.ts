import { SessionError } from '@zkit/client';
import { workerThread } from '@zkit/client/internal';
import { startProxy, waitFor } from '@zkit/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { client, observer, root, zkConnect } from './support/harness.js';

describe('a worker that dies', () => {
  it('rejects in-flight calls with WORKER_CRASHED, then a new worker resumes the session and its views', async () => {
    const zk = await client({ sessionTimeout: 10_000 });
    const obs = await observer();
    const base = root('crash');
    const service = `${base}/servers`;
    const registration = await zk.registerServer(service, ['127.0.0.1', 8080]);
    const owner = zk.sessionId;
    const kids = await zk.children(service);
    await zk.ensure(`${base}/config`, { v: 1 });
    const props = await zk.properties(`${base}/config`);
    const states: string[] = [];
    zk.onState((state) => states.push(state));

    const inFlight = zk.diagnostics();
    await workerThread(zk)?.terminate();

    await expect(inFlight).rejects.toBeInstanceOf(SessionError);
    await expect(inFlight).rejects.toMatchObject({ code: 'WORKER_CRASHED' });
    // Calls made while the worker is replaced wait for the new one.
    const diagnostics = await zk.diagnostics();
    expect(diagnostics.sessionId).toBe(owner);
    expect(states).toEqual(['connecting', 'connected']);
    expect((await obs.exists(registration.path))?.ephemeralOwner).toBe(owner);

    await obs.create(`${service}/10.0.0.1:1`);
    await obs.setData(`${base}/config`, '{"v":2}');
    await waitFor(() => kids.has('10.0.0.1:1') && props.get('v') === 2);
    await registration.unregister();
    expect(kids.toArray()).toEqual(['10.0.0.1:1']);
  });

  it('leaves a registration cut off by a worker death either kept (resolved) or gone (rejected), never half-made', async () => {
    const zk = await client();
    const obs = await observer();
    const service = root('crash-inflight');
    await zk.ensure(service);
    const worker = workerThread(zk);

    const attempt = zk.registerServer(service, ['127.0.0.1', 1]);
    await worker?.terminate();
    const outcome = await attempt.then(
      () => 'registered',
      (error: { code?: string }) => error.code,
    );

    if (outcome === 'WORKER_CRASHED') {
      // The caller was told it failed: whatever the old worker did, nothing may stay behind once the new one is up.
      await zk.diagnostics();
      await waitFor(async () => (await obs.getChildren(service)).length === 0, { timeout: 15_000 });
    } else {
      expect(outcome).toBe('registered');
      await zk.diagnostics();
      expect(await obs.getChildren(service)).toEqual(['127.0.0.1:1']);
    }
  });

  it('rejects a registration the dying worker was still placing with WORKER_CRASHED, and leaves no node', async () => {
    // The test above accepts either outcome; here no answer can come back before the worker dies: its connection
    // goes through a proxy that holds every byte until the worker is gone.
    const proxy = await startProxy(zkConnect());
    onTestFinished(() => proxy.close());
    const zk = await client({ sessionTimeout: 10_000 }, proxy.connectString);
    const obs = await observer();
    const service = root('crash-pending');
    await zk.ensure(service);
    const worker = workerThread(zk);

    proxy.pause();
    const attempt = zk.registerServer(service, ['127.0.0.1', 1]);
    // diagnostics() is answered by the worker itself, after the registration it received first.
    await waitFor(async () => (await zk.diagnostics()).registrations.length === 1);
    await worker?.terminate();
    proxy.resume();

    await expect(attempt).rejects.toMatchObject({ code: 'WORKER_CRASHED' });
    // Whatever reached ZooKeeper from the old worker, nothing may stay once the new one is up.
    await zk.diagnostics();
    await waitFor(async () => (await obs.getChildren(service)).length === 0, { timeout: 15_000 });
  });

  it('close() during a replacement ends cleanly and later calls reject CLOSED', async () => {
    const zk = await client();
    await workerThread(zk)?.terminate();

    await zk.close();

    expect(zk.state).toBe('closed');
    await expect(zk.diagnostics()).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
