import { ZkitError } from '@zkit/protocol';

/**
 * Stable codes for everything the harness can fail with; callers switch on `code`, never on messages. An
 * `Observer`'s ZooKeeper operations fail with zkit's `ZkError` instead (NO_NODE, NODE_EXISTS, ...).
 */
export type TestingErrorCode =
  /** No provider could give a ZooKeeper: no ZK_CONNECT, no java + jar, no container runtime. */
  | 'ZOOKEEPER_UNAVAILABLE'
  /** A server did not serve (or no leader was elected) within `startTimeout`. */
  | 'START_TIMEOUT'
  /** A server process exited while we waited for it to serve. */
  | 'SERVER_EXITED'
  /** The operation is not possible with this provider (e.g. `kill` on a ZK_CONNECT ensemble). */
  | 'NOT_SUPPORTED'
  /** A server index outside `servers`. */
  | 'BAD_INDEX'
  /** Options that cannot work together (e.g. minSessionTimeout > maxSessionTimeout). */
  | 'INVALID_OPTIONS'
  /** The handle was already stopped. */
  | 'STOPPED'
  /** A bounded wait (`waitFor`) ran out of time. */
  | 'WAIT_TIMEOUT'
  /** A four-letter-word command got no answer (connection refused, reset or timed out). */
  | 'FOUR_LETTER_WORD_FAILED'
  /** TLS test certificates need the `openssl` command line tool, and it is not on PATH. */
  | 'OPENSSL_UNAVAILABLE'
  /** `openssl` failed to make a test certificate (its message is quoted). */
  | 'CERTIFICATE_FAILED';

/** The harness's errors, under zkit's one root (`ZkitError`): `isZkitError` holds for them too. */
export class TestingError extends ZkitError<TestingErrorCode> {
  override readonly name: string = 'TestingError';
}

/** Why one provider could not be used; `ZooKeeperUnavailableError.attempts` lists one per provider tried. */
export interface ProviderAttempt {
  readonly provider: 'env' | 'local' | 'container';
  readonly reason: string;
}

export const INSTALL_HINT = [
  'Get one of:',
  '  - Debian/Ubuntu: apt-get install -y --no-install-recommends zookeeper   (brings java and /usr/share/java/zookeeper.jar)',
  '  - a ZooKeeper release tarball: set ZOOKEEPER_HOME=/path/to/apache-zookeeper-3.x-bin, with java on PATH or JAVA_HOME set',
  '  - an existing server or ensemble: ZK_CONNECT=host:port[,host:port...]',
  '  - a container runtime (Docker or Podman) for the zookeeper:3.9 image',
].join('\n');

/** Rejected by `startZooKeeper` when no provider can give a server; the message says how to get one. */
export class ZooKeeperUnavailableError extends TestingError {
  override name = 'ZooKeeperUnavailableError';

  constructor(
    readonly attempts: readonly ProviderAttempt[],
    options?: ErrorOptions,
  ) {
    const tried = attempts.map((a) => `  - ${a.provider}: ${a.reason}`).join('\n');
    super('ZOOKEEPER_UNAVAILABLE', `No ZooKeeper available for tests:\n${tried}\n${INSTALL_HINT}`, options);
  }
}
