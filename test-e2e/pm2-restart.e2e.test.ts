// pm2-zkit through PM2's restarts and reloads, against a private PM2 daemon, observed from an independent ZooKeeper
// session polling every ~20 ms: a fork-mode `pm2 restart` (PM2 lists the app stopping, then launching with pid 0)
// and a `pm2 reload` (PM2 parks the old instance as `_old_<pm_id>`) never make the node go; its pid changes in place.
// An announcement is tied to the pid that sent it: an app redeployed without announcing goes back to its env port.
import { freePorts, type Observer, uniquePath } from '@zkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, type Pm2Daemon } from './fixtures/pm2/daemon.js';
import { PLUGIN_HOST, startPlugin, stopPlugin } from './fixtures/pm2/plugin-run.js';
import { gone, presence, registered, renewed, startApp } from './fixtures/pm2/watch.js';

const HOST = PLUGIN_HOST;

let pm2: Pm2Daemon;
let obs: Observer;
const root = uniquePath('pm2-restart');
const servers = (app: string) => `${root}/${app}/servers`;

beforeAll(async () => {
  ({ pm2, obs } = await startPlugin(root));
});

afterAll(() => stopPlugin({ pm2, obs }, root));

describe('pm2-zkit through restarts', () => {
  it('keeps a fork-mode app’s node through pm2 restart, its new pid written in place', async () => {
    const [port] = await freePorts(1);
    const [before] = await startApp(pm2, APP, { name: 'fork-app', env: { PORT: String(port) } });
    const path = `${servers('fork-app')}/${HOST}:${port}`;
    await registered(obs, path, [before!.pid]);
    const owner = (await obs.exists(path))!.ephemeralOwner;
    const watching = presence(obs, path);

    await pm2.run(['restart', 'fork-app']);
    const [after] = await renewed(pm2, 'fork-app', [before!.pid]);
    const data = await registered(obs, path, [after!.pid]);

    const { reads, missing, owners } = await watching.stop();
    expect(data).toMatchObject({ pid: after!.pid, pm_id: before!.pm_id, restarts: 1 });
    expect(reads).toBeGreaterThan(10);
    expect(missing).toBe(0);
    expect([...owners]).toEqual([owner]);
  });

  it('keeps an announced port’s node through pm2 restart (the new pid announces it again)', async () => {
    const [port] = await freePorts(1);
    // APP_LISTEN is the fixture's own variable: the plugin can learn the port only from the announcement.
    const [before] = await startApp(pm2, APP, {
      name: 'speaker-app',
      env: { APP_LISTEN: String(port), ANNOUNCE: 'answer' },
    });
    const path = `${servers('speaker-app')}/${HOST}:${port}`;
    await registered(obs, path, [before!.pid]);
    const watching = presence(obs, path);

    await pm2.run(['restart', 'speaker-app']);
    const [after] = await renewed(pm2, 'speaker-app', [before!.pid]);
    await registered(obs, path, [after!.pid]);

    const { reads, missing } = await watching.stop();
    expect(reads).toBeGreaterThan(10);
    expect(missing).toBe(0);
    // Not registered at any other name meanwhile.
    expect(await obs.getChildren(servers('speaker-app'))).toEqual([`${HOST}:${port}`]);
  });

  it('keeps a one-instance cluster app’s node through pm2 reload, its new pid written in place', async () => {
    const [port] = await freePorts(1);
    const [before] = await startApp(pm2, APP, {
      name: 'reloaded-app',
      env: { PORT: String(port) },
      args: ['-i', '1'],
    });
    const path = `${servers('reloaded-app')}/${HOST}:${port}`;
    await registered(obs, path, [before!.pid]);
    const watching = presence(obs, path);

    await pm2.run(['reload', 'reloaded-app']);
    const [after] = await renewed(pm2, 'reloaded-app', [before!.pid]);
    const data = await registered(obs, path, [after!.pid]);

    const { reads, missing } = await watching.stop();
    expect(data).toMatchObject({ pid: after!.pid, pm_id: before!.pm_id, exec_mode: 'cluster' });
    expect(reads).toBeGreaterThan(10);
    expect(missing).toBe(0);
  });

  it('moves an app redeployed without announcing back to its env port, once the announced one’s grace is over', async () => {
    const [announced, envPort] = await freePorts(2);
    const [before] = await startApp(pm2, APP, {
      name: 'redeployed-app',
      env: { APP_LISTEN: String(announced), ANNOUNCE: '1' },
    });
    await registered(obs, `${servers('redeployed-app')}/${HOST}:${announced}`, [before!.pid]);

    // The new version listens on PORT and does not announce.
    await pm2.run(['restart', 'redeployed-app', '--update-env'], {
      APP_LISTEN: '',
      ANNOUNCE: '',
      PORT: String(envPort),
    });
    const [after] = await renewed(pm2, 'redeployed-app', [before!.pid]);

    // The grace for announcing again is 10 s (DEFAULTS.announceGrace).
    const data = await registered(
      obs,
      `${servers('redeployed-app')}/${HOST}:${envPort}`,
      [after!.pid],
      20_000,
    );
    expect(data).toMatchObject({ pid: after!.pid });
    await gone(obs, `${servers('redeployed-app')}/${HOST}:${announced}`, 1000);
  }, 40_000);
});
