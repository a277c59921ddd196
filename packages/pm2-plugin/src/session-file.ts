// The plugin's ZooKeeper session, kept on disk so that a plugin restarted after a crash carries on with it
// (`ConnectOptions.resume`): its nodes stay in place instead of vanishing when the dead plugin's session times out.
//
//   run 1: connected ---> save { id, password, pid, paths }  (after each sync that changed them)
//          kill -9: the session lives on for its timeout, with its nodes
//   run 2: load ---> the saving pid is dead ---> connect({ resume }) ---> same session: its nodes are ours again;
//          the first sync adopts the ones still wanted and deletes the rest (`paths`)
//   clean stop: the session is closed (its nodes go at once) and the file removed
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isPlainObject } from '@zkit/protocol';
import type { Logger } from 'pino';

/** A session as saved: enough to resume it, and what it held. */
export interface SavedSession {
  readonly id: string;
  readonly password: Uint8Array;
  /** The process that held it: never resumed while that process lives (ZooKeeper would move the session over). */
  readonly pid: number;
  /** Paths of the nodes it held. */
  readonly paths: readonly string[];
}

interface FileShape {
  readonly version: 1;
  readonly id: string;
  /** base64 */
  readonly password: string;
  readonly pid: number;
  readonly paths: readonly string[];
}

/** The session file beside the announcements file: `<x>.announcements.json` -> `<x>.session.json`. */
export function sessionFileFor(stateFile: string): string {
  const suffix = '.announcements.json';
  return stateFile.endsWith(suffix)
    ? `${stateFile.slice(0, -suffix.length)}.session.json`
    : `${stateFile}.session`;
}

/** Reads and writes the session file: mode 0600 (the password lets anyone take the session over), atomic, chained. */
export class SessionFile {
  #writing: Promise<void> = Promise.resolve();
  /** What was written last, so an unchanged session is not written again. */
  #last = '';

  constructor(
    readonly file: string,
    private readonly log: Logger,
  ) {}

  /** The session an earlier run left, if its process is gone; else undefined (logged when not obvious). */
  async resumable(): Promise<SavedSession | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        this.log.warn(
          { err: error, file: this.file },
          'cannot read the session file; starting a new session',
        );
      return undefined;
    }
    const saved = parse(text);
    if (saved === undefined) {
      this.log.warn({ file: this.file }, 'ignoring an unreadable session file');
      return undefined;
    }
    if (saved.pid !== process.pid && isAlive(saved.pid)) {
      this.log.warn(
        { file: this.file, pid: saved.pid },
        'the process that saved the session still runs (a second plugin?); starting a new session',
      );
      return undefined;
    }
    return saved;
  }

  /** Saves the session and its paths (unless unchanged). */
  save(session: { readonly id: string; readonly password: Uint8Array }, paths: Iterable<string>): void {
    const shape: FileShape = {
      version: 1,
      id: session.id,
      password: Buffer.from(session.password).toString('base64'),
      pid: process.pid,
      paths: [...paths].sort(),
    };
    const text = `${JSON.stringify(shape)}\n`;
    if (text === this.#last) return;
    this.#last = text;
    const file = this.file;
    this.#writing = this.#writing.then(async () => {
      try {
        await mkdir(dirname(file), { recursive: true });
        await writeFile(`${file}.tmp`, text, { mode: 0o600 });
        await rename(`${file}.tmp`, file);
      } catch (error) {
        this.log.warn(
          { err: error, file },
          'cannot save the session; a restarted plugin will start a new one',
        );
      }
    });
  }

  /** After a clean stop: the session is closed, nothing to resume. */
  async remove(): Promise<void> {
    this.#last = '';
    this.#writing = this.#writing.then(() =>
      rm(this.file, { force: true }).catch((error: unknown) =>
        this.log.warn({ err: error, file: this.file }, 'cannot remove the session file'),
      ),
    );
    await this.#writing;
  }

  /** Resolves when every write so far is done (or failed, logged). */
  flush(): Promise<void> {
    return this.#writing;
  }
}

function parse(text: string): SavedSession | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(parsed) || parsed.version !== 1) return undefined;
  const { id, password, pid, paths } = parsed;
  if (typeof id !== 'string' || typeof password !== 'string' || typeof pid !== 'number') return undefined;
  if (!Array.isArray(paths) || !paths.every((path) => typeof path === 'string')) return undefined;
  return { id, password: new Uint8Array(Buffer.from(password, 'base64')), pid, paths };
}

/** Signal 0 checks that a process exists without touching it; EPERM means it does (someone else's). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
