import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { type ZkError, zkError } from '@zkit/protocol';

/**
 * A plain client on a TLS-only port (ZooKeeper's `secureClientPort`) hears nothing: the server reads the
 * ConnectRequest as a bad TLS record and closes the connection without a word, and node-zookeeper-client retries
 * forever. A refusal that looks the same comes from a server that is not serving (no quorum), so the cause is
 * asked of the servers themselves: a connect() without `tls` that has not connected half-way through its
 * connectTimeout sends each server a TLS ClientHello. One that answers like a TLS server turns the timeout into
 * TLS_ERROR ("set the tls option"). Never a reason to give up early: a unified port (plain and TLS) answers TLS too.
 */
export async function plainToTlsError(
  connectionString: string,
  timeoutMs: number,
): Promise<ZkError | undefined> {
  const servers = parseServers(connectionString);
  const answers = await Promise.all(servers.map((server) => speaksTls(server, timeoutMs)));
  const tlsServer = servers.find((_, index) => answers[index]);
  if (tlsServer === undefined) return undefined;
  return zkError(
    'TLS_ERROR',
    `ZooKeeper at ${tlsServer.host}:${tlsServer.port} closes plain connections and answers TLS: a TLS-only port ` +
      '(secureClientPort)? Connect with the tls option',
  );
}

interface Server {
  readonly host: string;
  readonly port: number;
}

/** `host:port[,host:port...][/chroot]`, `[v6]:port` too (as options.ts checked it). */
export function parseServers(connectionString: string): Server[] {
  const slash = connectionString.indexOf('/');
  const list = slash === -1 ? connectionString : connectionString.slice(0, slash);
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const colon = entry.lastIndexOf(':');
      const host = entry.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
      return { host, port: Number(entry.slice(colon + 1)) };
    });
}

/**
 * Whether `server` answers a ClientHello as a TLS server does: a completed handshake, or a TLS alert (a server
 * that wants a client certificate refuses us with one). No certificate is checked: only the protocol is asked.
 */
export function speaksTls(server: Server, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host: server.host,
      port: server.port,
      rejectUnauthorized: false,
      ...(isIP(server.host) === 0 ? { servername: server.host } : {}),
    });
    const done = (answer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    timer.unref();
    socket.once('secureConnect', () => done(true));
    socket.once('error', (error: Error & { code?: string }) =>
      done(error.code?.startsWith('ERR_SSL_') ?? false),
    );
    socket.once('close', () => done(false));
  });
}
