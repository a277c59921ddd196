import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface Sample {
  readonly t: number;
  /** The node's ephemeral owner (hex session id), null while it is missing. */
  readonly owner: string | null;
}

/**
 * Samples a node's owner from another process for `durationMs`, so it keeps observing while this thread is blocked
 * on purpose. Resolves `ready` once its session is up, and `samples` when it is done.
 */
export async function sampleFromAnotherProcess(connectionString: string, path: string, durationMs: number) {
  const script = fileURLToPath(new URL('../fixtures/node-sampler.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, connectionString, path, String(durationMs), '100'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.value !== 'ready') throw new Error(`sampler did not start: ${String(first.value)}`);
  const samples = (async () => {
    const result = await iterator.next();
    await once(child, 'exit');
    return JSON.parse(String(result.value)) as Sample[];
  })();
  return { samples };
}

/** Blocks this thread: no timer, no I/O callback, no message runs until it returns. */
export function blockThread(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Busy on purpose: this is the CPU-bound request, the sync I/O, the long GC.
  }
}
