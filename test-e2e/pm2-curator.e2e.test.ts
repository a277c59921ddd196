// pm2-zkit with `format: curator` (ZKIT_FORMAT=curator), run as an ordinary PM2 app against a private PM2 daemon
// and the run's ZooKeeper: each PM2 process is an Apache Curator x-discovery instance of the service named after
// its app, `<root>/<app>/pm2-<pm_id>@HOST`, which zkit's own `services(path, { format: 'curator' })` reads back.
import type { Instance } from '@zkit/client';
import { freePorts, type Observer, uniquePath, waitFor } from '@zkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, type Listed, type Pm2Daemon } from './fixtures/pm2/daemon.js';
import { PLUGIN_HOST, startPlugin, stopPlugin } from './fixtures/pm2/plugin-run.js';
import { client } from './support/harness.js';

const HOST = PLUGIN_HOST;

let pm2: Pm2Daemon;
let obs: Observer;
const root = uniquePath('pm2-curator');

beforeAll(async () => {
  ({ pm2, obs } = await startPlugin(root, { env: { ZKIT_FORMAT: 'curator', ZKIT_SESSION_TIMEOUT: '2000' } }));
});

afterAll(() => stopPlugin({ pm2, obs }, root));

async function startApp(name: string, env: Record<string, string>, instances = 1): Promise<Listed[]> {
  await pm2.run(['start', APP, '--name', name, ...(instances > 1 ? ['-i', String(instances)] : [])], env);
  return waitFor(
    async () => {
      const processes = await pm2.processes(name);
      const online = processes.every((p) => p.pm2_env.status === 'online' && p.pid > 0);
      return processes.length === instances && online ? processes : undefined;
    },
    { message: `${name} online` },
  );
}

describe('pm2-zkit with format curator', () => {
  it('registers each process of an app as a Curator instance of <root>/<app>, its pid in the payload', async () => {
    const [port] = await freePorts(1);
    const processes = await startApp('orders', { PORT: String(port) }, 2);
    const zk = await client();
    await waitFor(async () => (await obs.exists(`${root}/orders`)) !== null, { message: 'the service node' });
    const services = await zk.services(`${root}/orders`, { format: 'curator' });
    const ids = processes.map((listed) => `pm2-${listed.pm_id}@${HOST}`).sort();

    await waitFor(() => services.size === 2, { message: 'both instances listed' });

    expect(services.toArray().map((instance) => instance.id)).toEqual(ids);
    for (const listed of processes) {
      const instance = services.get(`pm2-${listed.pm_id}@${HOST}`) as Instance;
      expect(instance).toMatchObject({ name: 'orders', address: HOST, port, sslPort: null, enabled: true });
      expect(instance.data).toMatchObject({
        pid: listed.pid,
        pm_id: listed.pm_id,
        name: 'orders',
        exec_mode: 'cluster',
        pids: [listed.pid],
      });
    }
    // The bytes are Curator 5's: what a Java ServiceDiscovery<Map> reads (curator.e2e.test.ts runs a real one).
    const { data } = await obs.getData(`${root}/orders/${ids[0]}`);
    const json = JSON.parse(data!.toString()) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual([
      'name',
      'id',
      'address',
      'port',
      'sslPort',
      'payload',
      'registrationTimeUTC',
      'serviceType',
      'uriSpec',
    ]);
    expect(json).toMatchObject({ name: 'orders', id: ids[0], address: HOST, port, serviceType: 'DYNAMIC' });
    expect(json.payload).toMatchObject({ '@class': 'java.util.LinkedHashMap', name: 'orders' });
    // Ephemeral, like every registration, and owned by the plugin's session.
    expect((await obs.exists(`${root}/orders/${ids[0]}`))!.ephemeralOwner).not.toBe('0000000000000000');
    services.close();
  });

  it('follows PM2: the same instance id carries the new pid after a restart; a stop removes it', async () => {
    const [port] = await freePorts(1);
    const [before] = await startApp('billing', { PORT: String(port) });
    const id = `pm2-${before!.pm_id}@${HOST}`;
    const zk = await client();
    await waitFor(async () => (await obs.exists(`${root}/billing/${id}`)) !== null, {
      message: 'the instance node',
    });
    const services = await zk.services(`${root}/billing`, { format: 'curator' });
    await waitFor(() => services.get(id)?.data.pid === before!.pid, { message: 'the first pid' });

    await pm2.run(['restart', 'billing']);
    const [after] = await waitFor(async () => {
      const listed = await pm2.processes('billing');
      return listed[0]?.pid !== before!.pid && listed[0]?.pm2_env.status === 'online' ? listed : undefined;
    });
    await waitFor(() => services.get(id)?.data.pid === after!.pid, { message: 'the new pid' });
    expect(services.get(id)).toMatchObject({ port, data: { restarts: 1 } });

    await pm2.run(['stop', 'billing']);
    await waitFor(() => services.size === 0, { timeout: 5000, message: 'the instance removed' });
    services.close();
  });
});
