import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ANNOUNCE_TYPE } from 'pm2-zkit/announce';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A process the demo started, running one of the examples. */
export interface Member {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** `127.0.0.1:PORT`: the name of its node in ZooKeeper. */
  readonly address: string;
  readonly logFile: string;
  readonly exited: Promise<Exit>;
  readonly running: boolean;
  signal(signal: NodeJS.Signals): void;
}

export class FleetError extends Error {
  override readonly name = 'FleetError';
  readonly code = 'START_FAILED';
}

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5000;

/**
 * The demo's child processes. Each logs to a file of its own and reports its port with the `zkit:register` IPC
 * message. Nothing outlives the demo:
 *
 *   demo --SIGTERM, then SIGKILL after 5 s--> children       (stopAll: the normal end, an error, Ctrl-C)
 *   demo --'exit' handler: SIGKILL-----------> children       (process.exit from anywhere)
 *   demo dies (even by SIGKILL) --IPC channel closes--> children stop themselves (shared/lifecycle.ts)
 */
export class Fleet {
  readonly #children = new Set<ChildProcess>();
  readonly #killNow = () => this.killAll();

  constructor(
    private readonly logDir: string,
    readonly env: NodeJS.ProcessEnv,
  ) {
    process.on('exit', this.#killNow);
  }

  /** Starts `dist/<script>` with `args`; resolves once it has announced its port. */
  async start(name: string, script: string, args: readonly string[]): Promise<Member> {
    const logFile = join(this.logDir, `${name}.log`);
    const log = openSync(logFile, 'a');
    const entry = fileURLToPath(new URL(`../${script}`, import.meta.url));
    const child = spawn(process.execPath, [entry, ...args], {
      env: this.env,
      stdio: ['ignore', log, log, 'ipc'],
      // A group of its own: a Ctrl-C at the terminal reaches the demo only, which then stops children in order.
      detached: true,
    });
    closeSync(log);
    this.#children.add(child);
    const exited = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => {
        this.#children.delete(child);
        resolve({ code, signal });
      });
      child.once('error', () => resolve({ code: null, signal: null }));
    });
    const port = await readyPort(child, exited, name, logFile);
    const pid = child.pid ?? 0;
    return {
      name,
      pid,
      port,
      address: `127.0.0.1:${port}`,
      logFile,
      exited,
      get running() {
        return child.exitCode === null && child.signalCode === null;
      },
      signal: (signal) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      },
    };
  }

  /** SIGTERM to every child still running, SIGKILL to those still there after 5 s. */
  async stopAll(): Promise<void> {
    const children = [...this.#children];
    const exits = children.map((child) => new Promise((resolve) => child.once('exit', resolve)));
    for (const child of children) child.kill('SIGTERM');
    const timer = setTimeout(() => this.killAll(), STOP_TIMEOUT_MS);
    await Promise.all(exits);
    clearTimeout(timer);
    process.off('exit', this.#killNow);
  }

  killAll(): void {
    for (const child of this.#children) child.kill('SIGKILL');
  }
}

function readyPort(
  child: ChildProcess,
  exited: Promise<Exit>,
  name: string,
  logFile: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => fail(`did not start within ${READY_TIMEOUT_MS / 1000} s`),
      READY_TIMEOUT_MS,
    );
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new FleetError(`${name} ${why}; its log (${logFile}) ends:\n${tail(logFile)}`));
    };
    child.on('message', (message: unknown) => {
      const port = announcedPort(message);
      if (port === undefined) return;
      clearTimeout(timer);
      resolve(port);
    });
    void exited.then(({ code, signal }) =>
      fail(`exited (code ${code}, signal ${signal}) before it was ready`),
    );
  });
}

/**
 * The port in a `{ type: 'zkit:register', data: { port } }` message, as sent by pm2-zkit/announce's announcePort
 * (which shared/lifecycle.ts re-exports).
 */
function announcedPort(message: unknown): number | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { type, data } = message as { type?: unknown; data?: { port?: unknown } };
  return type === ANNOUNCE_TYPE && typeof data?.port === 'number' ? data.port : undefined;
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-8).join('\n');
  } catch {
    return '(no log)';
  }
}
