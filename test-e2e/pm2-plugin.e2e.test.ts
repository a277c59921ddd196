// pm2-zkit run as an ordinary PM2 app (`pm2 start dist/main.js`), against a private PM2 daemon and the run's
// ZooKeeper; everything is observed from an independent ZooKeeper session. Every node's `pid` is checked against
// the pid `pm2 jlist` shows for the app (not the plugin's own).
import { readFile } from 'node:fs/promises';
import { freePorts, type Observer, uniquePath, waitFor } from '@zkit/testing';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { APP, type Listed, type Pm2Daemon } from './fixtures/pm2/daemon.js';
import { PLUGIN_HOST, startPlugin, stopPlugin } from './fixtures/pm2/plugin-run.js';
import * as watch from './fixtures/pm2/watch.js';
import { isOnline } from './fixtures/pm2/watch.js';

const HOST = PLUGIN_HOST;
/** Short, so a killed plugin's nodes go quickly; the test server allows 1000 ms and up. */
const SESSION_TIMEOUT = 2000;
/**
 * How soon a stopped app's node goes: the plugin's session lives on, so only its explicit removal can make it go, once
 * PM2 lists the app stopped and the restart grace (DEFAULTS.restartGrace, 500 ms: a restart looks the same until PM2
 * launches the new process) is over.
 */
const STOP_BOUND = 2000;
/**
 * PM2 waits this long before restarting the killed plugin, longer than the session timeout: the restarted plugin's
 * attempt to resume the dead one's session finds it expired, and its nodes are seen gone first.
 */
const PLUGIN_RESTART_DELAY = 3000;

let pm2: Pm2Daemon;
let obs: Observer;
const root = uniquePath('pm2-plugin');

beforeAll(async () => {
  ({ pm2, obs } = await startPlugin(root, {
    args: ['--restart-delay', String(PLUGIN_RESTART_DELAY)],
    env: { ZKIT_SESSION_TIMEOUT: String(SESSION_TIMEOUT) },
  }));
});

afterAll(() => stopPlugin({ pm2, obs }, root));

/** Starts the fixture app under PM2 and resolves with its processes once PM2 has them all online. */
function startApp(
  name: string,
  env: Record<string, string>,
  instances = 1,
  options: readonly string[] = [],
): Promise<Listed[]> {
  const args = [...(instances > 1 ? ['-i', String(instances)] : []), ...options];
  return watch.startApp(pm2, APP, { name, env, args, instances });
}

/** Resolves with the node's data once it lists exactly `pids` (pid of instance 0 first). */
const registered = (path: string, pids: readonly number[], timeout?: number) =>
  watch.registered(obs, path, pids, timeout);
const presence = (path: string) => watch.presence(obs, path);
const renewed = (name: string, old: readonly number[]) => watch.renewed(pm2, name, old);
const gone = (path: string, timeout: number) => watch.gone(obs, path, timeout);

const servers = (app: string) => `${root}/${app}/servers`;

/** The app's stdout (its PM2 out log) so far. */
async function outLog(listed: Listed): Promise<string> {
  const file = listed.pm2_env.pm_out_log_path;
  if (file === undefined) throw new Error(`PM2 lists no out log for ${listed.name}`);
  return readFile(file, 'utf8').catch(() => '');
}

/** Resolves once the app's out log has a line equal to `line`. */
function logged(listed: Listed, line: string, timeout = 10_000): Promise<true> {
  return waitFor(async () => ((await outLog(listed)).split('\n').includes(line) ? true : undefined), {
    timeout,
    message: `${listed.name} to print ${JSON.stringify(line)}`,
  });
}

describe('pm2-zkit as a PM2 app', () => {
  it('registers a fork-mode app at <root>/<app>/servers/HOST:PORT with its pid, ZK_PORT before PORT', async () => {
    const [port, other] = await freePorts(2);
    const [app] = await startApp('fork-app', { ZK_PORT: String(port), PORT: String(other) });

    const data = await registered(`${servers('fork-app')}/${HOST}:${port}`, [app!.pid]);

    expect(data).toMatchObject({
      pid: app!.pid,
      pm_id: app!.pm_id,
      pm_ids: [app!.pm_id],
      name: 'fork-app',
      instance: 0,
      exec_mode: 'fork',
      restarts: 0,
    });
    expect(await obs.getChildren(servers('fork-app'))).toEqual([`${HOST}:${port}`]);
  });

  it('registers a 2-instance cluster app sharing its port as one node listing both pids', async () => {
    const [port] = await freePorts(1);
    const instances = await startApp('cluster-app', { PORT: String(port) }, 2);

    const data = await registered(
      `${servers('cluster-app')}/${HOST}:${port}`,
      instances.map((listed) => listed.pid),
    );

    // `pid` is the first (lowest) instance's; `pids` lists them all.
    expect(data).toMatchObject({
      pid: instances[0]!.pid,
      exec_mode: 'cluster',
      instance: 0,
      pm_ids: instances.map((l) => l.pm_id),
    });
    expect(await obs.getChildren(servers('cluster-app'))).toEqual([`${HOST}:${port}`]);
  });

  it('registers a process without a port as pm2-<pm_id>@HOST with its pid, and removes it on stop', async () => {
    // No ZK_PORT, PORT or message: the fixture listens on a port of its choosing the plugin never learns.
    const [app] = await startApp('portless-app', {});
    const path = `${servers('portless-app')}/pm2-${app!.pm_id}@${HOST}`;

    const data = await registered(path, [app!.pid]);

    expect(data).toMatchObject({ pid: app!.pid, pm_id: app!.pm_id, name: 'portless-app', exec_mode: 'fork' });
    expect(await obs.getChildren(servers('portless-app'))).toEqual([`pm2-${app!.pm_id}@${HOST}`]);
    // Like any registration: ephemeral, world read-only.
    expect((await obs.exists(path))!.ephemeralOwner).not.toBe('0000000000000000');
    expect(await obs.getAcl(path)).toEqual([{ perms: 1, scheme: 'world', id: 'anyone' }]);

    await pm2.run(['stop', 'portless-app']);
    await gone(path, STOP_BOUND);
  });

  it('lists the new pid after kill -9 of an app process and PM2 restarting it', async () => {
    const [port] = await freePorts(1);
    const [before] = await startApp('crashing-app', { PORT: String(port) });
    const path = `${servers('crashing-app')}/${HOST}:${port}`;
    await registered(path, [before!.pid]);

    process.kill(before!.pid, 'SIGKILL');

    const after = await waitFor(
      async () => {
        const [listed] = await pm2.processes('crashing-app');
        return listed !== undefined && isOnline(listed) && listed.pid !== before!.pid ? listed : undefined;
      },
      { message: 'PM2 restarting crashing-app' },
    );
    const data = await registered(path, [after.pid]);
    expect(data).toMatchObject({ pid: after.pid, restarts: 1 });
  });

  // A fork app's node goes while PM2 runs no process for it (a restart kills the old one before it starts the new
  // one); a cluster app's node stays as long as one instance serves, and takes the new pids in place.
  it('updates a cluster node in place through pm2 reload: never missing, its pid the new first instance’s', async () => {
    const [port] = await freePorts(1);
    const before = await startApp('rolling-app', { PORT: String(port) }, 2);
    const oldPids = before.map((listed) => listed.pid);
    const path = `${servers('rolling-app')}/${HOST}:${port}`;
    await registered(path, oldPids);
    const watching = presence(path);

    // Instance by instance, each replacement online before its predecessor stops.
    await pm2.run(['reload', 'rolling-app']);
    const after = await renewed('rolling-app', oldPids);
    const data = await registered(path, [after[0]!.pid, after[1]!.pid], 5000);

    const { reads, missing } = await watching.stop();
    expect(data).toMatchObject({
      pid: after[0]!.pid,
      pm_ids: [before[0]!.pm_id, before[1]!.pm_id],
      instance: 0,
    });
    expect(reads).toBeGreaterThan(20);
    expect(missing).toBe(0);
  });

  it('removes the node on pm2 stop, once the restart grace is over', async () => {
    const [port] = await freePorts(1);
    const [app] = await startApp('stopped-app', { PORT: String(port) });
    const path = `${servers('stopped-app')}/${HOST}:${port}`;
    await registered(path, [app!.pid]);

    await pm2.run(['stop', 'stopped-app']);

    await gone(path, STOP_BOUND);
  });

  it('removes the node on pm2 delete, once the restart grace is over', async () => {
    const [port] = await freePorts(1);
    const [app] = await startApp('deleted-app', { PORT: String(port) });
    const path = `${servers('deleted-app')}/${HOST}:${port}`;
    await registered(path, [app!.pid]);

    await pm2.run(['delete', 'deleted-app']);

    await gone(path, STOP_BOUND);
  });

  it('removes one instance of a cluster app from the shared node, and the node with the last', async () => {
    const [port] = await freePorts(1);
    const [first, second] = await startApp('shrinking-app', { PORT: String(port) }, 2);
    const path = `${servers('shrinking-app')}/${HOST}:${port}`;
    await registered(path, [first!.pid, second!.pid]);

    await pm2.run(['stop', String(first!.pm_id)]);
    // With instance 0 gone, the lowest live instance's pid is the node's pid.
    expect(await registered(path, [second!.pid], STOP_BOUND)).toMatchObject({ pid: second!.pid });

    await pm2.run(['stop', String(second!.pm_id)]);
    await gone(path, STOP_BOUND);
  });

  it('registers the port a process announces by message, with its extra data', async () => {
    const [port] = await freePorts(1);
    // APP_LISTEN is the fixture's own variable: the plugin can learn this port only from the message.
    const [app] = await startApp('announcing-app', { APP_LISTEN: String(port), ANNOUNCE: '1' });

    const data = await registered(`${servers('announcing-app')}/${HOST}:${port}`, [app!.pid]);

    expect(data).toMatchObject({ pid: app!.pid, version: '1.2.3' });
  });

  it('hears an app that announced before the plugin started, by asking it again (zkit:announce)', async () => {
    const [port, mutePort] = await freePorts(2);
    await pm2.run(['stop', 'pm2-zkit']);
    // The later tests need the plugin: started again should this one fail before it does.
    onTestFinished(async () => {
      const [plugin] = await pm2.processes('pm2-zkit');
      if (plugin === undefined || !isOnline(plugin)) await pm2.run(['start', 'pm2-zkit']);
    });
    // Both apps announce while no plugin listens: the message is lost unless the plugin asks again. The first
    // answers through pm2-zkit's announcePort(); the second sent one message by hand and never answers.
    const [early] = await startApp('early-app', { APP_LISTEN: String(port), ANNOUNCE: 'answer' });
    const [mute] = await startApp('mute-app', { APP_LISTEN: String(mutePort), ANNOUNCE: '1' });
    await logged(early!, `announced ${port}`);
    await logged(mute!, `announced ${mutePort}`);

    await pm2.run(['start', 'pm2-zkit']);
    const [plugin] = await pm2.processes('pm2-zkit');

    const data = await registered(`${servers('early-app')}/${HOST}:${port}`, [early!.pid]);
    expect(data).toMatchObject({ pid: early!.pid, pm_id: early!.pm_id, version: '1.2.3' });
    expect(await obs.getChildren(servers('early-app'))).toEqual([`${HOST}:${port}`]);
    await logged(early!, 'asked to announce');
    // An app that does not answer is registered all the same, by process; asking it did the plugin no harm.
    await registered(`${servers('mute-app')}/pm2-${mute!.pm_id}@${HOST}`, [mute!.pid]);
    const [still] = await pm2.processes('pm2-zkit');
    expect(still).toMatchObject({ pid: plugin!.pid, pm2_env: { status: 'online' } });
  });

  it('an app answering announce requests still exits by itself on SIGTERM (the listener keeps nothing alive)', async () => {
    const [port] = await freePorts(1);
    // STOP=natural: SIGTERM only closes the server. No autorestart, so PM2 lists the process stopped once it exits.
    const [app] = await startApp(
      'exiting-app',
      { APP_LISTEN: String(port), ANNOUNCE: 'answer', STOP: 'natural' },
      1,
      ['--no-autorestart'],
    );
    const path = `${servers('exiting-app')}/${HOST}:${port}`;
    await registered(path, [app!.pid]);

    process.kill(app!.pid, 'SIGTERM');

    // PM2's own IPC listener (pm2-io-bpm, in every app) keeps the channel referenced, but every 3 s it checks
    // whether only the stdio and IPC pipes are left, and lets go for a moment so the app can exit. A listener of
    // announcePort's holding the channel would defeat that: the app would wait for PM2's SIGKILL.
    await logged(app!, 'exit 0', 8000);
    await gone(path, 5000);
    const [after] = await pm2.processes('exiting-app');
    expect(after!.pm2_env.status).toBe('stopped');
  });

  it("removes a stopped plugin's nodes at once (it closes its session) and registers them again when started", async () => {
    const [port] = await freePorts(1);
    const [app] = await startApp('steady-app', { PORT: String(port) });
    const path = `${servers('steady-app')}/${HOST}:${port}`;
    await registered(path, [app!.pid]);

    await pm2.run(['stop', 'pm2-zkit']);
    await gone(path, STOP_BOUND);

    await pm2.run(['start', 'pm2-zkit']);
    expect(await registered(path, [app!.pid])).toMatchObject({ pid: app!.pid });
  });

  it('loses its nodes when killed and down past its session timeout, and registers them again from a new session', async () => {
    const [port, announced] = await freePorts(2);
    const [app] = await startApp('survivor-app', { PORT: String(port) });
    const [speaker] = await startApp('speaker-app', { APP_LISTEN: String(announced), ANNOUNCE: '1' });
    const paths = [
      `${servers('survivor-app')}/${HOST}:${port}`,
      `${servers('speaker-app')}/${HOST}:${announced}`,
    ];
    await registered(paths[0]!, [app!.pid]);
    await registered(paths[1]!, [speaker!.pid]);
    const [plugin] = await pm2.processes('pm2-zkit');
    const owner = (await obs.exists(paths[0]!))!.ephemeralOwner;

    process.kill(plugin!.pid, 'SIGKILL');

    // Gone after the session timeout, before PM2's restart delay is over.
    await Promise.all(paths.map((path) => gone(path, SESSION_TIMEOUT + 2500)));
    // Back from a new session; the announced port too, though the app never announced it again.
    expect(await registered(paths[0]!, [app!.pid], PLUGIN_RESTART_DELAY + 10_000)).toMatchObject({
      pid: app!.pid,
    });
    expect(await registered(paths[1]!, [speaker!.pid])).toMatchObject({ pid: speaker!.pid });
    expect((await obs.exists(paths[0]!))!.ephemeralOwner).not.toBe(owner);
    const [restarted] = await pm2.processes('pm2-zkit');
    expect(restarted!.pid).not.toBe(plugin!.pid);
  }, 30_000);
});
