import { type IncomingHttpHeaders, type IncomingMessage, request } from 'node:http';

/** Headers that describe one hop's connection, not the request: never forwarded (RFC 9110 7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export function forwardHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

export interface Attempt {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly timeoutMs: number;
}

/**
 * Why an attempt got no response: `refused` means the backend never saw the request (safe to send elsewhere);
 * `reset` means the connection broke before any answer (the backend may have seen it); `timeout` is a slow one.
 */
export type AttemptFailure = { readonly kind: 'refused' | 'reset' | 'timeout'; readonly cause: Error };

export type AttemptResult =
  | { readonly ok: true; readonly response: IncomingMessage }
  | ({ ok: false } & AttemptFailure);

/** Where to send it: a service instance's address (a host name or IP, IPv6 without brackets) and port. */
export interface Backend {
  readonly id: string;
  readonly address: string;
  readonly port: number | null;
}

/**
 * Sends one request to one backend. A fresh connection per attempt (no keep-alive pool): a pooled socket that the
 * backend closes while draining would turn a clean "refused" into an ambiguous "reset".
 */
export function attempt(backend: Backend, request_: Attempt): Promise<AttemptResult> {
  const address = backend.id;
  return new Promise((resolve) => {
    const upstream = request({
      host: backend.address,
      // zkit registrations always name a port; an instance with an sslPort alone (Curator) fails to connect.
      port: backend.port ?? 0,
      method: request_.method,
      path: request_.path,
      headers: { ...forwardHeaders(request_.headers), 'content-length': String(request_.body.length) },
      agent: false,
      timeout: request_.timeoutMs,
    });
    upstream.once('response', (response) => resolve({ ok: true, response }));
    upstream.once('timeout', () =>
      upstream.destroy(new TimeoutError(`${address} took over ${request_.timeoutMs} ms`)),
    );
    upstream.once('error', (error: NodeJS.ErrnoException) => {
      const kind =
        error instanceof TimeoutError ? 'timeout' : error.code === 'ECONNREFUSED' ? 'refused' : 'reset';
      resolve({ ok: false, kind, cause: error });
    });
    upstream.end(request_.body);
  });
}

class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** Methods that may be sent twice without harm (RFC 9110 9.2.2): retried after a reset. */
export function isIdempotent(method: string): boolean {
  return ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'].includes(method);
}
