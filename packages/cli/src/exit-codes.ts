import { isZkitError, ZkitError } from '@zkit/client';

/** What a script can rely on: 0 the command did what it was asked, 1 it failed, 2 it was called wrongly. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

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
  return error instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}
