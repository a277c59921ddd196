import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackDir, untrackDir } from './cleanup.js';
import { type PeerPorts, renderZooCfg } from './config.js';
import { TestingError } from './errors.js';
import { findLeader, type SrvrInfo, srvr } from './four-letter.js';
import type { ServerInfo, ZooKeeperHandle } from './handle.js';
import { freePorts } from './ports.js';
import type { JavaLaunch } from './providers/local-jar.js';
import { describeExit, isPortConflict, LocalServer, QUORUM_MAIN, STANDALONE_MAIN } from './server.js';
import { waitFor } from './wait-for.js';

export interface LocalEnsembleOptions {
  readonly size: 1 | 3;
  readonly tickTime: number;
  readonly minSessionTimeout: number;
  readonly maxSessionTimeout: number;
  readonly startTimeout: number;
  readonly env: NodeJS.ProcessEnv;
}

/** Fresh ports per attempt: a port we picked may be taken by another process before java binds it. */
const PORT_ATTEMPTS = 3;
const PROBE = { timeout: 1000 } as const;
const POLL_INTERVAL = 50;

/**
 * Starts `size` servers from a local jar (standalone for 1, a quorum for 3) and resolves once every server
 * serves and, for a quorum, one of them leads. Retries with new ports when a port was taken meanwhile.
 */
export async function startLocalEnsemble(
  launch: JavaLaunch,
  options: LocalEnsembleOptions,
): Promise<LocalEnsemble> {
  const deadline = Date.now() + options.startTimeout;
  for (let attempt = 1; ; attempt++) {
    const ensemble = new LocalEnsemble(await prepareServers(launch, options), options.startTimeout);
    try {
      await ensemble.startAll(deadline);
      return ensemble;
    } catch (error) {
      const conflict = ensemble.outputs().some(isPortConflict);
      await ensemble.stop();
      if (!(conflict && attempt < PORT_ATTEMPTS && Date.now() < deadline)) throw error;
    }
  }
}

async function prepareServers(launch: JavaLaunch, options: LocalEnsembleOptions): Promise<LocalServer[]> {
  const quorum = options.size > 1;
  const ports = await freePorts(quorum ? options.size * 3 : 1);
  const peers: PeerPorts[] = Array.from({ length: options.size }, (_, index) => ({
    id: index + 1,
    clientPort: ports[index * 3]!,
    peerPort: ports[index * 3 + 1] ?? 0,
    electionPort: ports[index * 3 + 2] ?? 0,
  }));
  return Promise.all(peers.map((_, index) => prepareServer(launch, options, peers, index)));
}

/** A temp dir with zoo.cfg and data/ (plus myid for a quorum member), tracked for removal at exit. */
async function prepareServer(
  launch: JavaLaunch,
  options: LocalEnsembleOptions,
  peers: readonly PeerPorts[],
  index: number,
): Promise<LocalServer> {
  const peer = peers[index]!;
  const quorum = peers.length > 1;
  const dir = await mkdtemp(join(tmpdir(), 'zkit-zk-'));
  trackDir(dir);
  const dataDir = join(dir, 'data');
  await mkdir(dataDir);
  if (quorum) await writeFile(join(dataDir, 'myid'), `${peer.id}\n`);
  const configFile = join(dir, 'zoo.cfg');
  const { tickTime, minSessionTimeout, maxSessionTimeout, env } = options;
  const config = { dataDir, clientPort: peer.clientPort, tickTime, minSessionTimeout, maxSessionTimeout };
  await writeFile(configFile, renderZooCfg(quorum ? { ...config, peers } : config));
  const mainClass = quorum ? QUORUM_MAIN : STANDALONE_MAIN;
  return new LocalServer(launch, {
    index,
    id: peer.id,
    clientPort: peer.clientPort,
    dir,
    configFile,
    mainClass,
    env,
  });
}

/** The handle of the local provider: one standalone server or a 3-node quorum of java processes. */
export class LocalEnsemble implements ZooKeeperHandle {
  readonly provider = 'local';
  readonly connectionString: string;
  #stopping: Promise<void> | undefined;

  constructor(
    private readonly members: readonly LocalServer[],
    private readonly startTimeout: number,
  ) {
    this.connectionString = members.map((server) => server.address).join(',');
  }

  get servers(): readonly ServerInfo[] {
    return this.members.map((server) => ({
      index: server.spec.index,
      id: server.spec.id,
      host: '127.0.0.1',
      port: server.spec.clientPort,
      address: server.address,
      running: server.running,
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
    await this.#awaitServing([server], Date.now() + this.startTimeout, `server ${index} to serve again`);
  }

  async leader(): Promise<number> {
    this.#assertActive();
    const running = this.members.filter((server) => server.running);
    const index = await findLeader(
      running.map((server) => server.address),
      this.startTimeout,
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

  async #stopAll(): Promise<void> {
    await Promise.all(this.members.map((server) => server.kill()));
    await Promise.all(
      this.members.map(async ({ spec }) => {
        await rm(spec.dir, { recursive: true, force: true });
        untrackDir(spec.dir);
      }),
    );
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
        last = await Promise.all(this.members.filter((server) => server.running).map(probe));
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

async function probe(server: LocalServer): Promise<{ server: LocalServer; info: SrvrInfo }> {
  try {
    return { server, info: await srvr(server.address, PROBE) };
  } catch (error) {
    return {
      server,
      info: { serving: false, reason: error instanceof Error ? error.message : String(error) },
    };
  }
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
