// Type tests of the public API: checked by `tsc` (npm run typecheck); the assertions are no-ops at run time.
import { describe, expectTypeOf, it } from 'vitest';
import type {
  CallOptions,
  Children,
  ConnectOptions,
  DeleteOptions,
  Instance,
  InstanceOptions,
  InstanceRegistration,
  JsonObject,
  JsonValue,
  NodeStat,
  OfflineCalls,
  Properties,
  Provider,
  RegisterOptions,
  Registration,
  RegistrationUpdateOptions,
  ServiceChange,
  Services,
  SessionState,
  Strategy,
  Subscription,
  WatchCallback,
  ZkErrorCode,
  ZkFailure,
} from './index.js';
import * as api from './index.js';
import { connect, type ZkError, type ZooKeeper } from './index.js';

describe('public types', () => {
  it('connect() resolves to an async-disposable ZooKeeper', () => {
    expectTypeOf(connect).returns.resolves.toEqualTypeOf<ZooKeeper>();
    expectTypeOf<ZooKeeper>().toMatchTypeOf<AsyncDisposable>();
    expectTypeOf<ZooKeeper['state']>().toEqualTypeOf<SessionState>();
    expectTypeOf<'auth_failed'>().toMatchTypeOf<SessionState>();
  });

  it('registerServer takes a tuple or a string address, and { data, pid, signal } with JSON data', () => {
    expectTypeOf<ZooKeeper['registerServer']>()
      .parameter(1)
      .toEqualTypeOf<readonly [string, number] | string>();
    expectTypeOf<ZooKeeper['registerServer']>().parameters.toEqualTypeOf<
      [string, readonly [string, number] | string, (RegisterOptions | undefined)?]
    >();
    expectTypeOf<ZooKeeper['registerProcess']>().parameters.toEqualTypeOf<
      [string, string, (RegisterOptions | undefined)?]
    >();
    expectTypeOf<RegisterOptions['data']>().toEqualTypeOf<JsonObject | undefined>();
    expectTypeOf<ZooKeeper['registerServer']>().returns.resolves.toEqualTypeOf<Registration>();
    expectTypeOf<Registration>().toMatchTypeOf<AsyncDisposable>();
    expectTypeOf<Registration['update']>().parameter(0).toEqualTypeOf<JsonObject>();
    expectTypeOf<Registration['data']>().toMatchTypeOf<{ readonly pid: number }>();
    // zc.zk's third argument was the data: a data object is not options.
    expectTypeOf<{ role: string }>().not.toMatchTypeOf<RegisterOptions>();
  });

  it('views are iterable, disposable, and watch with a disposable subscription', () => {
    expectTypeOf<Children>().toMatchTypeOf<Iterable<string> & Disposable>();
    expectTypeOf<Properties>().toMatchTypeOf<Iterable<[string, JsonValue]> & Disposable>();
    expectTypeOf<Children['watch']>().parameter(0).toEqualTypeOf<WatchCallback<Children>>();
    expectTypeOf<Properties['watch']>().returns.toEqualTypeOf<Subscription>();
    expectTypeOf<Subscription>().toMatchTypeOf<(() => void) & Disposable>();
    expectTypeOf<Children['changes']>().returns.toEqualTypeOf<AsyncIterableIterator<Children>>();
    expectTypeOf<Properties['changes']>().returns.toEqualTypeOf<AsyncIterableIterator<Properties>>();
  });

  it('a watch callback gets the view and its own Subscription (a one-argument callback still fits)', () => {
    expectTypeOf<WatchCallback<Children>>().parameters.toEqualTypeOf<[Children, Subscription]>();
    expectTypeOf<(view: Children) => void>().toMatchTypeOf<WatchCallback<Children>>();
  });

  it('a view tells why it ended', () => {
    expectTypeOf<Children['error']>().toEqualTypeOf<ZkError | undefined>();
    expectTypeOf<Properties['error']>().toEqualTypeOf<ZkError | undefined>();
  });

  it('one-shot reads: frozen JSON, sorted names, a stat or null', () => {
    expectTypeOf<ZooKeeper['get']>().returns.resolves.toEqualTypeOf<JsonObject>();
    expectTypeOf<ZooKeeper['getChildren']>().returns.resolves.toEqualTypeOf<string[]>();
    expectTypeOf<ZooKeeper['exists']>().returns.resolves.toEqualTypeOf<NodeStat | null>();
    expectTypeOf<NodeStat['ephemeralOwner']>().toEqualTypeOf<string | null>();
  });

  it('every call that can wait takes { signal }', () => {
    expectTypeOf<CallOptions['signal']>().toEqualTypeOf<AbortSignal | undefined>();
    expectTypeOf<{ signal: AbortSignal }>().toMatchTypeOf<ConnectOptions>();
    expectTypeOf<{ signal: AbortSignal; pid: number }>().toMatchTypeOf<RegisterOptions>();
    expectTypeOf<{ signal: AbortSignal; recursive: boolean }>().toMatchTypeOf<DeleteOptions>();
    for (const method of ['get', 'getChildren', 'exists', 'children', 'properties'] as const) {
      expectTypeOf<ZooKeeper[typeof method]>().parameter(1).toEqualTypeOf<CallOptions | undefined>();
    }
    expectTypeOf<ZooKeeper['ensure']>().parameter(2).toEqualTypeOf<CallOptions | undefined>();
    expectTypeOf<Properties['update']>().parameter(1).toEqualTypeOf<CallOptions | undefined>();
    expectTypeOf<Properties['set']>().parameter(1).toEqualTypeOf<CallOptions | undefined>();
    expectTypeOf<Registration['update']>()
      .parameter(1)
      .toEqualTypeOf<RegistrationUpdateOptions | undefined>();
    expectTypeOf<{ signal: AbortSignal; pid: number }>().toMatchTypeOf<RegistrationUpdateOptions>();
    expectTypeOf<Registration['unregister']>().parameter(0).toEqualTypeOf<CallOptions | undefined>();
  });

  it('offline calls queue or reject', () => {
    expectTypeOf<ConnectOptions['offlineCalls']>().toEqualTypeOf<OfflineCalls | undefined>();
    expectTypeOf<OfflineCalls>().toEqualTypeOf<'queue' | 'reject'>();
  });

  it('failures that happen later reach onFailure listeners, typed', () => {
    expectTypeOf<ZooKeeper['onFailure']>().parameter(0).toEqualTypeOf<(failure: ZkFailure) => void>();
    expectTypeOf<ZooKeeper['onFailure']>().returns.toEqualTypeOf<Subscription>();
    expectTypeOf<ZkFailure['kind']>().toEqualTypeOf<'registration' | 'watch' | 'session' | 'worker'>();
    expectTypeOf<ZkFailure['error']>().toEqualTypeOf<ZkError>();
  });

  it('errors carry a code from a closed union', () => {
    expectTypeOf<ZkError['code']>().toEqualTypeOf<ZkErrorCode>();
    expectTypeOf<'NO_NODE'>().toMatchTypeOf<ZkErrorCode>();
    expectTypeOf<'ABORTED' | 'NOT_CONNECTED' | 'AUTH_FAILED'>().toMatchTypeOf<ZkErrorCode>();
  });

  it('keeps internals off the public surface', () => {
    // Views and registrations are exported as types only: zkit makes them, so their constructors are not reachable.
    expectTypeOf(api).not.toHaveProperty('Children');
    expectTypeOf(api).not.toHaveProperty('Properties');
    expectTypeOf(api).not.toHaveProperty('Registration');
    // connect() is the door: the class has no open(), and its constructor is private.
    expectTypeOf(api.ZooKeeper).not.toHaveProperty('open');
    expectTypeOf(api.ZooKeeper).not.toMatchTypeOf<abstract new (...args: never[]) => unknown>();
    expectTypeOf<ZooKeeper>().not.toHaveProperty('log');
    // A mirror runs a view's callbacks through a symbol no public module exports.
    expectTypeOf<Children>().not.toHaveProperty('notify');
    expectTypeOf<Properties>().not.toHaveProperty('notify');
  });

  it('discovery: services views of frozen instances, providers, Curator registrations', () => {
    expectTypeOf<ZooKeeper['services']>().returns.resolves.toEqualTypeOf<Services>();
    expectTypeOf<Services>().toMatchTypeOf<Iterable<Instance>>();
    expectTypeOf<Services['get']>().returns.toEqualTypeOf<Instance | undefined>();
    expectTypeOf<Services['has']>().returns.toEqualTypeOf<boolean>();
    expectTypeOf<Parameters<Parameters<Services['watch']>[0]>[1]>().toEqualTypeOf<ServiceChange>();
    expectTypeOf<Services['changes']>().returns.toMatchTypeOf<AsyncIterable<ServiceChange>>();
    expectTypeOf<Services['provider']>().returns.toEqualTypeOf<Provider>();
    expectTypeOf<Provider['pick']>().returns.toEqualTypeOf<Instance | undefined>();
    expectTypeOf<'least-request'>().toMatchTypeOf<Strategy>();
    // @ts-expect-error: an instance is frozen
    const write = (instance: Instance) => (instance.port = 1);
    expectTypeOf(write).toBeFunction();
    expectTypeOf<ZooKeeper['registerInstance']>().parameters.toEqualTypeOf<
      [string, string, InstanceOptions]
    >();
    expectTypeOf<ZooKeeper['registerInstance']>().returns.resolves.toEqualTypeOf<InstanceRegistration>();
    expectTypeOf<'NO_INSTANCE'>().toMatchTypeOf<ZkErrorCode>();
  });
});
