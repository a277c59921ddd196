import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { Socket } from 'node:net';

/*
 * Two lines of defence so no java process or temp dir outlives the Node process that made it:
 *
 *   this process --(exit event: synchronous SIGKILL + rmSync)--> java, temp dirs
 *   this process --(stdin pipe: "+pid 123", "-dir /tmp/x")--> reaper --(stdin EOF)--> SIGKILL + rm -rf
 *
 * The 'exit' handler covers normal exits and process.exit(). It does not run on SIGKILL, an uncaught signal
 * (a test runner SIGTERMs a hung worker) or a crash; then the reaper, a small detached node process that only
 * reads its stdin, sees end-of-file when this process dies and cleans up (like testcontainers' Ryuk).
 */

const pids = new Set<number>();
const dirs = new Set<string>();
let installed = false;
let reaper: ChildProcess | undefined;

/** Kills `pid` with SIGKILL if this process exits (or dies) while it is still tracked. */
export function trackProcess(pid: number): void {
  install();
  pids.add(pid);
  tell(`+pid ${pid}`);
}

export function untrackProcess(pid: number): void {
  pids.delete(pid);
  tell(`-pid ${pid}`);
}

/** Removes `dir` recursively if this process exits (or dies) while it is still tracked. */
export function trackDir(dir: string): void {
  install();
  dirs.add(dir);
  tell(`+dir ${dir}`);
}

export function untrackDir(dir: string): void {
  dirs.delete(dir);
  tell(`-dir ${dir}`);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', cleanUpNow);
  reaper = startReaper();
}

function cleanUpNow(): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

function tell(line: string): void {
  // Writes to a pipe are synchronous on Linux/macOS, so the reaper knows a pid before the next await.
  reaper?.stdin?.write(`${line}\n`);
}

/**
 * Kills only processes whose command line still names ZooKeeper (where /proc tells), so a pid the kernel
 * reused after our server exited is never hit.
 */
const REAPER_SCRIPT = `
const fs = require('node:fs');
const pids = new Set(); const dirs = new Set(); let rest = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  rest += chunk;
  let nl;
  while ((nl = rest.indexOf('\\n')) >= 0) {
    const line = rest.slice(0, nl); rest = rest.slice(nl + 1);
    const set = line.slice(1, 4) === 'pid' ? pids : dirs;
    const value = line.slice(5);
    if (line[0] === '+') set.add(value); else set.delete(value);
  }
});
const isZooKeeper = (pid) => {
  try { return fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8').includes('org.apache.zookeeper'); }
  catch { return !fs.existsSync('/proc/self'); }
};
const reap = () => {
  for (const pid of pids) { try { if (isZooKeeper(pid)) process.kill(Number(pid), 'SIGKILL'); } catch {} }
  for (const dir of dirs) { try { fs.rmSync(dir, { recursive: true, force: true }); } catch {} }
  process.exit(0);
};
process.stdin.on('end', reap); process.stdin.on('error', reap);
`;

function startReaper(): ChildProcess | undefined {
  try {
    // Detached: a Ctrl-C to the terminal's process group must not kill the reaper before it cleans up.
    const child = spawn(process.execPath, ['-e', REAPER_SCRIPT], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
      env: { PATH: process.env.PATH ?? '' },
    });
    child.on('error', () => {
      reaper = undefined;
    });
    child.stdin?.on('error', () => {
      reaper = undefined;
    });
    child.unref();
    (child.stdin as Socket | null)?.unref();
    return child;
  } catch {
    // No reaper (e.g. a runtime without a node binary): the exit handler still covers normal exits.
    return undefined;
  }
}
