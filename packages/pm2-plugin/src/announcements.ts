import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { JsonObject, JsonValue } from '@zkit/client';
import type { Logger } from 'pino';
import { ANNOUNCE_TYPE } from './announce.js';
import { PluginError } from './errors.js';
import type { Announcement } from './reconcile.js';

/**
 * Parses the `data` of a `zkit:register` message: `port` (1-65535, optional: the env's port applies without it),
 * `path` (absolute, optional) and any other JSON fields as extra node data. Throws INVALID_MESSAGE.
 */
export function parseAnnouncement(pmId: number, name: string, data: unknown): Announcement {
  if (!isRecord(data)) throw invalidMessage(name, 'data must be an object');
  const { port, path, ...rest } = data;
  const extra = toJson(rest, name);
  if (!isRecord(extra)) throw invalidMessage(name, 'data must be an object');
  return { pmId, name, port: parsePort(port, name), path: parsePath(path, name), extra };
}

function parsePort(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const port = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalidMessage(name, `port ${JSON.stringify(value)} is not a port number (1-65535)`);
  }
  return port;
}

function parsePath(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const ok =
    typeof value === 'string' &&
    value.length > 1 &&
    value.startsWith('/') &&
    value
      .split('/')
      .slice(1)
      .every((segment) => segment !== '' && segment !== '.' && segment !== '..');
  if (!ok) throw invalidMessage(name, `path ${JSON.stringify(value)} is not an absolute ZooKeeper path`);
  return value;
}

/** Checks that a value that came through JSON (PM2's IPC and bus) is JSON, and types it so. */
function toJson(value: unknown, name: string): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (Array.isArray(value)) return value.map((item) => toJson(item, name));
  if (isRecord(value)) {
    const object: JsonObject = {};
    for (const [key, item] of Object.entries(value)) object[key] = toJson(item, name);
    return object;
  }
  throw invalidMessage(name, 'data holds a value JSON cannot carry');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalidMessage(name: string, why: string): PluginError {
  return new PluginError('INVALID_MESSAGE', `${ANNOUNCE_TYPE} message from ${JSON.stringify(name)}: ${why}`);
}

interface StateFile {
  readonly version: 1;
  readonly announcements: readonly Announcement[];
}

/**
 * The announcements heard, by pm_id. An app announces once, when it starts listening; a plugin restarted later
 * would never hear it again, so they are kept in a file. One is kept across restarts of its process (which
 * normally announces again) and dropped when the process leaves PM2's list.
 */
export class Announcements {
  readonly #byPmId = new Map<number, Announcement>();
  #writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string | undefined,
    private readonly log: Logger,
  ) {}

  get all(): ReadonlyMap<number, Announcement> {
    return this.#byPmId;
  }

  /** Reads the file left by an earlier run; a missing or unreadable file means none (logged). */
  async load(): Promise<void> {
    if (this.file === undefined) return;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.log.warn(
          { err: error, file: this.file },
          'cannot read the announcements file; starting without it',
        );
      }
      return;
    }
    for (const announcement of this.#parseFile(text)) this.#byPmId.set(announcement.pmId, announcement);
    this.log.info({ file: this.file, count: this.#byPmId.size }, 'announcements loaded');
  }

  set(announcement: Announcement): void {
    this.#byPmId.set(announcement.pmId, announcement);
    this.#persist();
  }

  /** Drops the announcements of processes no longer in PM2's list. */
  prune(livePmIds: ReadonlySet<number>): void {
    let changed = false;
    for (const pmId of this.#byPmId.keys()) {
      if (!livePmIds.has(pmId)) changed = this.#byPmId.delete(pmId) || changed;
    }
    if (changed) this.#persist();
  }

  /** Resolves when every write so far is on disk (or failed, logged). */
  flush(): Promise<void> {
    return this.#writing;
  }

  #parseFile(text: string): Announcement[] {
    try {
      const parsed: unknown = JSON.parse(text);
      if (!isRecord(parsed) || parsed.version !== 1 || !Array.isArray(parsed.announcements)) {
        throw new Error('not a version 1 announcements file');
      }
      return parsed.announcements.flatMap((entry: unknown) => {
        if (!isRecord(entry) || typeof entry.pmId !== 'number' || typeof entry.name !== 'string') return [];
        const { port, path, extra } = entry;
        return [parseAnnouncement(entry.pmId, entry.name, { ...(isRecord(extra) ? extra : {}), port, path })];
      });
    } catch (error) {
      this.log.warn({ err: error, file: this.file }, 'ignoring an unreadable announcements file');
      return [];
    }
  }

  /** Writes are chained (never two renames racing) and atomic (a crash mid-write leaves the old file whole). */
  #persist(): void {
    const file = this.file;
    if (file === undefined) return;
    const state: StateFile = { version: 1, announcements: [...this.#byPmId.values()] };
    const text = `${JSON.stringify(state, null, 2)}\n`;
    this.#writing = this.#writing.then(async () => {
      try {
        await mkdir(dirname(file), { recursive: true });
        await writeFile(`${file}.tmp`, text);
        await rename(`${file}.tmp`, file);
      } catch (error) {
        this.log.warn(
          { err: error, file },
          'cannot save announcements; a restarted plugin will not know them',
        );
      }
    });
  }
}
