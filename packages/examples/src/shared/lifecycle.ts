import type { Logger } from 'pino';
import { UsageError } from './args.js';

/** How long a graceful stop may take before the process exits anyway. */
const STOP_TIMEOUT_MS = 15_000;

/**
 * Runs `stop` once, on SIGTERM or SIGINT, or when the parent that started this process over IPC goes away (the
 * demo, or PM2's daemon: an orphan should not keep serving), then exits: 0 if `stop` resolved, 1 otherwise. A
 * second signal while stopping exits at once (Ctrl-C twice); a disconnect just before or after PM2's stop signal
 * does not count as a second one.
 */
export function onShutdown(log: Logger, stop: (reason: string) => Promise<void>): void {
  let stoppedBy: 'signal' | 'disconnect' | undefined;
  const begin = (reason: string, by: 'signal' | 'disconnect') => {
    if (stoppedBy !== undefined) {
      if (by === 'signal' && stoppedBy === 'signal') {
        log.warn({ reason }, 'second stop signal: exiting now');
        process.exit(1);
      }
      return;
    }
    stoppedBy = by;
    log.info({ reason }, 'stopping');
    const timer = setTimeout(() => {
      log.error({ timeoutMs: STOP_TIMEOUT_MS }, 'graceful stop took too long: exiting');
      process.exit(1);
    }, STOP_TIMEOUT_MS);
    timer.unref();
    stop(reason).then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'graceful stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => begin('SIGTERM', 'signal'));
  process.on('SIGINT', () => begin('SIGINT', 'signal'));
  if (process.connected) process.on('disconnect', () => begin('parent disconnected', 'disconnect'));
}

/** How long a shutdown step that talks to ZooKeeper may take. */
const ZOOKEEPER_STEP_MS = 2000;

/**
 * Runs one ZooKeeper step of a shutdown (unregister, close) for at most 2 s. With ZooKeeper unreachable it would
 * wait for a reconnection; giving up is safe, since an ephemeral node goes anyway when its session expires.
 */
export async function boundedStep(log: Logger, step: string, action: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ZOOKEEPER_STEP_MS);
  });
  try {
    const outcome = await Promise.race([action, timeout]);
    if (outcome === 'timeout')
      log.warn({ step, timeoutMs: ZOOKEEPER_STEP_MS }, 'ZooKeeper step timed out: going on');
  } catch (error) {
    log.warn({ err: error, step }, 'ZooKeeper step failed: going on');
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Tells the process that started us (PM2 with the pm2-zkit plugin, or the demo) which port we serve on, now and
 * whenever the plugin asks again; without an IPC channel (a plain `node` run) it does nothing.
 */
export { announcePort } from 'pm2-zkit/announce';

/** Runs a program's main: a UsageError prints the usage and exits 2, anything else is logged and exits 1. */
export function runMain(usage: string, log: Logger, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${usage}\n`);
      process.exit(2);
    }
    log.fatal({ err: error }, 'failed to start');
    process.exit(1);
  });
}
