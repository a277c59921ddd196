/** The messages of a footprint trial (scenario 6) between the parent and the child that holds one client. */

/** zkit; the floor of any worker design (a bare worker running node-zookeeper-client); the direct client. */
export type FootprintKind = 'zkit' | 'floor' | 'direct';

export interface FootprintChildConfig {
  readonly kind: FootprintKind;
  readonly connectionString: string;
  /** The child registers `path/127.0.0.1:<port>` and watches the children of `path`. */
  readonly path: string;
  readonly port: number;
}

export type FootprintFromChild = {
  readonly type: 'measured';
  /** From the connect call (modules already loaded) to a session that can take requests. */
  readonly startupMs: number;
  /** Process RSS after a full GC of the main thread, with one session, one registration and one view. */
  readonly rss: number;
};

/** The parent never speaks: the child measures, reports and exits. */
export type FootprintToChild = { readonly type: 'never' };
