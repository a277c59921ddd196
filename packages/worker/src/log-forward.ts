import type { LogLevel, WorkerEvent } from './protocol.js';

export type Emit = (event: WorkerEvent) => void;

/** The worker's logger: records travel to the main thread, where the caller's pino logger writes them. */
export interface Log {
  trace(fields: Record<string, unknown>, msg: string): void;
  debug(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

export function forwardingLog(emit: Emit): Log {
  const at =
    (level: LogLevel) =>
    (fields: Record<string, unknown>, msg: string): void =>
      emit({ type: 'log', level, fields, msg });
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
