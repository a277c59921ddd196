import { isZkitError } from '@zkit/protocol';
import { describe, expect, expectTypeOf, type inject, it } from 'vitest';
import type {
  Observer,
  RawStat,
  SecureZooKeeperHandle,
  ServerInfo,
  StartOptions,
  TestCertificates,
  TestingErrorCode,
  WaitForOptions,
  ZooKeeperHandle,
} from './index.js';
import * as api from './index.js';

describe('the public API', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(api).sort()).toEqual([
      'TestingError',
      'ZC_ZK_README_TREE',
      'ZooKeeperUnavailableError',
      'fourLetterWord',
      'freePorts',
      'issueClientCertificate',
      'makeTestCertificates',
      'openObserver',
      'parseSrvr',
      'srvr',
      'startProxy',
      'startZooKeeper',
      'uniquePath',
      'waitFor',
    ]);
  });

  it('has the documented signatures', () => {
    const plain: (options?: StartOptions) => Promise<ZooKeeperHandle> = api.startZooKeeper;
    // With TLS asked for, the handle's certificates need no cast.
    const secure: (options: StartOptions & { tls: true }) => Promise<SecureZooKeeperHandle> =
      api.startZooKeeper;
    expectTypeOf(plain).toBeFunction();
    expectTypeOf(secure).toBeFunction();
    expectTypeOf<SecureZooKeeperHandle['tls']>().toEqualTypeOf<TestCertificates>();
    expectTypeOf<ZooKeeperHandle['tls']>().toEqualTypeOf<TestCertificates | undefined>();
    expectTypeOf<StartOptions['servers']>().toEqualTypeOf<1 | 3 | undefined>();
    expectTypeOf<StartOptions['provider']>().toEqualTypeOf<
      'auto' | 'env' | 'local' | 'container' | undefined
    >();
    expectTypeOf<ZooKeeperHandle['provider']>().toEqualTypeOf<'env' | 'local' | 'container'>();
    expectTypeOf<ZooKeeperHandle['servers']>().toEqualTypeOf<readonly ServerInfo[]>();
    expectTypeOf<ZooKeeperHandle['leader']>().toEqualTypeOf<() => Promise<number>>();
    expectTypeOf<ZooKeeperHandle>().toExtend<AsyncDisposable>();
    expectTypeOf<Observer>().toExtend<AsyncDisposable>();
    expectTypeOf<Observer['exists']>().toEqualTypeOf<(path: string) => Promise<RawStat | null>>();
    expectTypeOf<RawStat['ephemeralOwner']>().toEqualTypeOf<string>();
    expectTypeOf(api.waitFor<number | undefined>).toEqualTypeOf<
      (
        probe: () => (number | undefined) | Promise<number | undefined>,
        options?: WaitForOptions,
      ) => Promise<number>
    >();
    expectTypeOf(api.uniquePath).toEqualTypeOf<(prefix: string) => string>();
    expectTypeOf<api.TestingError['code']>().toEqualTypeOf<TestingErrorCode>();
    expectTypeOf<'ZOOKEEPER_UNAVAILABLE'>().toExtend<TestingErrorCode>();
    // Importing the package is enough for the globalSetup's value to be typed.
    expectTypeOf<ReturnType<typeof inject<'zkConnect'>>>().toEqualTypeOf<string>();
  });

  it('gives errors a class and a stable code', () => {
    const error = new api.ZooKeeperUnavailableError([{ provider: 'env', reason: 'ZK_CONNECT is not set' }]);
    expect(error).toBeInstanceOf(api.TestingError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('ZOOKEEPER_UNAVAILABLE');
    expect(isZkitError(error, 'ZOOKEEPER_UNAVAILABLE')).toBe(true);
    expect(error.message).toContain('apt-get install -y --no-install-recommends zookeeper');
  });
});
