import type { TestCertificates } from './certificates.js';

/** Where a server came from: ZK_CONNECT, a local jar, or a container. */
export type ProviderName = 'env' | 'local' | 'container';

/** One server of a handle. `running` is read live: it turns false after `kill(index)`. */
export interface ServerInfo {
  /** Position in `servers`, the argument of `kill`/`restart`. */
  readonly index: number;
  /** ZooKeeper's server id (myid): index + 1. */
  readonly id: number;
  /** 127.0.0.1 for local servers; the host given in ZK_CONNECT or the container host otherwise. */
  readonly host: string;
  /** The port of `connectionString`: the TLS port when the servers serve TLS. */
  readonly port: number;
  /** `host:port`, usable in a connection string. */
  readonly address: string;
  /** With TLS: the port serving TLS (`secureClientPort`, or the one unified port). Absent without TLS. */
  readonly securePort?: number;
  /** With TLS: the plain port, when there is one (`plainPort`, or the unified port). Absent without TLS. */
  readonly plainPort?: number;
  readonly running: boolean;
}

/** A started ZooKeeper (one server or an ensemble). `await using zk = await startZooKeeper()` stops it. */
export interface ZooKeeperHandle extends AsyncDisposable {
  /**
   * All servers, comma-separated. For the env provider: ZK_CONNECT plus a unique chroot
   * (`/zkit-test-<random>`) that exists when `startZooKeeper` resolves.
   */
  readonly connectionString: string;
  /**
   * With TLS and a plain port too (`tls.plainPort`, or `tls.portUnification` where it equals
   * `connectionString`): the servers' plain client ports. Absent otherwise.
   */
  readonly plainConnectionString?: string;
  /**
   * With TLS: the run's throwaway certificates (PEM strings and file paths), removed by `stop()`. Give
   * `tls.clientOptions` (or `ca.cert` + `client.cert`/`client.key`) to a TLS client.
   */
  readonly tls?: TestCertificates;
  readonly provider: ProviderName;
  readonly servers: readonly ServerInfo[];
  /** Idempotent. Kills the processes and removes their data dirs (env provider: deletes the chroot tree). */
  stop(): Promise<void>;
  /** SIGKILLs one server and resolves when its process is gone. Local provider only. */
  kill(index: number): Promise<void>;
  /** Starts a killed server again (a running one is killed first) with its data dir and ports; resolves when it
   * serves. Local provider only. */
  restart(index: number): Promise<void>;
  /** Index of the server whose `srvr` says `Mode: leader` (or standalone); polls until one exists. */
  leader(): Promise<number>;
}

/** What `startZooKeeper({ tls: ... })` resolves with: the run's certificates are certainly there. */
export type SecureZooKeeperHandle = ZooKeeperHandle & { readonly tls: TestCertificates };
