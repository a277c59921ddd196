import { AuthError, CREATOR_ALL_WORLD_READ } from '@zkit/client';
import { waitFor } from '@zkit/testing';
import { describe, expect, it } from 'vitest';
import { capturingLogger, client, observer, root, zkConnect } from './support/harness.js';
import { startFixture } from './support/process.js';

const ALICE = 'alice:s3cret';
const secured = {
  auth: [{ scheme: 'digest', credentials: ALICE }],
  registrationAcl: CREATOR_ALL_WORLD_READ,
  parentAcl: CREATOR_ALL_WORLD_READ,
};

describe('authentication and ACLs', () => {
  it('lets an unauthenticated session read a registration but not change or delete it', async () => {
    const zk = await client(secured);
    const obs = await observer();
    const registration = await zk.registerServer(`${root('acl-reg')}/servers`, ['127.0.0.1', 8080]);

    expect((await obs.getData(registration.path)).data).toBeDefined();
    await expect(obs.setData(registration.path, '{}')).rejects.toMatchObject({ code: 'NO_AUTH' });
    await expect(obs.remove(registration.path)).rejects.toMatchObject({ code: 'NO_AUTH' });
    const acl = await obs.getAcl(registration.path);
    // The 'auth' ACL entry becomes the creator's digest identity (its hash form is the server's business).
    expect(acl.map((entry) => `${entry.scheme}:${entry.id.split(':')[0]}`).sort()).toEqual([
      'digest:alice',
      'world:anyone',
    ]);
    await registration.unregister();
    expect(await obs.exists(registration.path)).toBeNull();
  });

  it('protects properties created with an ACL: other sessions get NO_AUTH, the owner writes', async () => {
    const owner = await client(secured);
    const stranger = await client();
    const obs = await observer();
    const path = root('acl-props');
    await owner.ensure(path, { threads: 1 });
    const strangerView = await stranger.properties(path);

    const refused = strangerView.update({ threads: 9 });

    await expect(refused).rejects.toBeInstanceOf(AuthError);
    await expect(refused).rejects.toMatchObject({ code: 'NO_AUTH', path });
    await expect(obs.setData(path, '{"threads":9}')).rejects.toMatchObject({ code: 'NO_AUTH' });
    await (await owner.properties(path)).update({ threads: 2 });
    await waitFor(() => strangerView.get('threads') === 2);
  });

  it('authenticates every new session after an expiry, so secured registrations come back', async () => {
    const obs = await observer();
    const base = root('acl-expiry');
    await obs.mkdirp(base);
    await obs.create(`${base}/config`, '{}');
    const proc = startFixture('zkit-process.ts', [zkConnect(), `${base}/servers`, `${base}/config`, '2000'], {
      ZKIT_FIXTURE_AUTH: ALICE,
    });
    const ready = await proc.line((l) => l.type === 'ready');
    const node = `${base}/servers/127.0.0.1:8080`;
    const acl = await obs.getAcl(node);

    proc.child.kill('SIGSTOP');
    await waitFor(async () => (await obs.exists(node)) === null, { timeout: 10_000 });
    proc.child.kill('SIGCONT');

    const restored = await waitFor(() => obs.exists(node), { timeout: 15_000 });
    expect(restored.ephemeralOwner).not.toBe(ready.sessionId);
    expect(await obs.getAcl(node)).toEqual(acl);
    await expect(obs.remove(node)).rejects.toMatchObject({ code: 'NO_AUTH' });
  });

  it('never puts credentials in logs, errors or state events', async () => {
    const { logger, text } = capturingLogger();
    const zk = await client({ ...secured, logger });
    const states: unknown[] = [];
    zk.onState((state) => states.push(state));
    const error = await zk.children(`${root('acl-secret')}/missing`).catch((e: unknown) => e);
    await zk.close();

    expect(text()).not.toContain('s3cret');
    expect(
      JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack }),
    ).not.toContain('s3cret');
    expect(JSON.stringify(states)).not.toContain('s3cret');
  });
});
