import { writeFileSync } from 'node:fs';
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { TlsConfig } from '@zkit/protocol';
import zookeeper from 'node-zookeeper-client';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { makeCertificates, type TestCertificates } from '../test-support/certificates.fixture.js';
import {
  CLOSED_BEFORE_HANDSHAKE,
  connectionOptions,
  connectOverTls,
  type TlsFailure,
} from './tls-connect.js';

let certificates: TestCertificates;
const pem = (name: string) => certificates.pem(name);

beforeAll(() => {
  certificates = makeCertificates();
});

afterAll(() => certificates.remove());

/** int length, ConnectResponse { int protocolVersion; int timeOut; long sessionId; buffer passwd } */
function connectResponse(): Buffer {
  const frame = Buffer.alloc(40);
  frame.writeInt32BE(36, 0);
  frame.writeInt32BE(2000, 8);
  frame.writeInt32BE(0x1234, 16);
  frame.writeInt32BE(16, 20);
  return frame;
}

/** A TLS server that answers the ConnectRequest as ZooKeeper does; counts its TLS connections. */
async function tlsServer() {
  const sockets: TLSSocket[] = [];
  const server = createTlsServer({ key: pem('server.key'), cert: pem('server.crt') }, (socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    socket.once('data', () => socket.write(connectResponse()));
  });
  server.on('tlsClientError', () => {});
  return { ...(await listen(server)), sockets };
}

/** A plain server on "the TLS port": it reads a ClientHello as garbage and closes. */
async function plainServer() {
  const server = createNetServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => socket.destroy());
  });
  return listen(server);
}

async function listen(server: Server) {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const connections = new Set<Socket>();
  server.on('connection', (socket: Socket) => connections.add(socket));
  onTestFinished(() => {
    for (const socket of connections) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port, address: `127.0.0.1:${port}` };
}

/** A client over TLS with `config`, its failures and handshakes recorded; closed when the test ends. */
function tlsClient(servers: string, config: TlsConfig) {
  const failures: TlsFailure[] = [];
  const secured: string[] = [];
  const client = zookeeper.createClient(servers, { sessionTimeout: 2000, spinDelay: 10 });
  const patched = connectOverTls(client, config, {
    onFailure: (failure) => failures.push(failure),
    onSecure: (server) => secured.push(server),
  });
  expect(patched).toBe(true);
  onTestFinished(() => {
    const manager = (client as unknown as { connectionManager: { connect: () => void } }).connectionManager;
    manager.connect = () => {};
    client.close();
  });
  return { client, failures, secured };
}

function connected(client: zookeeper.Client): Promise<void> {
  return new Promise((resolve) => client.once('connected', () => resolve()));
}

describe('connectOverTls', () => {
  it('connects over TLS, verifying the server against the CA, and tells the hook', async () => {
    const server = await tlsServer();
    const { client, failures, secured } = tlsClient(server.address, {
      ca: [{ path: join(certificates.dir, 'ca.crt') }],
    });
    const up = connected(client);
    client.connect();
    await up;

    expect(server.sockets).toHaveLength(1);
    expect(secured).toEqual([server.address]);
    expect(failures).toEqual([]);
  });

  it('reconnects over TLS too, reading the CA file again', async () => {
    const server = await tlsServer();
    const caFile = join(certificates.dir, 'rotating-ca.crt');
    writeFileSync(caFile, pem('ca.crt'));
    const { client, failures, secured } = tlsClient(server.address, { ca: [{ path: caFile }] });
    const up = connected(client);
    client.connect();
    await up;

    // Rotated to a CA that does not sign the server's certificate: the next connection must refuse it.
    writeFileSync(caFile, pem('wrongca.crt'));
    server.sockets[0]?.destroy();
    await vi.waitUntil(() => failures.length > 0, { timeout: 5000 });
    expect(failures[0]).toMatchObject({ server: server.address, stage: 'handshake' });

    writeFileSync(caFile, pem('ca.crt'));
    await vi.waitUntil(() => secured.length === 2, { timeout: 5000 });
    expect(server.sockets.length).toBeGreaterThanOrEqual(2);
  });

  it('reports a server certificate from an unknown CA with node code, again on every retry', async () => {
    const server = await tlsServer();
    const { client, failures, secured } = tlsClient(server.address, { ca: [{ data: pem('wrongca.crt') }] });
    client.connect();
    await vi.waitUntil(() => failures.length >= 2, { timeout: 5000 });

    expect(secured).toEqual([]);
    expect(failures[0]).toMatchObject({ server: server.address, stage: 'handshake' });
    expect(failures[0]?.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/);
  });

  it('reports a plain server on the port as a handshake failure', async () => {
    const server = await plainServer();
    const { client, failures } = tlsClient(server.address, { ca: [{ data: pem('ca.crt') }] });
    client.connect();
    await vi.waitUntil(() => failures.length >= 1, { timeout: 5000 });

    expect(failures[0]).toMatchObject({ server: server.address, stage: 'handshake' });
    expect(['ECONNRESET', CLOSED_BEFORE_HANDSHAKE]).toContain(failures[0]?.code);
  });

  it('reports a refused TCP connection as the connect stage, not TLS', async () => {
    // Port 1 on loopback: nothing listens there.
    const { client, failures } = tlsClient('127.0.0.1:1', { ca: [{ data: pem('ca.crt') }] });
    client.connect();
    await vi.waitUntil(() => failures.length >= 1, { timeout: 5000 });

    expect(failures[0]).toMatchObject({ stage: 'connect', code: 'ECONNREFUSED' });
  });

  it('reports a server that accepts but never answers the handshake as a connect timeout, not a TLS failure', async () => {
    const silent = await listen(createNetServer((socket) => socket.on('error', () => {})));
    const { client, failures } = tlsClient(silent.address, { ca: [{ data: pem('ca.crt') }] });
    client.connect();
    // The library's connect timer: sessionTimeout (2000) over the number of servers (1).
    await vi.waitUntil(() => failures.length >= 1, { timeout: 8000 });

    expect(failures[0]).toMatchObject({ server: silent.address, stage: 'connect', code: 'ETIMEDOUT' });
  });

  it('reports an unreadable certificate file with its path, and keeps retrying', async () => {
    const server = await tlsServer();
    const missing = join(certificates.dir, 'missing.crt');
    const { client, failures } = tlsClient(server.address, { ca: [{ path: missing }] });
    client.connect();
    await vi.waitUntil(() => failures.length >= 2, { timeout: 5000 });

    expect(failures[0]).toMatchObject({ stage: 'setup', code: 'ENOENT' });
    expect(failures[0]?.reason).toContain(missing);
    expect(server.sockets).toEqual([]);
  });
});

describe('connectionOptions', () => {
  const config: TlsConfig = { ca: [{ data: 'CA' }], key: [{ data: new Uint8Array([1, 2, 3]) }] };

  it('sends SNI for a host name, none for an IP address; hostname checks stay node defaults', () => {
    expect(connectionOptions(config, { host: 'zk1.example', port: '2281' })).toMatchObject({
      host: 'zk1.example',
      port: 2281,
      servername: 'zk1.example',
    });
    expect(connectionOptions(config, { host: '127.0.0.1', port: '2281' })).not.toHaveProperty('servername');
    expect(connectionOptions(config, { host: '127.0.0.1', port: 1 })).not.toHaveProperty(
      'rejectUnauthorized',
    );
  });

  it('takes an explicit servername for every server', () => {
    const options = connectionOptions(
      { ...config, servername: 'zk.internal' },
      { host: '10.0.0.1', port: 1 },
    );
    expect(options.servername).toBe('zk.internal');
  });

  it('passes PEM text as is and bytes as a Buffer', () => {
    const options = connectionOptions(config, { host: 'h', port: 1 });
    expect(options.ca).toEqual(['CA']);
    expect(options.key).toEqual([Buffer.from([1, 2, 3])]);
    expect(options).not.toHaveProperty('cert');
  });
});
