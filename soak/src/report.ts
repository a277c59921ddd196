import { FIGURE_LABELS, FIGURE_NAMES, type FigureName, type Incident } from './figures.js';
import type { SoakResult } from './run.js';

/** The machine-readable result (--json): what the CI test asserts on. */
export interface SoakJson {
  readonly seed: number;
  readonly minutes: number;
  readonly clients: number;
  readonly seconds: number;
  readonly faults: Record<string, number>;
  readonly writes: SoakResult['writes'];
  readonly audits: number;
  readonly viewsCompared: number;
  readonly processes: number;
  readonly figures: Record<FigureName, number>;
  readonly incidents: readonly Incident[];
  readonly passed: boolean;
}

export function toJson(result: SoakResult): SoakJson {
  return {
    seed: result.seed,
    minutes: result.minutes,
    clients: result.clients,
    seconds: result.seconds,
    faults: result.faults,
    writes: result.writes,
    audits: result.audits,
    viewsCompared: result.viewsCompared,
    processes: result.processes,
    figures: { ...result.figures.counts },
    incidents: result.figures.incidents,
    passed: result.figures.total === 0,
  };
}

export function renderReport(result: SoakResult): string {
  const { figures, writes } = result;
  const faultTotal = Object.values(result.faults).reduce((a, b) => a + b, 0);
  const byKind = Object.entries(result.faults)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  const failures = Object.entries(writes.failures)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  const width = Math.max(...FIGURE_NAMES.map((name) => String(figures.counts[name]).length));
  const lines = [
    '',
    `zkit soak: seed ${result.seed}, ${result.clients} clients, ${result.minutes} min of faults, ` +
      `${result.seconds} s in all, ${result.processes} client processes started`,
    `faults injected: ${faultTotal} (${byKind})`,
    `writes: ${writes.acknowledged} compare-and-set updates acknowledged in ${writes.attempts} attempts` +
      `${failures ? ` (failed: ${failures})` : ''}; ${writes.churn} churn writes (${writes.churnFailures} failed)`,
    `checks: ${result.audits} audits comparing ${result.viewsCompared} views`,
    'figures (each must be 0):',
    ...FIGURE_NAMES.map(
      (name) => `  ${String(figures.counts[name]).padStart(width)}  ${FIGURE_LABELS[name]}`,
    ),
  ];
  if (figures.incidents.length > 0) {
    lines.push('incidents:');
    for (const incident of figures.incidents) {
      lines.push(`  [${incident.at.toFixed(1).padStart(6)}s] ${incident.figure}: ${incident.detail}`);
    }
  }
  lines.push(
    figures.total === 0
      ? 'result: PASS'
      : `result: FAIL (repeat the schedule with --seed ${result.seed} --minutes ${result.minutes})`,
  );
  return `${lines.join('\n')}\n`;
}
