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
}

export type JvmProfile = 'test' | 'server';

/** The JVM flags the options ask for beyond a provider's own. */
export function extraJvmFlags(options: { readonly containerCheckInterval?: number | undefined }): string[] {
  const interval = options.containerCheckInterval;
  return interval === undefined ? [] : [`-Dznode.container.checkIntervalMs=${interval}`];
}

export type ResolvedStartOptions = Required<Omit<StartOptions, 'containerCheckInterval'>> &
  Pick<StartOptions, 'containerCheckInterval'>;

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
  if (problems.length > 0)
    throw new TestingError('INVALID_OPTIONS', `Invalid StartOptions: ${problems.join('; ')}`);
}
