/**
 * The request died with its connection or session; the server may or may not have applied it. Such a request is
 * retried on the next connection (Session.run) when it is safe to repeat.
 */
export function isLost(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'CONNECTION_LOSS' || code === 'SESSION_EXPIRED';
}
