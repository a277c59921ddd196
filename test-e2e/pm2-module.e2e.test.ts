// pm2-zkit installed as a PM2 module from a packed tarball (`pm2 install pm2-zkit-<v>.tgz`, dependencies bundled,
// no registry needed) and configured the module way: defaults from package.json's "config" (shown by `pm2 conf`),
// overridden with `pm2 set pm2-zkit:<key> <value>`.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePorts, type Observer, openObserver, uniquePath, waitFor } from '@zkit/testing';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { connectPm2Api } from './fixtures/pm2/api.js';
import { APP, type Pm2Daemon, startPm2Daemon } from './fixtures/pm2/daemon.js';

const PACK_BUNDLE = fileURLToPath(new URL('../packages/pm2-plugin/scripts/pack-bundle.mjs', import.meta.url));
const PLUGIN_DIST = fileURLToPath(new URL('../packages/pm2-plugin/dist/main.js', import.meta.url));

let pm2: Pm2Daemon;
let obs: Observer;
let packDir: string;
let tarball: string;
const root = uniquePath('pm2-module');

beforeAll(async () => {
  if (!existsSync(PLUGIN_DIST))
    throw new Error(`${PLUGIN_DIST} is missing: run \`npx turbo run build\` first`);
  packDir = await mkdtemp(join(tmpdir(), 'zkit-pm2-pack-'));
  const { stdout } = await promisify(execFile)(process.execPath, [PACK_BUNDLE, '--out', packDir], {
    timeout: 60_000,
  });
  tarball = stdout.trim().split('\n').at(-1)!;
  obs = await openObserver(inject('zkConnect'));
  pm2 = await startPm2Daemon();
}, 90_000);

afterAll(async () => {
  await pm2?.kill();
  await obs?.removeRecursive(root);
  await obs?.close();
  if (packDir) await rm(packDir, { recursive: true, force: true });
});

it('runs as a PM2 module installed from a packed tarball and configured with pm2 set', async () => {
  expect(tarball).toMatch(/\/pm2-zkit-\d+\.\d+\.\d+\.tgz$/);
  // npm in offline mode, which fails rather than fetch: everything comes from the tarball.
  await pm2.run(['install', tarball], { npm_config_offline: 'true' }, 60_000);
  // PM2 copied package.json's "config" into the module conf: `pm2 conf` shows every setting's default.
  const conf = await pm2.run(['conf', 'pm2-zkit']);
  for (const line of [
    'pm2 set pm2-zkit:connect 127.0.0.1:2181',
    'pm2 set pm2-zkit:root /services',
    'pm2 set pm2-zkit:format zkit',
    'pm2 set pm2-zkit:session_timeout 10000',
    'pm2 set pm2-zkit:include *',
    'pm2 set pm2-zkit:register_modules false',
    'pm2 set pm2-zkit:log_level info',
  ]) {
    expect(conf).toContain(line);
  }

  // Each `pm2 set <module>:<key>` restarts the module with its conf in its environment.
  await pm2.run(['set', 'pm2-zkit:connect', inject('zkConnect')]);
  await pm2.run(['set', 'pm2-zkit:root', root]);
  await pm2.run(['set', 'pm2-zkit:host', '127.0.0.2']);

  const [module] = await pm2.processes('pm2-zkit');
  expect(module!.pm2_env.pmx_module).toBe(true);
  expect(module!.pm2_env.pm_exec_path).toBe(
    join(pm2.home, 'modules/pm2-zkit/node_modules/pm2-zkit/dist/main.js'),
  );

  const [port] = await freePorts(1);
  await pm2.run(['start', APP, '--name', 'module-app'], { PORT: String(port) });
  const [app] = await waitFor(
    async () => {
      const processes = await pm2.processes('module-app');
      return processes[0]?.pid ? processes : undefined;
    },
    { message: 'module-app online' },
  );

  const path = `${root}/module-app/servers/127.0.0.2:${port}`;
  const data = await waitFor(
    async () => {
      if ((await obs.exists(path)) === null) return undefined;
      const parsed = JSON.parse(String((await obs.getData(path)).data)) as { pids?: number[] };
      return parsed.pids?.[0] === app!.pid ? parsed : undefined;
    },
    { timeout: 15_000, message: `${path} with the app's pid` },
  );
  expect(data).toMatchObject({
    pid: app!.pid,
    name: 'module-app',
    pm_id: app!.pm_id,
    exec_mode: 'fork',
    pids: [app!.pid],
  });
  // The module itself is never registered.
  expect(await obs.exists(`${root}/pm2-zkit`)).toBeNull();
  // `pm2 show` lists the settings in effect (defaults and pm2 set values) as the process configuration.
  const api = await connectPm2Api(pm2.home);
  try {
    const [described] = await api.describe('pm2-zkit');
    expect(described!.pm2_env.axm_options?.module_conf).toMatchObject({
      connect: inject('zkConnect'),
      root,
      host: '127.0.0.2',
      format: 'zkit',
      session_timeout: 10_000,
      register_modules: false,
    });
  } finally {
    api.disconnect();
  }
}, 90_000);
