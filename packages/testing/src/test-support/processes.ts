// Test support only (excluded from the build): what /proc says about ZooKeeper processes, and child Node
// processes that use this package, to test cleanup from the outside.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../wait-for.js';

/** Command lines (argv) of live ZooKeeper server processes. */
export function zooKeeperCommandLines(): string[][] {
  const found: string[][] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (args.some((arg) => arg.startsWith('org.apache.zookeeper'))) found.push(args);
    } catch {
      // Exited meanwhile.
    }
  }
  return found;
}

/** The temp dir of the live server whose zoo.cfg says `clientPort=<port>` (or `secureClientPort=<port>`). */
export function serverDirOf(port: number): string | undefined {
  for (const args of zooKeeperCommandLines()) {
    const cfg = args.find((arg) => arg.endsWith('/zoo.cfg'));
    if (cfg === undefined) continue;
    try {
      const ports = new RegExp(`^(clientPort|secureClientPort)=${port}$`, 'm');
      if (ports.test(readFileSync(cfg, 'utf8'))) return cfg.replace(/\/zoo\.cfg$/, '');
    } catch {
      // Removed meanwhile.
    }
  }
  return undefined;
}

const SRC = fileURLToPath(new URL('..', import.meta.url));

export interface Script {
  readonly child: ChildProcess;
  /** The first line the script prints, parsed as JSON. */
  readonly firstLine: Promise<unknown>;
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
}

/**
 * Runs an ES module snippet in a fresh Node process (through tsx, so it imports this package's sources as
 * `SRC/start.ts`). Its env replaces TMPDIR so every temp dir it makes is findable.
 */
export function runScript(code: string, env: NodeJS.ProcessEnv): Script {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', code.replaceAll('SRC/', SRC)],
    {
      cwd: SRC,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  const firstLine = waitFor(() => (out.includes('\n') ? out.slice(0, out.indexOf('\n')) : undefined), {
    timeout: 30_000,
    message: 'the script to print its first line',
  }).then((line) => JSON.parse(line) as unknown);
  return { child, firstLine, exited };
}
