import { Writable } from 'node:stream';
import { type ConnectOptions, connect, type ZooKeeper } from '@zkit/client';
import { type Observer, openObserver, uniquePath, waitFor } from '@zkit/testing';
import { pino } from 'pino';
import { inject, onTestFinished } from 'vitest';

/** The run's shared ZooKeeper (started once by @zkit/testing's globalSetup). */
export function zkConnect(): string {
  return inject('zkConnect');
}

/** A zkit client for one test, closed when the test ends. Quiet unless ZKIT_TEST_LOG names a level. */
export async function client(
  options: ConnectOptions = {},
  connectionString = zkConnect(),
): Promise<ZooKeeper> {
  const zk = await connect(connectionString, {
    sessionTimeout: 4000,
    logger: pino({ level: process.env.ZKIT_TEST_LOG ?? 'silent' }),
    ...options,
  });
  onTestFinished(() => zk.close());
  return zk;
}

/** An independent plain session that arranges and observes, closed when the test ends. */
export async function observer(connectionString = zkConnect()): Promise<Observer> {
  const obs = await openObserver(connectionString);
  onTestFinished(() => obs.close());
  return obs;
}

/** A fresh root for one test's nodes. */
export function root(name: string): string {
  return uniquePath(name);
}

export interface LogRecord {
  readonly level: number;
  readonly name?: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A pino logger that keeps every record (and its raw text) for assertions. */
export function capturingLogger(level = 'trace') {
  const records: LogRecord[] = [];
  let raw = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw += chunk.toString();
      for (const line of chunk.toString().split('\n')) if (line.trim()) records.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level }, stream), records, text: () => raw };
}

/** Collects what a watch callback was called with, as sorted arrays or plain objects. */
export function recorder<T>() {
  const calls: T[] = [];
  return { calls, push: (value: T) => calls.push(value), last: () => calls.at(-1) };
}

/** A call (an observer's, say) whose connection may be on a server just killed: try again through the failover, boundedly. */
export function retryThroughFailover<T>(op: () => Promise<T>): Promise<T> {
  return waitFor(
    async () => {
      try {
        return { value: await op() };
      } catch {
        return undefined;
      }
    },
    { timeout: 15_000 },
  ).then((box) => box.value);
}
