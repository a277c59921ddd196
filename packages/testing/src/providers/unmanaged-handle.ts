import { TestingError } from '../errors.js';
import { findLeader } from '../four-letter.js';
import type { ServerInfo, ZooKeeperHandle } from '../handle.js';

/**
 * What the handles of servers this process did not start (ZK_CONNECT, a container) share: one idempotent stop,
 * no kill or restart (say why), and a leader found by asking the servers.
 */
export abstract class UnmanagedHandle implements ZooKeeperHandle {
  abstract readonly provider: ZooKeeperHandle['provider'];
  abstract readonly connectionString: string;
  abstract readonly servers: readonly ServerInfo[];
  #stopping: Promise<void> | undefined;

  constructor(
    /** Why kill and restart are not supported, for the NOT_SUPPORTED error. */
    private readonly unsupported: string,
    protected readonly timeout: number,
  ) {}

  /** Releases what this handle holds; called once. */
  protected abstract release(): Promise<void>;

  protected get stopping(): boolean {
    return this.#stopping !== undefined;
  }

  stop(): Promise<void> {
    this.#stopping ??= this.release();
    return this.#stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  kill(index: number): Promise<void> {
    return Promise.reject(this.#notSupported('kill', index));
  }

  restart(index: number): Promise<void> {
    return Promise.reject(this.#notSupported('restart', index));
  }

  leader(): Promise<number> {
    return findLeader(
      this.servers.map((server) => server.address),
      this.timeout,
    );
  }

  #notSupported(op: string, index: number): TestingError {
    return new TestingError(
      'NOT_SUPPORTED',
      `${op}(${index}) is not supported ${this.unsupported}. Use provider: 'local' for tests that kill or restart servers.`,
    );
  }
}
