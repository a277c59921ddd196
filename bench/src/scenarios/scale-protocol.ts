/** The messages of a scale trial between the parent (changer, observer) and its child (the measured client). */

export interface ScaleChildConfig {
  readonly kind: 'zkit' | 'direct';
  /**
   * children: register `count` servers under `path` and watch them; properties: load views of `path/p<i>`;
   * services: follow the `count` instances the parent made under `path` (services-child.ts).
   */
  readonly mode: 'children' | 'properties' | 'services';
  readonly connectionString: string;
  readonly path: string;
  readonly count: number;
  readonly inFlight: number;
}

/** Bytes; see memory.ts for how each is taken. */
export interface MemorySample {
  readonly rss: number;
  /** Live main-thread heap after a full GC. */
  readonly heapUsed: number;
}

export interface MemoryFigures {
  /** Before the client exists. */
  readonly baseline: MemorySample;
  /** Connected, nothing registered or watched. */
  readonly connected: MemorySample;
  /** With everything registered and loaded. */
  readonly loaded: MemorySample;
  /** Live heap of zkit's worker thread at the end (after a full GC); null for the direct client. */
  readonly workerHeap: number | null;
}

export type ScaleToChild =
  | { readonly type: 'arm'; readonly name: string; readonly present: boolean }
  /** Services mode: the instance `name` is about to be rewritten with `seq` in its data. */
  | { readonly type: 'armData'; readonly name: string; readonly seq: number }
  | { readonly type: 'exit' };

export type ScaleFromChild =
  | {
      readonly type: 'loaded';
      /** Registering `count` servers with `inFlight` outstanding (children mode). */
      readonly registerMs: number | null;
      readonly loadMs: number;
      /** Bytes the worker sent the main thread while the view(s) loaded; null for the direct client. */
      readonly loadBytes: number | null;
      readonly memory: MemoryFigures;
    }
  | { readonly type: 'armed' }
  | {
      readonly type: 'seen';
      /** process.hrtime.bigint() inside the callback, as a string: CLOCK_MONOTONIC, comparable with the parent. */
      readonly atNs: string;
      /** Main-thread busy time from arming to the callback (event-loop utilisation), microseconds. */
      readonly busyUs: number;
      /** The same for zkit's worker thread; null for the direct client. */
      readonly workerBusyUs: number | null;
      /** What crossed from the worker for this change; null for the direct client. */
      readonly bytes: number | null;
      readonly messages: number | null;
    };
