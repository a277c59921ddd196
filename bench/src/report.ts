/** What a scenario hands back: rows for the table, distributions for the chart, checks against the targets. */

export type Unit = 'us' | 'ms' | 'ops/s' | 'B' | 'KiB' | 'MiB' | 'count';

export interface Row {
  readonly metric: string;
  readonly unit: Unit;
  /** null: the figure does not apply to this side (the direct client has no thread boundary, for one). */
  readonly zkit: number | null;
  readonly direct: number | null;
  /**
   * The same figure for the floor of any worker design (a bare worker thread running node-zookeeper-client, no zkit
   * code: floor.ts), where the run measures it; a scenario with such rows prints a floor column.
   */
  readonly floor?: number | null;
}

/** Latency samples in microseconds, for the chart. */
export interface Distribution {
  readonly label: string;
  readonly zkit: readonly number[];
  readonly direct: readonly number[];
}

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

/** A single figure that helps read the rows (a floor, a setting the run used); it belongs to neither side. */
export interface ContextFigure {
  readonly label: string;
  readonly value: number;
  readonly unit: Unit;
}

export interface ScenarioResult {
  readonly id: number;
  readonly title: string;
  readonly rows: readonly Row[];
  readonly checks: readonly TargetCheck[];
  readonly distributions: readonly Distribution[];
  readonly context: readonly ContextFigure[];
  /** What a reader needs to read the rows right (how a figure was taken, what it includes). */
  readonly notes: readonly string[];
}

export function ratio(row: Row): number | null {
  if (row.zkit === null || row.direct === null || row.direct === 0) return null;
  return row.zkit / row.direct;
}
