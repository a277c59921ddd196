import { startLocalEnsemble } from './ensemble.js';
import { type ProviderAttempt, TestingError, ZooKeeperUnavailableError } from './errors.js';
import type { ProviderName, SecureZooKeeperHandle, ZooKeeperHandle } from './handle.js';
import {
  extraJvmFlags,
  type ResolvedStartOptions,
  resolveStartOptions,
  type SecureStartOptions,
  type StartOptions,
} from './options.js';
import { startFromEnv } from './providers/env.js';
import { locateLocalZooKeeper } from './providers/local-jar.js';
import { probeContainerRuntime, startContainer } from './providers/testcontainers.js';

/** `unsupported`: the provider exists but cannot do what the options ask (TLS, SASL). */
type Outcome = { handle: ZooKeeperHandle } | { unavailable: string } | { unsupported: string };

/**
 * Starts (or, with ZK_CONNECT, borrows) a ZooKeeper for tests. Providers are tried in order; the first one
 * that is available is used, and its start failure is reported as is rather than hidden by trying the next.
 * Rejects with `ZooKeeperUnavailableError` (code 'ZOOKEEPER_UNAVAILABLE') when none is available, and with
 * `TestingError` 'NOT_SUPPORTED' when the provider asked for by name cannot serve TLS or SASL ('auto' goes on
 * to the next provider instead).
 */
export function startZooKeeper(options: SecureStartOptions): Promise<SecureZooKeeperHandle>;
export function startZooKeeper(options?: StartOptions): Promise<ZooKeeperHandle>;
export async function startZooKeeper(options?: StartOptions): Promise<ZooKeeperHandle> {
  const resolved = resolveStartOptions(options);
  const attempts: ProviderAttempt[] = [];
  for (const provider of candidates(resolved)) {
    const outcome = await PROVIDERS[provider](resolved);
    if ('handle' in outcome) return outcome.handle;
    if ('unsupported' in outcome && resolved.provider !== 'auto') {
      throw new TestingError('NOT_SUPPORTED', `provider '${provider}' ${outcome.unsupported}`);
    }
    attempts.push({ provider, reason: 'unsupported' in outcome ? outcome.unsupported : outcome.unavailable });
  }
  throw new ZooKeeperUnavailableError(attempts);
}

function candidates(options: ResolvedStartOptions): ProviderName[] {
  return options.provider === 'auto' ? ['env', 'local', 'container'] : [options.provider];
}

const PROVIDERS: Record<ProviderName, (options: ResolvedStartOptions) => Promise<Outcome>> = {
  async env(options) {
    const zkConnect = options.env.ZK_CONNECT?.trim();
    if (!zkConnect) return { unavailable: 'ZK_CONNECT is not set' };
    const secure = securityAsked(options);
    if (secure !== undefined) {
      return { unsupported: `cannot give ${secure}: ZK_CONNECT servers are configured outside the test run` };
    }
    // An existing ensemble cannot be killed or restarted by a test, which is what servers: 3 is for.
    if (options.servers === 3)
      return { unavailable: 'ZK_CONNECT is set, but servers: 3 needs servers we control' };
    return { handle: await startFromEnv(zkConnect, options.startTimeout) };
  },

  async local(options) {
    const located = locateLocalZooKeeper(options.env, '/', options.jvm);
    if (!located.found) return { unavailable: located.reason };
    if (options.tls !== undefined && located.launch.tlsProblem !== undefined) {
      return { unavailable: located.launch.tlsProblem };
    }
    const launch = { ...located.launch, jvmArgs: [...located.launch.jvmArgs, ...extraJvmFlags(options)] };
    return { handle: await startLocalEnsemble(launch, { ...options, size: options.servers }) };
  },

  async container(options) {
    if (options.servers === 3) return { unavailable: 'the container provider runs a single server only' };
    const secure = securityAsked(options);
    if (secure !== undefined) {
      return { unsupported: `cannot give ${secure} yet (the local provider can: java + a ZooKeeper jar)` };
    }
    const runtime = await probeContainerRuntime();
    if (!runtime.available) return { unavailable: `no container runtime (${runtime.reason})` };
    return { handle: await startContainer(options) };
  },
};

/** 'TLS', 'SASL' or 'TLS and SASL' when the options ask for them. */
function securityAsked(options: ResolvedStartOptions): string | undefined {
  const asked = [options.tls && 'TLS', options.sasl && 'SASL'].filter((name) => typeof name === 'string');
  return asked.length === 0 ? undefined : asked.join(' and ');
}
