import { waitFor } from '@zkit/testing';
import { describe, expect, it } from 'vitest';
import { http } from './fixtures/examples/http.js';
import { chroot, startExample, writeConfig } from './fixtures/examples/processes.js';

describe('http-service example', () => {
  it('registers under /fooservice/servers with its pid and greets with the configured greeting', async () => {
    const { connectionString, observer } = await chroot('service-register');
    await writeConfig(observer, { threads: 1, greeting: 'Hello' });

    const service = await startExample('http-service.js', [], connectionString);

    const { data, stat } = await observer.getData(`/fooservice/servers/${service.address}`);
    expect(JSON.parse(String(data))).toEqual({ pid: service.pid });
    expect(stat.ephemeralOwner).not.toBe('0000000000000000');
    expect((await http(service.url)).body).toEqual({
      server: service.address,
      greeting: 'Hello',
      pid: service.pid,
    });
  });

  it('applies a configuration change live, without a restart', async () => {
    const { connectionString, observer } = await chroot('service-live-config');
    await writeConfig(observer, { threads: 1, greeting: 'Hello' });
    const service = await startExample('http-service.js', [], connectionString);

    // Another session changes the configuration, as an operator would.
    await writeConfig(observer, { threads: 3, greeting: 'Bonjour' });

    const status = await waitFor(
      async () => {
        const { body } = await http(`${service.url}status`);
        return body.greeting === 'Bonjour' && body.threads === 3 ? body : undefined;
      },
      { message: 'the new configuration to apply' },
    );
    expect(status.pid).toBe(service.pid);
    expect((await http(service.url)).body.greeting).toBe('Bonjour');
  });

  it('keeps its defaults when the configuration has malformed values', async () => {
    const { connectionString, observer } = await chroot('service-bad-config');
    await writeConfig(observer, { threads: 'four', greeting: 42 });

    const service = await startExample('http-service.js', [], connectionString);

    const { body } = await http(`${service.url}status`);
    expect([body.threads, body.greeting]).toEqual([1, 'Hello']);
  });

  it('on SIGTERM unregisters first, answers the request in flight, then exits 0', async () => {
    const { connectionString, observer } = await chroot('service-sigterm');
    await writeConfig(observer, { threads: 1, greeting: 'Hello' });
    const service = await startExample('http-service.js', [], connectionString);
    const node = `/fooservice/servers/${service.address}`;
    const slow = http(`${service.url}?ms=1500`);
    await waitFor(async () => (await http(`${service.url}status`)).body.active === 1, {
      message: 'the slow request',
    });
    let answered = false;
    void slow.then(() => {
      answered = true;
    });

    service.signal('SIGTERM');

    await waitFor(async () => (await observer.exists(node)) === null, { message: 'the node to go' });
    expect(answered).toBe(false); // unregistered while the request was still being worked on
    expect((await slow).status).toBe(200);
    expect(await service.exited).toEqual({ code: 0, signal: null });
  });

  it('stays registered, same session, through a main-thread stall twice its session timeout', async () => {
    const { connectionString, observer } = await chroot('service-stall');
    await writeConfig(observer, {});
    const service = await startExample(
      'http-service.js',
      ['--session-timeout', '2000', '--debug-routes'],
      connectionString,
    );
    const node = `/fooservice/servers/${service.address}`;
    const owner = (await observer.exists(node))?.ephemeralOwner;

    const stall = http(`${service.url}debug/stall?ms=4000`, 'POST');
    const owners = new Set<string | undefined>();
    let done = false;
    void stall.finally(() => {
      done = true;
    });
    for (let checks = 0; !done && checks < 100; checks++) {
      owners.add((await observer.exists(node))?.ephemeralOwner);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    expect((await stall).body.stalledMs).toBe(4000);
    expect([...owners]).toEqual([owner]);
  });

  it('refuses to start without its configuration node, saying what is missing', async () => {
    const { connectionString } = await chroot('service-no-config');

    await expect(startExample('http-service.js', [], connectionString)).rejects.toThrow(
      /\/fooservice does not exist/,
    );
  });
});
