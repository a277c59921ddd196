/**
 * TLS for node-zookeeper-client 1.1.3, which only speaks plain TCP.
 *
 * The library makes its one socket in ConnectionManager.prototype.connect (lib/ConnectionManager.js:214-236) and
 * calls this.connect() again for every reconnect and failover (onSocketClosed), so replacing connect() on the
 * client's instance makes every connection of that client TLS. The copy below differs from the original in three
 * ways: tls.connect in place of net.connect, 'secureConnect' in place of 'connect' (the ConnectRequest is written
 * only once the handshake is done, and the library's connect timer, cleared in onSocketConnected, bounds TCP and
 * TLS together), and the certificates are read when the connection is made, so rotated files are picked up.
 *
 * The library swallows socket errors (onSocketError only clears its timer) and retries forever; `hooks` hears each
 * failure with the server's address, and each success. Patching `net.connect` globally was rejected: it would
 * reach every socket of the process.
 */
import { readFileSync } from 'node:fs';
import { isIP, Socket } from 'node:net';
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';
import type { TlsConfig, TlsSource } from '@zkit/protocol';
import { isPatchedVersion } from './version.js';

/**
 * Where a connection failed. `connect`: before TCP connected (a server down; TLS was never tried). `handshake`:
 * during the TLS handshake, or the socket closed before it completed (a plain port, a refused certificate).
 * `setup`: the certificates could not be read or loaded, nothing was sent.
 */
export type TlsStage = 'connect' | 'handshake' | 'setup';

export interface TlsFailure {
  /** `host:port` as in the connection string. */
  readonly server: string;
  readonly stage: TlsStage;
  /**
   * node's code (`SELF_SIGNED_CERT_IN_CHAIN`, `ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE`, `ECONNRESET`, `ENOENT`...), or
   * CLOSED_BEFORE_HANDSHAKE when the server closed the connection before the handshake without a word.
   */
  readonly code: string;
  /** node's message: a reason and, for files, their path; never key material. */
  readonly reason: string;
}

export interface TlsHooks {
  /** A connection failed; the library goes on to the next server by itself. */
  onFailure(failure: TlsFailure): void;
  /** A TLS handshake with `server` completed (the ConnectRequest goes out now). */
  onSecure(server: string): void;
}

/** Code of a connection the server closed before the TLS handshake finished, without an error on our side. */
export const CLOSED_BEFORE_HANDSHAKE = 'CLOSED_BEFORE_HANDSHAKE';

/** `{host, port}` of lib/ConnectionStringParser.js (the port is a string there). */
interface Server {
  readonly host: string;
  readonly port: string | number;
}

/** The parts of lib/ConnectionManager.js that connect() uses (undocumented, node-zookeeper-client 1.1.3). */
interface ConnectionManager {
  socket: Socket | undefined;
  connectTimeoutHandler: NodeJS.Timeout | undefined;
  readonly connectTimeout: number;
  connect(): void;
  setState(state: number): void;
  findNextServer(callback: (server: Server) => void): void;
  onSocketConnectTimeout(): void;
  onSocketConnected(): void;
  onSocketData(data: Buffer): void;
  onSocketDrain(): void;
  onSocketClosed(hadError: boolean): void;
  onSocketError(error: Error): void;
}

/** lib/ConnectionManager.js STATES.CONNECTING. */
const CONNECTING = 1;

const METHODS = [
  'setState',
  'findNextServer',
  'onSocketConnectTimeout',
  'onSocketConnected',
  'onSocketData',
  'onSocketDrain',
  'onSocketClosed',
  'onSocketError',
] as const;

/**
 * Makes every connection of `client` (a node-zookeeper-client Client, not connected yet) a TLS connection with
 * `config`. False, changing nothing, when the library is not the version this was written against: the caller must
 * then refuse to connect, since a plain connection is not what was asked for.
 */
export function connectOverTls(client: object, config: TlsConfig, hooks: TlsHooks): boolean {
  const manager = (client as { connectionManager?: Partial<ConnectionManager> }).connectionManager;
  if (!manager || !isConnectionManager(manager) || !isPatchedVersion()) return false;
  manager.connect = function (this: ConnectionManager) {
    this.setState(CONNECTING);
    this.findNextServer((server) => openSocket(this, server, config, hooks));
  };
  return true;
}

function isConnectionManager(manager: Partial<ConnectionManager>): manager is ConnectionManager {
  return (
    METHODS.every((name) => typeof manager[name] === 'function') && typeof manager.connectTimeout === 'number'
  );
}

/** ConnectionManager.prototype.connect's body for one server, over TLS. */
function openSocket(manager: ConnectionManager, server: Server, config: TlsConfig, hooks: TlsHooks): void {
  const address = `${server.host}:${server.port}`;
  let socket: Socket;
  try {
    socket = tlsConnect(connectionOptions(config, server));
  } catch (error) {
    // Unreadable files or key material node cannot load: fail this connection the library's way (error, then
    // close), so it paces its retries and moves on as after any failed connect.
    hooks.onFailure(failure(address, 'setup', error));
    failedSocket(manager, error);
    return;
  }
  manager.socket = socket;
  manager.connectTimeoutHandler = setTimeout(
    manager.onSocketConnectTimeout.bind(manager),
    manager.connectTimeout,
  );
  socket.setNoDelay();
  listen(manager, socket, 'secureConnect');
  watchHandshake(socket as TLSSocket, address, hooks);
}

/** The library's own listeners, as its connect() adds them; `connected` is the event that writes the request. */
function listen(manager: ConnectionManager, socket: Socket, connected: 'secureConnect' | 'connect'): void {
  socket.on(connected, manager.onSocketConnected.bind(manager));
  socket.on('data', manager.onSocketData.bind(manager));
  socket.on('drain', manager.onSocketDrain.bind(manager));
  socket.on('close', manager.onSocketClosed.bind(manager));
  socket.on('error', manager.onSocketError.bind(manager));
}

/**
 * Tells `hooks` how this connection's handshake ended; a failure reported once, whatever follows it. Under TLS 1.3
 * the server checks our certificate after our side considers the handshake done ('secureConnect'), so its refusal
 * (an alert) comes as an error before its first reply: that too is a handshake failure. A close without an error
 * after the handshake is not: a server that is not serving (no quorum) closes the same way.
 */
function watchHandshake(socket: TLSSocket, address: string, hooks: TlsHooks): void {
  let tcpConnected = false;
  let secured = false;
  let settled = false;
  let ended = false;
  socket.once('connect', () => {
    tcpConnected = true;
  });
  socket.once('end', () => {
    ended = true;
  });
  socket.once('secureConnect', () => {
    secured = true;
    hooks.onSecure(address);
  });
  socket.once('data', () => {
    settled = true;
  });
  socket.on('error', (error: Error) => {
    if (settled) return;
    settled = true;
    hooks.onFailure(failure(address, tcpConnected ? 'handshake' : 'connect', error));
  });
  socket.once('close', () => {
    if (settled || secured) return;
    settled = true;
    hooks.onFailure(
      ended
        ? // A plain server on this port reads our ClientHello as garbage and may just close: no error, no alert.
          {
            server: address,
            stage: 'handshake',
            code: CLOSED_BEFORE_HANDSHAKE,
            reason: 'the server closed the connection before the TLS handshake completed (not a TLS port?)',
          }
        : // The library's connect timer destroyed it: a silent server, which says nothing about TLS.
          {
            server: address,
            stage: 'connect',
            code: 'ETIMEDOUT',
            reason: `no TLS handshake within the connect timeout${tcpConnected ? '' : ' (no TCP connection)'}`,
          },
    );
  });
}

/** A socket that never connects: the library hears `error` then `close`, as from a connection refused. */
function failedSocket(manager: ConnectionManager, error: unknown): void {
  const socket = new Socket();
  manager.socket = socket;
  listen(manager, socket, 'connect');
  socket.destroy(error instanceof Error ? error : new Error(String(error)));
}

function failure(server: string, stage: TlsStage, error: unknown): TlsFailure {
  const code = (error as { code?: unknown }).code;
  return {
    server,
    stage,
    code: typeof code === 'string' ? code : 'ERR_TLS',
    reason: error instanceof Error ? error.message : String(error),
  };
}

/**
 * node's options for one connection. Hostname verification is node's own (checkServerIdentity against
 * `servername`, else the host dialed); SNI carries a hostname only, never an IP address (RFC 6066, section 3).
 */
export function connectionOptions(config: TlsConfig, server: Server): ConnectionOptions {
  const servername = config.servername ?? (isIP(server.host) === 0 ? server.host : undefined);
  return {
    host: server.host,
    port: Number(server.port),
    ...(servername === undefined ? {} : { servername }),
    ...material('ca', config.ca),
    ...material('cert', config.cert),
    ...material('key', config.key),
    ...material('pfx', config.pfx),
    ...(config.passphrase === undefined ? {} : { passphrase: config.passphrase }),
    ...(config.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: config.rejectUnauthorized }),
    ...(config.minVersion === undefined ? {} : { minVersion: config.minVersion }),
    ...(config.maxVersion === undefined ? {} : { maxVersion: config.maxVersion }),
    ...(config.ciphers === undefined ? {} : { ciphers: config.ciphers }),
  };
}

function material(
  field: 'ca' | 'cert' | 'key' | 'pfx',
  sources: readonly TlsSource[] | undefined,
): Record<string, (string | Buffer)[]> {
  if (sources === undefined || sources.length === 0) return {};
  return { [field]: sources.map((source) => read(field, source)) };
}

/** Files are read now, at every connection: a rotated certificate is used from the next connection on. */
function read(field: string, source: TlsSource): string | Buffer {
  if (!('path' in source)) {
    const { data } = source;
    return typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }
  try {
    return readFileSync(source.path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw Object.assign(new Error(`tls.${field}: cannot read ${source.path} (${String(code ?? error)})`), {
      code: typeof code === 'string' ? code : 'ERR_TLS_FILE',
    });
  }
}
