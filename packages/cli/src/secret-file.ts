import { readFileSync } from 'node:fs';
import { UsageError } from './exit-codes.js';

/**
 * A secret (a SASL password, a key's passphrase) from a file, as `--sasl-password-file` takes it: the file's text
 * without one trailing line end, so `echo secret > file` and Docker/Kubernetes secret files both work. Secrets are
 * read from files or the environment, never taken as arguments: an argument shows in `ps` to every local user.
 * Errors name the flag and the file, never its content.
 */
export function readSecretFile(flag: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`${flag} ${path}: cannot read the file (${why})`);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new UsageError(`${flag} ${path}: the file is empty`);
  return secret;
}
