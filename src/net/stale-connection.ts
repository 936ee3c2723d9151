/**
 * A pooled keep-alive socket that the server closed while the process was busy fails the next
 * request before any answer (nodejs/undici#3492). Such a request was never processed, so callers
 * whose requests may be repeated send it once more.
 */
const STALE_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

export const isStaleConnection = (err: unknown): boolean =>
  err instanceof TypeError && STALE_CONNECTION_CODES.has(String((err.cause as { code?: unknown } | undefined)?.code));
