import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connect, type SessionState } from '@zkit/client';
import { waitFor } from '@zkit/testing';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { capturingLogger, client, observer, root, zkConnect } from './support/harness.js';

describe('lifecycle', () => {
  it('reports connected, then closed; close() is idempotent and later calls reject with CLOSED', async () => {
    const zk = await client();
    const states: SessionState[] = [];
    zk.onState((state) => states.push(state));
    const path = root('life');
    await zk.ensure(path);
    const props = await zk.properties(path);
    expect(zk.state).toBe('connected');

    await Promise.all([zk.close(), zk.close()]);
    await zk.close();

    expect(zk.state).toBe('closed');
    expect(states).toEqual(['closed']);
    await expect(zk.children(path)).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(props.update({ a: 1 })).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(zk.ensure(path)).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('closes every view with the client, ending for-await loops over their changes', async () => {
    const zk = await client();
    const obs = await observer();
    const service = root('lifecycle-views');
    await obs.mkdirp(service);
    const kids = await zk.children(service);
    const props = await zk.properties(service);
    const loops = [kids, props].map(async (view) => {
      let steps = 0;
      for await (const _ of view.changes()) steps++;
      return steps;
    });
    // Two next() calls at once are both answered.
    const iterator = kids.changes();
    const both = Promise.all([iterator.next(), iterator.next()]);

    await zk.close();

    expect(await Promise.all(loops)).toEqual([1, 1]);
    expect((await both).map((result) => result.done)).toEqual([false, true]);
    expect(() => kids.watch(() => {})).toThrow(expect.objectContaining({ code: 'CLOSED' }));
  });

  it('works under a chroot given in the connection string', async () => {
    const obs = await observer();
    const chroot = root('life-chroot');
    await obs.mkdirp(chroot);
    const zk = await client({}, `${zkConnect()}${chroot}`);

    const registration = await zk.registerServer('/svc', ['127.0.0.1', 1]);
    const kids = await zk.children('/svc');

    expect(registration.path).toBe('/svc/127.0.0.1:1');
    expect(kids.toArray()).toEqual(['127.0.0.1:1']);
    expect(await obs.getChildren(`${chroot}/svc`)).toEqual(['127.0.0.1:1']);
  });

  it('supports `await using`, which closes the session at the end of the block', async () => {
    const obs = await observer();
    const service = root('life-using');
    let path = '';
    {
      await using zk = await connect(zkConnect(), { logger: pino({ level: 'silent' }) });
      path = (await zk.registerServer(service, ['127.0.0.1', 1])).path;
      expect(await obs.exists(path)).not.toBeNull();
    }
    await waitFor(async () => (await obs.exists(path)) === null, { timeout: 2000 });
  });

  it('lets the process exit by itself after close()', async () => {
    const script = fileURLToPath(new URL('./fixtures/close-and-exit.ts', import.meta.url));
    const run = promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', script, zkConnect(), root('life-exit')],
      {
        timeout: 20_000,
      },
    );

    const { stdout } = await run;

    expect(stdout.trim()).toBe('closed');
  });

  it('lets the process exit by itself after connect() failed with CONNECT_TIMEOUT: no worker is left', async () => {
    const script = fileURLToPath(new URL('./fixtures/close-and-exit.ts', import.meta.url));
    const run = promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', script, '127.0.0.1:1', '/x', 'connect-fails'],
      {
        timeout: 20_000,
      },
    );

    const { stdout } = await run;

    expect(stdout.trim()).toBe('CONNECT_TIMEOUT');
  });

  it('logs through the caller pino logger as the ZooKeeper child, never with credentials', async () => {
    const { logger, records, text } = capturingLogger();
    const zk = await client({ logger, auth: [{ scheme: 'digest', credentials: 'alice:s3cret-pass' }] });
    const service = root('life-log');
    await zk.registerServer(service, ['127.0.0.1', 1]);
    await zk.close();

    const started = records.find((r) => r.msg === 'session started');
    expect(started).toMatchObject({ name: 'ZooKeeper', level: 30, sessionId: expect.any(String) });
    expect(records.find((r) => r.msg === 'server registered')).toMatchObject({
      path: `${service}/127.0.0.1:1`,
    });
    expect(records.every((r) => r.name === 'ZooKeeper')).toBe(true);
    expect(text()).not.toContain('s3cret');
  });
});
