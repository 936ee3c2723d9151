/**
 * Feed failures, classified the way the workflow needs them: transient ones are retried; the
 * others are configuration problems the customer must fix (wrong URL, revoked token, a URL that
 * is not an iCal feed). Messages never contain the feed URL's query string (its secret token).
 */
export type FeedErrorCode =
  | 'FEED_UNAVAILABLE' // 5xx, 429: transient
  | 'FEED_TIMEOUT' // no answer in time: transient
  | 'FEED_NETWORK' // DNS, connection refused/reset: transient
  | 'FEED_NOT_FOUND' // 404, 410
  | 'FEED_ACCESS_DENIED' // 401, 403
  | 'FEED_HTTP_ERROR' // any other unexpected status
  | 'FEED_INVALID' // the body is not iCalendar at all (HTML, empty, no VCALENDAR)
  | 'FEED_TRUNCATED' // the calendar has no END:VCALENDAR: cut short, transient
  | 'FEED_TOO_LARGE' // the body exceeds the configured maximum
  | 'FEED_PARSE_BUDGET'; // parsing overran its wall-clock budget: the thread was stopped

const TRANSIENT: ReadonlySet<FeedErrorCode> = new Set(['FEED_UNAVAILABLE', 'FEED_TIMEOUT', 'FEED_NETWORK', 'FEED_TRUNCATED']);

export class FeedError extends Error {
  override name = 'FeedError';
  readonly transient: boolean;

  constructor(
    readonly code: FeedErrorCode,
    message: string,
    readonly status?: number,
    /** The server's Retry-After (429/503), for the activity's nextRetryDelay. */
    readonly retryAfterMs?: number,
  ) {
    super(`${code}: ${message}`);
    this.transient = TRANSIENT.has(code);
  }
}

/** The URL without query string and fragment: safe to show in messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}
