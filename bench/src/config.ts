/** How much each scenario does: the full run the README records, and the quick smoke run CI uses. */

export type Mode = 'full' | 'quick';

export interface BenchConfig {
  readonly mode: Mode;
  /** Operations timed one at a time, per operation and per client (the issue asks for at least 2,000). */
  readonly ops: number;
  /** Untimed operations first, per operation and client: JIT, connection buffers, the server's caches. */
  readonly warmup: number;
  /** Operations per throughput run, and how many runs per client (the median is reported). */
  readonly throughputOps: number;
  readonly throughputRuns: number;
  readonly inFlight: number;
  /** Changes per kind (children, properties) and client in the notification scenario. */
  readonly notifications: number;
  /** Stall lengths as multiples of the negotiated session timeout, and the timeout asked for them. */
  readonly stallMultiples: readonly number[];
  readonly stallSessionTimeout: number;
  /** Registrations each stalled process holds. */
  readonly stallRegistrations: number;
  readonly scaleChildren: number;
  /** Single-child changes (half added, half removed) timed in the big view. */
  readonly scaleChanges: number;
  readonly propertiesViews: number;
  readonly startups: number;
  /** Fresh processes per kind (zkit, floor, direct) in the footprint scenario. */
  readonly footprintRounds: number;
}

const FULL: BenchConfig = {
  mode: 'full',
  ops: 2000,
  warmup: 300,
  throughputOps: 20000,
  throughputRuns: 6,
  inFlight: 64,
  notifications: 500,
  stallMultiples: [1, 2, 4, 10],
  stallSessionTimeout: 2000,
  stallRegistrations: 5,
  scaleChildren: 10_000,
  scaleChanges: 60,
  propertiesViews: 1000,
  startups: 20,
  footprintRounds: 5,
};

const QUICK: BenchConfig = {
  mode: 'quick',
  ops: 200,
  warmup: 50,
  throughputOps: 400,
  throughputRuns: 1,
  inFlight: 64,
  notifications: 60,
  stallMultiples: [1, 4],
  stallSessionTimeout: 1000,
  stallRegistrations: 3,
  scaleChildren: 1000,
  scaleChanges: 10,
  propertiesViews: 100,
  startups: 4,
  footprintRounds: 1,
};

export function configFor(mode: Mode): BenchConfig {
  return mode === 'quick' ? QUICK : FULL;
}
