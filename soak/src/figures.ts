import {
  EXIT_GRACE_MS,
  EXPIRY_SLACK_MS,
  HEAL_TIMEOUT_MS,
  PAUSE_TIMEOUT_MS,
  REGISTRATION_GRACE_MS,
  SESSION_TIMEOUT_MS,
  VIEW_GRACE_MS,
} from './config.js';

/** The figures of a soak: every one must be 0. The first five are issue 12's; the last three keep it honest. */
export const FIGURE_NAMES = [
  'staleViews',
  'missingRegistrations',
  'leftoverNodes',
  'lostUpdates',
  'unexitedProcesses',
  'unhealedClients',
  'stuckWrites',
  'crashedProcesses',
] as const;

export type FigureName = (typeof FIGURE_NAMES)[number];

export const FIGURE_LABELS: Record<FigureName, string> = {
  staleViews: `views that disagreed with ZooKeeper more than ${VIEW_GRACE_MS} ms after a fault healed`,
  missingRegistrations: `registrations of live, unstalled processes missing more than ${REGISTRATION_GRACE_MS} ms after heal`,
  leftoverNodes: `nodes left by dead processes ${SESSION_TIMEOUT_MS} + ${EXPIRY_SLACK_MS} ms after their session could last`,
  lostUpdates: 'compare-and-set updates lost (or applied though reported failed)',
  unexitedProcesses: `processes that did not exit within ${EXIT_GRACE_MS} ms of close()`,
  unhealedClients: `clients not connected again within ${HEAL_TIMEOUT_MS} ms of a fault's end`,
  stuckWrites: `update() calls still pending ${PAUSE_TIMEOUT_MS} ms after heal`,
  crashedProcesses: 'client processes that died on their own (an uncaught error, a failed start)',
};

export interface Incident {
  readonly figure: FigureName;
  /** Seconds since the soak started. */
  readonly at: number;
  readonly detail: string;
}

/** The counts, and one line per counted incident so a failing run says what it saw. */
export class Figures {
  readonly counts: Record<FigureName, number> = Object.fromEntries(
    FIGURE_NAMES.map((name) => [name, 0]),
  ) as Record<FigureName, number>;
  readonly incidents: Incident[] = [];

  constructor(
    private readonly startedAt: number,
    private readonly log: (line: string) => void,
  ) {}

  count(figure: FigureName, detail: string, amount = 1): void {
    if (amount <= 0) return;
    this.counts[figure] += amount;
    const incident = { figure, at: (Date.now() - this.startedAt) / 1000, detail };
    this.incidents.push(incident);
    this.log(`!! ${figure} +${amount}: ${detail}`);
  }

  /** A note on an incident already counted (how it ended), without counting it again. */
  note(figure: FigureName, detail: string): void {
    this.incidents.push({ figure, at: (Date.now() - this.startedAt) / 1000, detail });
    this.log(`   ${figure}: ${detail}`);
  }

  get total(): number {
    return FIGURE_NAMES.reduce((sum, name) => sum + this.counts[name], 0);
  }
}
