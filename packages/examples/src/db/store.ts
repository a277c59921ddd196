import { readFile, rename, writeFile } from 'node:fs/promises';
import type { JsonValue } from '@zkit/client';
import type { DbOperation } from './protocol.js';

/**
 * The database server's storage: a key-value map, saved as one JSON file after each change when a file is given.
 * A database "moves" by stopping its server and starting another on the same file, so the data moves with it.
 */
export class Store {
  #saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly data: Map<string, JsonValue>,
    private readonly file: string | undefined,
  ) {}

  static async open(file: string | undefined): Promise<Store> {
    if (file === undefined) return new Store(new Map(), undefined);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Store(new Map(), file);
      throw error;
    }
    const parsed: unknown = JSON.parse(text);
    const entries = typeof parsed === 'object' && parsed !== null ? Object.entries(parsed) : [];
    return new Store(new Map(entries as [string, JsonValue][]), file);
  }

  /** Applies one operation; resolves once a change is on disk, so an answered write survives a move. */
  async apply(operation: DbOperation): Promise<JsonValue> {
    switch (operation.op) {
      case 'get':
        return this.data.get(operation.key) ?? null;
      case 'put':
        this.data.set(operation.key, operation.value);
        await this.#save();
        return operation.value;
      case 'incr': {
        const current = this.data.get(operation.key);
        const next = (typeof current === 'number' ? current : 0) + 1;
        this.data.set(operation.key, next);
        await this.#save();
        return next;
      }
      default:
        return operation satisfies never;
    }
  }

  /** Saves are chained so two writes never interleave; write-then-rename so a crash never leaves half a file. */
  #save(): Promise<void> {
    const file = this.file;
    if (file === undefined) return Promise.resolve();
    const snapshot = JSON.stringify(Object.fromEntries(this.data));
    this.#saving = this.#saving.then(async () => {
      await writeFile(`${file}.tmp`, snapshot);
      await rename(`${file}.tmp`, file);
    });
    return this.#saving;
  }
}
