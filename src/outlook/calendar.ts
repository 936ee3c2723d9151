import type { Client } from '@microsoft/microsoft-graph-client';
import type { GraphEventRead } from '../sync/graph-event';
import { MARKER_PROPERTY_IDS, markerExpand, ownedEventsFilter, readMarker } from '../sync/marker';
import { classifyGraphStatus, transientError } from './errors';
import { parseRetryAfterMs } from './retry-after';

/**
 * The default calendar of one mailbox, as the sync needs it: list the owned events, find one by
 * its WineAround id, read the delta, and run many writes as JSON batches. Times are read in UTC.
 */

/** Graph's JSON batch limit. */
export const BATCH_SIZE = 20;
/** Rounds of re-sending throttled batch items before the activity hands the wait to Temporal. */
const MAX_BATCH_ROUNDS = 6;
const MAX_IN_CALL_WAIT_MS = 10_000;
const LIST_PAGE_SIZE = 100;
const DELTA_PAGE_SIZE = 200;
const READ_FIELDS = 'subject,start,end,isAllDay,location,categories,showAs';
const UTC = 'outlook.timezone="UTC"';

export type OwnedEventRead = GraphEventRead & { id: string; changeKey?: string };

export interface BatchRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to the version, e.g. /users/{id}/events. */
  url: string;
  body?: unknown;
}

export interface BatchResult {
  status: number;
  body?: { error?: { code?: string; message?: string }; value?: unknown[]; id?: string; changeKey?: string } & Record<string, unknown>;
}

export interface DeltaItem {
  id: string;
  changeKey?: string;
  removed: boolean;
}

export class DeltaExpiredError extends Error {
  override name = 'DeltaExpiredError';
}

interface Page<T> {
  value: T[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

const odataString = (value: string) => `'${value.replace(/'/g, "''")}'`;

export interface MailboxCalendarOptions {
  client: Client;
  mailbox: string;
  customerId: string;
  /** Waits between rounds of throttled batch items; an activity passes its cancellable sleep. */
  pause?: (ms: number) => Promise<void>;
}

export class MailboxCalendar {
  private readonly client: Client;
  private readonly customerId: string;
  private readonly pause: (ms: number) => Promise<void>;
  readonly base: string;

  constructor(options: MailboxCalendarOptions) {
    this.client = options.client;
    this.customerId = options.customerId;
    this.pause = options.pause ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.base = `/users/${encodeURIComponent(options.mailbox)}`;
  }

  eventUrl(graphId: string): string {
    return `${this.base}/events/${encodeURIComponent(graphId)}`;
  }

  /** Every event this integration owns, with its marker, in pages of 100. */
  async listOwned(): Promise<OwnedEventRead[]> {
    const first = this.client
      .api(`${this.base}/events`)
      .header('Prefer', UTC)
      .filter(ownedEventsFilter(this.customerId))
      .expand(markerExpand())
      .select(`${READ_FIELDS},changeKey`)
      .top(LIST_PAGE_SIZE);
    // Graph matches the marker case-insensitively: keep exactly this integration's events.
    return (await this.collect<OwnedEventRead>(await first.get())).filter((e) => this.isOurs(e));
  }

  /**
   * The owned events carrying these WineAround ids (several when a duplicate slipped in), in one
   * batch per 20 ids. An id Graph refused to look up is absent from the map.
   */
  async findBySource(sourceIds: string[]): Promise<Map<string, OwnedEventRead[]>> {
    const requests = sourceIds.map((sourceId): BatchRequest => {
      const filter = `singleValueExtendedProperties/Any(ep: ep/id eq ${odataString(MARKER_PROPERTY_IDS.eventId)} and ep/value eq ${odataString(sourceId)})`;
      const query = new URLSearchParams({ $filter: filter, $expand: markerExpand(), $select: `${READ_FIELDS},changeKey`, $top: '50' });
      return { method: 'GET', url: `${this.base}/events?${query.toString().replace(/\+/g, '%20')}` };
    });
    const results = await this.execute(requests);
    const found = new Map<string, OwnedEventRead[]>();
    results.forEach((result, i) => {
      // A lookup Graph refuses as invalid (e.g. an odd id) leaves that id out; the caller skips it.
      if (result.status === 400) return;
      if (result.status !== 200) throw classifyGraphStatus(result.status, result.body?.error?.code, result.body?.error?.message ?? '');
      // Graph matches the value case-insensitively: keep exactly this booking's events.
      const owned = ((result.body?.value ?? []) as OwnedEventRead[]).filter((e) => this.isOurs(e) && readMarker(e)?.sourceId === sourceIds[i]);
      found.set(sourceIds[i], owned);
    });
    return found;
  }

  /**
   * Changes since `deltaLink`, or, without one, every event in the window (the baseline). Returns
   * the next delta link. An expired link throws DeltaExpiredError: start over with a full pass.
   */
  async readDelta(from: { deltaLink: string } | { start: string; end: string }): Promise<{ items: DeltaItem[]; deltaLink: string }> {
    const prefer = `${UTC}, odata.maxpagesize=${DELTA_PAGE_SIZE}`;
    const fetchPage = async (url: string | undefined): Promise<Page<Record<string, unknown>>> => {
      const request = url
        ? this.client.api(url)
        : this.client.api(`${this.base}/calendarView/delta`).query({ startDateTime: (from as { start: string }).start, endDateTime: (from as { end: string }).end });
      try {
        return await request.header('Prefer', prefer).get();
      } catch (err) {
        const e = err as { statusCode?: number; code?: string };
        // A link Graph no longer honours (expired, reshaped), on any page: start a new baseline.
        const linkRefused = url !== undefined && (e.statusCode === 400 || e.statusCode === 404);
        if (linkRefused || e.statusCode === 410 || /^(syncStateNotFound|resyncRequired|SyncStateNotFound)$/.test(e.code ?? '')) {
          throw new DeltaExpiredError(`The delta token expired (${e.statusCode} ${e.code ?? ''})`);
        }
        throw err;
      }
    };
    const items: DeltaItem[] = [];
    let page = await fetchPage('deltaLink' in from ? from.deltaLink : undefined);
    for (;;) {
      for (const raw of page.value) {
        items.push({ id: String(raw.id), changeKey: raw.changeKey as string | undefined, removed: raw['@removed'] !== undefined });
      }
      const next = page['@odata.nextLink'];
      if (!next) break;
      page = await fetchPage(next);
    }
    const deltaLink = page['@odata.deltaLink'];
    if (!deltaLink) throw transientError('Graph ended a delta read without a delta link.');
    return { items, deltaLink };
  }

  /**
   * Runs requests as JSON batches of 20, one batch at a time (Outlook runs up to 4 items of a
   * batch in parallel, which is the mailbox's concurrency limit). Throttled or unavailable items
   * are sent again after their Retry-After; results come back in the order of `requests`.
   * `onBatchDone` hears the indices of each block of 20 once all of them are answered.
   */
  async execute(requests: BatchRequest[], onBatchDone?: (indices: number[]) => void): Promise<BatchResult[]> {
    const results: BatchResult[] = new Array(requests.length);
    for (let offset = 0; offset < requests.length; offset += BATCH_SIZE) {
      let todo = requests.slice(offset, offset + BATCH_SIZE).map((request, i) => ({ index: offset + i, request }));
      for (let round = 1; todo.length; round++) {
        const envelope = {
          requests: todo.map(({ index, request }) => ({
            id: String(index),
            method: request.method,
            url: request.url,
            headers: { Prefer: UTC, ...(request.body !== undefined && { 'Content-Type': 'application/json' }) },
            ...(request.body !== undefined && { body: request.body }),
          })),
        };
        const answer = (await this.client.api('/$batch').post(envelope)) as {
          responses: { id: string; status: number; headers?: Record<string, string>; body?: BatchResult['body'] }[];
        };
        const retry: typeof todo = [];
        let waitMs = 0;
        for (const response of answer.responses) {
          const index = Number(response.id);
          if (response.status === 429 || response.status === 503 || response.status === 504) {
            retry.push({ index, request: requests[index] });
            const header = Object.entries(response.headers ?? {}).find(([k]) => k.toLowerCase() === 'retry-after')?.[1];
            // Seconds (fractional inside batches) or an HTTP date; without one, back off.
            waitMs = Math.max(waitMs, parseRetryAfterMs(header) ?? 2 ** round * 500);
          } else {
            results[index] = { status: response.status, body: response.body };
          }
        }
        if (retry.length && (round >= MAX_BATCH_ROUNDS || waitMs > MAX_IN_CALL_WAIT_MS)) {
          throw transientError(`Graph kept throttling ${retry.length} batch items (HTTP 429/503).`, waitMs);
        }
        if (retry.length) await this.pause(waitMs);
        todo = retry;
      }
      onBatchDone?.(requests.slice(offset, offset + BATCH_SIZE).map((_, i) => offset + i));
    }
    return results;
  }

  private isOurs(event: OwnedEventRead): boolean {
    const integration = event.singleValueExtendedProperties?.find((p) => p.id.toLowerCase() === MARKER_PROPERTY_IDS.integration.toLowerCase());
    return integration?.value === this.customerId;
  }

  private async collect<T>(first: Page<T>): Promise<T[]> {
    const items = [...first.value];
    let next = first['@odata.nextLink'];
    while (next) {
      const page = (await this.client.api(next).header('Prefer', UTC).get()) as Page<T>;
      items.push(...page.value);
      next = page['@odata.nextLink'];
    }
    return items;
  }
}
