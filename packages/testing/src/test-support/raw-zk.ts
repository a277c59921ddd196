// Test support only (excluded from the build): just enough of ZooKeeper's wire protocol, over plain TCP or TLS,
// to check what a server does with a session and with SASL DIGEST-MD5, independent of any client library.
//
//   client --ConnectRequest--> server --ConnectResponse (sessionId)--> client
//   client --sasl(102, "")--> server --challenge (realm, nonce)--> client --digest-response--> server --rspauth
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as connectTls } from 'node:tls';
import { splitAddress } from '../four-letter.js';
import { waitFor } from '../wait-for.js';

const SASL_OP = 102;
/** ZooKeeper's DIGEST-MD5 server: protocol "zookeeper", server name and realm "zk-sasl-md5" (hard-coded). */
const DIGEST_URI = 'zookeeper/zk-sasl-md5';

/** One connection that reads ZooKeeper's length-prefixed frames. Always `close()` it. */
export class RawConnection {
  #buffered = Buffer.alloc(0);
  #error: Error | undefined;
  #closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#buffered = Buffer.concat([this.#buffered, chunk]);
    });
    socket.on('error', (error) => {
      this.#error = error;
    });
    socket.on('close', () => {
      this.#closed = true;
    });
  }

  /** Connects (over TLS with `tls`; resolves once the handshake is done) or rejects with the socket's error. */
  static open(address: string, tls?: ConnectionOptions): Promise<RawConnection> {
    const { host, port } = splitAddress(address);
    return new Promise((resolve, reject) => {
      const socket =
        tls === undefined
          ? connect({ host, port })
          : connectTls({ ...tls, host, port, servername: 'localhost' });
      socket.once('error', reject);
      socket.once(tls === undefined ? 'connect' : 'secureConnect', () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
    });
  }

  send(payload: Buffer): void {
    const length = Buffer.alloc(4);
    length.writeInt32BE(payload.length);
    this.socket.write(Buffer.concat([length, payload]));
  }

  /** The next frame's payload; rejects when the server closes the connection first, or after `timeout` ms. */
  next(timeout = 10_000): Promise<Buffer> {
    return waitFor(
      () => {
        if (this.#buffered.length >= 4) {
          const length = this.#buffered.readInt32BE(0);
          if (this.#buffered.length >= 4 + length) {
            const frame = this.#buffered.subarray(4, 4 + length);
            this.#buffered = this.#buffered.subarray(4 + length);
            return frame;
          }
        }
        if (this.#closed || this.#error)
          throw new Error(`closed by the server (${this.#error?.message ?? 'EOF'})`);
        return undefined;
      },
      { timeout, interval: 10, message: 'a frame from the server' },
    );
  }

  /** Whether the server closed the connection within `timeout` ms. */
  async closedByServer(timeout = 10_000): Promise<boolean> {
    return waitFor(() => this.#closed, { timeout, interval: 10 }).catch(() => false);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Opens a session: ConnectRequest (protocol 0, no previous session), resolves with the server's session id. */
export async function startSession(connection: RawConnection, sessionTimeout = 4000): Promise<bigint> {
  const request = Buffer.alloc(4 + 8 + 4 + 8 + 4 + 16 + 1);
  let offset = request.writeInt32BE(0, 0); // protocolVersion
  offset = request.writeBigInt64BE(0n, offset); // lastZxidSeen
  offset = request.writeInt32BE(sessionTimeout, offset);
  offset = request.writeBigInt64BE(0n, offset); // sessionId: a new session
  request.writeInt32BE(16, offset); // passwd: 16 zero bytes; the trailing byte is readOnly = false
  connection.send(request);
  const response = await connection.next();
  return response.readBigInt64BE(8); // after protocolVersion and timeOut
}

export interface SaslReply {
  readonly xid: number;
  /** ZooKeeper's error code: 0, or -115 (AUTHFAILED). */
  readonly err: number;
  readonly token: string;
}

/** Sends one SASL token (opcode 102) and reads the reply. */
export async function saslRound(connection: RawConnection, xid: number, token: string): Promise<SaslReply> {
  const bytes = Buffer.from(token, 'utf8');
  const request = Buffer.alloc(4 + 4 + 4 + bytes.length);
  request.writeInt32BE(xid, 0);
  request.writeInt32BE(SASL_OP, 4);
  request.writeInt32BE(bytes.length, 8);
  bytes.copy(request, 12);
  connection.send(request);
  const reply = await connection.next();
  const err = reply.readInt32BE(12); // after xid and zxid
  const length = reply.length >= 20 ? reply.readInt32BE(16) : -1;
  return {
    xid: reply.readInt32BE(0),
    err,
    token: length > 0 ? reply.subarray(20, 20 + length).toString('utf8') : '',
  };
}

/** The `key="value"` / `key=value` pairs of a DIGEST-MD5 challenge (RFC 2831). */
export function parseChallenge(challenge: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const match of challenge.matchAll(/(\w[\w-]*)=(?:"((?:[^"\\]|\\.)*)"|([^,]*))/g)) {
    fields.set(match[1]!, match[2]?.replace(/\\(.)/g, '$1') ?? match[3] ?? '');
  }
  return fields;
}

/** The client's DIGEST-MD5 response to `challenge` (RFC 2831, qop=auth), as ZooKeeper's Java client sends it. */
export function digestMd5Response(challenge: string, username: string, password: string): string {
  const fields = parseChallenge(challenge);
  const realm = fields.get('realm') ?? '';
  const nonce = fields.get('nonce') ?? '';
  const cnonce = randomBytes(16).toString('hex');
  const nc = '00000001';
  const md5 = (data: string | Buffer): Buffer => createHash('md5').update(data).digest();
  const hex = (data: string | Buffer): string => md5(data).toString('hex');
  const a1 = Buffer.concat([md5(`${username}:${realm}:${password}`), Buffer.from(`:${nonce}:${cnonce}`)]);
  const a2 = `AUTHENTICATE:${DIGEST_URI}`;
  const response = hex(`${hex(a1)}:${nonce}:${nc}:${cnonce}:auth:${hex(a2)}`);
  return [
    'charset=utf-8',
    `username="${username}"`,
    `realm="${realm}"`,
    `nonce="${nonce}"`,
    `nc=${nc}`,
    `cnonce="${cnonce}"`,
    `digest-uri="${DIGEST_URI}"`,
    'maxbuf=65536',
    `response=${response}`,
    'qop=auth',
  ].join(',');
}
