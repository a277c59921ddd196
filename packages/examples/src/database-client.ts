/**
 * The application side of ZODB-style wiring (zc.zk's `database: '/databases/foomain'`): follow the `database`
 * named in a service's properties, watch that database's providers and keep a connection to a live one.
 *
 *   const db = DatabaseClient.follow(zk, await zk.properties('/fooservice'), log);
 *   const hits = await db.request({ op: 'incr', key: 'hits' });
 *
 * When the provider in use disappears from ZooKeeper (it moved, or stopped) the client connects to another one;
 * when `database` changes it moves to the new database's providers. Both happen live, without a restart.
 */
import type {
  Instance,
  JsonValue,
  Properties,
  Provider,
  Services,
  Subscription,
  ZooKeeper,
} from '@zkit/client';
import type { Logger } from 'pino';
import { ProviderConnection } from './db/connection.js';
import { DbError } from './db/errors.js';
import type { DbOperation } from './db/protocol.js';

export { DbError, type DbErrorCode } from './db/errors.js';

export interface DatabaseClientOptions {
  /** How long a request waits for a provider when none is connected (e.g. during a move). @default 5000 */
  readonly waitTimeout?: number;
  /** How long a provider that refused a connection is passed over. @default 1000 */
  readonly failedProviderPause?: number;
}

export interface DatabaseStatus {
  /** The path from the `database` property, e.g. `/databases/foomain`. */
  readonly database: string | undefined;
  /** `HOST:PORT` of the provider connected to, if any. */
  readonly provider: string | undefined;
}

/** When a providers node is missing (no provider ever registered), look again after this long. */
const MISSING_PROVIDERS_RETRY_MS = 1000;

export class DatabaseClient implements Disposable {
  #database: string | undefined;
  /** The database's providers (its `providers` node's instances), and a picker over them. */
  #providers: { readonly view: Services; readonly picker: Provider } | undefined;
  #connection: ProviderConnection | undefined;
  #connecting = false;
  /** Bumped on every change of database: async results of an older one are dropped. */
  #epoch = 0;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #waiters = new Set<() => void>();
  readonly #stopConfig: Subscription;
  readonly #waitTimeout: number;
  readonly #failedPause: number;

  private constructor(
    private readonly zk: ZooKeeper,
    properties: Properties,
    private readonly log: Logger,
    options: DatabaseClientOptions,
  ) {
    this.#waitTimeout = options.waitTimeout ?? 5000;
    this.#failedPause = options.failedProviderPause ?? 1000;
    this.#stopConfig = properties.watch((props) => {
      const value = props.get('database');
      this.#setDatabase(typeof value === 'string' ? value : undefined);
    });
  }

  /** Follows the `database` property of `properties` from now on. */
  static follow(
    zk: ZooKeeper,
    properties: Properties,
    log: Logger,
    options: DatabaseClientOptions = {},
  ): DatabaseClient {
    return new DatabaseClient(zk, properties, log.child({ component: 'database-client' }), options);
  }

  get status(): DatabaseStatus {
    return { database: this.#database, provider: this.#connection?.address };
  }

  /**
   * Sends one operation to the current provider, waiting up to `waitTimeout` for one. Rejects with a DbError:
   * NO_DATABASE, NO_PROVIDER, CONNECTION_LOST (not resent: it may have been applied), REMOTE_ERROR or CLOSED.
   */
  async request(operation: DbOperation): Promise<JsonValue> {
    const connection = this.#connection?.open ? this.#connection : await this.#waitForConnection();
    return connection.request(operation);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopConfig();
    this.#leaveDatabase();
    for (const wake of this.#waiters) wake();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #setDatabase(database: string | undefined): void {
    if (database === this.#database || this.#closed) return;
    this.log.info({ from: this.#database, to: database }, 'database changed');
    this.#leaveDatabase();
    this.#database = database;
    if (database !== undefined) void this.#watchProviders(this.#epoch, database);
  }

  #leaveDatabase(): void {
    this.#epoch++;
    clearTimeout(this.#timer);
    this.#providers?.view.close();
    this.#providers = undefined;
    this.#connection?.retire();
    this.#connection = undefined;
  }

  async #watchProviders(epoch: number, database: string): Promise<void> {
    const path = `${database}/providers`;
    let providers: Services;
    try {
      providers = await this.zk.services(path);
    } catch (error) {
      if (epoch !== this.#epoch) return;
      this.log.warn({ err: error, path }, 'cannot watch the providers; trying again');
      this.#timer = setTimeout(() => void this.#watchProviders(epoch, database), MISSING_PROVIDERS_RETRY_MS);
      return;
    }
    if (epoch !== this.#epoch) {
      providers.close();
      return;
    }
    // A random live provider spreads the application servers over the providers, as ZEO clients do; one that
    // refused a connection (killed, its node not yet expired) is passed over for `failedProviderPause`.
    const picker = providers.provider({ strategy: 'random', downAfterErrors: 1, downFor: this.#failedPause });
    this.#providers = { view: providers, picker };
    providers.watch(() => this.#choose(epoch));
  }

  /** Keeps the current provider while it is listed; otherwise connects to another live one. */
  #choose(epoch: number): void {
    const providers = this.#providers;
    if (epoch !== this.#epoch || providers === undefined) return;
    const current = this.#connection;
    if (current?.open && providers.view.has(current.address)) return;
    if (current !== undefined) {
      this.log.info({ provider: current.address }, 'provider gone: switching');
      current.retire();
      this.#connection = undefined;
    }
    if (this.#connecting) return; // the attempt under way chooses again when it ends
    const instance = providers.picker.pick();
    if (instance === undefined) {
      // Listed but all refusing (e.g. killed, their nodes not yet expired): look again shortly.
      if (providers.view.size > 0) this.#timer = setTimeout(() => this.#choose(epoch), this.#failedPause);
      return;
    }
    // The instance's id is the provider's HOST:PORT registration.
    const address = instance.id;
    this.#connecting = true;
    ProviderConnection.open(address).then(
      (connection) => this.#connected(epoch, connection, instance),
      (error: unknown) => {
        this.#connecting = false;
        if (epoch === this.#epoch) providers.picker.noteError(instance);
        this.log.warn({ err: error, provider: address }, 'provider refused the connection');
        this.#choose(this.#epoch);
      },
    );
  }

  #connected(epoch: number, connection: ProviderConnection, instance: Instance): void {
    this.#connecting = false;
    const providers = this.#providers;
    if (epoch !== this.#epoch || providers?.view.get(connection.address) === undefined) {
      connection.retire();
      this.#choose(this.#epoch);
      return;
    }
    this.#connection = connection;
    this.log.info({ database: this.#database, provider: connection.address }, 'connected to provider');
    for (const wake of this.#waiters) wake();
    void connection.closed.then(() => {
      if (this.#connection !== connection) return;
      this.#connection = undefined;
      providers.picker.noteError(instance);
      this.log.warn({ provider: connection.address }, 'provider closed the connection');
      this.#choose(epoch);
    });
  }

  async #waitForConnection(): Promise<ProviderConnection> {
    const deadline = Date.now() + this.#waitTimeout;
    for (;;) {
      if (this.#closed) throw new DbError('CLOSED', 'the database client is closed');
      if (this.#database === undefined) throw new DbError('NO_DATABASE', 'no `database` property is set');
      const connection = this.#connection;
      if (connection?.open) return connection;
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new DbError('NO_PROVIDER', `no provider of ${this.#database} answered in time`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, remaining);
        this.#waiters.add(wake);
      });
    }
  }
}
