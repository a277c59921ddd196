import type { LogLevel, WorkerEvent } from '@zkit/protocol';

export type Emit = (event: WorkerEvent) => void;

/** The worker's logger: records travel to the main thread, where the caller's pino logger writes them. */
export interface Log {
  trace(fields: Record<string, unknown>, msg: string): void;
  debug(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

/** pino's numeric levels, which the main thread's logger reports as `levelVal`. */
export const LOG_SEVERITY: Record<LogLevel | 'silent', number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
};

/**
 * Records below `minimum` (the main-thread logger's `levelVal` when the worker started) are dropped here: each one
 * crossing the thread boundary is a message the main thread must wake up for, only to discard it.
 */
export function forwardingLog(emit: Emit, minimum = 0): Log {
  const at = (level: LogLevel) =>
    LOG_SEVERITY[level] < minimum
      ? () => {}
      : (fields: Record<string, unknown>, msg: string): void => emit({ type: 'log', level, fields, msg });
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Errors as log fields: structured-clone safe, and never carrying more than code and message. */
export function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { err: { message: error.message, ...(typeof code === 'string' ? { code } : {}) } };
  }
  return { err: { message: String(error) } };
}
