import { type Logger, pino } from 'pino';

/**
 * One JSON logger per program, to stdout (pipe it through `npx pino-pretty` to read it). zkit logs through a child
 * of it named `ZooKeeper`, so session events sit beside the program's own. LOG_LEVEL overrides the level.
 */
export function createLogger(name: string, defaultLevel = 'info'): Logger {
  return pino({ name, level: process.env.LOG_LEVEL ?? defaultLevel });
}
