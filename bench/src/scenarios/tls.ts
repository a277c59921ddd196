/**
 * Scenario 7, TLS: what mutual TLS costs a zkit client, against plain TCP to the same server in the same run.
 *
 *   zkit (tls: ca, cert, key) ── TLS, secureClientPort ──▶ ZooKeeper ◀── plain, clientPort ── zkit (no tls)
 *
 * The run's shared server is plain, so this scenario starts its own (@zkit/testing, mutual TLS, with a plain port
 * beside the TLS one). Both clients read one node with a one-shot `get()`: one at a time, the two clients
 * alternating in rounds (p50/p99), then 64 in flight (median ops/s of alternating runs). The direct client has no
 * TLS (node-zookeeper-client speaks plain TCP only), so its column is empty.
 */
import type { ZooKeeper } from '@zkit/client';
import { startZooKeeper, type TestCertificates } from '@zkit/testing';
import type { BenchContext } from '../context.js';
import { runInFlight, timeSequential } from '../pool.js';
import type { ScenarioResult } from '../report.js';
import { median, summarize } from '../stats.js';
import { connectZkit } from '../zkit.js';

const PATH = '/zkit-bench-tls';
const ROUNDS = 4;

type Side = 'tls' | 'plain';

export async function tlsCost(ctx: BenchContext): Promise<ScenarioResult> {
  const { config } = ctx;
  ctx.progress('  7. starting a TLS ZooKeeper');
  const server = await startZooKeeper({ jvm: 'server', tls: { plainPort: true } });
  try {
    const certs = server.tls as TestCertificates;
    const clients: Record<Side, ZooKeeper> = {
      tls: await connectZkit(server.connectionString, {
        tls: { ca: certs.ca.certFile, cert: certs.client.certFile, key: certs.client.keyFile },
      }),
      plain: await connectZkit(server.plainConnectionString as string),
    };
    try {
      await clients.plain.ensure(PATH, { threads: 4, timeout: 30, database: 'db.internal:5432' });
      const read = (side: Side) => async () => void (await clients[side].get(PATH));
      for (const side of ['tls', 'plain'] as const) await timeSequential(config.warmup, read(side));
      const latency: Record<Side, number[]> = { tls: [], plain: [] };
      const perRound = Math.ceil(config.ops / ROUNDS);
      for (let round = 0; round < ROUNDS; round++) {
        for (const side of order(round)) latency[side].push(...(await timeSequential(perRound, read(side))));
      }
      const opsPerSec: Record<Side, number[]> = { tls: [], plain: [] };
      for (let run = 0; run < config.throughputRuns; run++) {
        for (const side of order(run)) {
          const ms = await runInFlight(config.throughputOps, config.inFlight, read(side));
          opsPerSec[side].push(config.throughputOps / (ms / 1000));
        }
      }
      return result(ctx, latency, { tls: median(opsPerSec.tls), plain: median(opsPerSec.plain) });
    } finally {
      await Promise.all([clients.tls.close(), clients.plain.close()]);
    }
  } finally {
    await server.stop();
  }
}

/** Which side goes first alternates, so a drift of the machine falls on both. */
function order(round: number): readonly Side[] {
  return round % 2 === 0 ? ['tls', 'plain'] : ['plain', 'tls'];
}

function result(
  ctx: BenchContext,
  latency: Record<Side, number[]>,
  throughput: Record<Side, number>,
): ScenarioResult {
  const tls = summarize(latency.tls);
  const plain = summarize(latency.plain);
  const { inFlight } = ctx.config;
  return {
    id: 7,
    title: 'TLS',
    rows: [
      { metric: 'get(), over mutual TLS: p50', unit: 'us', zkit: tls.p50, direct: null },
      { metric: 'get(), plain, same server: p50', unit: 'us', zkit: plain.p50, direct: null },
      { metric: 'get(), over mutual TLS: p99', unit: 'us', zkit: tls.p99, direct: null },
      { metric: 'get(), plain, same server: p99', unit: 'us', zkit: plain.p99, direct: null },
      {
        metric: `get(), over mutual TLS: ${inFlight} in flight`,
        unit: 'ops/s',
        zkit: throughput.tls,
        direct: null,
      },
      {
        metric: `get(), plain, same server: ${inFlight} in flight`,
        unit: 'ops/s',
        zkit: throughput.plain,
        direct: null,
      },
    ],
    checks: [],
    distributions: [],
    context: [
      { label: 'TLS over plain, p50 latency', value: tls.p50 / plain.p50, unit: 'count' },
      { label: 'TLS over plain, throughput', value: throughput.tls / throughput.plain, unit: 'count' },
    ],
    notes: [
      'Its own server (mutual TLS on secureClientPort, a plain clientPort beside it), TLSv1.2 as ZooKeeper 3.8 ' +
        'negotiates it; node-zookeeper-client has no TLS, so there is no direct column.',
      `${ctx.config.ops} reads per side one at a time in ${ROUNDS} alternating rounds; ` +
        `${ctx.config.throughputRuns} alternating runs of ${ctx.config.throughputOps} with ${inFlight} in flight (median).`,
    ],
  };
}
