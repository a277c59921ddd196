import type { Children, Properties, ZooKeeper } from '@zkit/client';
import { CONFIG, JOBS, SETTINGS, SHARDS, WEB } from '../paths.js';
import type { Prng } from '../prng.js';
import type { ViewKind, ViewReport } from '../protocol.js';
import { Sleeper } from '../sleep.js';

interface Held {
  readonly id: string;
  readonly kind: ViewKind;
  readonly view: Children | Properties;
}

/**
 * The views a client process holds: four for its whole life (both services, the contended config node, the
 * churned settings node) and a few transient ones, each a view of a random shard reopened every few seconds, so
 * views are also opened while the churner writes (a view's first read racing the node's changes) and closed (its
 * watch given back) all through the soak.
 */
export class ViewSet {
  readonly #held: Held[] = [];
  readonly #transient: (Held | undefined)[];
  readonly #sleepers: Sleeper[];
  #paused = false;
  #stopped = false;
  #resume: (() => void)[] = [];
  #config: Properties | undefined;

  constructor(
    private readonly zk: ZooKeeper,
    private readonly prng: Prng,
    private readonly transientViewMs: readonly [number, number],
    transientViews: number,
  ) {
    this.#transient = Array.from({ length: transientViews }, () => undefined);
    this.#sleepers = Array.from({ length: transientViews }, () => new Sleeper());
  }

  /** The view the counter writer writes through. */
  get config(): Properties {
    if (this.#config === undefined) throw new Error('views not opened yet');
    return this.#config;
  }

  async open(): Promise<void> {
    this.#config = await this.zk.properties(CONFIG);
    this.#held.push(
      { id: 'web', kind: 'children', view: await this.zk.children(WEB) },
      { id: 'jobs', kind: 'children', view: await this.zk.children(JOBS) },
      { id: 'config', kind: 'properties', view: this.#config },
      { id: 'settings', kind: 'properties', view: await this.zk.properties(SETTINGS) },
    );
  }

  startTransient(): void {
    for (let slot = 0; slot < this.#transient.length; slot++) void this.#reopen(slot);
  }

  /** No transient view is opened or closed until resume(). */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    for (const resume of this.#resume.splice(0)) resume();
  }

  report(): ViewReport[] {
    const held = [...this.#held, ...this.#transient.filter((h): h is Held => h !== undefined)];
    return held.map(describe);
  }

  /**
   * Stops reopening and closes every view. An open still pending (say, waiting out an outage) is not waited for:
   * it closes its view when it resolves, and zk.close() ends it otherwise.
   */
  close(): void {
    this.#stopped = true;
    for (const sleeper of this.#sleepers) sleeper.cancel();
    this.resume();
    for (const held of [...this.#held, ...this.#transient]) held?.view.close();
  }

  async #reopen(slot: number): Promise<void> {
    const sleeper = this.#sleepers[slot]!;
    while (!this.#stopped) {
      if (this.#paused) {
        await new Promise<void>((resolve) => this.#resume.push(resolve));
        continue;
      }
      const path = this.prng.pick(SHARDS);
      const kind: ViewKind = this.prng.next() < 0.5 ? 'children' : 'properties';
      const hold = this.prng.between(this.transientViewMs);
      try {
        const view = kind === 'children' ? await this.zk.children(path) : await this.zk.properties(path);
        const old = this.#transient[slot];
        this.#transient[slot] = { id: `t${slot}`, kind, view };
        old?.view.close();
        if (this.#stopped) view.close();
      } catch {
        // A view that cannot be opened now (the client closing, a fault in progress) is tried again later; the
        // audit compares only views that opened.
      }
      await sleeper.sleep(hold);
    }
  }
}

function describe({ id, kind, view }: Held): ViewReport {
  const value = kind === 'children' ? (view as Children).toArray() : (view as Properties).toJSON();
  const ended = endedReason(view);
  return {
    id,
    kind,
    path: view.path,
    value,
    ...(ended === undefined ? {} : { ended }),
    ...(kind === 'properties' ? { version: (view as Properties).version } : {}),
  };
}

/** `error` is newer than `deleted` in @zkit/client: read it only where this build of the client has it. */
function endedReason(view: Children | Properties): string | undefined {
  const { error } = view as unknown as { readonly error?: { readonly code?: string } };
  if (error !== undefined) return `error ${error.code ?? 'unknown'}`;
  return view.deleted ? 'deleted' : undefined;
}
