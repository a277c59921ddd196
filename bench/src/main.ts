/**
 * `npm run bench [-- --quick] [--out DIR] [--only 1,3]`: zkit side by side with a plain node-zookeeper-client.
 * The full run writes bench/results/latest.md and latency.svg (committed) and copies the results into
 * bench/README.md and a summary into the top-level README; --quick writes quick.* beside them (not committed); --out writes elsewhere and touches nothing else.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runBench } from './run.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    only: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write('usage: node bench/dist/main.js [--quick] [--out DIR] [--only 1,2,3,4,5,6,7]\n');
} else {
  const mode = values.quick ? 'quick' : 'full';
  const output = await runBench({
    mode,
    outDir: values.out ?? fileURLToPath(new URL('../results/', import.meta.url)),
    ...(values.only ? { only: values.only.split(',').map(Number) } : {}),
    // The README records the last full run into bench/results, nothing else.
    ...(mode === 'full' && values.out === undefined
      ? {
          readme: fileURLToPath(new URL('../README.md', import.meta.url)),
          summaryReadme: fileURLToPath(new URL('../../README.md', import.meta.url)),
        }
      : {}),
  });
  process.stderr.write(
    `wrote ${output.files.markdown}, ${output.files.svg} (${output.seconds.toFixed(0)} s)\n`,
  );
  if (output.failures.length > 0) {
    for (const failure of output.failures)
      process.stderr.write(`scenario ${failure.id} failed:\n${failure.error}\n`);
    process.exitCode = 1;
  }
}
