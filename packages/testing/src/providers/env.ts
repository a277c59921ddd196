import { randomBytes } from 'node:crypto';
import { TestingError } from '../errors.js';
import { splitAddress } from '../four-letter.js';
import type { ServerInfo, ZooKeeperHandle } from '../handle.js';
import { type Observer, openObserver } from '../observer.js';
import { UnmanagedHandle } from './unmanaged-handle.js';

/** ZK_CONNECT split into its servers and its optional chroot (`host:port,host:port/some/root`). */
export interface ParsedConnectString {
  readonly addresses: readonly string[];
  /** '' when ZK_CONNECT has none. */
  readonly chroot: string;
}

export function parseConnectString(value: string): ParsedConnectString {
  const slash = value.indexOf('/');
  const hosts = slash < 0 ? value : value.slice(0, slash);
  const chroot = slash < 0 ? '' : value.slice(slash).replace(/\/+$/, '');
  const addresses = hosts
    .split(',')
    .map((address) => address.trim())
    .filter((address) => address !== '');
  if (addresses.length === 0) throw new TypeError(`ZK_CONNECT='${value}' names no server`);
  for (const address of addresses) splitAddress(address);
  return { addresses, chroot };
}

/**
 * Uses the ensemble named by ZK_CONNECT. Each handle gets its own chroot, created before this resolves and
 * deleted with everything below it by stop(), so suites and runs sharing one ensemble never see each other.
 */
export async function startFromEnv(zkConnect: string, startTimeout: number): Promise<ZooKeeperHandle> {
  const { addresses, chroot: base } = parseConnectString(zkConnect);
  const chroot = `${base}/zkit-test-${randomBytes(6).toString('hex')}`;
  await withObserver(addresses, startTimeout, (observer) => observer.mkdirp(chroot));
  return new EnvHandle(addresses, chroot, startTimeout);
}

/** A short admin session: no session stays open between calls, so the handle never keeps a process alive. */
async function withObserver<T>(
  addresses: readonly string[],
  timeout: number,
  use: (observer: Observer) => Promise<T>,
): Promise<T> {
  let observer: Observer;
  try {
    observer = await openObserver(addresses.join(','), { connectTimeout: timeout });
  } catch (error) {
    throw new TestingError(
      'START_TIMEOUT',
      `ZK_CONNECT=${addresses.join(',')} did not answer within ${timeout} ms`,
      {
        cause: error,
      },
    );
  }
  try {
    return await use(observer);
  } finally {
    await observer.close();
  }
}

class EnvHandle extends UnmanagedHandle {
  readonly provider = 'env';
  readonly connectionString: string;
  readonly servers: readonly ServerInfo[];

  constructor(
    addresses: readonly string[],
    private readonly chroot: string,
    timeout: number,
  ) {
    super('for ZK_CONNECT servers: they are not ours to stop', timeout);
    this.connectionString = `${addresses.join(',')}${chroot}`;
    this.servers = addresses.map((address, index) => {
      const { host, port } = splitAddress(address);
      return { index, id: index + 1, host, port, address, running: true };
    });
  }

  protected release(): Promise<void> {
    const addresses = this.servers.map((server) => server.address);
    return withObserver(addresses, this.timeout, (observer) => observer.removeRecursive(this.chroot));
  }
}
