/**
 * A fixed zkit workload to profile, not a benchmark: no table, no targets (issue 17's breakdowns in
 * bench/results/profile-*.md were made with it). Both threads write a CPU profile when run under `--cpu-prof`: the
 * worker inherits the flag (client's worker-exec-argv.ts) and writes its own `.cpuprofile`.
 *
 *   ZK_CONNECT=127.0.0.1:2181 node --cpu-prof --cpu-prof-dir=/tmp/prof bench/dist/profile.js [ops] [inFlight] [kind]
 *
 * Per kind (fresh children view, fresh properties view, registerServer + unregister, properties.update): `ops`
 * one at a time, then `ops` with `inFlight` outstanding. Prints wall time and this process's CPU per operation.
 */
import { randomBytes } from 'node:crypto';
import type { Properties, ZooKeeper } from '@zkit/client';
import { DirectClient } from './direct.js';
import { runInFlight, timeSequential } from './pool.js';
import { summarize } from './stats.js';
import { connectZkit } from './zkit.js';

const connectionString = process.env.ZK_CONNECT ?? '127.0.0.1:2181';
const ops = Number(process.argv[2] ?? 3000);
const inFlight = Number(process.argv[3] ?? 64);
/** Only the kinds whose name contains this (all when absent). */
const only = process.argv[4] ?? '';
const root = `/zkit-profile-${randomBytes(4).toString('hex')}`;

type Kind = readonly [name: string, run: (index: number, slot: number) => Promise<void>];

function kinds(zk: ZooKeeper, views: readonly Properties[]): Kind[] {
  return [
    ['children view', async (_, slot) => (await zk.children(`${root}/c/s${slot}`)).close()],
    ['properties view', async (_, slot) => (await zk.properties(`${root}/d/s${slot}`)).close()],
    [
      'registerServer + unregister',
      async (index, slot) => {
        const registration = await zk.registerServer(`${root}/servers`, [
          '127.0.0.1',
          1 + slot + (index % 2) * 100,
        ]);
        await registration.unregister();
      },
    ],
    ['properties.update', (index, slot) => (views[slot] as Properties).update({ n: index })],
  ];
}

async function arrange(): Promise<void> {
  const admin = await DirectClient.connect(connectionString, 10_000);
  try {
    for (const dir of ['c', 'd', 'u']) {
      for (let slot = 0; slot < inFlight; slot++) await admin.mkdirp(`${root}/${dir}/s${slot}`);
    }
    await admin.mkdirp(`${root}/servers`);
  } finally {
    await admin.close();
  }
}

await arrange();
const zk = await connectZkit(connectionString);
try {
  const views: Properties[] = [];
  for (let slot = 0; slot < inFlight; slot++) views.push(await zk.properties(`${root}/u/s${slot}`));
  for (const [name, run] of kinds(zk, views).filter(([name]) => name.includes(only))) {
    await timeSequential(Math.min(300, ops), (index) => run(index, 0));
    let cpu = process.cpuUsage();
    const lone = summarize(await timeSequential(ops, (index) => run(index, 0)));
    const loneCpu = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    const ms = await runInFlight(ops, inFlight, run);
    const flightCpu = process.cpuUsage(cpu);
    const perOp = (used: NodeJS.CpuUsage) => ((used.user + used.system) / ops).toFixed(0);
    process.stdout.write(
      `${name}: p50 ${lone.p50.toFixed(0)} us, cpu/op ${perOp(loneCpu)} us; ` +
        `${inFlight} in flight ${((ops / ms) * 1000).toFixed(0)} ops/s, cpu/op ${perOp(flightCpu)} us\n`,
    );
  }
  for (const view of views) view.close();
} finally {
  await zk.close();
}
