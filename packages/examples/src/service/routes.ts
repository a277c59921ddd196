import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DatabaseClient } from '../database-client.js';
import { DbError } from '../db/errors.js';
import { delay, queryInt, sendJson } from '../shared/http.js';
import type { Limiter } from '../shared/limiter.js';
import type { ServiceConfig } from './config.js';

/** What the routes read; `config` changes live, so it is read per request. */
export interface ServiceState {
  readonly address: string;
  readonly config: () => ServiceConfig;
  readonly limiter: Limiter;
  readonly database: DatabaseClient;
  /** Enables /debug/stall, which freezes the process on purpose. */
  readonly debugRoutes: boolean;
}

/** Longest work a request may ask for with `?ms=`, and longest stall. */
const MAX_WORK_MS = 10_000;
const MAX_STALL_MS = 60_000;

/**
 *   GET /?ms=N          a greeting, after N ms of (simulated) work, at most `threads` at once
 *   GET /status         this server's live config and database connection
 *   GET /db             increments `hits` in the database this service is configured with
 *   POST /debug/stall?ms=N   blocks the event loop for N ms (only with --debug-routes)
 */
export async function handle(state: ServiceState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const { address, limiter, database } = state;
  if (url.pathname === '/status') {
    const { threads, greeting } = state.config();
    const { active, queued } = limiter;
    sendJson(res, 200, {
      server: address,
      pid: process.pid,
      threads,
      greeting,
      active,
      queued,
      ...database.status,
    });
    return;
  }
  if (url.pathname === '/db') {
    try {
      const hits = await database.request({ op: 'incr', key: 'hits' });
      sendJson(res, 200, { server: address, ...database.status, hits });
    } catch (error) {
      if (!(error instanceof DbError)) throw error;
      sendJson(res, 503, { server: address, error: error.code, message: error.message });
    }
    return;
  }
  if (url.pathname === '/debug/stall' && state.debugRoutes && req.method === 'POST') {
    const ms = queryInt(url, 'ms', MAX_STALL_MS);
    // Deliberately synchronous: nothing else on this thread runs meanwhile. zkit's session lives in a worker
    // thread, so ZooKeeper keeps hearing from this process and its registration stays.
    const until = Date.now() + ms;
    while (Date.now() < until) {}
    sendJson(res, 200, { server: address, stalledMs: ms });
    return;
  }
  await limiter.run(async () => {
    await delay(queryInt(url, 'ms', MAX_WORK_MS));
    sendJson(res, 200, { server: address, greeting: state.config().greeting, pid: process.pid });
  });
}
