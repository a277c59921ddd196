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

/** The message the pm2-zkit plugin (and the demo) read an app's port from. */
const ANNOUNCE_TYPE = 'zkit:register';
/** The plugin's request to announce again, sent through PM2 after it (re)subscribed to PM2's bus. */
const ANNOUNCE_REQUEST_TYPE = 'zkit:announce';

/**
 * Tells the process that started us which port we serve on, now and whenever the pm2-zkit plugin asks again (a
 * plugin started after we announced did not hear it). The message is the one the plugin reads to learn an app's
 * port; the demo reads it too. Without an IPC channel (a plain `node` run) it does nothing.
 *
 * The same protocol as pm2-zkit's `announcePort()` (pm2-zkit/announce), repeated here so that the examples do not
 * depend on the plugin package: keep the two in step.
 */
export function announcePort(port: number): void {
  if (process.send === undefined) return;
  const message = { type: ANNOUNCE_TYPE, data: { port } };
  const send = () => {
    if (!process.connected) return;
    try {
      // With a callback, a channel closed meanwhile is reported to it, not as an 'error' event.
      process.send?.(message, () => {});
    } catch {
      // The parent went away between the check and the send: the 'disconnect' handler stops us.
    }
  };
  send();
  // Node keeps the IPC channel referenced while it has 'message' listeners; this one must not keep us alive.
  const channel = process.channel as { unrefCounted?: () => void } | undefined;
  process.on('message', (received: unknown) => {
    if (isAnnounceRequest(received)) send();
  });
  channel?.unrefCounted?.();
}

/** PM2 delivers the plugin's request as `{ type, topic, data, id }`. */
function isAnnounceRequest(message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const { type, topic } = message as { type?: unknown; topic?: unknown };
  return type === ANNOUNCE_REQUEST_TYPE || topic === ANNOUNCE_REQUEST_TYPE;
}

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
