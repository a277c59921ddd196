/**
 * Runs the scenarios against one ZooKeeper and writes the results.
 *
 *   startZooKeeper() (or ZK_CONNECT) ──▶ admin session, a fresh root path
 *     1 operations · 2 notifications · 3 stall (child processes) · 4 scale (child processes) · 5 start-up
 *     · 6 footprint (child processes) · 7 TLS (a TLS server of its own)
 *   ──▶ terminal table (stdout) + <out>/<name>.md + <out>/<chart>.svg + <out>/<name>.json
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ProviderName, startZooKeeper } from '@zkit/testing';
import { configFor, type Mode } from './config.js';
import type { BenchContext } from './context.js';
import { DirectClient } from './direct.js';
import { describeMachine, finishMachine, type Machine } from './machine.js';
import { recordInReadme, recordSummary } from './readme.js';
import type { ScenarioResult } from './report.js';
import { footprint } from './scenarios/footprint.js';
import { notificationLatency } from './scenarios/notifications.js';
import { operationLatency } from './scenarios/operations.js';
import { scale } from './scenarios/scale.js';
import { stallSurvival } from './scenarios/stall.js';
import { startupTime } from './scenarios/startup.js';
import { tlsCost } from './scenarios/tls.js';
import { renderSummary } from './summary.js';
import { renderLatencySvg } from './svg.js';
import { renderMarkdown, renderTerminal } from './table.js';

export interface RunOptions {
  readonly mode: Mode;
  /** Where the .md, .svg and .json go. */
  readonly outDir: string;
  /** Scenario ids to run (all when absent): for working on one scenario. */
  readonly only?: readonly number[];
  /** A README whose results section this run replaces (the full run into bench/results only). */
  readonly readme?: string;
  /** A README whose summary table this run replaces (the top-level one, with the same rule). */
  readonly summaryReadme?: string;
}

export interface RunOutput {
  readonly mode: Mode;
  readonly machine: Machine;
  readonly seconds: number;
  readonly scenarios: readonly ScenarioResult[];
  readonly failures: readonly { readonly id: number; readonly error: string }[];
  readonly files: { readonly markdown: string; readonly svg: string; readonly json: string };
}

const SCENARIOS: readonly {
  id: number;
  title: string;
  run: (ctx: BenchContext) => Promise<ScenarioResult>;
}[] = [
  { id: 1, title: 'operation latency', run: operationLatency },
  { id: 2, title: 'notification latency', run: notificationLatency },
  { id: 3, title: 'stall survival', run: stallSurvival },
  { id: 4, title: 'scale', run: scale },
  { id: 5, title: 'start-up', run: startupTime },
  { id: 6, title: 'footprint per process', run: footprint },
  { id: 7, title: 'TLS', run: tlsCost },
];

export async function runBench(options: RunOptions): Promise<RunOutput> {
  const started = performance.now();
  const config = configFor(options.mode);
  const progress = (line: string): void => void process.stderr.write(`${line}\n`);
  progress(`zkit bench (${options.mode}): starting ZooKeeper`);
  // Production JVM flags: @zkit/testing's quick-start ones (C1 only) would make the server spend more CPU per
  // request, which on 2 cores shared with the clients would hide part of each client's own cost.
  const zk = await startZooKeeper({ jvm: 'server' });
  const scenarios: ScenarioResult[] = [];
  const failures: { id: number; error: string }[] = [];
  let machine: Machine;
  try {
    const serverAddress = zk.servers[0]?.address ?? zk.connectionString.split(',')[0] ?? '';
    machine = await describeMachine(serverAddress, jvmOf(zk.provider));
    const admin = await DirectClient.connect(zk.connectionString, 10_000);
    try {
      const root = `/zkit-bench-${randomBytes(4).toString('hex')}`;
      await admin.mkdirp(root);
      const ctx: BenchContext = {
        config,
        connectionString: zk.connectionString,
        serverAddress,
        root,
        admin,
        progress,
      };
      for (const scenario of SCENARIOS) {
        if (options.only && !options.only.includes(scenario.id)) continue;
        progress(`${scenario.id}. ${scenario.title}`);
        try {
          scenarios.push(await scenario.run(ctx));
        } catch (error) {
          // One scenario failing must not hide the others' figures; the run still exits non-zero.
          failures.push({
            id: scenario.id,
            error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          });
          progress(`${scenario.id}. FAILED: ${String(error)}`);
        }
      }
    } finally {
      await admin.close();
    }
  } finally {
    await zk.stop();
  }
  finishMachine(machine);
  const seconds = (performance.now() - started) / 1000;
  return {
    mode: options.mode,
    machine,
    seconds,
    scenarios,
    failures,
    files: await write(options, machine, seconds, scenarios, failures),
  };
}

async function write(
  options: RunOptions,
  machine: Machine,
  seconds: number,
  scenarios: readonly ScenarioResult[],
  failures: readonly { id: number; error: string }[],
): Promise<RunOutput['files']> {
  const name = options.mode === 'full' ? 'latest' : 'quick';
  const chart = options.mode === 'full' ? 'latency.svg' : 'quick-latency.svg';
  const files = {
    markdown: join(options.outDir, `${name}.md`),
    svg: join(options.outDir, chart),
    json: join(options.outDir, `${name}.json`),
  };
  await mkdir(options.outDir, { recursive: true });
  const distributions = scenarios.flatMap((s) => s.distributions);
  const subtitle = `${options.mode} run, ${machine.date.slice(0, 10)} · ${machine.cpu}, ${machine.cores} cores · node ${machine.node} · ZooKeeper ${machine.zookeeper.split('-')[0]}`;
  await writeFile(files.svg, renderLatencySvg(distributions, subtitle));
  let markdown = renderMarkdown(machine, scenarios, { mode: options.mode, seconds, chart });
  if (failures.length > 0) {
    markdown += `\n## Failed scenarios\n\n${failures.map((f) => `- ${f.id}: ${f.error.split('\n')[0]}`).join('\n')}\n`;
  }
  await writeFile(files.markdown, markdown);
  if (failures.length === 0 && !options.only) {
    if (options.readme) await recordInReadme(options.readme, markdown, chart);
    if (options.summaryReadme) await recordSummary(options.summaryReadme, renderSummary(machine, scenarios));
  }
  await writeFile(
    files.json,
    `${JSON.stringify({ mode: options.mode, machine, seconds, scenarios, failures }, null, 1)}\n`,
  );
  process.stdout.write(renderTerminal(machine, scenarios));
  return files;
}

function jvmOf(provider: ProviderName): string {
  if (provider === 'local')
    return 'started by the bench with production flags (-Xmx1000m; collector and tiered JIT left to the JVM)';
  return provider === 'container'
    ? "a container the bench started, with its image's JVM flags"
    : 'not started by the bench (ZK_CONNECT)';
}
