/**
 * The client side of the SASL DIGEST-MD5 mechanism (RFC 2831), as ZooKeeper's DigestLoginModule servers speak it:
 * no initial response, one challenge answered with a digest-response, then the server's `rspauth` checked. Only
 * qop=auth (authentication, no integrity or confidentiality layer), which is all ZooKeeper asks for.
 *
 *   server: realm="zk-sasl-md5",nonce="…",charset=utf-8,algorithm=md5-sess      ─▶ digestResponse()
 *   client: charset=utf-8,username="…",realm="…",nonce="…",nc=00000001,cnonce="…",digest-uri="…",response=…,qop=auth
 *   server: rspauth=…                                                             ─▶ checkRspauth()
 *
 * No npm package is used: the well-known one (sasl-digest-md5, for saslmechanisms) has not been touched since 2012
 * and does not check rspauth; the mechanism is two MD5 compositions (node:crypto) and a directive parser.
 * Failures are AUTH_FAILED and never quote the password.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { zkError } from '@zkit/protocol';

export interface DigestMd5Options {
  readonly username: string;
  /** Only ever hashed: it appears in no token, error or log. */
  readonly password: string;
  /** RFC 2831 digest-uri, `service/host`. ZooKeeper's is `zookeeper/zk-sasl-md5`. */
  readonly digestUri: string;
  /** The realm to answer in, when the server offers it (or offers none). @default the first the server offers */
  readonly realm?: string;
  /** Client nonce; tests fix it. @default 16 random bytes, base64 */
  readonly cnonce?: string;
}

export interface DigestResponse {
  /** The digest-response to send. */
  readonly token: string;
  /** The `rspauth` a server that knows the password answers with (checkRspauth). */
  readonly rspauth: string;
}

/** The only nonce-count: one authentication per connection. */
const NONCE_COUNT = '00000001';

/** RFC 2831 2.1.1 directives, each with every value it was given (a realm may be offered several times). */
export function parseDirectives(text: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  const scanner = { text, at: 0 };
  for (;;) {
    skip(scanner, /[\s,]*/y);
    if (scanner.at >= text.length) return directives;
    const name = take(scanner, /([A-Za-z0-9_-]+)\s*=\s*/y);
    if (name === undefined) throw malformed(`a directive name at ${scanner.at}`);
    const value =
      take(scanner, /"((?:[^"\\]|\\[\s\S])*)"/y)?.replace(/\\([\s\S])/g, '$1') ??
      take(scanner, /([^\s,"]*)/y);
    const key = name.toLowerCase();
    directives.set(key, [...(directives.get(key) ?? []), value ?? '']);
    skip(scanner, /\s*/y);
    if (scanner.at < text.length && text[scanner.at] !== ',') throw malformed(`',' at ${scanner.at}`);
  }
}

/** Answers the server's challenge (RFC 2831 2.1.2). */
export function digestResponse(challenge: string, options: DigestMd5Options): DigestResponse {
  const directives = parseDirectives(challenge);
  const nonce = single(directives, 'nonce');
  if (nonce === undefined) throw malformed('a nonce');
  const algorithm = single(directives, 'algorithm');
  if (algorithm?.toLowerCase() !== 'md5-sess') throw unsupported(`algorithm ${String(algorithm)}`);
  const qops = (single(directives, 'qop') ?? 'auth').split(',').map((qop) => qop.trim().toLowerCase());
  if (!qops.includes('auth')) throw unsupported(`qop ${qops.join(',')} (only auth)`);
  const utf8 = single(directives, 'charset')?.toLowerCase() === 'utf-8';
  const realm = pickRealm(directives.get('realm') ?? [], options.realm);
  const cnonce = options.cnonce ?? randomBytes(16).toString('base64');
  const encode = (value: string) => toBytes(value, utf8);
  // A1 = { H( username ":" realm ":" passwd ) } ":" nonce ":" cnonce   (no authzid: the user acts as itself)
  const secret = md5(
    Buffer.concat([encode(options.username), colon, encode(realm), colon, encode(options.password)]),
  );
  const ha1 = md5hex(Buffer.concat([secret, Buffer.from(`:${nonce}:${cnonce}`)]));
  const digest = (a2: string) =>
    md5hex(Buffer.from(`${ha1}:${nonce}:${NONCE_COUNT}:${cnonce}:auth:${md5hex(Buffer.from(a2))}`));
  const fields = [
    ...(utf8 ? ['charset=utf-8'] : []),
    `username=${quote(options.username)}`,
    `realm=${quote(realm)}`,
    `nonce=${quote(nonce)}`,
    `nc=${NONCE_COUNT}`,
    `cnonce=${quote(cnonce)}`,
    `digest-uri=${quote(options.digestUri)}`,
    `response=${digest(`AUTHENTICATE:${options.digestUri}`)}`,
    'qop=auth',
  ];
  return { token: fields.join(','), rspauth: digest(`:${options.digestUri}`) };
}

/** Checks the server's final message (RFC 2831 2.1.3): a server that does not know the password is refused too. */
export function checkRspauth(final: string, expected: string): void {
  const rspauth = single(parseDirectives(final), 'rspauth');
  const given = Buffer.from(rspauth ?? '');
  const wanted = Buffer.from(expected);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    throw zkError('AUTH_FAILED', 'SASL DIGEST-MD5: the server did not prove it knows the password (rspauth)');
  }
}

const colon = Buffer.from(':');

function pickRealm(offered: readonly string[], preferred: string | undefined): string {
  if (preferred !== undefined && (offered.length === 0 || offered.includes(preferred))) return preferred;
  return offered[0] ?? '';
}

/** A directive that may appear once (RFC 2831: "the client should abort" when it appears more often). */
function single(directives: Map<string, string[]>, name: string): string | undefined {
  const values = directives.get(name);
  if (values && values.length > 1) throw malformed(`one ${name} directive, got ${values.length}`);
  return values?.[0];
}

/**
 * RFC 2831 2.1.2.1: with charset=utf-8, a string representable in ISO 8859-1 is hashed in ISO 8859-1, others in
 * UTF-8 (as Java's DigestMD5Client does); without it, ISO 8859-1 only.
 */
function toBytes(value: string, utf8: boolean): Buffer {
  const latin1 = [...value].every((char) => (char.codePointAt(0) ?? 0) <= 0xff);
  if (latin1) return Buffer.from(value, 'latin1');
  if (utf8) return Buffer.from(value, 'utf8');
  throw unsupported('a user name or password outside ISO 8859-1 (the server did not offer charset=utf-8)');
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

function md5(data: Buffer): Buffer {
  return createHash('md5').update(data).digest();
}

function md5hex(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

interface Scanner {
  readonly text: string;
  at: number;
}

function skip(scanner: Scanner, pattern: RegExp): void {
  take(scanner, pattern);
}

/** Matches a sticky pattern at the scanner's position; its first group, or '' when it has none. */
function take(scanner: Scanner, pattern: RegExp): string | undefined {
  pattern.lastIndex = scanner.at;
  const match = pattern.exec(scanner.text);
  if (!match) return undefined;
  scanner.at = pattern.lastIndex;
  return match[1] ?? '';
}

function malformed(expected: string) {
  return zkError('AUTH_FAILED', `SASL DIGEST-MD5: malformed server message, expected ${expected}`);
}

function unsupported(what: string) {
  return zkError('AUTH_FAILED', `SASL DIGEST-MD5: unsupported ${what}`);
}
