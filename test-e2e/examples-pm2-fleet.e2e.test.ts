import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts, waitFor } from '@zkit/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { http } from './fixtures/examples/http.js';
import { chroot, distScript, writeConfig } from './fixtures/examples/processes.js';
import { startPm2Daemon } from './fixtures/pm2/daemon.js';

const ECOSYSTEM = fileURLToPath(new URL('../packages/examples/ecosystem.config.cjs', import.meta.url));

describe('PM2 fleet example (ecosystem.config.cjs)', () => {
  it('runs the services behind the balancer, each registered by itself and by the pm2-zkit plugin', {
    timeout: 60_000,
  }, async () => {
    distScript('http-service.js'); // fails clearly when the examples were not built
    const { connectionString, observer } = await chroot('pm2-fleet');
    await writeConfig(observer, { threads: 2, greeting: 'Hello', database: '/databases/foomain' });
    const dir = await mkdtemp(join(tmpdir(), 'zkit-fleet-'));
    const daemon = await startPm2Daemon();
    onTestFinished(async () => {
      await daemon.kill();
      await rm(dir, { recursive: true, force: true });
    });
    const [lbPort] = await freePorts(1);

    await daemon.run(['start', ECOSYSTEM], {
      ZK_CONNECT: connectionString,
      ZKIT_EXAMPLE_LB_PORT: String(lbPort),
      ZKIT_EXAMPLE_DATA: join(dir, 'foomain.json'),
    });

    const own = await waitFor(
      async () => {
        const names = await observer.getChildren('/fooservice/servers');
        return names.length === 3 ? names : undefined;
      },
      { timeout: 20_000, message: 'three services to register themselves' },
    );
    const byPlugin = await waitFor(
      async () => {
        // Until a service announces its port, the plugin lists it by process (pm2-<id>@host): wait for all three
        // addresses, not for any three names.
        const names = await observer.getChildren('/services/fooservice/servers').catch(() => []);
        return names.length === 3 && names.every((name) => own.includes(name)) ? names : undefined;
      },
      { timeout: 20_000, message: 'the plugin to register the three instances' },
    ).catch(async (error: unknown) => {
      // Say why: the plugin's own log is the first thing to read.
      const log = await daemon.run(['logs', 'pm2-zkit', '--nostream', '--lines', '40']).catch(String);
      throw new Error(`${error}\npm2-zkit's log:\n${log}`);
    });
    expect(byPlugin).toEqual(own);
    const pids = (await daemon.processes('fooservice')).map((listed) => listed.pid).sort();
    const ownPids = await Promise.all(
      own.map(
        async (name) => JSON.parse(String((await observer.getData(`/fooservice/servers/${name}`)).data)).pid,
      ),
    );
    expect(ownPids.sort()).toEqual(pids);
    const first = JSON.parse(String((await observer.getData(`/services/fooservice/servers/${own[0]}`)).data));
    expect(first).toMatchObject({ name: 'fooservice', exec_mode: 'fork' });
    expect(await observer.getChildren('/services/load-balancer/servers')).toEqual([`127.0.0.1:${lbPort}`]);

    const balancer = `http://127.0.0.1:${lbPort}/`;
    const answers = await waitFor(
      async () => {
        const all = await Promise.all([1, 2, 3].map(() => http(balancer)));
        return all.every((answer) => answer.status === 200) ? all : undefined;
      },
      { message: 'the balancer to answer' },
    );
    expect(answers.map((answer) => answer.body.server).sort()).toEqual(own);
    const { body } = await waitFor(async () => {
      const answer = await http(`${balancer}db`);
      return answer.status === 200 ? answer : undefined;
    });
    expect(body).toMatchObject({ database: '/databases/foomain', hits: 1 });
  });
});
