import type { BenchConfig } from './config.js';
import type { DirectClient } from './direct.js';

/** What every scenario gets from main. */
export interface BenchContext {
  readonly config: BenchConfig;
  readonly connectionString: string;
  /** One server's host:port, for four-letter words (`srvr` counts the requests the server received). */
  readonly serverAddress: string;
  /** A fresh path of this run's own; scenarios work below it. */
  readonly root: string;
  /** An independent session that arranges nodes and observes; never the one being measured. */
  readonly admin: DirectClient;
  /** Progress lines (stderr), so the table on stdout stays clean. */
  progress(line: string): void;
}
