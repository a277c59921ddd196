export type DbErrorCode =
  /** No database is configured (the service's `database` property is missing). */
  | 'NO_DATABASE'
  /** No live provider answered within the wait. */
  | 'NO_PROVIDER'
  | 'CONNECT_FAILED'
  /** The connection ended before the answer came: the request may or may not have been applied. */
  | 'CONNECTION_LOST'
  /** The server answered with an error. */
  | 'REMOTE_ERROR'
  | 'CLOSED';

export class DbError extends Error {
  override readonly name = 'DbError';

  constructor(
    readonly code: DbErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
