// The plugin's ZooKeeper side before any node: connecting (until it works, ZooKeeper may be away at boot), resuming
// the session a crashed predecessor left (session-file.ts), and, once resumed, removing what that session held and
// is no longer wanted.
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type ZooKeeper } from '@zkit/client';
import type { RetryPolicy } from '@zkit/protocol';
import type { Logger } from 'pino';
import { DEFAULTS, type PluginConfig } from './config.js';
import { connectOptions } from './secure.js';
import { SessionFile, sessionFileFor } from './session-file.js';

export interface ZkConnectionOptions {
  readonly config: PluginConfig;
  readonly log: Logger;
  /** Delay before the next connection attempt; a policy that gives up (null) waits `DEFAULTS.retry.max`. */
  readonly retry: RetryPolicy;
  readonly connectTimeout: number;
  /** Called once connected, and on every later (re)connection: a sync is due. */
  readonly onConnected: () => void;
}

export class ZkConnection {
  #zk: ZooKeeper | undefined;
  #loop: Promise<void> | undefined;
  readonly #sessionFile: SessionFile;
  /** Paths a resumed session held, to check once after the first sync (`removeOrphans`). */
  #orphans: Set<string> | undefined;
  /** Aborted by close(): ends a connection attempt under way and the waits between attempts. */
  readonly #closed = new AbortController();

  constructor(private readonly options: ZkConnectionOptions) {
    this.#sessionFile = new SessionFile(sessionFileFor(options.config.stateFile), options.log);
  }

  /** The session, once connected. */
  get zk(): ZooKeeper | undefined {
    return this.#zk;
  }

  /** Starts trying to connect, in the background. */
  start(): void {
    this.#loop ??= this.#connect();
  }

  /**
   * Tries until connected: ZooKeeper being away when PM2 starts the plugin (at boot, say) is not an error. Resumes
   * the session a crashed predecessor left, so its nodes never go.
   */
  async #connect(): Promise<void> {
    const { config, log } = this.options;
    for (let attempt = 1; !this.#closed.signal.aborted; attempt++) {
      try {
        const saved = await this.#sessionFile.resumable();
        // The secrets read again for each attempt: a rotated password or passphrase file is used from the next one.
        const secure = connectOptions(config);
        const zk = await connect(config.connect, {
          ...secure,
          sessionTimeout: config.sessionTimeout,
          connectTimeout: this.options.connectTimeout,
          logger: log,
          signal: this.#closed.signal,
          ...(saved ? { resume: { id: saved.id, password: saved.password } } : {}),
        });
        if (this.#closed.signal.aborted) {
          await zk.close();
          return;
        }
        this.#zk = zk;
        zk.onState((state) => {
          log.info({ state, sessionId: zk.sessionId }, 'ZooKeeper session state');
          // A sync then saves the session, which after an expiry is a new one.
          if (state === 'connected') this.options.onConnected();
        });
        if (saved !== undefined && zk.sessionId === saved.id) {
          log.info(
            { sessionId: zk.sessionId, nodes: saved.paths.length },
            'ZooKeeper connected: resumed the previous run’s session, its nodes stayed in place',
          );
          this.#orphans = new Set(saved.paths);
        } else {
          log.info({ sessionId: zk.sessionId }, 'ZooKeeper connected');
        }
        this.options.onConnected();
        return;
      } catch (error) {
        if (this.#closed.signal.aborted) return;
        const ms = this.options.retry(attempt) ?? DEFAULTS.retry.max;
        log.warn({ err: error, attempt, retryInMs: ms }, 'cannot connect to ZooKeeper; will retry');
        await sleep(ms, undefined, { signal: this.#closed.signal }).catch(() => {});
      }
    }
  }

  /**
   * Keeps the session file true to the session (a new one after an expiry has a new id and password) and the
   * paths held; written only when they changed.
   */
  saveSession(paths: Iterable<string>): void {
    const session = this.#zk?.session;
    if (session !== undefined && !this.#closed.signal.aborted) this.#sessionFile.save(session, paths);
  }

  /**
   * After resuming a session: the nodes it held that are no longer wanted (their process stopped while no plugin
   * ran) are still there, ours; nobody else would remove them. Once, after the first sync, given what it holds.
   */
  async removeOrphans(held: ReadonlyMap<string, unknown>): Promise<void> {
    const zk = this.#zk;
    const orphans = this.#orphans;
    this.#orphans = undefined;
    if (zk === undefined || orphans === undefined) return;
    for (const path of orphans) {
      if (held.has(path)) continue;
      try {
        const stat = await zk.exists(path);
        if (stat?.ephemeralOwner !== zk.sessionId) continue;
        await zk.delete(path, { force: true });
        this.options.log.info({ path }, 'removed a node of the resumed session that is no longer wanted');
      } catch (error) {
        this.options.log.warn({ err: error, path }, 'cannot remove a node of the resumed session');
      }
    }
  }

  /** Stops connecting, closes the session (its nodes go at once) and removes the session file: nothing to resume. */
  async close(): Promise<void> {
    this.#closed.abort();
    await this.#loop;
    const zk = this.#zk;
    this.#zk = undefined;
    try {
      await zk?.close();
    } catch (error) {
      this.options.log.warn({ err: error }, 'closing the ZooKeeper session failed');
    }
    await this.#sessionFile.remove();
  }
}
