/**
 * Reply codes node-zookeeper-client 1.1.3 does not know.
 *
 * Its Exception.create() throws `Unknown code` for any code missing from its 1.1.3 table, and
 * ConnectionManager.onSocketData calls it for every error reply, inside the socket's data handler: the throw escapes as an uncaught exception (which kills the worker) and the request's callback never runs. Newer
 * servers send such codes: NOWATCHER (-121) answers removeWatches of a watch that fired meanwhile, a race no
 * ordering of ours can rule out; SESSION_MOVED (-118), REQUEST_TIMEOUT (-122), THROTTLED_OP (-127) and others answer
 * ordinary requests. Patched, create() returns an Exception for them too, named after ZooKeeper's
 * KeeperException.Code, so the request fails like any other.
 *
 * The library's Exception table belongs to its module, not to a client: one patch covers every client the module
 * creates, so installing it is idempotent (and cheap to repeat per client).
 */
import zookeeper from 'node-zookeeper-client';
import { isPatchedVersion } from './version.js';

/** org.apache.zookeeper.KeeperException.Code values newer than node-zookeeper-client 1.1.3's table. */
export const NEWER_CODES: ReadonlyMap<number, string> = new Map([
  [-12, 'UNKNOWN_SESSION'],
  [-13, 'NEW_CONFIG_NO_QUORUM'],
  [-14, 'RECONFIG_IN_PROGRESS'],
  [-118, 'SESSION_MOVED'],
  [-119, 'NOT_READONLY'],
  [-120, 'EPHEMERAL_ON_LOCAL_SESSION'],
  [-121, 'NO_WATCHER'],
  [-122, 'REQUEST_TIMEOUT'],
  [-123, 'RECONFIG_DISABLED'],
  [-124, 'SESSION_CLOSED_REQUIRE_SASL_AUTH'],
  [-125, 'QUOTA_EXCEEDED'],
  [-127, 'THROTTLED_OP'],
]);

/** NOWATCHER: removeWatches found no such watch (it fired, or the connection that held it is gone). */
export const NO_WATCHER = -121;

/** The shape of lib/Exception.js: a constructor carrying the code table and the create() factory. */
interface ExceptionModule {
  (code: number, name: string, path: string | undefined, ctor: unknown): void;
  readonly prototype: object;
  create(code: number, path?: string): Error;
  readonly [name: string]: unknown;
}

let installed: boolean | undefined;

/**
 * Makes every reply code safe for the library's socket handler; true when it is (patched now or before, or a
 * library that knows the codes itself). False for an unknown version that still throws: callers must then avoid
 * requests whose answer may carry such a code (removeWatches).
 */
export function patchReplyCodes(): boolean {
  installed ??= install(zookeeper.Exception as unknown as ExceptionModule);
  return installed;
}

function install(exception: ExceptionModule): boolean {
  if (knowsCode(exception, NO_WATCHER)) return true;
  if (!isPatchedVersion() || typeof exception.create !== 'function') return false;
  const known = new Set(Object.values(exception).filter((value) => typeof value === 'number'));
  const original = exception.create;
  const create = (code: number, path?: string): Error =>
    known.has(code) ? original(code, path) : unknownCode(exception, code, path, create);
  (exception as { create: typeof create }).create = create;
  return knowsCode(exception, NO_WATCHER);
}

/** An Exception as the library's constructor makes one (which refuses codes outside its table). */
function unknownCode(
  exception: ExceptionModule,
  code: number,
  path: string | undefined,
  ctor: object,
): Error {
  const error = Object.create(exception.prototype) as Error & { code: number; path: string | undefined };
  Error.captureStackTrace(error, ctor as () => void);
  const name = NEWER_CODES.get(code) ?? 'UNKNOWN_ERROR';
  error.code = code;
  error.name = name;
  error.path = path;
  error.message = `Exception: ${name}[${code}]${path ? `@${path}` : ''}`;
  return error;
}

function knowsCode(exception: ExceptionModule, code: number): boolean {
  try {
    return exception.create(code) instanceof (exception as unknown as new () => object);
  } catch {
    return false;
  }
}
