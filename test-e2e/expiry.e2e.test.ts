import { waitFor } from '@zkit/testing';
import { describe, expect, it } from 'vitest';
import { observer, root, zkConnect } from './support/harness.js';
import { startFixture } from './support/process.js';

const SESSION_TIMEOUT = 2000;

describe('session expiry', () => {
  // The children view both ways: re-reading after one-shot watches, and through a recursive watch (re-added).
  it.each([
    { mode: 're-reading', incrementalChildrenFrom: 'Infinity' },
    { mode: 'incremental', incrementalChildrenFrom: '0' },
  ])(
    're-creates the registration with its data and ACL, and delivers what changed while expired ($mode)',
    async ({ incrementalChildrenFrom }) => {
      const obs = await observer();
      const base = root('expiry');
      const service = `${base}/servers`;
      const config = `${base}/config`;
      await obs.mkdirp(service);
      await obs.create(config, '{"threads":1}');
      const proc = startFixture('zkit-process.ts', [
        zkConnect(),
        service,
        config,
        String(SESSION_TIMEOUT),
        incrementalChildrenFrom,
      ]);
      const ready = await proc.line((l) => l.type === 'ready');
      const node = `${service}/127.0.0.1:8080`;
      const before = await obs.getData(node);
      const acl = await obs.getAcl(node);
      expect(before.stat.ephemeralOwner).toBe(ready.sessionId);

      // Freeze the whole process, worker included, past the session timeout: the server expires the session.
      proc.child.kill('SIGSTOP');
      await waitFor(async () => (await obs.exists(node)) === null, { timeout: 5 * SESSION_TIMEOUT });
      await obs.setData(config, '{"threads":2}');
      await obs.create(`${service}/10.0.0.9:1`);
      const mark = proc.lines.length;
      proc.child.kill('SIGCONT');

      const restored = await waitFor(() => obs.exists(node), { timeout: 15_000 });
      expect(restored.ephemeralOwner).not.toBe(ready.sessionId);
      expect((await obs.getData(node)).data).toEqual(before.data);
      expect(await obs.getAcl(node)).toEqual(acl);
      await proc.line((l) => l.type === 'state' && l.state === 'expired', { from: mark });
      const connected = await proc.line((l) => l.type === 'state' && l.state === 'connected', { from: mark });
      expect(connected.sessionId).toBe(restored.ephemeralOwner);
      await proc.line((l) => l.type === 'properties' && (l.data as { threads: number }).threads === 2, {
        from: mark,
      });
      await proc.line(
        (l) => l.type === 'children' && JSON.stringify(l.names) === '["10.0.0.9:1","127.0.0.1:8080"]',
        { from: mark },
      );

      // The watches are armed on the new session: a change now still arrives.
      await obs.setData(config, '{"threads":3}');
      await obs.remove(`${service}/10.0.0.9:1`);
      await proc.line((l) => l.type === 'properties' && (l.data as { threads: number }).threads === 3, {
        from: mark,
      });
      await proc.line((l) => l.type === 'children' && JSON.stringify(l.names) === '["127.0.0.1:8080"]', {
        from: mark,
      });
    },
  );

  it("waits for another session's node at its address instead of taking it, then registers", async () => {
    const obs = await observer();
    const base = root('expiry-foreign');
    const service = `${base}/servers`;
    await obs.mkdirp(service);
    await obs.create(`${base}/config`, '{}');
    const proc = startFixture('zkit-process.ts', [
      zkConnect(),
      service,
      `${base}/config`,
      String(SESSION_TIMEOUT),
    ]);
    await proc.line((l) => l.type === 'ready');
    const node = `${service}/127.0.0.1:8080`;

    proc.child.kill('SIGSTOP');
    await waitFor(async () => (await obs.exists(node)) === null, { timeout: 5 * SESSION_TIMEOUT });
    const squatter = await observer();
    await squatter.create(node, '{"pid":1}', { ephemeral: true });
    const mark = proc.lines.length;
    proc.child.kill('SIGCONT');
    await proc.line((l) => l.type === 'state' && l.state === 'connected', { from: mark });

    // The new session is up and restoring, but the address is another live session's: it stays theirs for as
    // long as we watch (a bounded window of observation, not a timing claim).
    for (let look = 0; look < 20; look++) {
      expect((await obs.exists(node))?.ephemeralOwner).toBe(squatter.sessionId);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await squatter.close();
    const ours = await waitFor(async () => {
      const stat = await obs.exists(node);
      return stat && stat.ephemeralOwner !== squatter.sessionId ? stat : null;
    });
    expect(JSON.parse(String((await obs.getData(node)).data))).toMatchObject({ role: 'fixture' });
    expect(ours.ephemeralOwner).toBe(
      (await proc.line((l) => l.type === 'state' && l.state === 'connected', { from: mark })).sessionId,
    );
  });
});
