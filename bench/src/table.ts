/** The results as a terminal table and as Markdown (bench/results/latest.md): same rows, same numbers. */
import type { Machine } from './machine.js';
import {
  type ContextFigure,
  type Row,
  ratio,
  type ScenarioResult,
  type TargetCheck,
  type Unit,
} from './report.js';

export function formatValue(value: number | null, unit: Unit): string {
  if (value === null) return '—';
  if (!Number.isFinite(value)) return 'n/a';
  switch (unit) {
    case 'us':
    case 'ops/s':
    case 'B':
      return `${Math.round(value).toLocaleString('en-US')} ${unit}`;
    case 'ms':
      return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
    case 'KiB':
    case 'MiB':
      return `${value.toFixed(1)} ${unit}`;
    case 'count':
      return Number.isInteger(value) ? String(value) : value.toFixed(2);
    default:
      return unit satisfies never;
  }
}

function formatRatio(row: Row): string {
  const r = ratio(row);
  return r === null ? '—' : `${r.toFixed(2)}x`;
}

const HEADER = ['metric', 'zkit', 'direct', 'zkit/direct'] as const;
const HEADER_WITH_FLOOR = ['metric', 'zkit', 'floor', 'direct', 'zkit/direct'] as const;

/** Whether a scenario prints the floor column (some of its rows have a floor figure). */
function hasFloor(scenario: ScenarioResult): boolean {
  return scenario.rows.some((row) => row.floor !== undefined);
}

function header(scenario: ScenarioResult): readonly string[] {
  return hasFloor(scenario) ? HEADER_WITH_FLOOR : HEADER;
}

function cells(row: Row, withFloor: boolean): string[] {
  const zkit = formatValue(row.zkit, row.unit);
  const direct = formatValue(row.direct, row.unit);
  return withFloor
    ? [row.metric, zkit, formatValue(row.floor ?? null, row.unit), direct, formatRatio(row)]
    : [row.metric, zkit, direct, formatRatio(row)];
}

function contextLine(figure: ContextFigure): string {
  return `${figure.label}: ${formatValue(figure.value, figure.unit)}`;
}

function checkLine(check: TargetCheck): [string, string, string] {
  return [check.met ? 'MET' : 'MISSED', check.target, check.measured];
}

/** Plain text with aligned columns, for the terminal. */
export function renderTerminal(machine: Machine, scenarios: readonly ScenarioResult[]): string {
  const lines: string[] = [machineLine(machine), ''];
  for (const scenario of scenarios) {
    lines.push(`${scenario.id}. ${scenario.title}`);
    const withFloor = hasFloor(scenario);
    const table = [[...header(scenario)], ...scenario.rows.map((row) => cells(row, withFloor))];
    lines.push(...aligned(table, [false, true, true, true, true]).map((l) => `  ${l}`));
    for (const figure of scenario.context) lines.push(`  · ${contextLine(figure)}`);
    lines.push('');
  }
  const checks = scenarios.flatMap((s) => s.checks);
  lines.push('Targets');
  lines.push(...aligned(checks.map(checkLine), [false, false, false]).map((l) => `  ${l}`));
  return `${lines.join('\n')}\n`;
}

function aligned(table: readonly string[][], rightAlign: readonly boolean[]): string[] {
  const widths = rightAlign.map((_, c) => Math.max(...table.map((row) => (row[c] ?? '').length)));
  return table.map((row) =>
    row
      .map((cell, c) => (rightAlign[c] ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function machineLine(m: Machine): string {
  const packages = Object.entries(m.packages)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  return [
    `${m.date} · ${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(1)} GiB · ${m.os} · ${loadText(m)}`,
    `node ${m.node} · ZooKeeper ${m.zookeeper} · zkit ${m.commit} · ${packages}`,
  ].join('\n');
}

/** Markdown: a table per scenario, its context figures and notes, then the targets. */
export function renderMarkdown(
  machine: Machine,
  scenarios: readonly ScenarioResult[],
  options: { mode: string; seconds: number; chart: string },
): string {
  const out: string[] = [
    `# zkit vs node-zookeeper-client: ${options.mode} run`,
    '',
    'Written by `npm run bench`; every figure below comes from this one run.',
    '',
    '| | |',
    '| --- | --- |',
    `| date | ${machine.date} |`,
    `| machine | ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(1)} GiB memory |`,
    `| os | ${machine.os} |`,
    `| load average (1 min) | ${loadText(machine)} |`,
    `| node | ${machine.node} |`,
    `| ZooKeeper | ${machine.zookeeper} |`,
    `| ZooKeeper JVM | ${machine.zookeeperJvm} |`,
    `| zkit commit | ${machine.commit} |`,
    ...Object.entries(machine.packages).map(([name, version]) => `| ${name} | ${version} |`),
    `| run time | ${options.seconds.toFixed(0)} s |`,
    '',
    '## Targets',
    '',
    '| | target | measured |',
    '| --- | --- | --- |',
    ...scenarios.flatMap((s) => s.checks).map((c) => `| ${checkLine(c).map(escapeCell).join(' | ')} |`),
    '',
    // A target missed is explained there, with the CPU profiles of both threads: where the time and memory go, and
    // what stands in the way of each (issue 17).
    "Where a call's time and a process's memory go, before and after issue 17, and what stands in the way of each",
    'target not met: [profile-before.md](profile-before.md), [profile-after.md](profile-after.md).',
    '',
  ];
  for (const scenario of scenarios) {
    out.push(`## ${scenario.id}. ${scenario.title}`, '');
    const withFloor = hasFloor(scenario);
    const columns = header(scenario);
    out.push(`| ${columns.join(' | ')} |`, `| --- |${' ---: |'.repeat(columns.length - 1)}`);
    for (const row of scenario.rows) out.push(`| ${cells(row, withFloor).map(escapeCell).join(' | ')} |`);
    out.push('');
    for (const figure of scenario.context) out.push(`- ${escapeCell(contextLine(figure))}`);
    for (const note of scenario.notes) out.push(`- ${note}`);
    out.push('');
    if (scenario.distributions.length > 0 && scenario.id === 1)
      out.push(`![latency distributions](${options.chart})`, '');
  }
  return `${out.join('\n')}`;
}

function loadText(m: Machine): string {
  return `load ${m.load.start.toFixed(2)} at start, ${m.load.end.toFixed(2)} at end`;
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|');
}
