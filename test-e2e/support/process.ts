import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@zkit/testing';
import { onTestFinished } from 'vitest';

export type Line = Record<string, unknown> & { type: string };

/** A fixture process whose stdout is JSON lines; killed when the test ends. */
export interface FixtureProcess {
  readonly child: ChildProcess;
  readonly lines: Line[];
  /** The first line (after `from`) that matches, within a bounded wait. */
  line(match: (line: Line) => boolean, options?: { from?: number; timeout?: number }): Promise<Line>;
}

export function startFixture(
  name: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): FixtureProcess {
  const script = fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  onTestFinished(() => {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  });
  const lines: Line[] = [];
  createInterface({ input: child.stdout! }).on('line', (text) => lines.push(JSON.parse(text) as Line));
  return {
    child,
    lines,
    line: (match, { from = 0, timeout = 15_000 } = {}) =>
      waitFor(() => lines.slice(from).find(match), { timeout, message: `a line from ${name}` }),
  };
}
