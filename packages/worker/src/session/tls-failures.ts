import { type ZkError, zkError } from '@zkit/protocol';
import type { Log } from '../log-forward.js';
import type { TlsFailure, TlsHooks } from '../nzc/tls-connect.js';

/**
 * What the session makes of the TLS failures nzc/tls-connect.ts reports (node-zookeeper-client itself retries
 * them forever, silently).
 *
 * Before the first session: a refused certificate does not fix itself, so once EVERY server of the connection
 * string has failed its handshake (or its certificates could not be loaded), with no handshake succeeding in
 * between, connect() fails at once with TLS_ERROR (`onHopeless`). While only some have (a server down, refusing
 * TCP, says nothing about TLS), connect() waits for its connectTimeout, then rejects with the last TLS failure
 * (`error()`) rather than CONNECT_TIMEOUT.
 *
 * Once a session was up: the session keeps retrying (a rotated certificate, a fixed server, may cure it). The
 * first failure of a run is logged at `error` and reported as a failure (`onFailure`); the same failure again is
 * not repeated (the library retries several times a second), a different one is; a handshake that succeeds ends
 * the run.
 */
export interface TlsFailureEvents {
  /** Before the first session: every server failed its handshake; waiting longer would not help. */
  onHopeless(error: ZkError): void;
  /** After a session was up: the first failure of a run, or one unlike the last. */
  onFailure(error: ZkError): void;
}

export class TlsFailures {
  #last: TlsFailure | undefined;
  /** Servers whose handshake failed since the last one that succeeded. */
  readonly #failed = new Set<string>();
  /** The failure last reported while up: repeats of it stay quiet until a handshake succeeds. */
  #reported: string | undefined;

  constructor(
    private readonly servers: number,
    private readonly log: Log,
    private readonly events: TlsFailureEvents,
  ) {}

  /**
   * Hooks for one client: `everUp()` tells whether a session was ever established, `current()` whether the client
   * is still the session's (a stopped one's last handshake says nothing about the next).
   */
  hooks(client: { everUp(): boolean; current(): boolean }): TlsHooks {
    return {
      onFailure: (failure) => {
        if (client.current()) this.#onFailure(failure, client.everUp());
      },
      onSecure: (server) => {
        if (client.current()) this.#onSecure(server);
      },
    };
  }

  /** The TLS_ERROR of the last handshake that failed, if any: what a connect timeout really was. */
  error(): ZkError | undefined {
    return this.#last && tlsError(this.#last);
  }

  #onFailure(failure: TlsFailure, everUp: boolean): void {
    // A refused TCP connection is a server down, not a TLS problem: ZooKeeper's usual failover handles it.
    if (failure.stage === 'connect') {
      this.log.debug(fields(failure), 'could not reach a ZooKeeper server');
      return;
    }
    this.#last = failure;
    this.#failed.add(failure.server);
    if (!everUp) {
      this.log.warn(fields(failure), 'TLS connection to ZooKeeper failed');
      if (this.#failed.size >= this.servers) this.events.onHopeless(tlsError(failure));
      return;
    }
    const key = `${failure.server} ${failure.code}`;
    if (this.#reported === key) return;
    this.#reported = key;
    this.log.error(fields(failure), 'TLS connection to ZooKeeper failed; retrying');
    this.events.onFailure(tlsError(failure));
  }

  #onSecure(server: string): void {
    this.#failed.clear();
    this.#last = undefined;
    if (this.#reported === undefined) return;
    this.#reported = undefined;
    this.log.info({ server }, 'TLS connection to ZooKeeper made again');
  }
}

function tlsError(failure: TlsFailure): ZkError {
  return zkError(
    'TLS_ERROR',
    `TLS connection to ${failure.server} failed: ${failure.reason} (${failure.code})`,
  );
}

/** Server, stage, node's code and reason: never the configuration (key material stays out of logs). */
function fields(failure: TlsFailure): Record<string, unknown> {
  return { server: failure.server, stage: failure.stage, code: failure.code, reason: failure.reason };
}

/** How many servers `connectionString` names (`host:port[,host:port...][/chroot]`). */
export function serverCount(connectionString: string): number {
  const slash = connectionString.indexOf('/');
  const servers = slash === -1 ? connectionString : connectionString.slice(0, slash);
  return servers.split(',').filter((server) => server.trim() !== '').length;
}
