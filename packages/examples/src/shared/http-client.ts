import { type IncomingHttpHeaders, request } from 'node:http';

export interface HttpResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/**
 * One HTTP request on a fresh connection, its JSON answer parsed (text that is not JSON stays a string). Rejects
 * on a network error or after `timeoutMs`.
 */
export function httpJson(
  url: string,
  options: { method?: string; timeoutMs?: number } = {},
): Promise<HttpResult> {
  const { method = 'GET', timeoutMs = 10_000 } = options;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON: keep the text.
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** A field of a JSON object answer, if the answer is an object and the field a string or number. */
export function field(body: unknown, name: string): string | number | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}
