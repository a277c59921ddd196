// pm2-zkit run outside PM2 (a plain `node dist/main.js` beside the daemon) survives the daemon going away and
// coming back: it reconnects and reconciles with the new daemon's process list.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePorts, type Observer, openObserver, uniquePath, waitFor } from '@zkit/testing';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { APP, type Pm2Daemon, startPm2Daemon } from './fixtures/pm2/daemon.js';

const PLUGIN = fileURLToPath(new URL('../packages/pm2-plugin/dist/main.js', import.meta.url));
const HOST = '127.0.0.1';

let pm2: Pm2Daemon;
let obs: Observer;
let plugin: ChildProcess | undefined;
const root = uniquePath('pm2-daemon-restart');

beforeAll(async () => {
  if (!existsSync(PLUGIN)) throw new Error(`${PLUGIN} is missing: run \`npx turbo run build\` first`);
  obs = await openObserver(inject('zkConnect'));
  pm2 = await startPm2Daemon();
  plugin = spawn(process.execPath, [PLUGIN], {
    stdio: 'ignore',
    env: {
      PATH: process.env.PATH,
      PM2_HOME: pm2.home,
      ZK_CONNECT: inject('zkConnect'),
      ZKIT_ROOT: root,
      ZKIT_HOST: HOST,
      ZKIT_SESSION_TIMEOUT: '2000',
    },
  });
});

afterAll(async () => {
  if (plugin && plugin.exitCode === null) {
    const exited = new Promise((resolve) => plugin!.once('exit', resolve));
    plugin.kill('SIGINT');
    await exited;
  }
  await pm2?.kill();
  await obs?.removeRecursive(root);
  await obs?.close();
});

function registeredWith(path: string, pid: number): Promise<true> {
  return waitFor(
    async () => {
      if ((await obs.exists(path)) === null) return undefined;
      const data = JSON.parse(String((await obs.getData(path)).data)) as { pid?: number; pids?: number[] };
      return data.pid === pid && data.pids?.[0] === pid ? true : undefined;
    },
    { timeout: 10_000, message: `${path} listing pid ${pid}` },
  );
}

it('reconciles with the process list of a PM2 daemon that was killed and started again', async () => {
  const [before, after] = await freePorts(2);
  await pm2.run(['start', APP, '--name', 'first-app'], { PORT: String(before) });
  const [first] = await pm2.processes('first-app');
  await registeredWith(`${root}/first-app/servers/${HOST}:${before}`, first!.pid);

  // `pm2 kill` stops the apps (their nodes go on their exit events), then the daemon.
  await pm2.run(['kill']);
  await waitFor(async () =>
    (await obs.exists(`${root}/first-app/servers/${HOST}:${before}`)) === null ? true : undefined,
  );
  await pm2.run(['start', APP, '--name', 'second-app'], { PORT: String(after) });
  const [second] = await pm2.processes('second-app');

  await registeredWith(`${root}/second-app/servers/${HOST}:${after}`, second!.pid);
  expect(plugin!.exitCode).toBeNull();
}, 30_000);
