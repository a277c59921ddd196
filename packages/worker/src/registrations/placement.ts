import { exponentialBackoff, PLACEMENT_BACKOFF, sleep, type ZkError, zkError } from '@zkit/protocol';
import { throwIfAborted } from '../calls.js';
import type { Log } from '../log-forward.js';
import { isLost } from '../session/lost.js';
import type { Client } from '../session/ops.js';
import type { Session } from '../session/session.js';
import { type Placement, type RegistrationEntry, serially } from './registration-entry.js';
import type { RegistrationNodes } from './registration-nodes.js';

/** What a placement needs from the registry that runs it. */
export interface PlacementContext {
  readonly session: Session;
  readonly nodes: RegistrationNodes;
  readonly log: Log;
  /** The node still belongs in place (registered, not leaving, not suspended). */
  wanted(entry: RegistrationEntry): boolean;
  placed(entry: RegistrationEntry): void;
  /** A registration that cannot be placed for now (another session holds its address). */
  report(entry: RegistrationEntry, error: ZkError): void;
}

/** One placement of one entry, as every step of it sees it. */
interface Attempt {
  readonly context: PlacementContext;
  readonly entry: RegistrationEntry;
  /** Fires when the placement is cancelled, or the caller gave up. */
  readonly stop: AbortSignal;
  /** The caller waits on it (register()): a foreign node is its error, not something to wait out. */
  readonly byCaller: boolean;
}

/** A placement waiting out a node at its address tries again after this backoff (full jitter). */
const backoff = exponentialBackoff(PLACEMENT_BACKOFF);

/** The register() call a placement is made for: its caller waits, so a foreign node is its error to hear. */
export interface PlacementCaller {
  /** The caller's signal, when it gave one (a call without one gets none: see Calls.signal). */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Puts the entry's node in place, after the entry's earlier operations: resolves once the node is ours with the
 * entry's latest data, or when the placement was cancelled; rejects with what cannot be retried. For a `caller`
 * (register()), a foreign node is an error instead of something to wait out, and the caller's signal ends it with
 * ABORTED; without one (a restore), a foreign node is waited out. Creates are sent only on a live connection, so
 * one given up on is not written later from the library's queue.
 */
export function schedulePlacement(
  context: PlacementContext,
  entry: RegistrationEntry,
  caller?: PlacementCaller,
): Promise<void> {
  const placement: Placement = { controller: new AbortController(), done: Promise.resolve() };
  entry.placing = placement;
  const signal = caller?.signal;
  const stop = signal ? AbortSignal.any([placement.controller.signal, signal]) : placement.controller.signal;
  // Not `signal !== undefined`: a register() whose caller gave no signal has none, and must still hear NODE_EXISTS.
  const attempt: Attempt = { context, entry, stop, byCaller: caller !== undefined };
  placement.done = serially(entry, () => place(attempt, placement));
  return placement.done;
}

async function place(attempt: Attempt, placement: Placement): Promise<void> {
  const { context, entry, stop } = attempt;
  try {
    for (let tries = 1; ; tries++) {
      throwIfAborted(stop);
      if (!context.wanted(entry)) return;
      const client = await context.session.connected(stop);
      try {
        if (await placeOnce(attempt, client)) return;
      } catch (error) {
        if (!isLost(error)) throw error;
      }
      await sleep(backoff(tries), stop);
    }
  } catch (error) {
    // Cancelled by whoever stopped wanting the node (who removes it next): not a failure of the placement.
    if ((error as ZkError).code === 'ABORTED' && placement.controller.signal.aborted) return;
    throw error;
  } finally {
    // Synchronously after the last data check (RegistrationNodes.syncData): an update from now on writes itself.
    if (entry.placing === placement) entry.placing = undefined;
  }
}

/** true once the node is ours with the latest data; false to try again (after waiting for a node to go). */
async function placeOnce(attempt: Attempt, client: Client): Promise<boolean> {
  const { context, entry } = attempt;
  const sent = entry.data;
  entry.mayExist = true;
  try {
    await context.nodes.createWithParents(client, entry, sent);
  } catch (error) {
    if ((error as ZkError).code !== 'NODE_EXISTS') throw error;
    return settleExisting(attempt, client);
  }
  context.placed(entry);
  await context.nodes.syncData(client, entry.node, () => entry.data, sent);
  return true;
}

async function settleExisting(attempt: Attempt, client: Client): Promise<boolean> {
  const { context, entry, stop, byCaller } = attempt;
  const path = entry.node;
  const { owner, ownerId } = await context.nodes.owner(client, path);
  throwIfAborted(stop); // cancelled meanwhile: the node is not ours to keep, whoever cancelled removes it
  if (owner === 'current') {
    context.placed(entry);
    context.log.debug({ path }, 'registration already held by this session');
    await context.nodes.syncData(client, path, () => entry.data);
    return true;
  }
  if (owner === 'foreign') {
    // Never steal another session's node: it may be another live process at the same address.
    const error = zkError('NODE_EXISTS', `${path} is registered by another session (${ownerId})`, { path });
    if (byCaller) throw error;
    context.log.warn({ path, owner: ownerId }, 'address held by another session; waiting for it to go');
    context.report(entry, error);
  } else if (owner === 'stale') {
    context.log.info({ path, owner: ownerId }, 'waiting for our previous session node to expire');
  }
  if (owner !== 'none') await context.nodes.deletion(client, path, stop);
  return false;
}
