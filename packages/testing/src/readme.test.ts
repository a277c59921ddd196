// The README's first snippet, verbatim but for the import path: if this passes, the README runs.
import { connect } from 'node:tls';
import { expect, it } from 'vitest';
import { openObserver, srvr, startZooKeeper } from './index.js';

it('keeps the data when the leader of a 3-node ensemble dies', async () => {
  await using zk = await startZooKeeper({ servers: 3 });
  await using observer = await openObserver(zk.connectionString);
  await observer.create('/config', 'v1');

  await zk.kill(await zk.leader()); // SIGKILL; a new leader is elected among the other two
  const survivors = zk.servers.filter((s) => s.running).map((s) => s.address);
  await using survivor = await openObserver(survivors.join(','));
  expect((await survivor.getData('/config')).data?.toString()).toBe('v1');
}, 30_000);

// The README's secure-server snippet, verbatim but for the import paths.
it('serves clients over mutual TLS only', async () => {
  await using zk = await startZooKeeper({ tls: true, sasl: { users: { svc: 'svc-secret' } } });
  const { clientOptions, ca } = zk.tls; // throwaway certificates made for this run: PEM strings and files
  // clientOptions is { ca, cert, key } for node's tls.connect (or a ZooKeeper client's TLS option).
  expect(await srvr(zk.connectionString, { tls: clientOptions })).toMatchObject({ mode: 'standalone' });

  const [host, port] = zk.connectionString.split(':');
  const refused = await new Promise((resolve) => {
    const socket = connect({ host, port: Number(port), ca: ca.cert }); // no client certificate
    socket.once('secureConnect', () => resolve('accepted'));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
  });
  expect(refused).toBe('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE');
}, 30_000);
