import { type ConnectOptions, resolveOptions } from './options.js';
import { EarlyWorker } from './thread/early-worker.js';
import { openZooKeeper, type ZooKeeper } from './zookeeper.js';

/**
 * Connects to ZooKeeper through a session worker. `connectionString` is `host:port[,host:port...][/chroot]`,
 * by default `$ZK_CONNECT`, else `127.0.0.1:2181`. Rejects with CONNECT_TIMEOUT after `connectTimeout`, with
 * TLS_ERROR when no TLS connection could be made (`options.tls`: a refused certificate, a plain port; or a TLS-only
 * port without `tls`), with AUTH_FAILED when ZooKeeper refuses `auth`, and with ABORTED at once when
 * `options.signal` fires; a failed connect() leaves nothing running.
 *
 * ```ts
 * await using zk = await connect('127.0.0.1:2181', { signal: AbortSignal.timeout(10_000) });
 * // Mutual TLS; file paths are read again on every reconnect (rotation without a restart):
 * await using secure = await connect('zk1:2281', { tls: { ca: 'ca.crt', cert: 'client.crt', key: 'client.key' } });
 * ```
 */
export function connect(connectionString?: string, options?: ConnectOptions): Promise<ZooKeeper> {
  // The thread starts first: its start-up (a new isolate compiling the worker) overlaps checking the options.
  const early = new EarlyWorker();
  try {
    const opened = openZooKeeper(
      resolveOptions(connectionString, options),
      options?.signal,
      early.createWorker,
    );
    // Taken by the first spawn unless open() failed before it (a signal that had fired): then it is stopped.
    early.discard();
    return opened;
  } catch (error) {
    early.discard();
    return Promise.reject(error);
  }
}
