import {
  type Auth,
  connect,
  DEFAULT_CONNECTION_STRING,
  isZkError,
  SessionError,
  type TlsOptions,
  type ZooKeeper,
} from '@zkit/client';
import { pino } from 'pino';
import { UsageError } from './exit-codes.js';
import { type SaslFlags, saslOptions } from './sasl-flags.js';
import { type TlsFlags, tlsOptions } from './tls-flags.js';

/** The global flags every command that talks to ZooKeeper shares. */
export interface ConnectionFlags extends TlsFlags, SaslFlags {
  readonly zk?: string;
  readonly auth?: readonly string[];
  readonly timeout?: string;
}

/**
 * One command's session, opened on first use (so `validate` and usage errors never connect) and closed by `run`
 * whatever happened. Logs go to stderr, silent unless ZKIT_LOG names a pino level, so stdout stays the command's.
 */
export class Connection {
  #zk: Promise<ZooKeeper> | undefined;

  constructor(private readonly flags: ConnectionFlags) {}

  open(): Promise<ZooKeeper> {
    this.#zk ??= this.#connect();
    return this.#zk;
  }

  async close(): Promise<void> {
    const zk = await this.#zk?.catch(() => undefined);
    await zk?.close();
  }

  #connect(): Promise<ZooKeeper> {
    const connectionString = this.flags.zk ?? process.env.ZK_CONNECT ?? DEFAULT_CONNECTION_STRING;
    const tls = tlsOptions(this.flags);
    const sasl = saslOptions(this.flags);
    return connect(connectionString, {
      connectTimeout: parseTimeout(this.flags.timeout ?? '10000'),
      auth: (this.flags.auth ?? []).map(parseAuth),
      ...(tls && { tls }),
      ...(sasl && { sasl }),
      logger: pino({ level: process.env.ZKIT_LOG ?? 'silent' }, pino.destination(2)),
    }).catch((error: unknown) => {
      throw withTlsHint(error, tls);
    });
  }
}

/**
 * A TLS_ERROR with what the command line left out when that is the likely cause: OpenSSL's reason for a missing
 * client certificate ("alert bad certificate") does not say that none was sent.
 */
export function withTlsHint(error: unknown, tls: TlsOptions | undefined): unknown {
  if (!isZkError(error, 'TLS_ERROR')) return error;
  const hint =
    tls === undefined
      ? 'zkit connected without TLS: --tls, or --tls-ca FILE, for a TLS port'
      : tls.cert === undefined && tls.pfx === undefined
        ? 'no client certificate was given: --tls-cert and --tls-key, if the server asks for one'
        : undefined;
  if (hint === undefined) return error;
  // OpenSSL's reasons may end in a line break; the hint has to stay on the line the CLI prints.
  const reason = error.message.split('\n', 1)[0]?.trimEnd();
  return new SessionError('TLS_ERROR', `${reason} (${hint})`, { cause: error });
}

/** `--auth digest:user:password` → scheme `digest`, credentials `user:password` (the first colon splits). */
export function parseAuth(flag: string): Auth {
  const colon = flag.indexOf(':');
  if (colon <= 0) throw new UsageError(`--auth ${JSON.stringify(flag)}: expected scheme:credentials`);
  return { scheme: flag.slice(0, colon), credentials: flag.slice(colon + 1) };
}

function parseTimeout(flag: string): number {
  const ms = Number(flag);
  if (!Number.isInteger(ms) || ms <= 0) throw new UsageError(`--timeout ${flag}: expected milliseconds`);
  return ms;
}
