import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The server's JAAS file for SASL DIGEST-MD5: ZooKeeper's `Server` section, one `user_<name>="<password>"`
 * option per user. Written into the server's temp dir (mode 0600) and removed with it; passwords never leave it.
 */
export function renderJaas(users: Readonly<Record<string, string>>): string {
  const options = Object.entries(users).map(([name, password]) => `  user_${name}="${quote(password)}"`);
  return [
    'Server {',
    '  org.apache.zookeeper.server.auth.DigestLoginModule required',
    `${options.join('\n')};`,
    '};',
    '',
  ].join('\n');
}

/** JAAS's parser (a StreamTokenizer) reads `\\` and `\"` as escapes inside a quoted string. */
function quote(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
}

/** Writes `jaas.conf` into `dir` and returns the JVM flag that points the server at it. */
export async function writeJaas(dir: string, users: Readonly<Record<string, string>>): Promise<string> {
  const file = join(dir, 'jaas.conf');
  await writeFile(file, renderJaas(users), { mode: 0o600 });
  return `-Djava.security.auth.login.config=${file}`;
}
