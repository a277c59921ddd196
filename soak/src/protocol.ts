/**
 * The messages between the soak (parent) and each client process, over Node's IPC channel.
 *
 *   soak (parent)                                       client process (child, @zkit/client from dist)
 *   ─────────────                                       ──────────────────────────────────────────────
 *   fork(dist/client/main.js, [ClientConfig JSON]) ──▶  connect, register, open views, start writing
 *                 ◀── ready, state (each change), writing / acked / write-failed (each update)
 *   Request { id } ─────────────────────────────────▶  report, pause, resume, stall, terminate-worker, close
 *                 ◀── Reply { id } (stall also sends 'stalling' first, from the thread about to block)
 *
 * Faults that stop the whole process (SIGSTOP, SIGKILL) are signals, not messages.
 */
import type { JsonObject, SessionState } from '@zkit/client';

export interface ClientConfig {
  readonly gen: number;
  readonly connectionString: string;
  /** Seeds the process's own choices (which shard views to open, for how long). */
  readonly seed: number;
  readonly sessionTimeout: number;
  readonly stallTimeout: number;
  readonly writeInterval: number;
  readonly transientViews: number;
  readonly transientViewMs: readonly [number, number];
  /** pino level of zkit's log (to stderr); 'silent' unless SOAK_LOG says otherwise. */
  readonly logLevel: string;
}

export type ViewKind = 'children' | 'properties';

/** What one open view showed when the report was asked for. */
export interface ViewReport {
  /** 'web', 'jobs', 'config', 'settings' for the views held all along; 't0', 't1', ... for transient ones. */
  readonly id: string;
  readonly kind: ViewKind;
  readonly path: string;
  /** Sorted child names, or the properties. */
  readonly value: readonly string[] | JsonObject;
  /** Set when the view stopped following the node (its `error`), or the node was deleted. */
  readonly ended?: string;
  /** A properties view's `version` (shown in a stale view's incident, not compared). */
  readonly version?: number;
}

export type Request =
  | { readonly type: 'report'; readonly id: number }
  | { readonly type: 'pause'; readonly id: number }
  | { readonly type: 'resume'; readonly id: number }
  | { readonly type: 'stall'; readonly id: number; readonly ms: number }
  | { readonly type: 'terminate-worker'; readonly id: number }
  | { readonly type: 'diagnose'; readonly id: number }
  | { readonly type: 'close'; readonly id: number };

export type Reply =
  | {
      readonly type: 'report';
      readonly id: number;
      readonly state: SessionState;
      readonly sessionId: string | undefined;
      readonly views: readonly ViewReport[];
    }
  | { readonly type: 'paused'; readonly id: number }
  | { readonly type: 'resumed'; readonly id: number }
  | { readonly type: 'stall-ended'; readonly id: number; readonly ms: number }
  | { readonly type: 'worker-replaced'; readonly id: number; readonly error?: string }
  /** zk.diagnostics(), as JSON, or why it failed: what the worker believes it watches, for a stale view's report. */
  | { readonly type: 'diagnostics'; readonly id: number; readonly json: string }
  | { readonly type: 'closed'; readonly id: number; readonly ms: number; readonly error?: string };

/** How a failed update() is counted: 'unknown' unless the error's code says ZooKeeper never got the write. */
export type WriteOutcome = 'unknown' | 'not-applied';

export type Event =
  | { readonly type: 'ready'; readonly state: SessionState; readonly sessionId: string | undefined }
  | {
      readonly type: 'state';
      readonly state: SessionState;
      readonly sessionId: string | undefined;
      /** The child's Date.now() when the state changed: orders it against a SIGCONT. */
      readonly at: number;
    }
  | { readonly type: 'writing'; readonly n: number }
  | { readonly type: 'acked'; readonly n: number }
  | {
      readonly type: 'write-failed';
      readonly n: number;
      readonly code: string;
      readonly outcome: WriteOutcome;
    }
  | { readonly type: 'stalling'; readonly id: number }
  | { readonly type: 'fatal'; readonly message: string };

export type ChildMessage = Reply | Event;

/** Replies carry the id of their request; events do not. */
export function isReply(message: ChildMessage): message is Reply {
  return 'id' in message && message.type !== 'stalling';
}
