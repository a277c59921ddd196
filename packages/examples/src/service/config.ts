import type { Properties } from '@zkit/client';
import type { Logger } from 'pino';

/** The part of a service's properties (e.g. /fooservice) the HTTP service uses. */
export interface ServiceConfig {
  /** How many requests it works on at once. */
  readonly threads: number;
  readonly greeting: string;
}

export const DEFAULT_CONFIG: ServiceConfig = { threads: 1, greeting: 'Hello' };

const MAX_THREADS = 256;

/**
 * Reads the config from the properties, keeping the default for a missing or malformed value: someone typing
 * `threads: "four"` into ZooKeeper must not take the fleet down.
 */
export function readConfig(properties: Properties, log: Logger): ServiceConfig {
  const threads = properties.get('threads') ?? DEFAULT_CONFIG.threads;
  const greeting = properties.get('greeting') ?? DEFAULT_CONFIG.greeting;
  const validThreads = typeof threads === 'number' && Number.isInteger(threads) && threads >= 1;
  if (!validThreads) log.warn({ path: properties.path, threads }, 'ignoring threads: not a positive integer');
  if (typeof greeting !== 'string')
    log.warn({ path: properties.path, greeting }, 'ignoring greeting: not a string');
  return {
    threads: validThreads ? Math.min(threads, MAX_THREADS) : DEFAULT_CONFIG.threads,
    greeting: typeof greeting === 'string' ? greeting : DEFAULT_CONFIG.greeting,
  };
}
