import { inspect } from 'node:util';
import { TestingError } from './errors.js';

export interface WaitForOptions {
  /**
   * Give up after this many milliseconds.
   * @default 10000
   */
  timeout?: number;
  /**
   * Milliseconds between the end of one probe and the start of the next.
   * @default 25
   */
  interval?: number;
  /** Says what was awaited; starts the timeout error's message. */
  message?: string;
  /** Stops polling early: `waitFor` rejects with the signal's reason. */
  signal?: AbortSignal;
}

type Outcome<T> = { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

/**
 * Polls `probe` until it returns (or resolves to) a truthy value and resolves with it. A probe that throws
 * counts as "not yet". On timeout rejects with `TestingError` code 'WAIT_TIMEOUT' whose message holds the
 * last value or error, so a failing test says what it saw. A probe that never settles is bounded too.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const { timeout = 10_000, interval = 25, message = 'condition', signal } = options;
  const deadline = Date.now() + timeout;
  let last: Outcome<T> = { kind: 'timeout' };
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    const outcome = await settleBefore(probe, deadline);
    if (outcome.kind === 'value' && outcome.value) return outcome.value as NonNullable<T>;
    if (outcome.kind !== 'timeout') last = outcome;
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw timeoutError(message, timeout, attempt, last);
    await delay(Math.min(interval, remaining));
  }
}

async function settleBefore<T>(probe: () => T | Promise<T>, deadline: number): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), Math.max(0, deadline - Date.now()));
  });
  const settled = (async (): Promise<Outcome<T>> => {
    try {
      return { kind: 'value', value: await probe() };
    } catch (error) {
      return { kind: 'error', error };
    }
  })();
  try {
    return await Promise.race([settled, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function timeoutError<T>(message: string, timeout: number, attempts: number, last: Outcome<T>): TestingError {
  const seen =
    last.kind === 'value'
      ? `last value: ${inspect(last.value, { depth: 3, breakLength: Number.POSITIVE_INFINITY })}`
      : last.kind === 'error'
        ? `last error: ${describeError(last.error)}`
        : 'the probe never settled';
  return new TestingError(
    'WAIT_TIMEOUT',
    `Timed out after ${timeout} ms (${attempts} attempts) waiting for ${message}; ${seen}`,
    last.kind === 'error' ? { cause: last.error } : undefined,
  );
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${error.message}`;
  }
  return inspect(error);
}

/**
 * Resolves after `ms`; the poll interval of `waitFor`, never a fixed sleep standing in for a condition. Unlike
 * `@zkit/protocol`'s `delay`, the timer keeps the process alive: a script awaiting `waitFor` must not exit mid-wait.
 */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
