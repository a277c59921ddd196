/**
 * The chaos soak, short and bounded, as CI runs it: a 3-node ensemble of its own, three client processes, random
 * faults for 40 s with a random seed (printed, and in the failure message), then every figure must be 0. Timings are
 * never asserted; the soak's own grace periods are rules about zkit's behaviour (soak/README.md).
 *
 * It runs the compiled soak (`soak/dist`), as `npm run soak` does: its client processes use the packages' dist.
 * `npm test` builds before running vitest.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../soak/dist/main.js', import.meta.url));
/** 40 s of faults; the soak's start and wind-down add ~20 s. */
const MINUTES = '0.67';
/** Kills the soak if it overruns this badly; it bounds itself well within it. */
const HARD_LIMIT_MS = 240_000;

interface SoakJson {
  readonly seed: number;
  readonly faults: Record<string, number>;
  readonly writes: { readonly acknowledged: number };
  readonly audits: number;
  readonly viewsCompared: number;
  readonly figures: Record<string, number>;
  readonly passed: boolean;
}

let out: string;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'zkit-soak-'));
});

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

function runSoak(json: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main, '--minutes', MINUTES, '--clients', '3', '--json', json], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-16_384);
    });
    const limit = setTimeout(() => child.kill('SIGTERM'), HARD_LIMIT_MS);
    child.on('exit', (code) => {
      clearTimeout(limit);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run soak (short)', () => {
  it(
    'injects faults while clients write, and every figure is 0',
    async () => {
      expect(existsSync(main), `${main} is missing: build first (npx turbo run build)`).toBe(true);
      const json = join(out, 'soak.json');

      const { code, stdout, stderr } = await runSoak(json);

      const story = `${stdout}\n--- soak log (tail) ---\n${stderr}`;
      expect(existsSync(json), story).toBe(true);
      const result = JSON.parse(await readFile(json, 'utf8')) as SoakJson;
      expect(
        Object.values(result.faults).reduce((a, b) => a + b, 0),
        story,
      ).toBeGreaterThan(0);
      expect(result.writes.acknowledged, story).toBeGreaterThan(0);
      expect(result.viewsCompared, story).toBeGreaterThan(0);
      expect(result.figures, story).toEqual({
        staleViews: 0,
        missingRegistrations: 0,
        leftoverNodes: 0,
        lostUpdates: 0,
        unexitedProcesses: 0,
        unhealedClients: 0,
        stuckWrites: 0,
        crashedProcesses: 0,
      });
      expect(code, story).toBe(0);
    },
    HARD_LIMIT_MS + 10_000,
  );
});
