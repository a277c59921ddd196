/** The messages between the notification scenario and its changer, a child process with its own session. */

export interface ChangerConfig {
  readonly connectionString: string;
}

/** One write: add a child, remove it, or replace a node's data. */
export type Change =
  | { readonly op: 'create' | 'remove'; readonly path: string }
  | { readonly op: 'set'; readonly path: string; readonly data: string };

export type ChangerToChild =
  | ({ readonly type: 'change' } & Change)
  | { readonly type: 'report' }
  | { readonly type: 'exit' };

export type ChangerFromChild =
  | { readonly type: 'ready' }
  | {
      readonly type: 'report';
      /** Per change since the last report, in order: hrtime (ns, as strings) when issued and when acknowledged. */
      readonly timings: readonly { readonly issuedNs: string; readonly ackedNs: string }[];
      /** The first write that failed, if any (its change never shows, so the parent's wait times out). */
      readonly error?: string;
    };
