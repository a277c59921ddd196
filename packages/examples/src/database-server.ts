/**
 * A small storage server, ZODB-style: it serves one database and registers itself as one of its providers, an
 * ephemeral node /databases/<name>/providers/HOST:PORT. Clients find it there (see database-client.ts).
 *
 *   ZK_CONNECT=127.0.0.1:2181 node dist/database-server.js --name foomain --data /tmp/foomain.json
 *
 * The wire protocol is one JSON object per line (db/protocol.ts). On SIGTERM it unregisters first, so clients
 * move to another provider, answers what it already received, then exits.
 */
import { createServer } from 'node:net';
import { connect } from '@zkit/client';
import { type ClientConnection, serveConnection } from './db/serve.js';
import { Store } from './db/store.js';
import { COMMON_OPTIONS, commonValues, parseOptions, pathOption, UsageError } from './shared/args.js';
import { delay, listen } from './shared/http.js';
import { announcePort, boundedStep, onShutdown, runMain } from './shared/lifecycle.js';
import { createLogger } from './shared/logging.js';

const USAGE = `usage: database-server --name NAME [--root /databases] [--data FILE] [--host 127.0.0.1]
                       [--port 0] [--session-timeout 10000] [--zk HOST:PORT[/chroot]]`;

/** Time for clients' watches to see the provider go before it stops accepting connections. */
const UNREGISTER_GRACE_MS = 200;

const log = createLogger('database-server');

runMain(USAGE, log, async () => {
  const options = parseOptions({
    ...COMMON_OPTIONS,
    name: { type: 'string' },
    root: { type: 'string', default: '/databases' },
    data: { type: 'string' },
  });
  const { zk: zkConnect, host, port, sessionTimeout } = commonValues(options);
  if (options.name === undefined || !/^[\w.-]+$/.test(options.name)) {
    throw new UsageError('--name is required: a database name like foomain');
  }
  const providers = `${pathOption('root', options.root)}/${options.name}/providers`;
  const store = await Store.open(options.data);

  const connections = new Set<ClientConnection>();
  const server = createServer((socket) => {
    const connection = serveConnection(socket, store, log);
    connections.add(connection);
    socket.on('close', () => connections.delete(connection));
  });
  const listening = await listen(server, host, port);

  const zk = await connect(zkConnect, { sessionTimeout, logger: log });
  const registration = await zk.registerServer(providers, [host, listening], {
    data: { database: options.name },
  });
  log.info({ path: registration.path, data: options.data }, 'serving database');
  announcePort(listening);

  onShutdown(log, async () => {
    await boundedStep(log, 'unregister', registration.unregister());
    await delay(UNREGISTER_GRACE_MS);
    const closed = new Promise((resolve) => server.close(resolve));
    for (const connection of connections) connection.endWhenIdle();
    await closed;
    await boundedStep(log, 'close', zk.close());
  });
});
