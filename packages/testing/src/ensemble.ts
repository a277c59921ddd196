import { rm } from 'node:fs/promises';
import type { TestCertificates } from './certificates.js';
import { untrackDir } from './cleanup.js';
import { TestingError } from './errors.js';
import { type FourLetterWordOptions, findLeader, type SrvrInfo, srvr } from './four-letter.js';
import type { ServerInfo, ZooKeeperHandle } from './handle.js';
import type { ResolvedTls, SaslServerOptions } from './options.js';
import type { JavaLaunch } from './providers/local-jar.js';
import { type LocalSecurity, prepareSecurity, probeTls, releaseSecurity } from './security.js';
import { describeExit, isPortConflict, type LocalServer, type LocalServerSpec } from './server.js';
import { prepareServers, type ServerSetupOptions } from './server-setup.js';
import { waitFor } from './wait-for.js';

export interface LocalEnsembleOptions extends ServerSetupOptions {
  readonly startTimeout: number;
  readonly tls?: ResolvedTls | undefined;
  readonly sasl?: SaslServerOptions | undefined;
}

/** Fresh ports per attempt: a port we picked may be taken by another process before java binds it. */
const PORT_ATTEMPTS = 3;
const POLL_INTERVAL = 50;

/**
 * Starts `size` servers from a local jar (standalone for 1, a quorum for 3) and resolves once every server
 * serves and, for a quorum, one of them leads. Retries with new ports when a port was taken meanwhile. The
 * run's certificates (with TLS) are made once and kept across those attempts.
 */
export async function startLocalEnsemble(
  launch: JavaLaunch,
  options: LocalEnsembleOptions,
): Promise<LocalEnsemble> {
  const deadline = Date.now() + options.startTimeout;
  const security = await prepareSecurity(options);
  try {
    for (let attempt = 1; ; attempt++) {
      const servers = await prepareServers(launch, options, security);
      const ensemble = new LocalEnsemble(servers, { startTimeout: options.startTimeout, security });
      try {
        await ensemble.startAll(deadline);
        return ensemble;
      } catch (error) {
        const conflict = ensemble.outputs().some(isPortConflict);
        await ensemble.discard();
        if (!(conflict && attempt < PORT_ATTEMPTS && Date.now() < deadline)) throw error;
      }
    }
  } catch (error) {
    await releaseSecurity(security);
    throw error;
  }
}

/** The handle of the local provider: one standalone server or a 3-node quorum of java processes. */
export class LocalEnsemble implements ZooKeeperHandle {
  readonly provider = 'local';
  readonly connectionString: string;
  readonly plainConnectionString?: string;
  readonly tls?: TestCertificates;
  readonly #startTimeout: number;
  readonly #security: LocalSecurity;
  /** How readiness and `leader()` reach the servers: over TLS as the test client when TLS is on. */
  readonly #probe: FourLetterWordOptions;
  #stopping: Promise<void> | undefined;

  constructor(
    private readonly members: readonly LocalServer[],
    options: { readonly startTimeout: number; readonly security: LocalSecurity },
  ) {
    this.#startTimeout = options.startTimeout;
    this.#security = options.security;
    const tls = probeTls(options.security);
    this.#probe = tls === undefined ? { timeout: 1000 } : { timeout: 1000, tls };
    this.connectionString = members.map((server) => server.address).join(',');
    const certificates = options.security.tls?.certificates;
    if (certificates !== undefined) {
      this.tls = certificates;
      const plain = members.map(({ spec }) => spec.plainPort);
      if (plain.every((port) => port !== undefined)) {
        this.plainConnectionString = plain.map((port) => `127.0.0.1:${port}`).join(',');
      }
    }
  }

  get servers(): readonly ServerInfo[] {
    return this.members.map(({ spec, address, running }) => ({
      index: spec.index,
      id: spec.id,
      host: '127.0.0.1',
      port: spec.clientPort,
      address,
      ...(this.tls === undefined ? {} : secureFields(spec)),
      running,
    }));
  }

  /** Output tails of all servers (for the port-conflict retry). */
  outputs(): string[] {
    return this.members.map((server) => server.output);
  }

  async startAll(deadline: number): Promise<void> {
    for (const server of this.members) server.start();
    await this.#awaitServing(this.members, deadline, 'every server to serve with a leader');
  }

  async kill(index: number): Promise<void> {
    await this.#member(index).kill();
  }

  async restart(index: number): Promise<void> {
    const server = this.#member(index);
    await server.kill();
    server.start();
    await this.#awaitServing([server], Date.now() + this.#startTimeout, `server ${index} to serve again`);
  }

  async leader(): Promise<number> {
    this.#assertActive();
    const running = this.members.filter((server) => server.running);
    const index = await findLeader(
      running.map((server) => server.address),
      this.#startTimeout,
      this.#probe.tls,
    );
    return running[index]!.spec.index;
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stopAll();
    return this.#stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** Stops a failed start: the servers and their dirs go, the certificates stay for a retry with new ports. */
  discard(): Promise<void> {
    this.#stopping ??= this.#stopServers();
    return this.#stopping;
  }

  async #stopServers(): Promise<void> {
    await Promise.all(this.members.map((server) => server.kill()));
    await Promise.all(
      this.members.map(async ({ spec }) => {
        await rm(spec.dir, { recursive: true, force: true });
        untrackDir(spec.dir);
      }),
    );
  }

  async #stopAll(): Promise<void> {
    await this.#stopServers();
    await releaseSecurity(this.#security);
  }

  #member(index: number): LocalServer {
    this.#assertActive();
    const server = Number.isInteger(index) ? this.members[index] : undefined;
    if (server === undefined) {
      throw new TestingError('BAD_INDEX', `No server ${index}: indexes are 0..${this.members.length - 1}`);
    }
    return server;
  }

  #assertActive(): void {
    if (this.#stopping !== undefined) throw new TestingError('STOPPED', 'This ZooKeeper handle was stopped');
  }

  /**
   * Polls `srvr` until each of `servers` serves and some running member leads. Fails fast when one of them
   * exits (its output tail explains why) rather than waiting out the deadline.
   */
  async #awaitServing(servers: readonly LocalServer[], deadline: number, what: string): Promise<void> {
    let last: Array<{ server: LocalServer; info: SrvrInfo }> = [];
    const stopPolling = new AbortController();
    const ready = waitFor(
      async () => {
        const running = this.members.filter((server) => server.running);
        last = await Promise.all(running.map((server) => probe(server, this.#probe)));
        const mine = last.filter(({ server }) => servers.includes(server));
        const serving = mine.length === servers.length && mine.every(({ info }) => info.serving);
        return serving && last.some(({ info }) => info.serving && isLeading(info));
      },
      { timeout: Math.max(0, deadline - Date.now()), interval: POLL_INTERVAL, signal: stopPolling.signal },
    );
    const exited = Promise.race(servers.map((server) => server.exited.then((exit) => ({ server, exit }))));
    const outcome = await Promise.race([
      ready.then(
        () => undefined,
        (error: unknown) => ({ error }),
      ),
      exited,
    ]);
    stopPolling.abort();
    if (outcome === undefined) return;
    if ('exit' in outcome) {
      const { server, exit } = outcome;
      throw new TestingError(
        'SERVER_EXITED',
        `ZooKeeper server ${server.spec.index} (${server.address}) ${describeExit(exit)} while waiting for ${what}.` +
          `${tail(server)}`,
      );
    }
    const seen = last.map(({ server, info }) => `  ${server.address}: ${summarize(info)}`).join('\n');
    throw new TestingError(
      'START_TIMEOUT',
      `Timed out waiting for ${what}; srvr answers:\n${seen}${servers.map(tail).join('')}`,
      { cause: outcome.error },
    );
  }
}

async function probe(
  server: LocalServer,
  options: FourLetterWordOptions,
): Promise<{ server: LocalServer; info: SrvrInfo }> {
  try {
    return { server, info: await srvr(server.address, options) };
  } catch (error) {
    return {
      server,
      info: { serving: false, reason: error instanceof Error ? error.message : String(error) },
    };
  }
}

function secureFields(spec: LocalServerSpec): Pick<ServerInfo, 'securePort' | 'plainPort'> {
  return {
    ...(spec.securePort === undefined ? {} : { securePort: spec.securePort }),
    ...(spec.plainPort === undefined ? {} : { plainPort: spec.plainPort }),
  };
}

function isLeading(info: SrvrInfo): boolean {
  return info.serving && (info.mode === 'leader' || info.mode === 'standalone');
}

function summarize(info: SrvrInfo): string {
  return info.serving ? `Mode: ${info.mode}` : (info.reason.split('\n')[0] ?? '');
}

function tail(server: LocalServer): string {
  const output = server.output.trim();
  return output === '' ? '' : `\n--- server ${server.spec.index} output (tail) ---\n${output}`;
}
