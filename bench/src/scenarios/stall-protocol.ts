/** The messages of a stall trial between the parent (observer) and its child (the stalled client). */

export interface StallChildConfig {
  readonly kind: 'zkit' | 'direct';
  readonly connectionString: string;
  readonly sessionTimeout: number;
  /** Where the child registers its servers, `parent/127.0.0.1:<n>`. */
  readonly parent: string;
  readonly registrations: number;
  readonly stallMs: number;
  /** How long the child runs normally after the stall before it reports. */
  readonly settleMs: number;
}

export type StallToChild = { readonly type: 'stall' } | { readonly type: 'exit' };

export type StallFromChild =
  | { readonly type: 'ready'; readonly sessionId: string; readonly names: readonly string[] }
  | { readonly type: 'resumed'; readonly blockedMs: number }
  | {
      readonly type: 'settled';
      readonly expiries: number;
      readonly states: readonly string[];
      readonly present: number | null;
    };
