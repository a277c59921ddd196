import { isZkError, isZkitError, ZkitError } from '@zkit/client';

/**
 * What a script can rely on: 0 the command did what it was asked, 1 it failed, 2 it was called wrongly, 3 the TLS
 * handshake failed (TLS_ERROR), 4 the server refused the credentials (AUTH_FAILED). 3 and 4 are apart because
 * retrying cannot help them: a certificate or a password has to change.
 */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_TLS = 3;
export const EXIT_AUTH = 4;

/** A command line that cannot be run as given (a bad `key=JSON`, a missing connection string): exit code 2. */
export class UsageError extends ZkitError<'USAGE'> {
  override readonly name = 'UsageError';

  constructor(message: string) {
    super('USAGE', message);
  }
}

/**
 * The one line an error is shown as: `zkit: CODE: message (path)`. The code comes first after the program name so a
 * script (or a person) can match it without parsing prose; errors that are not zkit's keep their message only.
 */
export function errorLine(error: unknown): string {
  if (isZkitError(error)) {
    const path = 'path' in error && typeof error.path === 'string' ? error.path : undefined;
    // Some messages name the path already (a view's names the node it wanted, the error's path its parent).
    const where = path !== undefined && !error.message.includes('/') ? ` (${path})` : '';
    return `zkit: ${error.code}: ${firstLine(error.message)}${where}`;
  }
  return `zkit: ${error instanceof Error ? firstLine(error.message) : String(error)}`;
}

export function exitCodeOf(error: unknown): number {
  // Every option the CLI gives connect() comes from its command line: one connect() refuses (an --auth scheme it
  // does not know, a TLS key that does not match its certificate) means the CLI was called wrongly.
  if (error instanceof UsageError || isZkError(error, 'INVALID_OPTION')) return EXIT_USAGE;
  if (isZkError(error, 'TLS_ERROR')) return EXIT_TLS;
  if (isZkError(error, 'AUTH_FAILED')) return EXIT_AUTH;
  return EXIT_FAILURE;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}
