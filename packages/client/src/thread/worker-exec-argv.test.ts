import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { withParentFlags, workerExecArgv } from './worker-exec-argv.js';

/**
 * A real worker with these flags: constructing it throws as Node refuses a flag; the promise resolves with the
 * execArgv the worker saw, or rejects as it died.
 */
function startsWith(execArgv: string[]): Promise<string[]> {
  const worker = new Worker("require('node:worker_threads').parentPort.postMessage(process.execArgv)", {
    eval: true,
    execArgv,
  });
  const seen = new Promise<string[]>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
  return seen.finally(() => worker.terminate());
}

describe('workerExecArgv', () => {
  it("drops the parent's program and its mode, with their values", () => {
    expect(workerExecArgv(['--input-type=module', '-e', 'import "x"'])).toEqual([]);
    expect(workerExecArgv(['--input-type', 'module', '--eval', '-1'])).toEqual([]);
    expect(workerExecArgv(['-p', 'process.pid', '--enable-source-maps'])).toEqual(['--enable-source-maps']);
    expect(workerExecArgv(['-pe', '1', '-i', '--interactive', '-c', '--check'])).toEqual([]);
    expect(
      workerExecArgv([
        '--test',
        '--test-reporter',
        'spec',
        '--test-name-pattern=x',
        '--experimental-test-coverage',
      ]),
    ).toEqual([]);
    expect(workerExecArgv(['--watch', '--watch-path', 'src', '--watch-preserve-output'])).toEqual([]);
  });

  it('keeps loaders, preloads and conditions with their values, and the other per-thread flags', () => {
    const kept = [
      '--import',
      'tsx',
      '--import=./a.mjs',
      '--require',
      './b.cjs',
      '-r',
      'c',
      '--loader=d',
      '--experimental-loader',
      'e',
      '-C',
      'dev',
      '--conditions=dev',
      '--enable-source-maps',
      '--no-warnings',
      '--unhandled-rejections=strict',
      '--experimental-vm-modules',
      '--inspect=0',
      '--inspect-port=9230',
    ];

    expect(workerExecArgv(kept)).toEqual(kept);
  });

  it('drops what makes a worker wait for a debugger, and the flags Node refuses in a worker', () => {
    expect(workerExecArgv(['--inspect-brk=0', '--inspect-wait', '--inspect=0'])).toEqual(['--inspect=0']);
    expect(
      workerExecArgv([
        '--max-old-space-size=100',
        '--stack-size=2000',
        '--expose-gc',
        '--expose_gc',
        '--title=x',
        '--jitless',
        '--harmony-shadow-realm',
        '--perf-basic-prof',
        '--stack-trace-limit=50',
      ]),
    ).toEqual([]);
  });

  it('gives flags a Node 20 worker starts with, from a parent that had every kind', async () => {
    const parent = [
      '--input-type=module',
      '--max-old-space-size=200',
      '--expose-gc',
      '--title=zkit',
      '--enable-source-maps',
      '--conditions=dev',
      '--watch-path=/tmp',
      '--test',
      '--no-warnings',
      '-e',
      'import "x"',
    ];

    expect(await startsWith(workerExecArgv(parent))).toEqual([
      '--enable-source-maps',
      '--conditions=dev',
      '--no-warnings',
    ]);
  });
});

describe('withParentFlags', () => {
  it('starts once more without a flag Node refuses that the list does not know', async () => {
    // --trace-opt is a V8 flag: process-wide, so refused in a worker's execArgv.
    const tried: string[][] = [];

    const seen = await withParentFlags(
      (execArgv) => {
        tried.push(execArgv);
        return startsWith(execArgv);
      },
      ['--trace-opt', '--enable-source-maps'],
    );

    expect(seen).toEqual(['--enable-source-maps']);
    expect(tried).toEqual([['--trace-opt', '--enable-source-maps'], ['--enable-source-maps']]);
  });

  it('lets any other failure through', () => {
    const failure = new Error('no threads here');

    expect(() =>
      withParentFlags(() => {
        throw failure;
      }, []),
    ).toThrow(failure);
  });
});
