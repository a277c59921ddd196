import { TestingError } from './errors.js';

export interface StartOptions {
  /**
   * 1 for a standalone server, 3 for a quorum (leader election, kill/restart of members).
   * @default 1
   */
  servers?: 1 | 3;
  /**
   * ZooKeeper's tick in milliseconds; session timeouts are clamped to [2, 20] ticks unless set below.
   * @default 500
   */
  tickTime?: number;
  /**
   * Smallest session timeout the server grants, in milliseconds.
   * @default 2 * tickTime
   */
  minSessionTimeout?: number;
  /**
   * Largest session timeout the server grants, in milliseconds.
   * @default 20 * tickTime
   */
  maxSessionTimeout?: number;
  /**
   * Where the server comes from. 'auto' tries ZK_CONNECT (single server only), then a local jar, then
   * testcontainers.
   * @default 'auto'
   */
  provider?: 'auto' | 'env' | 'local' | 'container';
  /**
   * JVM flags of a server this package starts from a local jar. 'test' favours start-up on a small machine (a
   * 256 MiB heap, the serial collector, the C1 compiler only); 'server' keeps ZooKeeper's own launcher defaults
   * (a 1000 MiB heap, the JVM's collector and tiered JIT), as in production: for benchmarks, where a server
   * compiled only by C1 would spend more CPU per request than a real one.
   * @default 'test'
   */
  jvm?: JvmProfile;
  /**
   * Bound in milliseconds on starting (and on `restart`/`leader` waits). Nothing waits longer.
   * @default 30000
   */
  startTimeout?: number;
  /**
   * Environment used to find java (JAVA_HOME, PATH), ZOOKEEPER_HOME and ZK_CONNECT, and given to the server
   * process. Lets a test simulate a bare machine.
   * @default process.env
   */
  env?: NodeJS.ProcessEnv;
  /**
   * How often, in milliseconds, the server deletes container nodes whose last child has gone (the JVM property
   * `znode.container.checkIntervalMs`): short, a test can see a container go.
   * @default ZooKeeper's own, 60000
   */
  containerCheckInterval?: number;
  /**
   * Serve clients over TLS (local provider only), with throwaway certificates made per run (`handle.tls`).
   * `true` is mutual TLS on a TLS-only port (`secureClientPort`). Quorum traffic between members stays plain.
   * @default off
   */
  tls?: boolean | TlsServerOptions;
  /**
   * SASL DIGEST-MD5 users the servers accept (local provider only): ZooKeeper's SASLAuthenticationProvider
   * with a JAAS file written per run. Clients that do not authenticate still connect (as in ZooKeeper).
   * @default off
   */
  sasl?: SaslServerOptions;
}

/** Options that turn TLS on: `startZooKeeper` then gives a handle whose `tls` is always there. */
export type SecureStartOptions = StartOptions & { tls: true | TlsServerOptions };

/** How the servers serve TLS. */
export interface TlsServerOptions {
  /**
   * ZooKeeper's `ssl.clientAuth`: 'need' refuses a client without a certificate from the test CA; 'want' asks
   * for one and accepts none; 'none' does not ask (server-only TLS).
   * @default 'need'
   */
  clientAuth?: 'need' | 'want' | 'none';
  /**
   * One port serving plain and TLS clients alike (`client.portUnification=true`), instead of a TLS-only port.
   * Plain clients on it skip TLS and client certificates entirely: for migration tests.
   * @default false
   */
  portUnification?: boolean;
  /**
   * Also a plain `clientPort` beside the TLS one (`handle.plainConnectionString`), e.g. for an observer.
   * @default false
   */
  plainPort?: boolean;
}

export interface SaslServerOptions {
  /** Username → password. Usernames: letters, digits, '_' and '-'. */
  users: Readonly<Record<string, string>>;
}

export type JvmProfile = 'test' | 'server';

/** The JVM flags the options ask for beyond a provider's own. */
export function extraJvmFlags(options: { readonly containerCheckInterval?: number | undefined }): string[] {
  const interval = options.containerCheckInterval;
  return interval === undefined ? [] : [`-Dznode.container.checkIntervalMs=${interval}`];
}

/** `tls` with its defaults filled in. */
export type ResolvedTls = Required<TlsServerOptions>;

type Optional = 'containerCheckInterval' | 'tls' | 'sasl';

export type ResolvedStartOptions = Required<Omit<StartOptions, Optional>> & {
  containerCheckInterval?: number;
  /** Absent when TLS is off. */
  tls?: ResolvedTls;
  sasl?: SaslServerOptions;
};

function resolveTls(tls: StartOptions['tls']): ResolvedTls | undefined {
  if (tls === undefined || tls === false) return undefined;
  const given: TlsServerOptions = tls === true ? {} : tls;
  return {
    clientAuth: given.clientAuth ?? 'need',
    portUnification: given.portUnification ?? false,
    plainPort: given.plainPort ?? false,
  };
}

/** Defaults in one place, and the combinations ZooKeeper would reject caught before a JVM starts. */
export function resolveStartOptions(options: StartOptions = {}): ResolvedStartOptions {
  const tickTime = options.tickTime ?? 500;
  const resolved: ResolvedStartOptions = {
    servers: options.servers ?? 1,
    tickTime,
    minSessionTimeout: options.minSessionTimeout ?? 2 * tickTime,
    maxSessionTimeout: options.maxSessionTimeout ?? 20 * tickTime,
    provider: options.provider ?? 'auto',
    jvm: options.jvm ?? 'test',
    startTimeout: options.startTimeout ?? 30_000,
    env: options.env ?? process.env,
    ...(options.containerCheckInterval === undefined
      ? {}
      : { containerCheckInterval: options.containerCheckInterval }),
  };
  const tls = resolveTls(options.tls);
  if (tls !== undefined) resolved.tls = tls;
  if (options.sasl !== undefined) resolved.sasl = options.sasl;
  validate(resolved);
  return resolved;
}

function validate(options: ResolvedStartOptions): void {
  const problems: string[] = [];
  if (options.servers !== 1 && options.servers !== 3)
    problems.push(`servers must be 1 or 3, not ${options.servers}`);
  for (const key of ['tickTime', 'minSessionTimeout', 'maxSessionTimeout', 'startTimeout'] as const) {
    if (!Number.isInteger(options[key]) || options[key] <= 0) {
      problems.push(`${key} must be a positive integer, not ${options[key]}`);
    }
  }
  const interval = options.containerCheckInterval;
  if (interval !== undefined && (!Number.isInteger(interval) || interval <= 0)) {
    problems.push(`containerCheckInterval must be a positive integer, not ${interval}`);
  }
  if (options.minSessionTimeout > options.maxSessionTimeout) {
    problems.push(
      `minSessionTimeout ${options.minSessionTimeout} > maxSessionTimeout ${options.maxSessionTimeout}`,
    );
  }
  if (!['auto', 'env', 'local', 'container'].includes(options.provider)) {
    problems.push(`unknown provider '${options.provider}'`);
  }
  if (!['test', 'server'].includes(options.jvm)) problems.push(`unknown jvm profile '${options.jvm}'`);
  problems.push(...tlsProblems(options.tls), ...saslProblems(options.sasl));
  if (problems.length > 0)
    throw new TestingError('INVALID_OPTIONS', `Invalid StartOptions: ${problems.join('; ')}`);
}

function tlsProblems(tls: ResolvedTls | undefined): string[] {
  if (tls === undefined) return [];
  const problems: string[] = [];
  if (!['need', 'want', 'none'].includes(tls.clientAuth)) {
    problems.push(`tls.clientAuth must be 'need', 'want' or 'none', not '${tls.clientAuth}'`);
  }
  if (tls.portUnification && tls.plainPort) {
    problems.push('tls.portUnification already serves plain clients on its one port: drop tls.plainPort');
  }
  return problems;
}

/** Usernames become JAAS option names (`user_<name>`); passwords are never quoted back. */
function saslProblems(sasl: SaslServerOptions | undefined): string[] {
  if (sasl === undefined) return [];
  const users = sasl.users as unknown;
  if (typeof users !== 'object' || users === null)
    return ['sasl.users must be an object of username → password'];
  const entries = Object.entries(users);
  if (entries.length === 0) return ['sasl.users names no user'];
  const problems: string[] = [];
  for (const [name, password] of entries) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
      problems.push(`sasl user ${JSON.stringify(name)}: a username is 1-64 letters, digits, '_' or '-'`);
    }
    if (typeof password !== 'string' || password === '' || /[\0\r\n]/.test(password)) {
      problems.push(`sasl user ${JSON.stringify(name)}: the password must be a non-empty string on one line`);
    }
  }
  return problems;
}
