import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  RetryHandler,
  RetryHandlerOptions,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { customGraphHostsFor } from './endpoints';
import { retryAfterMs } from './errors';

/** Retries inside one call only when Graph asks for a short wait; longer waits go back to Temporal, durably. */
const IN_CALL_RETRY_LIMIT_SECONDS = 10;
/**
 * Each request's deadline. The activity heartbeats before every request and its heartbeat timeout
 * is 1 minute: a request plus the longest in-call retry wait must fit well inside it.
 */
export const REQUEST_TIMEOUT_MS = 20_000;

/**
 * A pooled keep-alive socket that the server closed while the process was busy (a large feed
 * parse blocks the event loop for seconds) fails the next request before any answer
 * (nodejs/undici#3492).
 */
const STALE_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
const isStaleConnection = (err: unknown) =>
  err instanceof TypeError && STALE_CONNECTION_CODES.has(String((err.cause as { code?: unknown } | undefined)?.code));

/** Runs before every HTTP request the client sends (retries included): counting, heartbeats, and, if asked, one re-send on a stale connection. */
class RequestHook implements Middleware {
  private next?: Middleware;
  constructor(
    private readonly onRequest: () => void,
    private readonly resendOnStaleConnection: boolean,
    private readonly cancel: AbortSignal | undefined,
  ) {}
  async execute(context: Context): Promise<void> {
    const given = context.options?.signal;
    for (let attempt = 1; ; attempt++) {
      // An abandoned attempt (cancelled, timed out, worker shutting down) sends nothing more.
      this.cancel?.throwIfAborted();
      this.onRequest();
      // A hung connection must not hold the activity: each request has its own deadline, and the
      // caller's cancellation aborts the request in flight.
      const signals = [given, this.cancel, AbortSignal.timeout(REQUEST_TIMEOUT_MS)].filter((s): s is AbortSignal => s !== undefined);
      context.options = { ...context.options, signal: AbortSignal.any(signals) };
      try {
        return await this.next!.execute(context);
      } catch (err) {
        if (!this.resendOnStaleConnection || attempt > 1 || !isStaleConnection(err)) throw err;
      }
    }
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}

export interface GraphClientOptions {
  graphBaseUrl: string;
  getAccessToken: () => Promise<string>;
  onRequest?: () => void;
  /**
   * Send a request once more when its connection turns out stale. Only for callers whose every
   * request may be repeated: reads, and the sync's writes, idempotent by design (create with a
   * transactionId, PATCH of a full state, DELETE where a missing event counts as done).
   */
  resendOnStaleConnection?: boolean;
  /** Aborts every request (in flight and later) when the caller gives up, e.g. the activity's cancellation signal. */
  signal?: AbortSignal;
}

/** The official Graph client with a middleware chain: auth → bounded retry on 429/503/504 → hook → fetch. */
export function createGraphClient({
  graphBaseUrl, getAccessToken, onRequest = () => undefined, resendOnStaleConnection = false, signal,
}: GraphClientOptions): Client {
  const auth = new AuthenticationHandler({ getAccessToken });
  // shouldRetry is handed the configured base delay, not the server's: judge the Retry-After itself.
  const retry = new RetryHandler(
    new RetryHandlerOptions(1, 3, (_delay, _attempt, _request, _options, response) =>
      (retryAfterMs(response.headers) ?? 0) <= IN_CALL_RETRY_LIMIT_SECONDS * 1000),
  );
  const hook = new RequestHook(onRequest, resendOnStaleConnection, signal);
  const http = new HTTPMessageHandler();
  auth.setNext(retry);
  retry.setNext(hook);
  hook.setNext(http);
  return Client.initWithMiddleware({
    middleware: auth,
    baseUrl: `${graphBaseUrl}/`,
    defaultVersion: 'v1.0',
    customHosts: customGraphHostsFor(graphBaseUrl),
  });
}
