import { startLocalEnsemble } from './ensemble.js';
import { type ProviderAttempt, ZooKeeperUnavailableError } from './errors.js';
import type { ProviderName, ZooKeeperHandle } from './handle.js';
import {
  extraJvmFlags,
  type ResolvedStartOptions,
  resolveStartOptions,
  type StartOptions,
} from './options.js';
import { startFromEnv } from './providers/env.js';
import { locateLocalZooKeeper } from './providers/local-jar.js';
import { probeContainerRuntime, startContainer } from './providers/testcontainers.js';

type Outcome = { handle: ZooKeeperHandle } | { unavailable: string };

/**
 * Starts (or, with ZK_CONNECT, borrows) a ZooKeeper for tests. Providers are tried in order; the first one
 * that is available is used, and its start failure is reported as is rather than hidden by trying the next.
 * Rejects with `ZooKeeperUnavailableError` (code 'ZOOKEEPER_UNAVAILABLE') when none is available.
 */
export async function startZooKeeper(options?: StartOptions): Promise<ZooKeeperHandle> {
  const resolved = resolveStartOptions(options);
  const attempts: ProviderAttempt[] = [];
  for (const provider of candidates(resolved)) {
    const outcome = await PROVIDERS[provider](resolved);
    if ('handle' in outcome) return outcome.handle;
    attempts.push({ provider, reason: outcome.unavailable });
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
    // An existing ensemble cannot be killed or restarted by a test, which is what servers: 3 is for.
    if (options.servers === 3)
      return { unavailable: 'ZK_CONNECT is set, but servers: 3 needs servers we control' };
    return { handle: await startFromEnv(zkConnect, options.startTimeout) };
  },

  async local(options) {
    const located = locateLocalZooKeeper(options.env, '/', options.jvm);
    if (!located.found) return { unavailable: located.reason };
    const launch = { ...located.launch, jvmArgs: [...located.launch.jvmArgs, ...extraJvmFlags(options)] };
    return { handle: await startLocalEnsemble(launch, { ...options, size: options.servers }) };
  },

  async container(options) {
    if (options.servers === 3) return { unavailable: 'the container provider runs a single server only' };
    const runtime = await probeContainerRuntime();
    if (!runtime.available) return { unavailable: `no container runtime (${runtime.reason})` };
    return { handle: await startContainer(options) };
  },
};
