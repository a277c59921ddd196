import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { JsonObject } from '@zkit/client';
import { encodeJsonObject, isPlainObject, validatePath } from '@zkit/protocol';
import type { Logger } from 'pino';
import { ANNOUNCE_TYPE } from './announce.js';
import { DEFAULTS } from './config.js';
import { PluginError } from './errors.js';
import type { Announcement, ManagedProcess } from './reconcile.js';

/**
 * Parses the `data` of a `zkit:register` message: `port` (1-65535, optional: the env's port applies without it),
 * `path` (absolute, optional) and any other JSON fields as extra node data. Throws INVALID_MESSAGE.
 */
export function parseAnnouncement(pmId: number, name: string, data: unknown): Announcement {
  if (!isPlainObject(data)) throw invalidMessage(name, 'data must be an object');
  const { port, path, ...extra } = data;
  checkJson(extra, name);
  return { pmId, name, port: parsePort(port, name), path: parsePath(path, name), extra: extra as JsonObject };
}

function parsePort(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const port = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalidMessage(name, `port ${JSON.stringify(value)} is not a port number (1-65535)`);
  }
  return port;
}

/** A parent to register under, by ZooKeeper's rules (`validatePath`); not the root, which holds no servers. */
function parsePath(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  let path: string | undefined;
  let cause: unknown;
  try {
    path = validatePath(value);
  } catch (error) {
    cause = error;
  }
  if (path === undefined || path === '/') {
    throw invalidMessage(name, `path ${JSON.stringify(value)} is not an absolute ZooKeeper path`, cause);
  }
  return path;
}

/**
 * Checks that a value that came through JSON (PM2's IPC and bus) is JSON, by the rule registrations' data follows
 * (`encodeJsonObject`). Its size is checked by the registration, which refuses the node then.
 */
function checkJson(value: Record<string, unknown>, name: string): void {
  try {
    encodeJsonObject(value, Number.POSITIVE_INFINITY);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw invalidMessage(name, `data holds a value JSON cannot carry (${why})`, error);
  }
}

function isPid(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function invalidMessage(name: string, why: string, cause?: unknown): PluginError {
  return new PluginError('INVALID_MESSAGE', `${ANNOUNCE_TYPE} message from ${JSON.stringify(name)}: ${why}`, {
    cause,
  });
}

interface StateFile {
  readonly version: 1;
  readonly announcements: readonly Announcement[];
}

/** What applies now: `Announcements.applying`'s answer. */
export interface Applying {
  /** The announcements that apply, by pm_id. */
  readonly announcements: ReadonlyMap<number, Announcement>;
  /** Processes seen with a new pid since their announcement: to be asked to announce again. */
  readonly renewed: readonly ManagedProcess[];
  /** In how many ms the grace of one of them ends (a sync is due then), if any is running. */
  readonly graceEndsIn: number | undefined;
}

/**
 * The announcements heard, by pm_id, each tied to the pid that sent it. An app announces once, when it starts
 * listening; a plugin restarted later would never hear it again, so they are kept in a file. A new pid at the pm_id
 * (the process restarted, or was redeployed) keeps its predecessor's announcement for a grace period, for it to
 * announce again (a restart does not move the node to the env port and back); after that, it is dropped, and a
 * redeployed app that no longer announces is registered at its env port again. Dropped too when the process leaves
 * PM2's list.
 */
export class Announcements {
  readonly #byPmId = new Map<number, Announcement>();
  /** pm_id -> the new pid seen since its announcement, and since when (ms). */
  readonly #renewed = new Map<number, { readonly pid: number; readonly since: number }>();
  #writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string | undefined,
    private readonly log: Logger,
    /** How long a new pid keeps its predecessor's announcement, in ms. */
    private readonly grace: number = DEFAULTS.announceGrace,
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

  /** A fresh announcement (from `parseAnnouncement`), from the process at its pm_id now: tied to its pid by `applying`. */
  set(announcement: Announcement): void {
    this.#byPmId.set(announcement.pmId, announcement);
    this.#renewed.delete(announcement.pmId);
    this.#persist();
  }

  /**
   * The announcements that apply to `serving` (one process per pm_id) at `now` (ms). One not tied to a pid yet is
   * tied to its process's: an app announces once it listens, so the pid PM2 lists next is the sender's; not to a
   * process `held` through a restart (`servingProcesses`), which is not the sender.
   */
  applying(serving: readonly ManagedProcess[], now: number, held: ReadonlySet<number> = new Set()): Applying {
    const applied = new Map<number, Announcement>();
    const renewed: ManagedProcess[] = [];
    let graceEndsIn: number | undefined;
    let changed = false;
    for (const process of serving) {
      const announcement = this.#byPmId.get(process.pmId);
      if (announcement === undefined || announcement.name !== process.name) continue;
      // A held process (PM2 is restarting it) did not send a fresh announcement: its successor did, tied once online.
      if (
        process.pid === 0 ||
        announcement.pid === process.pid ||
        (announcement.pid === undefined && held.has(process.pmId))
      ) {
        applied.set(process.pmId, announcement);
        continue;
      }
      if (announcement.pid === undefined) {
        this.#byPmId.set(process.pmId, { ...announcement, pid: process.pid });
        applied.set(process.pmId, this.#byPmId.get(process.pmId)!);
        changed = true;
        continue;
      }
      let seen = this.#renewed.get(process.pmId);
      if (seen?.pid !== process.pid) {
        seen = { pid: process.pid, since: now };
        this.#renewed.set(process.pmId, seen);
        renewed.push(process);
      }
      const left = seen.since + this.grace - now;
      if (left > 0) {
        applied.set(process.pmId, announcement);
        graceEndsIn = Math.min(graceEndsIn ?? left, left);
        continue;
      }
      this.log.info(
        { pm_id: process.pmId, app: process.name, pid: process.pid, port: announcement.port },
        'dropping the port announced by an earlier pid: the process did not announce again',
      );
      this.#byPmId.delete(process.pmId);
      this.#renewed.delete(process.pmId);
      changed = true;
    }
    if (changed) this.#persist();
    return { announcements: applied, renewed, graceEndsIn };
  }

  /** Drops the announcements of processes no longer in PM2's list. */
  prune(livePmIds: ReadonlySet<number>): void {
    let changed = false;
    for (const pmId of this.#byPmId.keys()) {
      if (!livePmIds.has(pmId)) changed = this.#byPmId.delete(pmId) || changed;
    }
    for (const pmId of this.#renewed.keys()) if (!this.#byPmId.has(pmId)) this.#renewed.delete(pmId);
    if (changed) this.#persist();
  }

  /** Resolves when every write so far is on disk (or failed, logged). */
  flush(): Promise<void> {
    return this.#writing;
  }

  #parseFile(text: string): Announcement[] {
    try {
      const parsed: unknown = JSON.parse(text);
      if (!isPlainObject(parsed) || parsed.version !== 1 || !Array.isArray(parsed.announcements)) {
        throw new Error('not a version 1 announcements file');
      }
      return parsed.announcements.flatMap((entry: unknown) => {
        if (!isPlainObject(entry) || typeof entry.pmId !== 'number' || typeof entry.name !== 'string')
          return [];
        const { port, path, extra, pid } = entry;
        const announcement = parseAnnouncement(entry.pmId, entry.name, {
          ...(isPlainObject(extra) ? extra : {}),
          port,
          path,
        });
        return [isPid(pid) ? { ...announcement, pid } : announcement];
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
