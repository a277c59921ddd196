import type { WireError, ZkErrorCode } from './protocol.js';

/**
 * Every error zkit raises. Callers switch on `code`; subclasses group codes for `instanceof`.
 * Defined beside the protocol because both threads raise them and each side rebuilds the class from `code`.
 */
export class ZkError extends Error {
  override readonly name: string = 'ZkError';
  readonly path: string | undefined;
  /** For ZOOKEEPER_ERROR: node-zookeeper-client's name for the exception (e.g. `MARSHALLING_ERROR`). */
  readonly zkName: string | undefined;

  constructor(
    readonly code: ZkErrorCode,
    message: string,
    options?: ZkErrorOptions,
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
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

/** Bad input, refused before anything is sent to ZooKeeper. */
export class InvalidInputError extends ZkError {
  override readonly name = 'InvalidInputError';
}

/** The node is missing, already exists, or was changed under us. */
export class NodeError extends ZkError {
  override readonly name = 'NodeError';
}

/** The server refused for lack of permission or a bad credential. */
export class AuthError extends ZkError {
  override readonly name = 'AuthError';
}

/** The session or the worker is gone, closed, or never came up. */
export class SessionError extends ZkError {
  override readonly name = 'SessionError';
}

const CLASS_OF: Record<ZkErrorCode, typeof ZkError> = {
  NO_NODE: NodeError,
  NODE_EXISTS: NodeError,
  NOT_EMPTY: NodeError,
  BAD_VERSION: NodeError,
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
  NO_CHILDREN_FOR_EPHEMERALS: NodeError,
  INTERNAL: ZkError,
  ZOOKEEPER_ERROR: ZkError,
};

/** Builds the right subclass for a code; used on both sides of the thread boundary. */
export function zkError(code: ZkErrorCode, message: string, options?: ZkErrorOptions): ZkError {
  return new CLASS_OF[code](code, message, options);
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

export function fromWire(wire: WireError): ZkError {
  const code = wire.code in CLASS_OF ? wire.code : 'ZOOKEEPER_ERROR';
  const error = zkError(code, wire.message, { path: wire.path, zkName: wire.zkName });
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}

export function isZkError(value: unknown): value is ZkError {
  return value instanceof ZkError;
}
