import type { RegisterRequest } from '@zkit/protocol';

/** One registration: what this process wants at its path, and what it knows of the node there. */
export interface RegistrationEntry {
  /** The path register() was called with: the registration's key everywhere (unregister, update, diagnostics). */
  readonly path: string;
  /**
   * The node's actual path: `path`, or `path` with a symbolic link in it followed (set by each placement, which
   * starts again from `path`: the link may have moved). Every node operation of the entry uses it.
   */
  node: string;
  data: Buffer;
  /** How its missing parents are made (RegisterRequest.parents). */
  readonly parents: 'persistent' | 'container';
  /** The session the node was last placed in: present while that is the current session. */
  placedIn: string | undefined;
  /** A create was sent since the node was last known absent: removing must ask the server. */
  mayExist: boolean;
  /** The placement queued or running, which an update leaves to write the new data. */
  placing: Placement | undefined;
  /** unregister() is removing it: nothing places it again. */
  leaving: boolean;
  /**
   * Handed over by the client after a worker died, and not yet claimed by a register() call: the client hands over
   * registrations whose call the dead worker never answered, and that call then reaches this worker too.
   */
  adopted: boolean;
  /** The end of its chain of node operations (see serially). */
  tail: Promise<void>;
  /** The code of the failure last reported for it, so one cause is reported once. */
  reported: string | undefined;
}

export interface Placement {
  /** Aborted by whoever stops wanting the node: the placement ends at its next wait. */
  readonly controller: AbortController;
  /** Settles when the placement does (see schedulePlacement). */
  done: Promise<void>;
}

export function newEntry(request: RegisterRequest): RegistrationEntry {
  return {
    path: request.path,
    node: request.path,
    data: Buffer.from(request.data),
    parents: request.parents ?? 'persistent',
    placedIn: undefined,
    mayExist: false,
    placing: undefined,
    leaving: false,
    adopted: false,
    tail: Promise.resolve(),
    reported: undefined,
  };
}

/**
 * Runs `task` after the entry's earlier node operations have settled, however they ended: a removal never runs
 * beside the placement it cancelled, so it cannot miss a node that placement was creating.
 */
export function serially<T>(entry: RegistrationEntry, task: () => Promise<T>): Promise<T> {
  const run = entry.tail.then(task);
  entry.tail = run.then(
    () => {},
    () => {},
  );
  return run;
}
