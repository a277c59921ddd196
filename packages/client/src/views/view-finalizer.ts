import type { Logger } from 'pino';
import type { Mirror } from './mirror.js';
import type { MirrorView } from './mirror-views.js';

interface Held {
  readonly mirror: Mirror;
  readonly ref: WeakRef<MirrorView>;
}

/**
 * The safety net for views dropped without `close()`: `(await zk.children(p)).size` in a request handler must not
 * keep a view, a mirror and a ZooKeeper watch per request for the life of the client. A mirror holds a view without
 * subscribers only through a WeakRef (mirror-views.ts), so such a view can be collected; this registry then drops
 * it from its mirror and frees the mirror when it was the last. It says so once per client at `warn` (then at
 * `debug`): close views, or `using` them, to free the watch at once rather than whenever the GC runs.
 */
export class ViewFinalizer {
  readonly #registry = new FinalizationRegistry<Held>((held) => this.#collected(held));
  #warned = false;

  /**
   * `collected(mirror, ref)` forgets the view (freeing the mirror when it was the last) and says whether the mirror
   * was live; a view of a deleted or ended mirror, or of a closed client, held nothing worth a warning.
   */
  constructor(
    private readonly log: Logger,
    private readonly collected: (mirror: Mirror, ref: WeakRef<MirrorView>) => boolean,
  ) {}

  track(view: MirrorView, mirror: Mirror, ref: WeakRef<MirrorView>): void {
    // The view itself is the unregister token (held weakly, so tracking does not keep it alive).
    this.#registry.register(view, { mirror, ref }, view);
  }

  untrack(view: MirrorView): void {
    this.#registry.unregister(view);
  }

  #collected({ mirror, ref }: Held): void {
    if (!this.collected(mirror, ref)) return;
    const fields = { path: mirror.path, kind: mirror.kind };
    const msg =
      'a view was garbage-collected without close(); close views (or `using` them) to free their watch';
    if (this.#warned) {
      this.log.debug(fields, msg);
      return;
    }
    this.#warned = true;
    this.log.warn(fields, msg);
  }
}
