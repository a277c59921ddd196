/**
 * An HTTP reverse proxy over the live servers of a service.
 *
 *   ZK_CONNECT=127.0.0.1:2181 node dist/load-balancer.js --port 8080 [--service /fooservice]
 *
 * It follows the instances of /fooservice/servers (`zk.services()`) and sends each request to the next one a
 * round-robin provider picks. A server that refuses the connection (it is stopping, or was killed and its node has
 * not expired yet) is noted down for a second and the request is sent to the next one, so clients see no error.
 * GET /_status lists the backends it routes to.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { connect } from '@zkit/client';
import { Backends } from './lb/backends.js';
import { type AttemptResult, attempt, forwardHeaders, isIdempotent } from './lb/proxy.js';
import { COMMON_OPTIONS, commonValues, intOption, parseOptions, pathOption } from './shared/args.js';
import { BodyTooLargeError, drain, listen, readBody, sendJson } from './shared/http.js';
import { announcePort, boundedStep, onShutdown, runMain } from './shared/lifecycle.js';
import { createLogger } from './shared/logging.js';

const USAGE = `usage: load-balancer [--service /fooservice] [--host 127.0.0.1] [--port 0] [--timeout 30000]
                     [--session-timeout 10000] [--zk HOST:PORT[/chroot]]`;

/** Requests are buffered so a refused one can be sent again; larger bodies are refused with 413. */
const MAX_BODY_BYTES = 1024 * 1024;

const log = createLogger('load-balancer');

runMain(USAGE, log, async () => {
  const options = parseOptions({
    ...COMMON_OPTIONS,
    service: { type: 'string', default: '/fooservice' },
    timeout: { type: 'string', default: '30000' },
  });
  const { zk: zkConnect, host, port, sessionTimeout } = commonValues(options);
  const serversPath = `${pathOption('service', options.service)}/servers`;
  const timeoutMs = intOption('timeout', options.timeout, 1, 600_000);
  const zk = await connect(zkConnect, { sessionTimeout, logger: log });

  // The balancer may start before any server has registered: make sure there is a node to watch.
  await zk.ensure(serversPath);
  const servers = await zk.services(serversPath);
  servers.watch((live, change) =>
    log.info(
      {
        path: live.path,
        servers: live.toArray().map((instance) => instance.id),
        added: change.added.map((instance) => instance.id),
        removed: change.removed.map((instance) => instance.id),
      },
      'backends changed',
    ),
  );
  const backends = new Backends(servers);

  const server = createServer((req, res) => {
    if (req.url === '/_status') {
      sendJson(res, 200, { service: options.service, backends: backends.stats(), retried: backends.retried });
      return;
    }
    proxy(backends, req, res, timeoutMs).catch((error: unknown) => {
      log.error({ err: error, url: req.url }, 'proxying failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  const listening = await listen(server, host, port);
  log.info({ url: `http://${host}:${listening}/`, service: options.service }, 'load balancer listening');
  announcePort(listening);

  onShutdown(log, async () => {
    await drain(server, timeoutMs);
    await boundedStep(log, 'close', zk.close());
  });
});

/**
 * Tries backends as the provider picks them until one answers, each at most once; after a backend that may have seen
 * the request, another is tried only if that is safe.
 */
async function proxy(backends: Backends, req: IncomingMessage, res: ServerResponse, timeoutMs: number) {
  let body: Buffer;
  try {
    body = await readBody(req, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return sendJson(res, 413, { error: error.message });
    throw error;
  }
  const method = req.method ?? 'GET';
  const request = { method, path: req.url ?? '/', headers: req.headers, body, timeoutMs };
  let last: AttemptResult | undefined;
  const tried = new Set<string>();
  for (let backend = backends.next(tried); backend !== undefined; backend = backends.next(tried)) {
    tried.add(backend.id);
    last = await attempt(backend, request);
    if (last.ok) {
      backends.routed(backend);
      const headers = { ...forwardHeaders(last.response.headers), 'x-backend': backend.id };
      res.writeHead(last.response.statusCode ?? 502, headers);
      // A backend dying mid-body rejects here; the caller then cuts the client's response.
      await pipeline(last.response, res);
      return;
    }
    log.warn({ backend: backend.id, failure: last.kind, err: last.cause }, 'backend did not answer');
    if (last.kind === 'refused') backends.refused(backend);
    else if (last.kind === 'timeout' || !isIdempotent(method)) break;
  }
  const status = last === undefined ? 503 : last.ok === false && last.kind === 'timeout' ? 504 : 502;
  sendJson(res, status, {
    error: last === undefined ? `no server up in ${backends.path}` : 'no backend answered',
  });
}
