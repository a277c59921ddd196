/**
 * The other writers: a plain session of its own (not the observer's) that keeps changing the nodes the clients
 * view, so views are checked against changes they did not make themselves. Its failures during faults are
 * expected and only counted.
 */
import { isZkError } from '@zkit/client';
import { type Observer, openObserver } from '@zkit/testing';
import { CHURN_INTERVAL_MS, OBSERVER_SESSION_TIMEOUT_MS } from './config.js';
import { SETTINGS, SHARDS, WEB } from './paths.js';
import { PausableLoop } from './pausable-loop.js';
import type { Prng } from './prng.js';
import { within } from './sleep.js';

/** One write may wait out an outage this long; then it is given up (it may still land: the audit allows that). */
const WRITE_TIMEOUT_MS = 5000;
/** Children the churner toggles: ext-0..3 among the web servers, x-0..5 under each shard. */
const EXT_NAMES = 4;
const SHARD_CHILDREN = 6;

export class Churner {
  writes = 0;
  failures = 0;
  #tick = 0;
  readonly #loop = new PausableLoop(() => this.#writeOnce(), CHURN_INTERVAL_MS);

  private constructor(
    private session: Observer,
    private readonly connectionString: string,
    private readonly prng: Prng,
  ) {}

  static async open(connectionString: string, prng: Prng): Promise<Churner> {
    return new Churner(await openSession(connectionString), connectionString, prng);
  }

  start(): void {
    this.#loop.start();
  }

  /** Resolves when no write is in flight, and none starts until resume(). */
  pause(): Promise<void> {
    return this.#loop.pause();
  }

  resume(): void {
    this.#loop.resume();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
    await this.session.close();
  }

  async #writeOnce(): Promise<void> {
    const tick = ++this.#tick;
    const choice = this.prng.next();
    try {
      if (choice < 0.25) await this.#set(SETTINGS, { tick });
      else if (choice < 0.5) await this.#set(this.prng.pick(SHARDS), { tick, by: 'churner' });
      else if (choice < 0.85)
        await this.#toggle(`${this.prng.pick(SHARDS)}/x-${this.prng.int(0, SHARD_CHILDREN - 1)}`);
      else await this.#toggle(`${WEB}/ext-${this.prng.int(0, EXT_NAMES - 1)}`);
      this.writes++;
    } catch (error) {
      this.failures++;
      if ((error as { code?: unknown }).code === 'SESSION_EXPIRED') await this.#reopen();
    }
  }

  #set(path: string, value: object): Promise<unknown> {
    return within(this.session.setData(path, JSON.stringify(value)), WRITE_TIMEOUT_MS, `setData ${path}`);
  }

  /** Creates the node, or deletes it when it exists. */
  async #toggle(path: string): Promise<void> {
    try {
      await within(this.session.create(path, '{}'), WRITE_TIMEOUT_MS, `create ${path}`);
    } catch (error) {
      if (!isZkError(error, 'NODE_EXISTS')) throw error;
      await within(this.session.remove(path), WRITE_TIMEOUT_MS, `remove ${path}`);
    }
  }

  /** A new session for an expired one; on failure the old one stays, and the next expiry tries again. */
  async #reopen(): Promise<void> {
    const old = this.session;
    try {
      this.session = await openSession(this.connectionString);
    } catch {
      return;
    }
    await old.close();
  }
}

function openSession(connectionString: string): Promise<Observer> {
  return openObserver(connectionString, {
    sessionTimeout: OBSERVER_SESSION_TIMEOUT_MS,
    connectTimeout: OBSERVER_SESSION_TIMEOUT_MS,
  });
}
