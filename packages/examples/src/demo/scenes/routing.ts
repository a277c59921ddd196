import { field, httpJson } from '../../shared/http-client.js';
import { balancerOf, type Demo, nameOf, SERVICE, statusOf, untilServices } from '../context.js';
import { bar } from '../terminal.js';
import type { TrafficStats } from '../traffic.js';

/** One line per backend: name, address, a bar, the count; then the totals. */
export function printRouting(demo: Demo, stats: TrafficStats, extra = ''): void {
  const max = Math.max(0, ...stats.perBackend.values());
  const rows = [...stats.perBackend].sort(([a], [b]) => nameOf(demo, a).localeCompare(nameOf(demo, b)));
  for (const [address, count] of rows) {
    demo.out.detail(`${nameOf(demo, address).padEnd(4)}${address.padEnd(18)}${bar(count, max, 30)} ${count}`);
  }
  printTotals(demo, stats, extra);
}

export function printTotals(demo: Demo, stats: TrafficStats, extra = ''): void {
  const failed =
    stats.failed === 0
      ? demo.out.paint('green', '0 failed')
      : demo.out.paint('red', `${stats.failed} failed`);
  demo.out.detail(`${stats.ok} ok, ${failed}${extra}`);
  for (const failure of stats.failures) demo.out.detail(demo.out.paint('red', `  ${failure}`));
}

export async function roundRobin(demo: Demo): Promise<void> {
  demo.out.heading('2. Round robin: 30 requests through the load balancer, one after another');
  printRouting(demo, await balancerOf(demo).traffic.burst(30));
}

export async function liveConfig(demo: Demo): Promise<void> {
  const change = { greeting: 'Bonjour', threads: 4 };
  demo.out.heading(`3. Live configuration: ${SERVICE}.update(${JSON.stringify(change)})`);
  const pids = new Map(
    await Promise.all([...demo.services].map(async ([name, m]) => [name, (await statusOf(m)).pid] as const)),
  );
  await demo.config.update(change);
  const took = await untilServices(
    demo,
    (s) => s.greeting === change.greeting && s.threads === change.threads,
    'apply it',
  );
  for (const [name, member] of demo.services) {
    const same = (await statusOf(member)).pid === pids.get(name) ? 'same pid, no restart' : 'RESTARTED';
    demo.out.event(
      `${'config'.padEnd(10)}${name.padEnd(11)}"${change.greeting}", threads ${change.threads}: ${same}, applied in ${took.get(name)} ms`,
    );
  }
  const { body } = await httpJson(balancerOf(demo).url);
  demo.out.detail(
    `GET / → ${JSON.stringify(body)}`.replace(
      String(field(body, 'server')),
      nameOf(demo, String(field(body, 'server'))),
    ),
  );
}
