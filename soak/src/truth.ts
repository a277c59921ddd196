/**
 * What ZooKeeper holds, read by an independent plain session (@zkit/testing's observer): the reference every
 * view and registration is checked against. It shares nothing with the clients under test.
 */
import { isZkError, type JsonObject } from '@zkit/client';
import { type Observer, openObserver, type RawStat } from '@zkit/testing';
import { OBSERVER_SESSION_TIMEOUT_MS } from './config.js';
import { CHILDREN_PATHS, DATA_PATHS, SYNC } from './paths.js';
import { delay, within } from './sleep.js';

/** One read, however long the ensemble takes to answer: a read that would hang is given up and retried. */
const READ_TIMEOUT_MS = 5000;
const READ_ATTEMPTS = 3;
const RETRY_PAUSE_MS = 200;

/** Every node a view may show, as the observer read it. */
export interface Snapshot {
  readonly children: ReadonlyMap<string, readonly string[]>;
  readonly data: ReadonlyMap<string, JsonObject>;
}

export class Truth {
  #observer: Observer;

  private constructor(
    private readonly connectionString: string,
    observer: Observer,
  ) {
    this.#observer = observer;
  }

  static async open(connectionString: string): Promise<Truth> {
    return new Truth(connectionString, await openTruthSession(connectionString));
  }

  get sessionId(): string {
    return this.#observer.sessionId;
  }

  /** Sorted child names. */
  children(path: string): Promise<string[]> {
    return this.#read((o) => o.getChildren(path));
  }

  /** The node's JSON object (`{}` for a node without data). */
  async data(path: string): Promise<JsonObject> {
    const { data } = await this.#read((o) => o.getData(path));
    return parseObject(data);
  }

  exists(path: string): Promise<RawStat | null> {
    return this.#read((o) => o.exists(path));
  }

  /**
   * Orders this session's next reads after every write any session has had acknowledged. ZooKeeper serves reads
   * from the server a session is connected to, which may not have applied yet a write another server acknowledged;
   * node-zookeeper-client has no sync(), so the observer writes: a server answers a write only once it has applied
   * it, and with it everything committed before. A reconnect keeps the order (the client sends the last zxid it saw).
   */
  async sync(): Promise<void> {
    await this.#read((o) => o.setData(SYNC, '{}'));
  }

  async snapshot(): Promise<Snapshot> {
    const [children, data] = await Promise.all([
      Promise.all(CHILDREN_PATHS.map(async (path) => [path, await this.children(path)] as const)),
      Promise.all(DATA_PATHS.map(async (path) => [path, await this.data(path)] as const)),
    ]);
    return { children: new Map(children), data: new Map(data) };
  }

  /** Creates a persistent node with JSON data unless it exists. */
  async ensure(path: string, json: string): Promise<void> {
    try {
      await this.#read((o) => o.create(path, json));
    } catch (error) {
      if (!isZkError(error, 'NODE_EXISTS')) throw error;
    }
  }

  close(): Promise<void> {
    return this.#observer.close();
  }

  /** Retries reads lost to a fault; a session that expired (a long outage) is replaced by a new one. */
  async #read<T>(op: (observer: Observer) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await within(op(this.#observer), READ_TIMEOUT_MS, 'an observer read');
      } catch (error) {
        if (attempt >= READ_ATTEMPTS || !retryable(error)) throw error;
        if (codeOf(error) === 'SESSION_EXPIRED') await this.#reopen();
        await delay(RETRY_PAUSE_MS);
      }
    }
  }

  async #reopen(): Promise<void> {
    const old = this.#observer;
    this.#observer = await openTruthSession(this.connectionString);
    await old.close();
  }
}

function openTruthSession(connectionString: string): Promise<Observer> {
  return openObserver(connectionString, {
    sessionTimeout: OBSERVER_SESSION_TIMEOUT_MS,
    connectTimeout: OBSERVER_SESSION_TIMEOUT_MS,
  });
}

const RETRYABLE = new Set(['CONNECTION_LOSS', 'SESSION_EXPIRED', 'OPERATION_TIMEOUT', 'TIMEOUT']);

function retryable(error: unknown): boolean {
  return RETRYABLE.has(codeOf(error));
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

/** zkit's properties are a JSON object; a node holding anything else reads as `{}` in a view. */
export function parseObject(data: Buffer | undefined): JsonObject {
  if (data === undefined || data.length === 0) return {};
  try {
    const value: unknown = JSON.parse(data.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};
  } catch {
    return {};
  }
}

/** Key order does not matter to a mapping: compare canonical JSON. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
