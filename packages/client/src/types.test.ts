// Type tests of the public API: checked by `tsc` (npm run typecheck); the assertions are no-ops at run time.
import { describe, expectTypeOf, it } from 'vitest';
import type {
  Children,
  JsonValue,
  Properties,
  Registration,
  SessionState,
  Subscription,
  ZkErrorCode,
  ZooKeeper,
} from './index.js';
import { connect, type ZkError } from './index.js';

describe('public types', () => {
  it('connect() resolves to an async-disposable ZooKeeper', () => {
    expectTypeOf(connect).returns.resolves.toEqualTypeOf<ZooKeeper>();
    expectTypeOf<ZooKeeper>().toMatchTypeOf<AsyncDisposable>();
    expectTypeOf<ZooKeeper['state']>().toEqualTypeOf<SessionState>();
  });

  it('registerServer takes a tuple or a string address, and JSON data', () => {
    expectTypeOf<ZooKeeper['registerServer']>()
      .parameter(1)
      .toEqualTypeOf<readonly [string, number] | string>();
    expectTypeOf<ZooKeeper['registerServer']>().returns.resolves.toEqualTypeOf<Registration>();
    expectTypeOf<Registration>().toMatchTypeOf<AsyncDisposable>();
  });

  it('views are iterable, disposable, and watch with a disposable subscription', () => {
    expectTypeOf<Children>().toMatchTypeOf<Iterable<string> & Disposable>();
    expectTypeOf<Properties>().toMatchTypeOf<Iterable<[string, JsonValue]> & Disposable>();
    expectTypeOf<Children['watch']>().parameter(0).toEqualTypeOf<(view: Children) => void>();
    expectTypeOf<Properties['watch']>().returns.toEqualTypeOf<Subscription>();
    expectTypeOf<Subscription>().toMatchTypeOf<(() => void) & Disposable>();
    expectTypeOf<Children['changes']>().returns.toEqualTypeOf<AsyncIterableIterator<Children>>();
    expectTypeOf<Properties['changes']>().returns.toEqualTypeOf<AsyncIterableIterator<Properties>>();
  });

  it('errors carry a code from a closed union', () => {
    expectTypeOf<ZkError['code']>().toEqualTypeOf<ZkErrorCode>();
    expectTypeOf<'NO_NODE'>().toMatchTypeOf<ZkErrorCode>();
  });
});
