// pm2-zkit as PM2 users know modules (pm2-logrotate, @pm2/io), against a private PM2 daemon, read through PM2's own
// API (what `pm2 show` and `pm2 trigger` use) and an independent ZooKeeper observer: other PM2 modules are not
// registered unless `register_modules` says so; metrics and the `resync` and `list` actions reach PM2; an unhandled
// rejection ends the plugin (for PM2 to restart it), @pm2/io loaded and all.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePorts, type Observer, uniquePath, waitFor } from '@zkit/testing';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { connectPm2Api, type Pm2Api } from './fixtures/pm2/api.js';
import { APP, type Listed, type Pm2Daemon } from './fixtures/pm2/daemon.js';
import { PLUGIN, PLUGIN_HOST, startPlugin, stopPlugin } from './fixtures/pm2/plugin-run.js';
import { isOnline, registered, startApp } from './fixtures/pm2/watch.js';

/** Another PM2 module: `pm2 install file://` takes a folder named as its package. */
const OTHER_MODULE = new URL('./fixtures/pm2/zkit-fixture-module', import.meta.url);
const HOST = PLUGIN_HOST;

let pm2: Pm2Daemon;
let api: Pm2Api;
let obs: Observer;
const root = uniquePath('pm2-conventions');
const servers = (app: string) => `${root}/${app}/servers`;

beforeAll(async () => {
  ({ pm2, obs } = await startPlugin(root));
  api = await connectPm2Api(pm2.home);
}, 30_000);

afterAll(async () => {
  api?.disconnect();
  await stopPlugin({ pm2, obs }, root);
});

async function plugin(): Promise<Listed> {
  const [listed] = await pm2.processes('pm2-zkit');
  if (listed === undefined || !isOnline(listed)) throw new Error('pm2-zkit is not online');
  return listed;
}

/** The app's stdout (its PM2 out log) has a line equal to `line`. */
async function printed(listed: Listed, line: string): Promise<boolean> {
  const text = await readFile(listed.pm2_env.pm_out_log_path ?? '', 'utf8').catch(() => '');
  return text.split('\n').includes(line);
}

it('publishes its metrics and the actions resync and list to PM2 (pm2 show, pm2 monit, pm2 trigger)', async () => {
  const [port] = await freePorts(1);
  const [app] = await startApp(pm2, APP, {
    name: 'api-app',
    env: { APP_LISTEN: String(port), ANNOUNCE: 'answer' },
  });
  const path = `${servers('api-app')}/${HOST}:${port}`;
  await registered(obs, path, [app!.pid]);

  // @pm2/io sends the metrics about once a second.
  const described = await waitFor(
    async () => {
      const [one] = await api.describe('pm2-zkit');
      return one?.pm2_env.axm_monitor?.['Registered nodes']?.value === 1 ? one : undefined;
    },
    { timeout: 10_000, message: 'the metrics in pm2 describe' },
  );
  const metrics = described.pm2_env.axm_monitor!;
  expect(metrics['ZooKeeper session']?.value).toBe('connected');
  expect(String(metrics['Last sync']?.value)).toMatch(/^\d{4}-\d\d-\d\dT/);
  expect(metrics.Errors?.value).toBe(0);
  expect(metrics['Refused nodes']?.value).toBe(0);
  const actions = (described.pm2_env.axm_actions ?? []).map((action) => action.action_name);
  expect(actions).toEqual(expect.arrayContaining(['resync', 'list']));

  // list: what is registered, with its data.
  const listed = (await api.trigger('pm2-zkit', 'list')) as {
    success: boolean;
    nodes: Record<string, unknown>;
  };
  expect(listed.success).toBe(true);
  expect(Object.keys(listed.nodes)).toEqual([path]);
  expect(listed.nodes[path]).toMatchObject({ pid: app!.pid, name: 'api-app' });

  // resync: asks every process to announce again, and answers once the tree is put right.
  const resynced = await api.trigger('pm2-zkit', 'resync');
  expect(resynced).toMatchObject({ success: true, nodes: 1, session: 'connected', errors: 0 });
  await waitFor(async () => ((await printed(app!, 'asked to announce')) ? true : undefined), {
    message: 'api-app asked to announce by the resync',
  });
  // The plugin handled both and carries on.
  expect((await plugin()).pid).toBe(described.pid);
});

it('leaves other PM2 modules out, and registers them once `pm2 set pm2-zkit:register_modules true`', async () => {
  await pm2.run(
    ['install', pathToFileURL(fileURLToPath(OTHER_MODULE)).href],
    { npm_config_offline: 'true' },
    60_000,
  );
  const [other] = await waitFor(
    async () => {
      const processes = await pm2.processes('zkit-fixture-module');
      return processes[0] !== undefined && isOnline(processes[0]) ? processes : undefined;
    },
    { message: 'the other module online' },
  );
  expect(other!.pm2_env.pmx_module).toBe(true);
  const path = `${servers('zkit-fixture-module')}/pm2-${other!.pm_id}@${HOST}`;

  // After a sync that saw the module online (resync answers once it is done), it is not registered.
  expect(await api.trigger('pm2-zkit', 'resync')).toMatchObject({ success: true, errors: 0 });
  expect(await obs.exists(`${root}/zkit-fixture-module`)).toBeNull();

  // `pm2 set` restarts the plugin with the setting in its environment.
  const before = await plugin();
  await pm2.run(['set', 'pm2-zkit:register_modules', 'true']);
  await waitFor(async () => ((await obs.exists(path)) !== null ? true : undefined), {
    timeout: 15_000,
    message: `${path} registered`,
  });
  expect((await plugin()).pid).not.toBe(before.pid);
}, 60_000);

it('exits with code 1 on an unhandled rejection, @pm2/io loaded and all (review G4)', async () => {
  // A preload that rejects a promise nobody handles once the plugin has started (metrics and actions included).
  const reject = "setTimeout(() => Promise.reject(new Error('boom from the test')), 1500);";
  const child = spawn(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(reject)}`, PLUGIN],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        PATH: process.env.PATH,
        PM2_HOME: pm2.home,
        ZK_CONNECT: inject('zkConnect'),
        ZKIT_ROOT: `${root}-rejection`,
        ZKIT_HOST: HOST,
        ZKIT_STATE_FILE: `${pm2.home}/rejection.announcements.json`,
      },
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);

  expect(out).toContain('pm2-zkit starting');
  expect(out).toMatch(/"level":60,.*"msg":"unhandled rejection; exiting for PM2 to restart the plugin"/);
  expect(out).toContain('boom from the test');
  expect(code).toBe(1);
}, 30_000);
