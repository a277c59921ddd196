/** Where and with what a run happened: printed above the table, so figures are never read without it. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { srvr } from '@zkit/testing';

export interface Machine {
  readonly date: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  /**
   * 1-minute load average when the run started and when it ended: other work on the machine (a 2-core box is
   * easily shared) shows up here, and in every figure.
   */
  readonly load: { readonly start: number; end: number };
  readonly node: string;
  readonly zookeeper: string;
  /** How the server's JVM was started: a server compiled by C1 alone spends more CPU per request than a real one. */
  readonly zookeeperJvm: string;
  /** The repository's commit, and whether zkit's packages had uncommitted changes (the run built those). */
  readonly commit: string;
  readonly packages: Readonly<Record<string, string>>;
}

/** Records the load average at the end of the run. */
export function finishMachine(machine: Machine): void {
  machine.load.end = os.loadavg()[0] ?? 0;
}

export async function describeMachine(serverAddress: string, zookeeperJvm: string): Promise<Machine> {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    load: { start: os.loadavg()[0] ?? 0, end: Number.NaN },
    node: process.version,
    zookeeper: await zookeeperVersion(serverAddress),
    zookeeperJvm,
    commit: repositoryCommit(),
    packages: packageVersions(),
  };
}

function repositoryCommit(): string {
  const repo = fileURLToPath(new URL('../..', import.meta.url));
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, ...args], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  try {
    const dirty = git('status', '--porcelain', '--', 'packages') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' (packages/ with uncommitted changes)' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

async function zookeeperVersion(address: string): Promise<string> {
  try {
    const info = await srvr(address);
    return info.serving ? info.version : 'unknown (not serving)';
  } catch {
    return 'unknown (srvr not answered)';
  }
}

/** The versions installed, read from each package's own package.json (found above its resolved entry). */
function packageVersions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const workerRequire = createRequire(require.resolve('@zkit/worker'));
  const versions: Record<string, string> = {};
  for (const [name, resolve] of [
    ['@zkit/client', require.resolve],
    ['@zkit/worker', require.resolve],
    ['node-zookeeper-client', require.resolve],
    ['comlink', workerRequire.resolve],
  ] as const) {
    versions[name] = versionAbove(resolve(name), name);
  }
  return versions;
}

function versionAbove(entry: string, name: string): string {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === name) return pkg.version ?? 'unknown';
    } catch {
      // No package.json here: keep walking up.
    }
  }
  return 'unknown';
}
