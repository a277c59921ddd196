/**
 * A service provider: picks an instance of a service for each call, as Apache Curator's ServiceProvider does, over
 * a live view's instances. An instance is up when the view lists it, it is enabled, and it is not down after errors
 * (down-instances.ts); the strategy (strategies.ts) picks among those. `run()` also counts the calls in flight on
 * each instance (what least-request balances) and notes the errors for the caller.
 *
 * Pure logic on the main thread: the instances come from `source()`, the time and randomness from a clock.
 */
import { DEFAULT_PROVIDER, zkError } from '@zkit/protocol';
import { type CallOptions, liveSignal, raceSignal } from '../thread/abortable.js';
import { DownInstances, type DownPolicy } from './down-instances.js';
import type { Instance } from './instance.js';
import { createPicker, type Picker, STRATEGIES, type Strategy } from './strategies.js';

/** How a provider picks, and when it leaves an instance out after errors (Curator's DownInstancePolicy). */
export interface ProviderOptions {
  /**
   * `round-robin`: each up instance in turn. `random`: uniformly. `sticky`: the same instance while it is up, then
   * the next in turn. `least-request`: of two drawn at random, the one with fewer `run()` calls in flight.
   * @default 'round-robin'
   */
  readonly strategy?: Strategy;
  /** Errors (noted within `errorWindow`) that take an instance down. Curator: errorThreshold. @default 2 */
  readonly downAfterErrors?: number;
  /** ms from an instance's first error during which its errors are counted. @default 30_000 */
  readonly errorWindow?: number;
  /** ms an instance stays down, from the error that took it down. Curator: timeout. @default 30_000 */
  readonly downFor?: number;
}

/** Picks instances of one service; made by `services.provider()`. */
export interface Provider {
  /** An instance that is up (listed, enabled, not down), by the strategy; undefined when none is. */
  pick(): Instance | undefined;
  /**
   * Counts an error against the instance: `downAfterErrors` of them within `errorWindow` take it down for
   * `downFor`, then it is back. Errors noted while it is down do not extend that.
   */
  noteError(instance: Instance): void;
  /**
   * Picks an instance and runs `work` on it: the call counts as in flight on the instance until `work` settles
   * (least-request), and an error `work` throws is noted against the instance, then rethrown as it is. Rejects with
   * NodeError `NO_INSTANCE` when no instance is up. With a `signal`, rejects `ABORTED` when it fires (an
   * already-fired one before anything is picked); `work` receives the signal, and what it throws after the signal
   * fired is the caller's doing, not noted against the instance. It stays in flight until it settles.
   */
  run<T>(work: (instance: Instance, signal?: AbortSignal) => Promise<T>, options?: CallOptions): Promise<T>;
}

/** Time and randomness, replaceable in tests. */
export interface ProviderClock {
  /** ms, monotonic. */
  now(): number;
  /** A number in [0, 1). */
  random(): number;
}

// performance.now(), not Date.now(): a wall clock set back would keep an instance down for longer than downFor.
const SYSTEM_CLOCK: ProviderClock = { now: () => performance.now(), random: () => Math.random() };

/**
 * A provider over `source()`: the current instances, sorted by id; it may return a different list on every call.
 * Options are checked at once (INVALID_OPTION).
 */
export function createProvider(
  source: () => readonly Instance[],
  options: ProviderOptions = {},
  clock: ProviderClock = SYSTEM_CLOCK,
): Provider {
  return new InstanceProvider(source, checkOptions(options), clock);
}

/** Exported for tests only (the in-flight counts); users get a `Provider`. */
export class InstanceProvider implements Provider {
  readonly #down: DownInstances;
  readonly #picker: Picker;
  /** Calls in flight by instance id; an id is deleted when its count reaches 0, so ids that left do not pile up. */
  readonly #inFlight = new Map<string, number>();
  /**
   * The instances up at the last pick, reused while they cannot have changed: the same snapshot from `source()` (a
   * services view replaces its array on every change, never edits it), no instance gone down since, and none back
   * yet. A pick then costs O(1) however large the service, instead of filtering every instance.
   */
  #up: UpInstances | undefined;

  constructor(
    private readonly source: () => readonly Instance[],
    policy: DownPolicy & { readonly strategy: Strategy },
    private readonly clock: ProviderClock,
  ) {
    this.#down = new DownInstances(policy);
    this.#picker = createPicker(policy.strategy, {
      random: () => clock.random(),
      inFlight: (id) => this.#inFlight.get(id) ?? 0,
    });
  }

  /** Calls in flight by instance id, a copy: only ids with calls in flight appear. */
  inFlightCounts(): ReadonlyMap<string, number> {
    return new Map(this.#inFlight);
  }

  pick(): Instance | undefined {
    const up = this.#upNow();
    return up.length === 0 ? undefined : this.#picker(up);
  }

  noteError(instance: Instance): void {
    if (typeof instance?.id !== 'string') throw zkError('INVALID_OPTION', 'noteError() takes an instance');
    this.#down.noteError(instance.id, this.clock.now());
  }

  async run<T>(
    work: (instance: Instance, signal?: AbortSignal) => Promise<T>,
    options: CallOptions = {},
  ): Promise<T> {
    if (typeof work !== 'function') throw zkError('INVALID_OPTION', 'run() takes a function');
    const signal = liveSignal(options);
    const instance = this.pick();
    if (instance === undefined) throw this.#noInstance();
    return raceSignal(signal, this.#runOn(instance, work, signal));
  }

  async #runOn<T>(
    instance: Instance,
    work: (instance: Instance, signal?: AbortSignal) => Promise<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const { id } = instance;
    this.#inFlight.set(id, (this.#inFlight.get(id) ?? 0) + 1);
    try {
      return await work(instance, signal);
    } catch (error) {
      if (signal?.aborted !== true) this.noteError(instance);
      throw error;
    } finally {
      const left = (this.#inFlight.get(id) ?? 1) - 1;
      if (left > 0) this.#inFlight.set(id, left);
      else this.#inFlight.delete(id);
    }
  }

  #upNow(): readonly Instance[] {
    const listed = this.source();
    const now = this.clock.now();
    const last = this.#up;
    if (last?.listed === listed && last.version === this.#down.version && now < last.until) return last.up;
    this.#down.prune(listed, now);
    const up = listed.filter((instance) => instance.enabled && !this.#down.isDown(instance.id, now));
    this.#up = { listed, up, version: this.#down.version, until: this.#down.nextReturn(now) };
    return up;
  }

  /** Says why nothing is up, so "none registered" and "all down" read differently in a log. */
  #noInstance() {
    const listed = this.source();
    if (listed.length === 0) return zkError('NO_INSTANCE', 'no instance of the service is listed');
    const now = this.clock.now();
    const disabled = listed.filter((instance) => !instance.enabled).length;
    const down = listed.filter((instance) => instance.enabled && this.#down.isDown(instance.id, now)).length;
    const counts = `${listed.length} listed, ${disabled} disabled, ${down} down after errors`;
    return zkError('NO_INSTANCE', `no instance of service ${listed[0]!.name} is up: ${counts}`);
  }
}

interface UpInstances {
  /** The snapshot they were filtered from. */
  readonly listed: readonly Instance[];
  readonly up: readonly Instance[];
  /** The down instances' version then. */
  readonly version: number;
  /** When the first instance down then comes back. */
  readonly until: number;
}

function checkOptions(options: ProviderOptions): DownPolicy & { readonly strategy: Strategy } {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object');
  const strategy = options.strategy ?? DEFAULT_PROVIDER.strategy;
  if (!STRATEGIES.includes(strategy)) {
    throw invalidOption('strategy', `must be one of ${STRATEGIES.map((name) => `'${name}'`).join(', ')}`);
  }
  const downAfterErrors = options.downAfterErrors ?? DEFAULT_PROVIDER.downAfterErrors;
  if (!Number.isInteger(downAfterErrors) || downAfterErrors < 1) {
    throw invalidOption('downAfterErrors', 'must be a positive integer');
  }
  return {
    strategy,
    downAfterErrors,
    errorWindow: positive('errorWindow', options.errorWindow ?? DEFAULT_PROVIDER.errorWindow),
    downFor: positive('downFor', options.downFor ?? DEFAULT_PROVIDER.downFor),
  };
}

function positive(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalidOption(name, 'must be a positive number of ms');
  }
  return value;
}

function invalidOption(name: string, why: string) {
  return zkError('INVALID_OPTION', `provider option ${name} ${why}`);
}
