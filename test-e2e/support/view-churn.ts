import type { Random } from './random.js';

/** Anything a churn opens: closing it must stop it following. */
export interface Closable {
  readonly view: { close(): void };
}

export interface ViewChurnOptions<V extends Closable> {
  /**
   * Opens one view of a random node; draws its choices from `random` before its first await, so the sequence of
   * choices does not depend on timing.
   */
  readonly open: (random: Random) => Promise<V>;
  /** Opens in flight at once. */
  readonly parallel: number;
  /** Most views open at once; past it, views are closed. */
  readonly maxOpen: number;
  /** Chance that a step closes a view rather than opening one. */
  readonly closeChance: number;
}

/**
 * Opens and closes zkit views (children, properties, services: what `open` makes) of random nodes of a churned
 * tree, with several opens in flight. The choices come from a seeded generator, drawn synchronously at each step so
 * they do not depend on timing. Opens that fail are counted by error code (a view of a node the churn just deleted
 * rejects NO_NODE).
 */
export class ViewChurn<V extends Closable> {
  readonly open: V[] = [];
  readonly failures = new Map<string, number>();
  opened = 0;
  closed = 0;

  constructor(
    private readonly random: Random,
    private readonly options: ViewChurnOptions<V>,
  ) {}

  /** Runs steps until `stop()` holds (checked between steps), with `parallel` lanes; at most `maxSteps` steps. */
  async run(stop: () => boolean, maxSteps: number): Promise<void> {
    let steps = 0;
    const lane = async () => {
      while (!stop() && steps < maxSteps) {
        steps++;
        await this.step();
      }
    };
    await Promise.all(Array.from({ length: this.options.parallel }, lane));
  }

  async step(): Promise<void> {
    const { closeChance, maxOpen } = this.options;
    if (this.open.length > 0 && (this.open.length >= maxOpen || this.random.chance(closeChance))) {
      const [closing] = this.open.splice(this.random.int(this.open.length), 1);
      closing?.view.close();
      this.closed++;
      return;
    }
    try {
      this.open.push(await this.options.open(this.random));
      this.opened++;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const name = typeof code === 'string' ? code : String(error);
      this.failures.set(name, (this.failures.get(name) ?? 0) + 1);
    }
  }
}
