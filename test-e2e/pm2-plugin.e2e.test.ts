// pm2-zkit run as an ordinary PM2 app (`pm2 start dist/main.js`), against a private PM2 daemon and the run's
// ZooKeeper; everything is observed from an independent ZooKeeper session.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePorts, type Observer, openObserver, uniquePath, waitFor } from '@zkit/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { APP, type Listed, type Pm2Daemon, startPm2Daemon } from './fixtures/pm2/daemon.js';

const PLUGIN = fileURLToPath(new URL('../packages/pm2-plugin/dist/main.js', import.meta.url));
const HOST = '127.0.0.1';
/** Short, so a killed plugin's nodes go quickly; the test server allows 1000 ms and up. */
const SESSION_TIMEOUT = 2000;
/** PM2 waits this long before restarting the killed plugin, so that its nodes are seen gone first. */
const PLUGIN_RESTART_DELAY = 3000;

interface NodeData {
  readonly pid: number;
  readonly pids: number[];
  readonly pm_id: number;
  readonly pm_ids: number[];
  readonly name: string;
  readonly instance: number;
  readonly exec_mode: string;
  readonly restarts: number;
  readonly [extra: string]: unknown;
}

let pm2: Pm2Daemon;
let obs: Observer;
const root = uniquePath('pm2-plugin');

beforeAll(async () => {
  if (!existsSync(PLUGIN)) throw new Error(`${PLUGIN} is missing: run \`npx turbo run build\` first`);
  obs = await openObserver(inject('zkConnect'));
  pm2 = await startPm2Daemon();
  await pm2.run(['start', PLUGIN, '--name', 'pm2-zkit', '--restart-delay', String(PLUGIN_RESTART_DELAY)], {
    ZK_CONNECT: inject('zkConnect'),
    ZKIT_ROOT: root,
    ZKIT_HOST: HOST,
    ZKIT_SESSION_TIMEOUT: String(SESSION_TIMEOUT),
  });
});

afterAll(async () => {
  await pm2?.kill();
  await obs?.removeRecursive(root);
  await obs?.close();
});

/** Starts the fixture app under PM2 and resolves with its processes once PM2 has them all online. */
async function startApp(name: string, env: Record<string, string>, instances = 1): Promise<Listed[]> {
  await pm2.run(['start', APP, '--name', name, ...(instances > 1 ? ['-i', String(instances)] : [])], env);
  return waitFor(
    async () => {
      const processes = await pm2.processes(name);
      return processes.length === instances && processes.every(isOnline) ? processes : undefined;
    },
    { message: `${name} online` },
  );
}

function isOnline(listed: Listed): boolean {
  return listed.pm2_env.status === 'online' && listed.pid > 0;
}

async function read(path: string): Promise<NodeData | undefined> {
  const stat = await obs.exists(path);
  if (stat === null) return undefined;
  const { data } = await obs.getData(path).catch(() => ({ data: undefined }));
  return data === undefined ? undefined : (JSON.parse(data.toString()) as NodeData);
}

/** Resolves with the node's data once it lists exactly `pids` (pid of instance 0 first). */
function registered(path: string, pids: readonly number[], timeout = 10_000): Promise<NodeData> {
  return waitFor(
    async () => {
      const data = await read(path);
      return data !== undefined && JSON.stringify(data.pids) === JSON.stringify(pids) ? data : undefined;
    },
    { timeout, message: `${path} listing pids ${pids.join(',')}` },
  );
}

function gone(path: string, timeout: number): Promise<true> {
  return waitFor(async () => ((await obs.exists(path)) === null ? true : undefined), {
    timeout,
    message: `${path} gone`,
  });
}

const servers = (app: string) => `${root}/${app}/servers`;

describe('pm2-zkit as a PM2 app', () => {
  it('registers a fork-mode app at <root>/<app>/servers/HOST:PORT with its pid, ZK_PORT before PORT', async () => {
    const [port, other] = await freePorts(2);
    const [app] = await startApp('fork-app', { ZK_PORT: String(port), PORT: String(other) });

    const data = await registered(`${servers('fork-app')}/${HOST}:${port}`, [app!.pid]);

    expect(data).toMatchObject({
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

    expect(data).toMatchObject({ exec_mode: 'cluster', instance: 0, pm_ids: instances.map((l) => l.pm_id) });
    expect(await obs.getChildren(servers('cluster-app'))).toEqual([`${HOST}:${port}`]);
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
    expect(data.restarts).toBe(1);
  });

  it('removes the node at once on pm2 stop', async () => {
    const [port] = await freePorts(1);
    const [app] = await startApp('stopped-app', { PORT: String(port) });
    const path = `${servers('stopped-app')}/${HOST}:${port}`;
    await registered(path, [app!.pid]);

    await pm2.run(['stop', 'stopped-app']);

    // The plugin's session lives on, so only an explicit removal can make the node go: a second is ample.
    await gone(path, 1000);
  });

  it('removes the node at once on pm2 delete', async () => {
    const [port] = await freePorts(1);
    const [app] = await startApp('deleted-app', { PORT: String(port) });
    const path = `${servers('deleted-app')}/${HOST}:${port}`;
    await registered(path, [app!.pid]);

    await pm2.run(['delete', 'deleted-app']);

    await gone(path, 1000);
  });

  it('removes one instance of a cluster app from the shared node, and the node with the last', async () => {
    const [port] = await freePorts(1);
    const [first, second] = await startApp('shrinking-app', { PORT: String(port) }, 2);
    const path = `${servers('shrinking-app')}/${HOST}:${port}`;
    await registered(path, [first!.pid, second!.pid]);

    await pm2.run(['stop', String(first!.pm_id)]);
    await registered(path, [second!.pid], 1000);

    await pm2.run(['stop', String(second!.pm_id)]);
    await gone(path, 1000);
  });

  it('registers the port a process announces by message, with its extra data', async () => {
    const [port] = await freePorts(1);
    // APP_LISTEN is the fixture's own variable: the plugin can learn this port only from the message.
    const [app] = await startApp('announcing-app', { APP_LISTEN: String(port), ANNOUNCE: '1' });

    const data = await registered(`${servers('announcing-app')}/${HOST}:${port}`, [app!.pid]);

    expect(data.version).toBe('1.2.3');
  });

  it("removes a stopped plugin's nodes at once (it closes its session) and registers them again when started", async () => {
    const [port] = await freePorts(1);
    const [app] = await startApp('steady-app', { PORT: String(port) });
    const path = `${servers('steady-app')}/${HOST}:${port}`;
    await registered(path, [app!.pid]);

    await pm2.run(['stop', 'pm2-zkit']);
    await gone(path, 1000);

    await pm2.run(['start', 'pm2-zkit']);
    await registered(path, [app!.pid]);
  });

  it('loses its nodes when killed (its session ends) and registers them again when PM2 restarts it', async () => {
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
    await registered(paths[0]!, [app!.pid], PLUGIN_RESTART_DELAY + 10_000);
    await registered(paths[1]!, [speaker!.pid]);
    expect((await obs.exists(paths[0]!))!.ephemeralOwner).not.toBe(owner);
    const [restarted] = await pm2.processes('pm2-zkit');
    expect(restarted!.pid).not.toBe(plugin!.pid);
  }, 30_000);
});
