/**
 * An HTTP service that registers itself in ZooKeeper and takes its configuration from there, live.
 *
 *   ZK_CONNECT=127.0.0.1:2181 node dist/http-service.js [--service /fooservice]
 *
 * - listens on a free port and registers as /fooservice/servers/HOST:PORT (ephemeral: it goes with the process);
 * - reads `threads` and `greeting` from the properties of /fooservice and applies changes without a restart;
 * - follows the `database` named there (database-client.ts) for its /db route;
 * - on SIGTERM: unregisters first (load balancers stop sending), drains the requests in flight, then exits.
 */
import { createServer } from 'node:http';
import { connect, isZkError } from '@zkit/client';
import { DatabaseClient } from './database-client.js';
import { DEFAULT_CONFIG, readConfig, type ServiceConfig } from './service/config.js';
import { handle } from './service/routes.js';
import { COMMON_OPTIONS, commonValues, parseOptions, pathOption, UsageError } from './shared/args.js';
import { delay, drain, listen, sendJson } from './shared/http.js';
import { announcePort, boundedStep, onShutdown, runMain } from './shared/lifecycle.js';
import { Limiter } from './shared/limiter.js';
import { createLogger } from './shared/logging.js';

const USAGE = `usage: http-service [--service /fooservice] [--host 127.0.0.1] [--port 0] [--debug-routes]
                    [--session-timeout 10000] [--zk HOST:PORT[/chroot]]`;

/**
 * After unregistering, keep accepting for a moment: load balancers in other processes learn of the removal
 * through their own watches, a few milliseconds later. Anything they send meanwhile is still served.
 */
const UNREGISTER_GRACE_MS = 250;
const DRAIN_TIMEOUT_MS = 10_000;

const log = createLogger('http-service');

runMain(USAGE, log, async () => {
  const options = parseOptions({
    ...COMMON_OPTIONS,
    service: { type: 'string', default: '/fooservice' },
    'debug-routes': { type: 'boolean', default: false },
  });
  const { zk: zkConnect, host, port, sessionTimeout } = commonValues(options);
  const service = pathOption('service', options.service);
  const zk = await connect(zkConnect, { sessionTimeout, logger: log });

  const properties = await zk.properties(service).catch((error: unknown) => {
    if (isZkError(error) && error.code === 'NO_NODE') {
      throw new UsageError(`${service} does not exist: create it with the service's configuration first`);
    }
    throw error;
  });
  let config: ServiceConfig = DEFAULT_CONFIG;
  const limiter = new Limiter(config.threads);
  properties.watch((props) => {
    config = readConfig(props, log);
    limiter.limit = config.threads;
    log.info({ path: props.path, ...config }, 'configuration applied');
  });
  const database = DatabaseClient.follow(zk, properties, log);

  let address = '';
  const state = { config: () => config, limiter, database, debugRoutes: options['debug-routes'] };
  const server = createServer((req, res) => {
    handle({ ...state, address }, req, res).catch((error: unknown) => {
      log.error({ err: error, url: req.url }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    });
  });
  const listening = await listen(server, host, port);
  address = `${host}:${listening}`;

  // Register last: once the node exists, traffic may arrive, so everything above must be ready.
  const registration = await zk.registerServer(`${service}/servers`, [host, listening]);
  log.info({ path: registration.path }, 'registered');
  announcePort(listening);

  onShutdown(log, async () => {
    await boundedStep(log, 'unregister', registration.unregister());
    await delay(UNREGISTER_GRACE_MS);
    await drain(server, DRAIN_TIMEOUT_MS);
    database.close();
    await boundedStep(log, 'close', zk.close());
  });
});
