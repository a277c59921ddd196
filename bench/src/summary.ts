/**
 * The few figures the top-level README shows, picked from a full run's rows: written between markers by the run
 * itself (readme.ts), so no figure there is typed by hand either.
 */
import type { Machine } from './machine.js';
import type { Row, ScenarioResult } from './report.js';
import { formatValue } from './table.js';

interface Line {
  readonly label: string;
  readonly zkit: string;
  readonly direct: string;
}

export function renderSummary(machine: Machine, scenarios: readonly ScenarioResult[]): string {
  const picked = (id: number, metric: string, label: string): Line => {
    const row = scenarios.find((s) => s.id === id)?.rows.find((r) => r.metric === metric);
    // A renamed metric must not drop its README line without a word.
    if (!row)
      throw new Error(`the README summary wants scenario ${id}'s row '${metric}', which the run lacks`);
    return { label, zkit: formatValue(row.zkit, row.unit), direct: formatValue(row.direct, row.unit) };
  };
  const lines: Line[] = [
    stallLine(scenarios.find((s) => s.id === 3)?.rows ?? []),
    ...BEFORE_OPERATIONS.map(([id, metric, label]) => picked(id, metric, label)),
    ...operationLines(scenarios.find((s) => s.id === 1)?.rows ?? []),
    ...AFTER_OPERATIONS.map(([id, metric, label]) => picked(id, metric, label)),
  ].filter((line): line is Line => line !== undefined);
  const checks = scenarios.flatMap((s) => s.checks);
  const floor = scenarios.find((s) => s.id === 1)?.context ?? [];
  return [
    `The full run of ${machine.date.slice(0, 10)} at commit ${machine.commit}, on ${machine.cpu} with ${machine.cores} cores ` +
      `(targets met: ${checks.filter((c) => c.met).length} of ${checks.length}):`,
    '',
    '| | zkit | direct client |',
    '| --- | ---: | ---: |',
    ...lines.map((line) => `| ${line.label} | ${line.zkit} | ${line.direct} |`),
    '',
    ...floor
      .filter((figure) => SUMMARY_CONTEXT.some((start) => figure.label.startsWith(start)))
      .map((figure) => `- ${figure.label}: ${formatValue(figure.value, figure.unit)}`),
  ].join('\n');
}

/** Rows copied as they are: scenario, the row's metric, and its label in the README. */
type Picked = readonly [scenario: number, metric: string, label: string];

const BEFORE_OPERATIONS: readonly Picked[] = [
  [
    4,
    'one child added/removed: committed → callback, p50',
    'one child added to or removed from a 10,000-child view: change committed → callback, p50',
  ],
  [4, 'one child added/removed: main-thread busy p50', 'the same: main-thread time, p50'],
  [
    2,
    'children: change committed → callback, p50',
    'children notification: change committed → callback, p50',
  ],
  [
    2,
    'properties: change committed → callback, p50',
    'properties notification: change committed → callback, p50',
  ],
];

const AFTER_OPERATIONS: readonly Picked[] = [
  [5, 'connect() to a usable session: p50', 'connect() to a usable session, p50'],
];

/** Scenario 1's yardsticks for the added latency: the hop alone, zkit's call path, the bare worker. */
const SUMMARY_CONTEXT = ['thread hop alone', 'a zkit call', 'the bare worker', 'the same bare worker,'];

/** Scenario 1's operations, p50 and in-flight throughput side by side. */
function operationLines(rows: readonly Row[]): Line[] {
  const p50s = rows.filter((row) => row.metric.endsWith(': p50'));
  return p50s.flatMap((p50) => {
    const name = p50.metric.slice(0, -': p50'.length);
    const flight = rows.find((row) => row.metric.startsWith(`${name}: `) && row.unit === 'ops/s');
    if (!flight) throw new Error(`the README summary wants '${name}' in flight, which the run lacks`);
    const both = (side: 'zkit' | 'direct') =>
      `${formatValue(p50[side], p50.unit)} / ${formatValue(flight[side], flight.unit)}`;
    return [
      {
        label: `${name}: p50 / ${flight.metric.slice(name.length + 2)}`,
        zkit: both('zkit'),
        direct: both('direct'),
      },
    ];
  });
}

/** Registrations lost per stall length, one cell per side. */
function stallLine(rows: readonly Row[]): Line | undefined {
  const lost = rows.filter((row) => row.metric.includes('registrations lost'));
  if (lost.length === 0) return undefined;
  const multiples = lost.map((row) => row.metric.split(' ')[0]).join(' / ');
  const cell = (side: 'zkit' | 'direct') => lost.map((row) => formatValue(row[side], row.unit)).join(' / ');
  const of = lost[0]?.metric.match(/of (\d+)$/)?.[1] ?? '';
  return {
    label: `main thread blocked ${multiples} the session timeout: registrations lost${of ? ` (of ${of})` : ''}`,
    zkit: cell('zkit'),
    direct: cell('direct'),
  };
}
