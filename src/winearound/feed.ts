/**
 * Fetches a customer's WineAround iCal feed. Conditional (If-None-Match / If-Modified-Since), so an
 * unchanged feed costs one 304 and no parsing. Failures are FeedErrors: transient or configuration.
 */
import type { FeedMetrics } from '../metrics/recorder';
import { digest } from '../sync/digest';
import type { SourceEvent } from '../sync/model';
import { FeedError, redactUrl } from './errors';
import { parseIcalFeed, type SkippedFeedEvent, type SyncWindow } from './ical-parse';

export interface FeedRequest {
  url: string;
  /** Validators from the previous successful fetch. */
  etag?: string;
  lastModified?: string;
  window: SyncWindow;
  /** IANA zone for floating times when the feed declares none (the customer's zone). */
  defaultTimeZone: string;
  /** Whole request including the body; default 30 s. */
  timeoutMs?: number;
  /** The caller's cancellation (e.g. Temporal activity cancellation); its reason is rethrown as is. */
  signal?: AbortSignal;
  metrics?: FeedMetrics;
}

export type FeedResult =
  | { notModified: true }
  | {
      notModified: false;
      etag?: string;
      lastModified?: string;
      events: SourceEvent[];
      skipped: SkippedFeedEvent[];
      /** Stable digest of the desired events: equal hashes mean nothing to do on the source side. */
      feedHash: string;
    };

const DEFAULT_TIMEOUT_MS = 30_000;

function statusError(status: number, where: string): FeedError {
  if (status === 404 || status === 410) {
    return new FeedError('FEED_NOT_FOUND', `${where} answered HTTP ${status}: the feed does not exist; copy the current iCal link from WineAround`, status);
  }
  if (status === 401 || status === 403) {
    return new FeedError('FEED_ACCESS_DENIED', `${where} answered HTTP ${status}: the link's token is wrong or was revoked; copy the current iCal link from WineAround`, status);
  }
  if (status === 408 || status === 429 || status >= 500) {
    return new FeedError('FEED_UNAVAILABLE', `${where} answered HTTP ${status}; will retry`, status);
  }
  return new FeedError('FEED_HTTP_ERROR', `${where} answered unexpected HTTP ${status}; check the iCal link in WineAround`, status);
}

function transportError(err: unknown, timeout: AbortSignal, where: string, timeoutMs: number): FeedError {
  if (timeout.aborted) return new FeedError('FEED_TIMEOUT', `${where} did not answer within ${timeoutMs} ms; will retry`);
  const cause = (err as { cause?: { code?: string } }).cause?.code;
  return new FeedError('FEED_NETWORK', `${where} could not be reached${cause ? ` (${cause})` : ''}; will retry`);
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
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
  const headers: Record<string, string> = { accept: 'text/calendar' };
  if (request.etag) headers['if-none-match'] = request.etag;
  if (request.lastModified) headers['if-modified-since'] = request.lastModified;

  let response: Response;
  let text = '';
  try {
    response = await fetch(request.url, { headers, signal });
    // Read the body under the same deadline; an error status's body is not needed.
    if (response.ok) text = await response.text();
    else await response.body?.cancel();
  } catch (err) {
    if (request.signal?.aborted) throw request.signal.reason;
    throw transportError(err, timeout, where, timeoutMs);
  }

  const { status } = response;
  if (status === 304 && (request.etag || request.lastModified)) return { notModified: true };
  if (status !== 200) throw statusError(status, where);

  const { events, skipped } = parseIcalFeed(text, { window: request.window, defaultTimeZone: request.defaultTimeZone });
  return {
    notModified: false,
    etag: response.headers.get('etag') ?? undefined,
    lastModified: response.headers.get('last-modified') ?? undefined,
    events,
    skipped,
    feedHash: digest(events),
  };
}
