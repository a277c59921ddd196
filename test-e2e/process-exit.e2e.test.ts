import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePorts } from '@zkit/testing';
import { describe, expect, it } from 'vitest';
import { observer, root, zkConnect } from './support/harness.js';

// Child processes run the packages' dist (`npx turbo run build` first), from this directory, where @zkit/client
// resolves: a `node -e` script resolves its imports from the working directory.
const here = fileURLToPath(new URL('.', import.meta.url));
const script = fileURLToPath(new URL('./fixtures/exit-after.mjs', import.meta.url));
const preload = fileURLToPath(new URL('./fixtures/preload.mjs', import.meta.url));
/** The same script as the source of `node --input-type=module -e`. */
const source = readFileSync(script, 'utf8');

/** How long a process may take to finish and exit by itself. */
const EXIT_BOUND_MS = 20_000;

interface Exit {
  readonly code: number | null;
  readonly lines: readonly Record<string, unknown>[];
  readonly stderr: string;
}

/** Runs `node ...args`; resolves once it exited by itself, and fails if it is still running after the bound. */
function node(args: readonly string[], env: Record<string, string>): Promise<Exit> {
  const child = spawn(process.execPath, args, {
    cwd: here,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after ${EXIT_BOUND_MS} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, EXIT_BOUND_MS);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const lines = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code, lines, stderr });
    });
  });
}

/** Connects, registers, closes: the node must be gone and the process must have exited 0. */
async function expectRegisteredClosedAndGone(flags: readonly string[], asEval: boolean): Promise<Exit> {
  const obs = await observer();
  const service = root('process-exit');
  const args = asEval ? [...flags, '--input-type=module', '-e', source] : [...flags, script];

  const exit = await node(args, { ZKIT_EXIT_CONNECT: zkConnect(), ZKIT_EXIT_SERVICE: service });

  expect(exit, exit.stderr).toMatchObject({ code: 0 });
  expect(exit.lines).toContainEqual({ registered: `${service}/127.0.0.1:1` });
  expect(exit.lines.at(-1)).toEqual({ closed: true });
  expect(await obs.exists(`${service}/127.0.0.1:1`)).toBeNull();
  return exit;
}

/** A connection string where nothing listens: a loopback port that was free a moment ago. */
async function nothingListening(): Promise<string> {
  const [port] = await freePorts(1);
  return `127.0.0.1:${port}`;
}

describe('a process using zkit ends by itself', () => {
  it('after close()', async () => {
    await expectRegisteredClosedAndGone([], false);
  });

  it('after connect() failed with CONNECT_TIMEOUT (nothing listening)', async () => {
    const exit = await node([script], {
      ZKIT_EXIT_CONNECT: await nothingListening(),
      ZKIT_EXIT_MODE: 'connect-fails',
    });

    expect(exit, exit.stderr).toMatchObject({ code: 0, lines: [{ failed: 'CONNECT_TIMEOUT' }] });
  });

  it('after connect() failed because its worker died at start: one WORKER_CRASHED naming the cause', async () => {
    const exit = await node(['--import', preload, script], {
      ZKIT_EXIT_CONNECT: zkConnect(),
      ZKIT_EXIT_MODE: 'connect-fails',
      ZKIT_PRELOAD_FAIL_IN_WORKER: '1',
    });

    expect(exit, exit.stderr).toMatchObject({ code: 0 });
    expect(exit.lines.filter((line) => 'failed' in line)).toEqual([
      {
        failed: 'WORKER_CRASHED',
        message: expect.stringContaining('this preload refuses to run in a worker thread'),
      },
    ]);
  });

  it('after connect() failed because this process may not start threads (permission model)', async () => {
    // Under --experimental-permission without --allow-worker, `new Worker()` throws ERR_ACCESS_DENIED.
    const exit = await node(['--experimental-permission', '--allow-fs-read=*', script], {
      ZKIT_EXIT_CONNECT: zkConnect(),
      ZKIT_EXIT_MODE: 'connect-fails',
    });

    expect(exit, exit.stderr).toMatchObject({
      code: 0,
      lines: [{ failed: 'WORKER_CRASHED', message: expect.stringContaining('could not be started') }],
    });
  });
});

describe('the worker starts under whatever flags the process had', () => {
  it('node --input-type=module -e: connects, registers, closes, exits 0', async () => {
    await expectRegisteredClosedAndGone([], true);
  });

  it('node -e after a failed connect() (CONNECT_TIMEOUT) exits 0', async () => {
    const exit = await node(['--input-type=module', '-e', source], {
      ZKIT_EXIT_CONNECT: await nothingListening(),
      ZKIT_EXIT_MODE: 'connect-fails',
    });

    expect(exit, exit.stderr).toMatchObject({ code: 0, lines: [{ failed: 'CONNECT_TIMEOUT' }] });
  });

  it('node --enable-source-maps -e', async () => {
    await expectRegisteredClosedAndGone(['--enable-source-maps'], true);
  });

  it('node --import <module> -e: the worker gets the preload too', async () => {
    const exit = await expectRegisteredClosedAndGone(['--import', preload], true);

    expect(exit.lines.filter((line) => 'preloaded' in line)).toEqual([
      { preloaded: 'main' },
      { preloaded: 'worker' },
    ]);
  });

  it('node --inspect=0 -e (inspector on a loopback port)', async () => {
    const exit = await expectRegisteredClosedAndGone(['--inspect=0'], true);

    expect(exit.stderr).toContain('Debugger listening on ws://127.0.0.1:');
  });

  it('node with V8 and process-wide flags a worker refuses', async () => {
    await expectRegisteredClosedAndGone(
      ['--max-old-space-size=256', '--stack-trace-limit=20', '--title=zkit-exit'],
      false,
    );
  });
});
