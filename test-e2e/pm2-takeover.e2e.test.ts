// pm2-zkit killed with SIGKILL and restarted by PM2: the new plugin resumes the dead one's ZooKeeper session (its id
// and password kept in a 0600 file beside the announcements file), so the nodes never go, and it carries on managing
// them. The session timeout is long (10 s, the test server's most), so a node found again before it could have run out
// was taken over, not registered anew after an expiry. Observed from an independent ZooKeeper session.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { freePorts, type Observer, uniquePath, waitFor } from '@zkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { APP, type Listed, type Pm2Daemon } from './fixtures/pm2/daemon.js';
import { PLUGIN_HOST, startPlugin, stopPlugin } from './fixtures/pm2/plugin-run.js';
import { gone, isOnline, presence, registered, renewed, startApp } from './fixtures/pm2/watch.js';

const HOST = PLUGIN_HOST;
const SESSION_TIMEOUT = 10_000;
/** PM2 waits this long before starting the killed plugin again: time to stop an app meanwhile. */
const PLUGIN_RESTART_DELAY = 1500;

let pm2: Pm2Daemon;
let obs: Observer;
const root = uniquePath('pm2-takeover');
const servers = (app: string) => `${root}/${app}/servers`;

beforeAll(async () => {
  ({ pm2, obs } = await startPlugin(root, {
    args: ['--restart-delay', String(PLUGIN_RESTART_DELAY)],
    env: { ZKIT_SESSION_TIMEOUT: String(SESSION_TIMEOUT) },
  }));
});

afterAll(() => stopPlugin({ pm2, obs }, root));

async function plugin(): Promise<Listed> {
  const [listed] = await pm2.processes('pm2-zkit');
  if (listed === undefined) throw new Error('PM2 lists no pm2-zkit');
  return listed;
}

it('keeps every node through kill -9 of the plugin: the restarted plugin resumes its session and manages them', async () => {
  const [port, announced, leaving] = await freePorts(3);
  const [app] = await startApp(pm2, APP, { name: 'steady-app', env: { PORT: String(port) } });
  const [speaker] = await startApp(pm2, APP, {
    name: 'speaker-app',
    env: { APP_LISTEN: String(announced), ANNOUNCE: '1' },
  });
  const [leaver] = await startApp(pm2, APP, { name: 'leaving-app', env: { PORT: String(leaving) } });
  const paths = {
    steady: `${servers('steady-app')}/${HOST}:${port}`,
    speaker: `${servers('speaker-app')}/${HOST}:${announced}`,
    leaving: `${servers('leaving-app')}/${HOST}:${leaving}`,
  };
  await registered(obs, paths.steady, [app!.pid]);
  await registered(obs, paths.speaker, [speaker!.pid]);
  await registered(obs, paths.leaving, [leaver!.pid]);
  const owner = (await obs.exists(paths.steady))!.ephemeralOwner;
  const before = await plugin();
  // The session is kept for the next run, readable by its owner only.
  const sessionFile = join(pm2.home, 'pm2-zkit.session.json');
  expect((await stat(sessionFile)).mode & 0o777).toBe(0o600);

  const watching = [presence(obs, paths.steady), presence(obs, paths.speaker)];
  const killedAt = Date.now();
  process.kill(before.pid, 'SIGKILL');
  // While no plugin runs, an app stops: its node is still there (the dead plugin's session holds it).
  await pm2.run(['stop', 'leaving-app']);

  const after = await waitFor(
    async () => {
      const listed = await plugin();
      return isOnline(listed) && listed.pid !== before.pid ? listed : undefined;
    },
    { timeout: 10_000, message: 'PM2 starting the plugin again' },
  );
  // The resumed session removes the node no longer wanted, found gone before the dead plugin's session could have
  // timed out (which would have removed it too).
  await gone(obs, paths.leaving, killedAt + SESSION_TIMEOUT - 500 - Date.now());

  // The new plugin manages the nodes it took over: a restarted app's new pid is written in place.
  await pm2.run(['restart', 'steady-app']);
  const [restarted] = await renewed(pm2, 'steady-app', [app!.pid]);
  const data = await registered(obs, paths.steady, [restarted!.pid]);
  expect(data).toMatchObject({ pid: restarted!.pid, restarts: 1 });

  const [steady, spoken] = await Promise.all(watching.map((watch) => watch.stop()));
  for (const seen of [steady!, spoken!]) {
    expect(seen.reads).toBeGreaterThan(20);
    expect(seen.missing).toBe(0);
    // One session all along: the dead plugin's, resumed by the new one.
    expect([...seen.owners]).toEqual([owner]);
  }
  expect(after.pid).not.toBe(before.pid);
  expect(await registered(obs, paths.speaker, [speaker!.pid])).toMatchObject({ pid: speaker!.pid });
}, 60_000);
