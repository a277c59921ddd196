import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { makeCertificates, type TestCertificates } from '../test-support/certificates.fixture.js';
import { parseServers, plainToTlsError, speaksTls } from './tls-probe.js';

let certificates: TestCertificates;
const pem = (name: string) => certificates.pem(name);

beforeAll(() => {
  certificates = makeCertificates();
});

afterAll(() => certificates.remove());

async function listen(server: Server): Promise<{ host: string; port: number }> {
  const connections = new Set<Socket>();
  server.on('connection', (socket: Socket) => connections.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    for (const socket of connections) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
}

describe('speaksTls', () => {
  it('is true for a TLS server, whatever its certificate', async () => {
    const server = await listen(createTlsServer({ key: pem('server.key'), cert: pem('server.crt') }));
    expect(await speaksTls(server, 2000)).toBe(true);
  });

  it('is true for a TLS server that requires a client certificate we do not have', async () => {
    const tls = createTlsServer({
      key: pem('server.key'),
      cert: pem('server.crt'),
      ca: pem('ca.crt'),
      requestCert: true,
      rejectUnauthorized: true,
      maxVersion: 'TLSv1.2',
    });
    tls.on('tlsClientError', () => {});
    expect(await speaksTls(await listen(tls), 2000)).toBe(true);
  });

  it('is false for a plain server that closes on garbage, and for a silent one', async () => {
    const closing = await listen(
      createNetServer((socket) => {
        socket.on('error', () => {});
        socket.once('data', () => socket.destroy());
      }),
    );
    const silent = await listen(createNetServer((socket) => socket.on('error', () => {})));
    expect(await speaksTls(closing, 2000)).toBe(false);
    expect(await speaksTls(silent, 100)).toBe(false);
  });

  it('names the TLS server in a TLS_ERROR, and is undefined when none speaks TLS', async () => {
    const server = await listen(createTlsServer({ key: pem('server.key'), cert: pem('server.crt') }));
    const error = await plainToTlsError(`127.0.0.1:1,127.0.0.1:${server.port}/chroot`, 2000);
    expect(error).toMatchObject({ code: 'TLS_ERROR' });
    expect(error?.message).toContain(`127.0.0.1:${server.port}`);
    expect(await plainToTlsError('127.0.0.1:1', 2000)).toBeUndefined();
  });
});

describe('parseServers', () => {
  it('reads hosts and ports, IPv6 in brackets, without the chroot', () => {
    expect(parseServers('a:1, b:2/x')).toEqual([
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
    ]);
    expect(parseServers('[::1]:2181')).toEqual([{ host: '::1', port: 2181 }]);
  });
});
