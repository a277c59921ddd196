/**
 * zkit's one error hierarchy. Every error any zkit package raises is a `ZkitError`: a stable `code` to switch on
 * (never the message), the cause kept. `ZkError` and its four subclasses are the ZooKeeper and session errors that
 * cross the thread boundary (rebuilt on the other side from `code`); the PM2 plugin and the test harness add their
 * own codes under the same root.
 *
 *   ZkitError<Code>
 *   ├── ZkError            ZkErrorCode, with path, zkName; crosses threads as WireError
 *   │   ├── NodeError          NO_NODE, NODE_EXISTS, NOT_EMPTY, BAD_VERSION, NO_CHILDREN_FOR_EPHEMERALS, NO_INSTANCE
 *   │   ├── InvalidInputError  INVALID_PATH, INVALID_ADDRESS, INVALID_DATA, INVALID_OPTION, INVALID_ACL, DATA_TOO_LARGE
 *   │   ├── AuthError          NO_AUTH, AUTH_FAILED
 *   │   └── SessionError       CLOSED, CONNECT_TIMEOUT, CONNECTION_LOSS, SESSION_EXPIRED, TLS_ERROR, ...
 *   ├── PluginError        (pm2-zkit)
 *   └── TestingError       (@zkit/testing)
 */
import type { WireError } from './messages.js';

/** The node is missing, already exists, or was changed under us; or a service has no instance to offer. */
export type NodeErrorCode =
  | 'NO_NODE'
  | 'NODE_EXISTS'
  | 'NOT_EMPTY'
  | 'BAD_VERSION'
  /** ZooKeeper refuses ephemeral nodes as parents (NoChildrenForEphemerals). */
  | 'NO_CHILDREN_FOR_EPHEMERALS'
  /**
   * A service provider's `run()` found no instance up: none registered, or every one disabled or down after errors.
   * Raised on the main thread, never by ZooKeeper; the message says how many are listed, disabled and down.
   */
  | 'NO_INSTANCE';

/** Bad input, refused before anything is sent to ZooKeeper. */
export type InvalidInputErrorCode =
  | 'INVALID_PATH'
  | 'INVALID_ADDRESS'
  | 'INVALID_DATA'
  | 'INVALID_OPTION'
  | 'INVALID_ACL'
  | 'DATA_TOO_LARGE';

export type AuthErrorCode = 'NO_AUTH' | 'AUTH_FAILED';

export type SessionErrorCode =
  | 'CONNECT_TIMEOUT'
  | 'CLOSED'
  | 'CONNECTION_LOSS'
  | 'SESSION_EXPIRED'
  | 'WORKER_CRASHED'
  /** The caller's AbortSignal fired: the call was given up, and what it would have written does not happen later. */
  | 'ABORTED'
  /** Refused at once because the session is not connected (ConnectOptions.offlineCalls: 'reject'). */
  | 'NOT_CONNECTED'
  /** The server did not answer in time (OperationTimeout), or the session moved to another server (SessionMoved). */
  | 'OPERATION_TIMEOUT'
  | 'SESSION_MOVED'
  /**
   * No TLS connection could be made: the server's certificate was refused (wrong CA, a name that does not match),
   * the server refused ours (none, or one its trust store does not know), or the port does not speak TLS. The
   * message carries the server's address and node's reason; never key material.
   */
  | 'TLS_ERROR';

/** Stable error codes of ZooKeeper operations: callers switch on these, never on messages. */
export type ZkErrorCode =
  | NodeErrorCode
  | InvalidInputErrorCode
  | AuthErrorCode
  | SessionErrorCode
  /** A bug in zkit (an unexpected exception in the worker); the original message and stack are kept. */
  | 'INTERNAL'
  /** Any other refusal by ZooKeeper; `zkName` holds its name (e.g. `MARSHALLING_ERROR`). */
  | 'ZOOKEEPER_ERROR';

/**
 * Marks zkit's errors so that `isZkitError` holds across two installed copies of this package, where `instanceof`
 * would not.
 */
const BRAND = Symbol.for('@zkit/error');

/** The root of every error zkit raises. */
export class ZkitError<Code extends string = string> extends Error {
  override readonly name: string = 'ZkitError';

  constructor(
    readonly code: Code,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True for an error of any zkit package, of any installed copy; `code`, when given, must match too. */
export function isZkitError(value: unknown, code?: string): value is ZkitError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [BRAND]?: unknown })[BRAND] === true &&
    (code === undefined || (value as ZkitError).code === code)
  );
}

/** An error of a ZooKeeper operation or of the session. Subclasses group codes for `instanceof`. */
export class ZkError extends ZkitError<ZkErrorCode> {
  override readonly name: string = 'ZkError';
  readonly path: string | undefined;
  /** For ZOOKEEPER_ERROR: node-zookeeper-client's name for the exception (e.g. `MARSHALLING_ERROR`). */
  readonly zkName: string | undefined;

  constructor(code: ZkErrorCode, message: string, options?: ZkErrorOptions) {
    super(code, message, options);
    this.path = options?.path;
    this.zkName = options?.zkName;
  }

  toWire(): WireError {
    return {
      code: this.code,
      message: this.message,
      ...(this.path === undefined ? {} : { path: this.path }),
      ...(this.stack === undefined ? {} : { stack: this.stack }),
      ...(this.zkName === undefined ? {} : { zkName: this.zkName }),
    };
  }
}

export interface ZkErrorOptions {
  readonly path?: string | undefined;
  readonly cause?: unknown;
  readonly zkName?: string | undefined;
}

export class InvalidInputError extends ZkError {
  override readonly name = 'InvalidInputError';
  declare readonly code: InvalidInputErrorCode;
}

export class NodeError extends ZkError {
  override readonly name = 'NodeError';
  declare readonly code: NodeErrorCode;
}

/** The server refused for lack of permission or a bad credential. */
export class AuthError extends ZkError {
  override readonly name = 'AuthError';
  declare readonly code: AuthErrorCode;
}

/** The session or the worker is gone, closed, or never came up. */
export class SessionError extends ZkError {
  override readonly name = 'SessionError';
  declare readonly code: SessionErrorCode;
}

const CLASS_OF: Record<ZkErrorCode, typeof ZkError> = {
  NO_NODE: NodeError,
  NODE_EXISTS: NodeError,
  NOT_EMPTY: NodeError,
  BAD_VERSION: NodeError,
  NO_CHILDREN_FOR_EPHEMERALS: NodeError,
  NO_INSTANCE: NodeError,
  INVALID_PATH: InvalidInputError,
  INVALID_ADDRESS: InvalidInputError,
  INVALID_DATA: InvalidInputError,
  INVALID_OPTION: InvalidInputError,
  INVALID_ACL: InvalidInputError,
  DATA_TOO_LARGE: InvalidInputError,
  NO_AUTH: AuthError,
  AUTH_FAILED: AuthError,
  CONNECT_TIMEOUT: SessionError,
  CLOSED: SessionError,
  CONNECTION_LOSS: SessionError,
  SESSION_EXPIRED: SessionError,
  WORKER_CRASHED: SessionError,
  ABORTED: SessionError,
  NOT_CONNECTED: SessionError,
  OPERATION_TIMEOUT: SessionError,
  SESSION_MOVED: SessionError,
  TLS_ERROR: SessionError,
  INTERNAL: ZkError,
  ZOOKEEPER_ERROR: ZkError,
};

/** Builds the right subclass for a code; used on both sides of the thread boundary. */
export function zkError<C extends ZkErrorCode>(
  code: C,
  message: string,
  options?: ZkErrorOptions,
): ZkError & { readonly code: C } {
  return new CLASS_OF[code](code, message, options) as ZkError & { readonly code: C };
}

/** True for a ZkError (of any installed copy of zkit); `code`, when given, must match too. */
export function isZkError(value: unknown, code?: ZkErrorCode): value is ZkError {
  return isZkitError(value, code) && Object.hasOwn(CLASS_OF, value.code);
}

/**
 * What a throw that is not a ZkError becomes: a bug in zkit (or a library), INTERNAL, keeping the original message,
 * stack and the error itself as `cause`. A ZkError is returned as it is.
 */
export function asZkError(error: unknown, path?: string): ZkError {
  if (isZkError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const internal = zkError('INTERNAL', path === undefined ? message : `${message} (${path})`, {
    path,
    cause: error,
  });
  // The original stack says where it went wrong; this one would only point here. A thrown non-Error has none.
  if (error instanceof Error && error.stack !== undefined) internal.stack = error.stack;
  else delete internal.stack;
  return internal;
}

/** The one error every call made after close() gets, on either side of the thread boundary. */
export function closedError(): ZkError {
  return zkError('CLOSED', 'the ZooKeeper client is closed');
}

/** The one error of a call given up because its AbortSignal fired, on either side of the thread boundary. */
export function abortedError(): ZkError {
  return zkError('ABORTED', 'the call was aborted by its AbortSignal');
}

export function fromWire(wire: WireError): ZkError {
  const code = Object.hasOwn(CLASS_OF, wire.code) ? wire.code : 'ZOOKEEPER_ERROR';
  const error = zkError(code, wire.message, { path: wire.path, zkName: wire.zkName });
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}
