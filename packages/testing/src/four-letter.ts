import { connect, isIP, type Socket } from 'node:net';
import { type ConnectionOptions, connect as connectTls } from 'node:tls';
import { TestingError } from './errors.js';
import { waitFor } from './wait-for.js';

/** The role a server reports in `srvr`'s `Mode:` line. */
export type ServerMode = 'leader' | 'follower' | 'standalone' | 'observer' | 'read-only';

/**
 * What `srvr` said. A quorum member that has no quorum (still electing, or cut off) answers
 * "This ZooKeeper instance is not currently serving requests" instead of stats: `serving: false`.
 */
export type SrvrInfo =
  | { serving: true; mode: ServerMode; zxid: bigint; nodeCount: number; version: string }
  | { serving: false; reason: string };

export interface FourLetterWordOptions {
  /**
   * Milliseconds for connecting, sending and reading the whole answer.
   * @default 2000
   */
  timeout?: number;
  /**
   * Ask over TLS (a `secureClientPort` or a unified port), with these node `tls.connect` options (`ca`, and
   * `cert`/`key` when the server needs a client certificate). ZooKeeper answers four-letter words over TLS too.
   * @default plain TCP
   */
  tls?: ConnectionOptions;
}

const MODES: ReadonlySet<string> = new Set<ServerMode>([
  'leader',
  'follower',
  'standalone',
  'observer',
  'read-only',
]);

/**
 * Sends a four-letter word (`srvr`, `ruok`, `stat`, `mntr`, ...) to `host:port` and resolves with the whole
 * answer; the server closes the connection after answering. The server must whitelist the word
 * (`4lw.commands.whitelist`); otherwise it answers "... is not executed because it is not in the whitelist."
 */
export function fourLetterWord(
  address: string,
  word: string,
  options: FourLetterWordOptions = {},
): Promise<string> {
  const { timeout = 2000 } = options;
  const { host, port } = splitAddress(address);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = open(host, port, options.tls);
    const fail = (reason: string, cause?: unknown): void => {
      socket.destroy();
      reject(
        new TestingError(
          'FOUR_LETTER_WORD_FAILED',
          `'${word}' to ${address} failed: ${reason}`,
          cause === undefined ? undefined : { cause },
        ),
      );
    };
    socket.setTimeout(timeout, () => fail(`no answer within ${timeout} ms`));
    socket.on(options.tls === undefined ? 'connect' : 'secureConnect', () => socket.end(word));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => fail(error.message, error));
    socket.on('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

function open(host: string, port: number, tls: ConnectionOptions | undefined): Socket {
  if (tls === undefined) return connect({ host, port });
  // SNI takes a host name, never an IP; the certificate is still checked against `host`.
  return connectTls({ servername: isIP(host) === 0 ? host : '', ...tls, host, port });
}

/** `srvr` parsed; rejects like `fourLetterWord` when the server does not answer at all. */
export async function srvr(address: string, options: FourLetterWordOptions = {}): Promise<SrvrInfo> {
  return parseSrvr(await fourLetterWord(address, 'srvr', options));
}

/** Parses the answer to `srvr`. Pure, so the odd answers (not serving, not whitelisted) are unit-tested. */
export function parseSrvr(text: string): SrvrInfo {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const mode = fields.get('Mode');
  if (mode === undefined || !MODES.has(mode)) {
    return { serving: false, reason: text.trim() || 'empty answer' };
  }
  return {
    serving: true,
    mode: mode as ServerMode,
    zxid: parseZxid(fields.get('Zxid')),
    nodeCount: Number.parseInt(fields.get('Node count') ?? '0', 10),
    version: fields.get('Zookeeper version') ?? '',
  };
}

function parseZxid(value: string | undefined): bigint {
  try {
    return value === undefined ? 0n : BigInt(value);
  } catch {
    return 0n;
  }
}

/** Splits `host:port` (or `[v6]:port`). */
export function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new TypeError(`not a host:port address: '${address}'`);
  }
  return { host: address.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port };
}

/**
 * Polls `srvr` on every address until one says `Mode: leader` (or `standalone`) and resolves with its
 * position in `addresses`; rejects with 'WAIT_TIMEOUT' after `timeout` ms, quoting the last answers.
 */
export async function findLeader(
  addresses: readonly string[],
  timeout: number,
  tls?: ConnectionOptions,
): Promise<number> {
  const probe: FourLetterWordOptions = tls === undefined ? { timeout: 1000 } : { timeout: 1000, tls };
  const found = await waitFor(
    async () => {
      const answers = await Promise.all(
        addresses.map((address) => srvr(address, probe).catch(() => undefined)),
      );
      const index = answers.findIndex(
        (info) => info?.serving === true && (info.mode === 'leader' || info.mode === 'standalone'),
      );
      return index >= 0 ? { index } : undefined;
    },
    { timeout, interval: 50, message: `one of ${addresses.join(',')} to say Mode: leader (srvr)` },
  );
  return found.index;
}
