import {
  CONFLICT_BACKOFF,
  type DataSnapshot,
  decodeProperties,
  delay,
  exponentialBackoff,
  isPlainObject,
  type JsonObject,
  type PropertiesWrite,
  type RetryPolicy,
  sleep,
  type ZkError,
  zkError,
} from '@zkit/protocol';
import type { Log } from './log-forward.js';
import { type Client, getData, type Stat, setData } from './session/ops.js';
import type { Session } from './session/session.js';
import type { Watches } from './watches/watches.js';

/**
 * How long to wait after a version conflict before reading again: another writer got in between, and writers that
 * collided once would collide again if they retried in lockstep (hence the full jitter). Bounded: a node rewritten
 * faster than we can read and write it fails with BAD_VERSION instead of looping.
 */
const conflictBackoff: RetryPolicy = exponentialBackoff(CONFLICT_BACKOFF);

export interface PropertiesWriteContext {
  readonly session: Session;
  readonly watches: Pick<Watches, 'lastKnownData' | 'dataWritten'>;
  readonly maxDataBytes: number;
  readonly log: Log;
  /** @default exponentialBackoff(CONFLICT_BACKOFF) */
  readonly backoff?: RetryPolicy;
}

/**
 * Writes a node's properties: `set` replaces them, `update` merges `json` into them with compare-and-set on the
 * node's version, reading again after a conflict. `signal` gives up between tries and before a request goes out;
 * a write already sent is not undone (ZooKeeper applies it or not; the caller hears ABORTED only before that).
 */
export async function writeProperties(
  writer: PropertiesWriteContext,
  path: string,
  mode: PropertiesWrite,
  json: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const patch = parsePatch(json, path);
  const backoff = writer.backoff ?? conflictBackoff;
  // A watched node needs no read first: the first try writes at the version the watch last saw; if someone
  // wrote since, compare-and-set fails and the retry reads. A node deleted since (its version would start over)
  // has no such version until its re-read, so that try reads first.
  let known = mode === 'update' ? writer.watches.lastKnownData(path) : undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      const { properties, stat } = await writer.session.run(
        (client) => writeOnce(client, path, mode, patch, writer.maxDataBytes, known),
        undefined,
        signal,
      );
      writer.watches.dataWritten(path, properties, stat);
      return;
    } catch (error) {
      if ((error as ZkError).code !== 'BAD_VERSION') throw error;
    }
    const wait = backoff(attempt);
    if (wait === null) {
      throw zkError('BAD_VERSION', `gave up writing ${path} after ${attempt} version conflicts`, { path });
    }
    known = undefined;
    writer.log.debug({ path, attempt }, 'properties changed under us; retrying');
    await (signal ? sleep(wait, signal) : delay(wait));
  }
}

/** The JSON object a caller sent; anything else is INVALID_DATA (checked before anything is sent). */
export function parsePatch(json: string, path: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw zkError('INVALID_DATA', 'properties must be a JSON object', { path });
  }
  if (!isPlainObject(parsed)) throw zkError('INVALID_DATA', 'properties must be a JSON object', { path });
  return parsed as JsonObject;
}

async function writeOnce(
  client: Client,
  path: string,
  mode: PropertiesWrite,
  patch: JsonObject,
  maxBytes: number,
  known: DataSnapshot | undefined,
): Promise<{ properties: JsonObject; stat: Stat }> {
  // `set` replaces whatever is there, so it needs no version; `update` merges, so it must not overwrite a change
  // made between its read and its write (compare-and-set on the node's version).
  let properties = patch;
  let version = -1;
  if (mode === 'update') {
    const current = known ?? (await readProperties(client, path));
    properties = { ...current.properties, ...patch };
    version = current.version;
  }
  const text = JSON.stringify(properties);
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) {
    throw zkError('DATA_TOO_LARGE', `node data of ${bytes} bytes exceeds the limit of ${maxBytes} bytes`, {
      path,
    });
  }
  const stat = await setData(client, path, Buffer.from(text), version);
  return { properties, stat };
}

async function readProperties(client: Client, path: string): Promise<Omit<DataSnapshot, 'mzxid'>> {
  const { data, stat } = await getData(client, path);
  return { properties: decodeProperties(data).properties, version: stat.version };
}
