/**
 * Children created and deleted, as a recursive watch reports them (one event per child), gathered per watched node
 * and applied together once the turn that brought them is over.
 *
 *   created x ─┐                       (additions only) ──────────────────────────▶ apply(node, {x: true})
 *   deleted y ─┼─▶ latest per name ──▶
 *   created y ─┘                       (a removal among them) ── barrier round trip ─▶ apply(node, {x: true, y: true})
 *
 * A registration's update deletes and re-creates its node in one transaction, as two events that need not arrive
 * in one socket read. Before a removal is applied, a request's round trip makes sure the rest of its transaction
 * has arrived (ZooKeeper answers a request only after the events of everything committed before it), so views
 * never see the node missing. Additions need no wait.
 *
 * What is pending is applied in the barrier reply's own turn, before the rest of the socket read it came in: an
 * event behind the reply in that read belongs to a later transaction, whose other half may still be on its way,
 * so it waits for a barrier of its own.
 */
export class ChildChanges<Node> {
  readonly #pending = new Map<Node, Map<string, boolean>>();
  #scheduled = false;

  constructor(
    /**
     * Sends any request and calls `onReply` once: synchronously as its reply is read (or when it failed, which means
     * a lost connection: the names are read again after the reconnect anyway). Every event committed before the
     * request has been read by then.
     */
    private readonly barrier: (onReply: () => void) => void,
    private readonly apply: (node: Node, changes: ReadonlyMap<string, boolean>) => void,
  ) {}

  note(node: Node, name: string, present: boolean): void {
    let changes = this.#pending.get(node);
    if (!changes) {
      changes = new Map();
      this.#pending.set(node, changes);
    }
    changes.set(name, present);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flushAfterBarrier());
  }

  /** Drops what is pending for a node no longer followed. */
  forget(node: Node): void {
    this.#pending.delete(node);
  }

  #flushAfterBarrier(): void {
    const removes = [...this.#pending.values()].some((changes) => [...changes.values()].includes(false));
    if (!removes) {
      this.#flush();
      return;
    }
    this.barrier(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const [node, changes] of pending) this.apply(node, changes);
  }
}

/** Applies the latest presence of each name to `names`; returns what actually changed. */
export function applyChanges(
  names: Set<string>,
  changes: ReadonlyMap<string, boolean>,
): { added: string[]; removed: string[] } {
  const added: string[] = [];
  const removed: string[] = [];
  for (const [name, present] of changes) {
    if (present === names.has(name)) continue;
    if (present) {
      names.add(name);
      added.push(name);
    } else {
      names.delete(name);
      removed.push(name);
    }
  }
  return { added, removed };
}
