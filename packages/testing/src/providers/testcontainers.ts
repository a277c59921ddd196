import type { StartedTestContainer } from 'testcontainers';
import { TestingError } from '../errors.js';
import { srvr } from '../four-letter.js';
import type { ServerInfo, ZooKeeperHandle } from '../handle.js';
import { extraJvmFlags } from '../options.js';
import { waitFor } from '../wait-for.js';
import { UnmanagedHandle } from './unmanaged-handle.js';

export const ZOOKEEPER_IMAGE = 'zookeeper:3.9';
const CLIENT_PORT = 2181;

export interface ContainerOptions {
  readonly tickTime: number;
  readonly minSessionTimeout: number;
  readonly maxSessionTimeout: number;
  readonly startTimeout: number;
  readonly containerCheckInterval?: number | undefined;
}

export type RuntimeProbe = { available: true } | { available: false; reason: string };

let probe: Promise<RuntimeProbe> | undefined;

/**
 * Whether a container runtime answers. Asked once per process: without a runtime testcontainers throws
 * within milliseconds, and the answer will not change during a test run. testcontainers is imported here,
 * lazily, so the local-jar path never loads it.
 */
export function probeContainerRuntime(): Promise<RuntimeProbe> {
  probe ??= (async (): Promise<RuntimeProbe> => {
    try {
      const { getContainerRuntimeClient } = await import('testcontainers');
      await getContainerRuntimeClient();
      return { available: true };
    } catch (error) {
      return { available: false, reason: error instanceof Error ? error.message : String(error) };
    }
  })();
  return probe;
}

/** One standalone server in the official image, configured like the local one (4lw on, session bounds). */
export async function startContainer(options: ContainerOptions): Promise<ZooKeeperHandle> {
  const deadline = Date.now() + options.startTimeout;
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(ZOOKEEPER_IMAGE)
    .withExposedPorts(CLIENT_PORT)
    .withEnvironment({
      ZOO_TICK_TIME: String(options.tickTime),
      ZOO_4LW_COMMANDS_WHITELIST: '*',
      ZOO_ADMINSERVER_ENABLED: 'false',
      ZOO_CFG_EXTRA: `minSessionTimeout=${options.minSessionTimeout} maxSessionTimeout=${options.maxSessionTimeout}`,
      JVMFLAGS: extraJvmFlags(options).join(' '),
    })
    .withWaitStrategy(Wait.forListeningPorts())
    .withStartupTimeout(options.startTimeout)
    .start();
  const handle = new ContainerHandle(container, options.startTimeout);
  try {
    // A listening port is not a serving server: wait for srvr's Mode line like the local provider does.
    await waitFor(async () => (await srvr(handle.address, { timeout: 1000 })).serving, {
      timeout: Math.max(0, deadline - Date.now()),
      interval: 50,
      message: `${ZOOKEEPER_IMAGE} at ${handle.address} to serve`,
    });
  } catch (error) {
    await handle.stop();
    throw new TestingError('START_TIMEOUT', `${ZOOKEEPER_IMAGE} did not serve in time`, { cause: error });
  }
  return handle;
}

class ContainerHandle extends UnmanagedHandle {
  readonly provider = 'container';
  readonly address: string;

  constructor(
    private readonly container: StartedTestContainer,
    timeout: number,
  ) {
    super('by the container provider (a restarted container may get another port)', timeout);
    this.address = `${container.getHost()}:${container.getMappedPort(CLIENT_PORT)}`;
  }

  get connectionString(): string {
    return this.address;
  }

  get servers(): readonly ServerInfo[] {
    const port = this.container.getMappedPort(CLIENT_PORT);
    return [
      {
        index: 0,
        id: 1,
        host: this.container.getHost(),
        port,
        address: this.address,
        running: !this.stopping,
      },
    ];
  }

  protected async release(): Promise<void> {
    await this.container.stop();
  }
}
