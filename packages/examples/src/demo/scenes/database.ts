import { type Demo, dbHit, nameOf, untilServices } from '../context.js';
import type { Member } from '../fleet.js';
import { startProvider } from './start-up.js';

function provider(demo: Demo, name: string): Member {
  const member = demo.providers.get(name);
  if (member === undefined) throw new Error(`database server ${name} is not running`);
  return member;
}

/** Waits until every service is connected to `target`, then prints it with the next /db answer. */
async function untilAllUse(demo: Demo, target: Member, since: number | undefined, note = ''): Promise<void> {
  await untilServices(demo, (status) => status.provider === target.address, `use ${target.name}`);
  const services = [...demo.services.keys()].sort().join(', ');
  const { hits } = await dbHit(demo);
  const took = since === undefined ? '' : ` after ${Date.now() - since} ms`;
  demo.out.event(
    `${'database'.padEnd(10)}${services} use ${target.name} ${target.address}${took}; /db hits → ${hits}${note}`,
  );
}

export async function databaseMoves(demo: Demo): Promise<void> {
  demo.out.heading('8. ZODB-style: services follow `database` in /fooservice to a live provider');
  const first = provider(demo, 'foomain-1');
  await untilAllUse(demo, first, undefined);

  const moving = Date.now();
  first.signal('SIGTERM');
  await first.exited;
  demo.providers.delete('foomain-1');
  demo.out.event(
    `${'moving'.padEnd(10)}${'foomain-1'.padEnd(11)}stopped; foomain-2 starts elsewhere on the same data file`,
  );
  const second = await startProvider(demo, 'foomain', 'foomain-2');
  await untilAllUse(demo, second, moving, ' (data moved too)');

  const switching = Date.now();
  await demo.config.update({ database: '/databases/fooother' });
  demo.out.event(`${'config'.padEnd(10)}database → /databases/fooother`);
  await untilAllUse(demo, provider(demo, 'fooother-1'), switching);
  demo.out.detail(`${nameOf(demo, second.address)} still runs, unused: moving back is one update away`);
}
