import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { openObserver, waitFor } from '@zkit/testing';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { distScript } from './fixtures/examples/processes.js';

interface Run {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves when `pattern` shows in the output (bounded by the test's timeout). */
  until(pattern: RegExp): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs the demo as `npm run demo` does, against the run's ZooKeeper: given ZK_CONNECT, the demo works in a fresh
 * chroot of its own (and removes it), so it cannot collide with other tests. Not a TTY, so no colour.
 */
function runDemo(args: string[] = []): Run {
  const child = spawn(process.execPath, [distScript('demo.js'), ...args], {
    env: { ...process.env, ZK_CONNECT: inject('zkConnect'), NO_COLOR: undefined, FORCE_COLOR: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const check of waiters) check();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // The demo removes its log directory unless it failed; a killed one cannot.
    const logs = /^Logs +(\S+)\/\*\.log/m.exec(output)?.[1];
    if (logs !== undefined) await rm(logs, { recursive: true, force: true });
  });
  return {
    child,
    output: () => output,
    exited,
    until: (pattern) =>
      new Promise((resolve) => {
        const check = () => {
          if (!pattern.test(output)) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
  };
}

/** The chroot the demo announced (`... in a fresh chroot removed at the end: host:port/zkit-test-...`). */
function chrootOf(output: string): string {
  const match = /removed at the end: (\S+?)(\/zkit-test-[\w-]+)/.exec(output);
  if (match === null) throw new Error(`no chroot in the demo's output:\n${output}`);
  return match[2]!;
}

/** Pids of live processes whose environment has ZK_CONNECT=<value>: what the demo started (Linux /proc). */
function processesWith(zkConnect: string): number[] {
  const needle = `ZK_CONNECT=${zkConnect}\0`;
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').includes(needle);
      } catch {
        return false; // gone meanwhile, or not ours to read
      }
    })
    .map(Number);
}

describe('the demo (npm run demo)', () => {
  it('runs the whole story in under a minute, with no failed request, and exits 0', {
    timeout: 60_000,
  }, async () => {
    const run = runDemo();
    const { code } = await run.exited;
    const output = run.output();

    expect(code, output).toBe(0);
    for (const heading of [
      /▸ 1\. Start-up/,
      /▸ 2\. Round robin/,
      /▸ 3\. Live configuration/,
      /▸ 4\. kill -9 b/,
      /▸ 5\. A new service d/,
      /▸ 6\. Graceful stop/,
      /▸ 7\. Main-thread stall/,
      /▸ 8\. ZODB-style/,
      /▸ 9\. `zkit tree \/`/,
      /▸ Done: \d+ requests/,
    ]) {
      expect(output).toMatch(heading);
    }
    expect(output).toMatch(/-server {3}b .* gone/);
    expect(output).toMatch(/registered throughout: session 0x[0-9a-f]+/);
    expect(output).toMatch(/use foomain-2 .*hits → 2/);
    expect(output).toMatch(/use fooother-1 .*hits → 1/);
    expect(output).toMatch(
      /── servers\n(.*── 127\.0\.0\.1:\d+ {2}\[ephemeral session 0x[0-9a-f]+ pid \d+\]\n)+/,
    );
    expect(output).not.toMatch(/[1-9]\d* failed/);
    expect(output).not.toContain('\x1b['); // not a TTY: no colour, no live status line
    const lines = output.trimEnd().split('\n');
    expect(lines.filter((line) => line.length > 100)).toEqual([]);

    // It removed its chroot, with everything it wrote there.
    const observer = await openObserver(inject('zkConnect'));
    onTestFinished(() => observer.close());
    expect(await observer.exists(chrootOf(output))).toBeNull();
  });

  it('stops every process it started when interrupted (Ctrl-C) mid-story', { timeout: 60_000 }, async () => {
    const run = runDemo();
    await run.until(/▸ 4\. kill -9/);
    const zkConnect = `${inject('zkConnect')}${chrootOf(run.output())}`;
    expect(processesWith(zkConnect).length).toBeGreaterThan(3);

    run.child.kill('SIGINT');
    const { code } = await run.exited;

    expect(code, run.output()).toBe(130);
    expect(run.output()).toMatch(/interrupted by SIGINT/);
    expect(processesWith(zkConnect)).toEqual([]);
  });

  it('leaves no process behind even when killed with SIGKILL: its children stop themselves', {
    timeout: 60_000,
  }, async () => {
    const run = runDemo();
    await run.until(/▸ 3\. Live configuration/);
    const zkConnect = `${inject('zkConnect')}${chrootOf(run.output())}`;
    expect(processesWith(zkConnect).length).toBeGreaterThan(3);

    run.child.kill('SIGKILL');

    // Each child sees its IPC channel close and stops itself (bounded: its own stop gives up after 15 s).
    await waitFor(() => processesWith(zkConnect).length === 0, {
      timeout: 20_000,
      message: 'the children to exit',
    });
  });

  it('with --keep leaves everything running until Ctrl-C, then stops it all and exits 0', {
    timeout: 60_000,
  }, async () => {
    const run = runDemo(['--keep']);
    const printed = /Left running[\s\S]*curl (http:\S+\/) /;
    await run.until(printed);
    const zkConnect = `${inject('zkConnect')}${chrootOf(run.output())}`;
    const url = printed.exec(run.output())?.[1];
    expect((await fetch(`${url}_status`)).status).toBe(200);

    run.child.kill('SIGINT');

    expect((await run.exited).code, run.output()).toBe(0);
    expect(processesWith(zkConnect)).toEqual([]);
  });
});
