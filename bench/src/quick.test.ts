/**
 * The quick bench, end to end, as CI runs it: every scenario produced, every figure a number. Timings are never
 * asserted (a loaded CI machine makes them meaningless); the numbers that matter are read by people.
 *
 * It runs the compiled bench (`bench/dist`), as `npm run bench -- --quick` does: stall and scale trials fork child
 * processes from the compiled files. `npm test` builds before running vitest.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {} from '@zkit/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunOutput } from './run.js';
import { renderSummary } from './summary.js';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
let out: string;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'zkit-bench-'));
});

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

/** Runs `node bench/dist/main.js --quick` against the test run's shared ZooKeeper; resolves its exit code. */
function runQuick(): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main, '--quick', '--out', out], {
      env: { ...process.env, ZK_CONNECT: inject('zkConnect') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8192);
    });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('npm run bench -- --quick', () => {
  it('produces every scenario with numbers, a Markdown table and an SVG chart', async () => {
    expect(existsSync(main), `${main} is missing: build first (npx turbo run build)`).toBe(true);

    const { code, stderr } = await runQuick();
    expect(code, stderr).toBe(0);

    const output = JSON.parse(await readFile(join(out, 'quick.json'), 'utf8')) as Omit<RunOutput, 'files'>;
    expect(output.failures).toEqual([]);
    expect(output.scenarios.map((s) => s.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (const scenario of output.scenarios) {
      expect(scenario.rows.length, scenario.title).toBeGreaterThan(0);
      for (const row of scenario.rows) {
        const figures = [row.zkit, row.direct, row.floor].filter((v) => v !== null && v !== undefined);
        expect(figures.length, row.metric).toBeGreaterThan(0);
        for (const figure of figures) expect(Number.isFinite(figure), row.metric).toBe(true);
      }
    }
    expect(output.scenarios.flatMap((s) => s.checks).length).toBeGreaterThan(0);

    const markdown = await readFile(join(out, 'quick.md'), 'utf8');
    for (const scenario of output.scenarios)
      expect(markdown).toContain(`## ${scenario.id}. ${scenario.title}`);
    // The top-level README's summary picks a full run's rows by name (and throws on a missing one); a quick run has
    // the same rows, so a renamed metric shows here rather than as a line gone from the README.
    const summary = renderSummary(output.machine, output.scenarios);
    expect(summary.split('\n').filter((line) => /^\| [^|-]/.test(line))).toHaveLength(10);
    expect(summary.split('\n').filter((line) => line.startsWith('- '))).toHaveLength(4);
    const svg = await readFile(join(out, 'quick-latency.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<polyline');
  }, 240_000);
});
