import { type ChildProcess, spawn } from 'node:child_process';
import { trackProcess, untrackProcess } from './cleanup.js';
import type { JavaLaunch } from './providers/local-jar.js';

export const STANDALONE_MAIN = 'org.apache.zookeeper.server.ZooKeeperServerMain';
export const QUORUM_MAIN = 'org.apache.zookeeper.server.quorum.QuorumPeerMain';

/** Everything one server process needs; the ports and directory stay the same across restarts. */
export interface LocalServerSpec {
  readonly index: number;
  readonly id: number;
  /** The port of the handle's connection string (the TLS one when TLS is on). */
  readonly clientPort: number;
  /** The TLS port (`secureClientPort`, or the unified port); absent without TLS. */
  readonly securePort?: number;
  /** The plain port, when there is one (the unified port serves plain clients too). */
  readonly plainPort?: number;
  /** JVM flags of this server beyond the launch's own (e.g. the JAAS file). */
  readonly jvmArgs?: readonly string[];
  /** Holds zoo.cfg and data/ (with myid for a quorum member). */
  readonly dir: string;
  readonly configFile: string;
  readonly mainClass: string;
  readonly env: NodeJS.ProcessEnv;
}

export interface ServerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (ENOENT, EACCES). */
  readonly error?: Error;
}

/** The last `limit` characters a process wrote, to quote when it fails; older output is dropped. */
class OutputTail {
  #text = '';

  constructor(private readonly limit: number) {}

  append(chunk: Buffer): void {
    this.#text += chunk.toString('utf8');
    if (this.#text.length > this.limit * 2) this.#text = this.#text.slice(-this.limit);
  }

  toString(): string {
    return this.#text.slice(-this.limit);
  }
}

/** One ZooKeeper server process, started from a local jar. Knows nothing about quorums. */
export class LocalServer {
  #child: ChildProcess | undefined;
  #exit: Promise<ServerExit> = Promise.resolve({ code: null, signal: null });
  #output = new OutputTail(16 * 1024);

  constructor(
    private readonly launch: JavaLaunch,
    readonly spec: LocalServerSpec,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.spec.clientPort}`;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Settles when the current process has exited and its output is read; never rejects. */
  get exited(): Promise<ServerExit> {
    return this.#exit;
  }

  /** The tail of stdout+stderr of the latest process (WARN and above), for error messages. */
  get output(): string {
    return this.#output.toString();
  }

  /** Spawns the process; whether it serves is for the caller to find out (`srvr`). */
  start(): void {
    if (this.running) throw new Error(`server ${this.spec.index} is already running`);
    this.#output = new OutputTail(16 * 1024);
    const child = spawn(
      this.launch.java,
      [
        ...this.launch.jvmArgs,
        ...(this.spec.jvmArgs ?? []),
        '-cp',
        this.launch.classpath,
        this.spec.mainClass,
        this.spec.configFile,
      ],
      { cwd: this.spec.dir, env: this.spec.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#child = child;
    this.#exit = this.#watch(child);
    // The handle's stop() or the exit handler ends the process; an un-stopped handle must not keep the
    // Node process alive on its own.
    holdEventLoop(child, false);
  }

  /** SIGKILL, resolving when the process is gone. A server that is not running resolves at once. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined || !this.running) return;
    // Awaiting the exit of an unref'd child from a top-level await would let Node quit midway (exit code 13).
    holdEventLoop(child, true);
    child.kill('SIGKILL');
    await this.#exit;
  }

  #watch(child: ChildProcess): Promise<ServerExit> {
    const pid = child.pid;
    if (pid !== undefined) trackProcess(pid);
    const append = (chunk: Buffer): void => this.#output.append(chunk);
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    return new Promise((resolve) => {
      const done = (exit: ServerExit): void => {
        if (pid !== undefined) untrackProcess(pid);
        resolve(exit);
      };
      // 'close' comes after 'exit' once stdout/stderr are drained, so the output is complete.
      child.once('close', (code, signal) => done({ code, signal }));
      child.once('error', (error) => done({ code: null, signal: null, error }));
    });
  }
}

/** Whether the process and its output pipes keep Node's event loop alive. */
function holdEventLoop(child: ChildProcess, hold: boolean): void {
  for (const handle of [child, child.stdout, child.stderr] as Array<Partial<RefCounted> | null>) {
    if (hold) handle?.ref?.();
    else handle?.unref?.();
  }
}

interface RefCounted {
  ref(): void;
  unref(): void;
}

/** "exited with code 1" / "was killed by SIGKILL" / "could not start: spawn ... ENOENT". */
export function describeExit(exit: ServerExit): string {
  if (exit.error !== undefined) return `could not start: ${exit.error.message}`;
  if (exit.signal !== null) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}

/** ZooKeeper could not bind a port another process took after we picked it: worth a retry with new ports. */
export function isPortConflict(output: string): boolean {
  return /BindException|Address already in use/.test(output);
}
