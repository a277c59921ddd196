import { waitFor } from '@zkit/testing';
import { field, httpJson } from '../../shared/http-client.js';
import { type Demo, nameOf, SERVERS } from '../context.js';
import type { Member } from '../fleet.js';
import { registered } from '../registrations.js';
import { Traffic } from '../traffic.js';

/** Starts an HTTP service and prints it once its node is in /fooservice/servers. */
export async function startService(demo: Demo, name: string): Promise<Member> {
  const args = ['--session-timeout', String(demo.sessionTimeout), '--debug-routes'];
  const member = await demo.fleet.start(name, 'http-service.js', args);
  demo.names.set(member.address, name);
  demo.services.set(name, member);
  await waitFor(() => demo.servers.has(member.address), {
    timeout: 10_000,
    message: `${name} to register`,
  });
  registered(demo, 'server', name, member.address, `${SERVERS}  pid ${member.pid}`);
  return member;
}

/** Starts a database server for `database` and prints it once it is one of the database's providers. */
export async function startProvider(demo: Demo, database: string, name: string): Promise<Member> {
  const args = ['--name', database, '--data', `${demo.dataDir}/${database}.json`];
  const member = await demo.fleet.start(name, 'database-server.js', [...args, '--session-timeout', '2500']);
  demo.names.set(member.address, name);
  demo.providers.set(name, member);
  const path = `/databases/${database}/providers`;
  await waitFor(async () => (await demo.observer.exists(`${path}/${member.address}`)) !== null, {
    timeout: 10_000,
    message: `${name} to register`,
  });
  registered(demo, 'provider', name, member.address, path);
  return member;
}

export async function startUp(demo: Demo): Promise<void> {
  demo.out.heading('1. Start-up: 2 database servers, 3 HTTP services, 1 load balancer');
  await Promise.all([
    startProvider(demo, 'foomain', 'foomain-1'),
    startProvider(demo, 'fooother', 'fooother-1'),
  ]);
  await Promise.all(['a', 'b', 'c'].map((name) => startService(demo, name)));

  const member = await demo.fleet.start('balancer', 'load-balancer.js', []);
  const url = `http://${member.address}/`;
  const traffic = new Traffic(url, { concurrency: 4, pauseMs: 20, maxRequests: 10_000, timeoutMs: 15_000 });
  demo.balancer = { member, url, traffic };
  const backends = await waitFor(
    async () => {
      const list = backendsOf((await httpJson(`${url}_status`)).body);
      return list.length === demo.services.size ? list : undefined;
    },
    { timeout: 10_000, message: 'the balancer to see every service' },
  );
  const names = backends
    .map((address) => nameOf(demo, address))
    .sort()
    .join(', ');
  demo.out.event(`${'balancer'.padEnd(10)}${url}  routes to ${names}; status: GET /_status`);
}

/** The addresses in the balancer's GET /_status answer. */
export function backendsOf(body: unknown): string[] {
  const backends = typeof body === 'object' && body !== null ? (body as { backends?: unknown }).backends : [];
  return Array.isArray(backends) ? backends.map((entry) => String(field(entry, 'address'))) : [];
}
