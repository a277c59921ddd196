import type { Properties, Services, ZooKeeper } from '@zkit/client';
import type { Observer } from '@zkit/testing';
import { waitFor } from '@zkit/testing';
import { field, httpJson } from '../shared/http-client.js';
import type { Fleet, Member } from './fleet.js';
import type { Printer } from './terminal.js';
import type { Traffic } from './traffic.js';

export const SERVICE = '/fooservice';
export const SERVERS = `${SERVICE}/servers`;
export const DATABASES = ['foomain', 'fooother'] as const;
export const INITIAL_CONFIG = { threads: 1, greeting: 'Hello', database: '/databases/foomain' };

/** Everything the scenes share. */
export interface Demo {
  readonly out: Printer;
  readonly fleet: Fleet;
  /** The demo's own zkit session: it writes the configuration and watches the registrations. */
  readonly zk: ZooKeeper;
  /** An independent plain session, to look at node metadata (the owner session of a registration). */
  readonly observer: Observer;
  readonly config: Properties;
  /** The HTTP services' registrations, as instances (id HOST:PORT). */
  readonly servers: Services;
  readonly dataDir: string;
  readonly sessionTimeout: number;
  /** Live HTTP services by name. */
  readonly services: Map<string, Member>;
  /** Live database servers by name (foomain-1, ...). */
  readonly providers: Map<string, Member>;
  /** Names by address, for every process started, to print `a` rather than `127.0.0.1:40123`. */
  readonly names: Map<string, string>;
  balancer?: { readonly member: Member; readonly url: string; readonly traffic: Traffic };
}

export function balancerOf(demo: Demo): NonNullable<Demo['balancer']> {
  if (demo.balancer === undefined) throw new Error('the load balancer is not running');
  return demo.balancer;
}

export function nameOf(demo: Demo, address: string): string {
  return demo.names.get(address) ?? address;
}

export interface ServiceStatus {
  readonly greeting: string | undefined;
  readonly threads: number | undefined;
  readonly pid: number | undefined;
  readonly provider: string | undefined;
}

/** A service's GET /status, read directly (not through the balancer). */
export async function statusOf(member: Member): Promise<ServiceStatus> {
  const { body } = await httpJson(`http://${member.address}/status`, { timeoutMs: 5000 });
  const number = (name: string) => {
    const value = field(body, name);
    return typeof value === 'number' ? value : undefined;
  };
  const string = (name: string) => {
    const value = field(body, name);
    return typeof value === 'string' ? value : undefined;
  };
  return {
    greeting: string('greeting'),
    threads: number('threads'),
    pid: number('pid'),
    provider: string('provider'),
  };
}

/** Waits until every live service's status satisfies `check`; resolves with how long each one took. */
export async function untilServices(
  demo: Demo,
  check: (status: ServiceStatus) => boolean,
  what: string,
): Promise<Map<string, number>> {
  const started = Date.now();
  const took = new Map<string, number>();
  await Promise.all(
    [...demo.services.values()].map(async (member) => {
      await waitFor(async () => check(await statusOf(member)), {
        timeout: 10_000,
        interval: 10,
        message: `${member.name} to ${what}`,
      });
      took.set(member.name, Date.now() - started);
    }),
  );
  return took;
}

/** Sends GET /db through the balancer: the next `hits` count and who answered. */
export async function dbHit(demo: Demo): Promise<{ hits: string; provider: string }> {
  const { status, body } = await httpJson(`${balancerOf(demo).url}db`, { timeoutMs: 10_000 });
  if (status !== 200) throw new Error(`GET /db answered ${status}: ${JSON.stringify(body)}`);
  return { hits: String(field(body, 'hits')), provider: String(field(body, 'provider')) };
}
