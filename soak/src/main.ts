/**
 * `npm run soak -- [--minutes N] [--clients N] [--seed N] [--json FILE]`: zkit under random faults, checked
 * continuously; prints the figures and exits 0 only when every one is 0 (1 when one is not, 2 when the soak itself
 * could not run). See README.md.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { WIND_DOWN_BOUND_MS } from './config.js';
import { randomSeed } from './prng.js';
import { renderReport, toJson } from './report.js';
import { startSoak } from './run.js';

const USAGE = `usage: npm run soak -- [--minutes N] [--clients N] [--seed N] [--json FILE]
  --minutes  how long faults are injected, in minutes (fractions allowed); the wind-down adds ~20 s. Default 10
  --clients  client processes at a time (1-8). Default 3
  --seed     seed of the fault schedule (0-4294967295). Default: random, printed
  --json     also write the result as JSON to FILE
  SOAK_LOG=debug  zkit's log from the clients, on stderr
`;

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    clients: { type: 'string', default: '3' },
    seed: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const minutes = Number(values.minutes);
const clients = Number(values.clients);
const seed = values.seed === undefined ? randomSeed() : Number(values.seed);
const problems = [
  !(Number.isFinite(minutes) && minutes > 0 && minutes <= 24 * 60) && `--minutes ${values.minutes}`,
  !(Number.isInteger(clients) && clients >= 1 && clients <= 8) && `--clients ${values.clients}`,
  !(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff) && `--seed ${values.seed}`,
].filter(Boolean);
if (problems.length > 0) {
  process.stderr.write(`bad arguments: ${problems.join(', ')}\n${USAGE}`);
  process.exit(2);
}

const log = (line: string) => process.stderr.write(`${line}\n`);
log(`soak: seed ${seed} (repeat with --seed ${seed}), ${clients} clients, ${minutes} min of faults`);
const run = startSoak({ minutes, clients, seed, logLevel: process.env.SOAK_LOG ?? 'silent', log });

// Nothing the soak started may outlive it, a SIGSTOPped client least of all (@zkit/testing reaps the servers).
process.on('exit', () => run.killNow());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log(`soak: ${signal}, stopping`);
    process.exit(2);
  });
}
const hung = setTimeout(
  () => {
    log(
      `soak: still running ${WIND_DOWN_BOUND_MS / 60_000} min after its faults should have ended; giving up`,
    );
    process.exit(2);
  },
  minutes * 60_000 + WIND_DOWN_BOUND_MS,
);
hung.unref();

try {
  const result = await run.result;
  process.stdout.write(renderReport(result));
  if (values.json !== undefined) await writeFile(values.json, `${JSON.stringify(toJson(result), null, 2)}\n`);
  process.exitCode = result.figures.total === 0 ? 0 : 1;
} catch (error) {
  log(`soak: could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 2;
}
