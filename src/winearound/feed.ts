/**
 * Fetches a customer's WineAround iCal feed. Conditional (If-None-Match / If-Modified-Since), so an
 * unchanged feed costs one 304 and no parsing. The body is read as a stream up to a size cap and
 * parsed in the parse pool, off the event loop. Like the Graph client, a request that meets a stale
 * keep-alive socket is sent once more. Failures are FeedErrors: transient or configuration.
 */
import { isStaleConnection } from '../net/stale-connection';
import { retryAfterMs } from '../outlook/errors';
import type { FeedMetrics } from '../metrics/recorder';
import type { SourceEvent } from '../sync/model';
import { FeedError, redactUrl } from './errors';
import type { SyncWindow } from './ical-parse';
import { parseFeedInPool, type ParsePoolOptions } from './parse-pool';
import type { SkippedBooking } from './skip-codes';

export interface FeedRequest {
  url: string;
  /** Validators from the previous successful fetch. */
  etag?: string;
  lastModified?: string;
  window: SyncWindow;
  /** IANA zone for floating times when the feed declares none (the customer's zone). */
  defaultTimeZone: string;
  /** Request and body download; default 30 s. Parsing has its own budget (parse.budgetMs). */
  timeoutMs?: number;
  /** Largest body accepted, in bytes; default 32 MiB (WA_FEED_MAX_BYTES). */
  maxBytes?: number;
  /** The caller's cancellation (e.g. Temporal activity cancellation); its reason is rethrown as is. */
  signal?: AbortSignal;
  /** The parse's budget and heartbeat. */
  parse?: Omit<ParsePoolOptions, 'signal'>;
  metrics?: FeedMetrics;
}

export type FeedResult =
  | { notModified: true }
  | {
      notModified: false;
      etag?: string;
      lastModified?: string;
      events: SourceEvent[];
      /** Bookings the feed lists but that could not be read: UID and code only. */
      skipped: SkippedBooking[];
      /** Stable digest of the desired events: equal hashes mean nothing to do on the source side. */
      feedHash: string;
    };

const DEFAULT_TIMEOUT_MS = 30_000;
/** About 65,000 bookings as WineAround writes them (~500 bytes each). */
export const DEFAULT_MAX_FEED_BYTES = 32 * 1024 * 1024;

function statusError(response: Response, where: string): FeedError {
  const { status } = response;
  if (status === 404 || status === 410) {
    return new FeedError('FEED_NOT_FOUND', `${where} answered HTTP ${status}: the feed does not exist; copy the current iCal link from WineAround`, status);
  }
  if (status === 401 || status === 403) {
    return new FeedError('FEED_ACCESS_DENIED', `${where} answered HTTP ${status}: the link's token is wrong or was revoked; copy the current iCal link from WineAround`, status);
  }
  if (status === 408 || status === 429 || status >= 500) {
    const wait = status === 429 || status === 503 ? retryAfterMs(response.headers) : undefined;
    return new FeedError('FEED_UNAVAILABLE', `${where} answered HTTP ${status}; will retry${wait !== undefined ? ` after ${Math.ceil(wait / 1000)} s as it asked` : ''}`, status, wait);
  }
  return new FeedError('FEED_HTTP_ERROR', `${where} answered unexpected HTTP ${status}; check the iCal link in WineAround`, status);
}

function transportError(err: unknown, timeout: AbortSignal, where: string, timeoutMs: number): FeedError {
  if (timeout.aborted) return new FeedError('FEED_TIMEOUT', `${where} did not answer within ${timeoutMs} ms; will retry`);
  const cause = (err as { cause?: { code?: string } }).cause?.code;
  return new FeedError('FEED_NETWORK', `${where} could not be reached${cause ? ` (${cause})` : ''}; will retry`);
}

function tooLarge(where: string, maxBytes: number): FeedError {
  return new FeedError('FEED_TOO_LARGE', `${where} is larger than ${maxBytes} bytes, the most this worker reads (WA_FEED_MAX_BYTES)`);
}

/** The body, read chunk by chunk and abandoned as soon as it passes `maxBytes`. */
async function readCapped(response: Response, maxBytes: number, where: string): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(where, maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body ?? []) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge(where, maxBytes); // leaving the loop cancels the stream
    chunks.push(chunk);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** Fetches the feed, counting the outcome: modified, not_modified, or the FeedError's code. */
export async function fetchFeed(request: FeedRequest): Promise<FeedResult> {
  try {
    const result = await fetchAndParse(request);
    request.metrics?.feedFetched(result.notModified ? 'not_modified' : 'modified');
    return result;
  } catch (err) {
    request.metrics?.feedFetched(err instanceof FeedError ? err.code : request.signal?.aborted ? 'cancelled' : 'error');
    throw err;
  }
}

async function fetchAndParse(request: FeedRequest): Promise<FeedResult> {
  const where = `The feed ${redactUrl(request.url)}`;
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = request.maxBytes ?? DEFAULT_MAX_FEED_BYTES;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
  const headers: Record<string, string> = { accept: 'text/calendar' };
  if (request.etag) headers['if-none-match'] = request.etag;
  if (request.lastModified) headers['if-modified-since'] = request.lastModified;

  let response: Response | undefined;
  let body: Uint8Array = new Uint8Array(0);
  try {
    for (let attempt = 1; !response; attempt++) {
      try {
        response = await fetch(request.url, { headers, signal });
      } catch (err) {
        // A GET is safe to repeat: once more when the pooled connection turns out stale.
        if (attempt > 1 || signal.aborted || !isStaleConnection(err)) throw err;
      }
    }
    // Read the body under the same deadline; an error status's body is not needed.
    if (response.ok) body = await readCapped(response, maxBytes, where);
    else await response.body?.cancel();
  } catch (err) {
    if (request.signal?.aborted) throw request.signal.reason;
    if (err instanceof FeedError) throw err;
    throw transportError(err, timeout, where, timeoutMs);
  }

  const { status } = response;
  if (status === 304 && (request.etag || request.lastModified)) return { notModified: true };
  if (status !== 200) throw statusError(response, where);

  const parsed = await parseFeedInPool(body, request, { ...request.parse, signal: request.signal });
  return {
    notModified: false,
    etag: response.headers.get('etag') ?? undefined,
    lastModified: response.headers.get('last-modified') || undefined, // an empty header dates nothing
    ...parsed,
  };
}
