/**
 * A WineAround feed emulator for tests and the demo: one mutable set of bookings served as a real
 * iCal feed at `/feeds/{customerId}.ics?token=…` (strong ETag, Last-Modified, 304 on conditional
 * requests), with fault modes and a small JSON admin API to add, change, cancel and remove bookings.
 * Listens on 127.0.0.1 only; plain HTTP.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ValidationError } from '../sync/validation';
import { writeIcalFeed, type FeedBooking } from './ical-write';
import { parseEventFields } from './notification';

/** '500': server error; 'garbage': 200 with a non-iCal body; 'empty': 200 with a valid calendar without events. */
export type FeedFault = '500' | 'garbage' | 'empty';

export interface FeedEmulatorOptions {
  port?: number;
  bookings?: FeedBooking[];
  calendarName?: string;
}

/** One set of bookings served as a feed. */
export interface FeedBookings {
  upsert(booking: FeedBooking): void;
  /** Keeps the booking in the feed as STATUS:CANCELLED; false if unknown. */
  cancel(id: string): boolean;
  /** Drops the booking from the feed; false if unknown. */
  remove(id: string): boolean;
  bookings(): FeedBooking[];
}

/** A customer's own feed (see FeedEmulator.ownFeed). */
export interface CustomerFeed extends FeedBookings {
  readonly url: string;
}

/** The shared bookings (every customer's feed unless it has its own), and the server. */
export interface FeedEmulator extends FeedBookings {
  readonly baseUrl: string;
  /** The feed URL for a customer (registers the customer and its secret token). */
  url(customerId: string): string;
  /** Gives a customer bookings of its own instead of the shared ones (a fleet, each winery its own calendar). */
  ownFeed(customerId: string, bookings: FeedBooking[]): CustomerFeed;
  setFault(fault: FeedFault | null): void;
  /**
   * Rewrites the body served to one customer (a hostile or broken feed for tests); null restores
   * it. ETag and Last-Modified follow the served body.
   */
  setBodyFilter(customerId: string, filter: ((body: string) => string) | null): void;
  /** Feed requests served (admin calls not counted). */
  readonly requests: number;
  close(): Promise<void>;
}

interface Rendered {
  body: string;
  etag: string;
  lastModified: string;
}

function withBody(body: string, lastModified: string): Rendered {
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`, lastModified };
}

function render(bookings: FeedBooking[], calendarName: string, changedAt: Date): Rendered {
  return withBody(writeIcalFeed(bookings, calendarName), changedAt.toUTCString());
}

/** RFC 9110 §13.1: If-None-Match wins over If-Modified-Since; GET uses the weak comparison. */
function notModified(req: IncomingMessage, current: Rendered): boolean {
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*') return true;
    const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
    return ifNoneMatch.split(',').some((tag) => opaque(tag) === opaque(current.etag));
  }
  const since = Date.parse(req.headers['if-modified-since'] ?? '');
  return !Number.isNaN(since) && Date.parse(current.lastModified) <= since;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ValidationError('booking: the request body is not JSON');
  }
}

/** Admin POST body: { id, version?, cancelled?, ...event fields as in a notification's `event` }. */
function parseBooking(input: unknown, now: number): FeedBooking {
  const { id, version, cancelled, ...fields } = (input ?? {}) as Record<string, unknown>;
  if (typeof id !== 'string' || id.trim() === '') throw new ValidationError('booking.id: expected a non-empty string');
  if (version !== undefined && !(Number.isSafeInteger(version) && (version as number) > 0)) {
    throw new ValidationError('booking.version: expected a positive integer (ms since the epoch) or omit it');
  }
  if (cancelled !== undefined && typeof cancelled !== 'boolean') throw new ValidationError('booking.cancelled: expected true or false');
  return { id, version: (version as number | undefined) ?? now, ...parseEventFields(fields, 'booking'), ...(cancelled && { cancelled }) };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

export async function startFeedEmulator(options: FeedEmulatorOptions = {}): Promise<FeedEmulator> {
  const calendarName = options.calendarName ?? 'WineAround – Prenotazioni';
  const shared = new BookingSet(options.bookings ?? [], calendarName);
  const own = new Map<string, BookingSet>();
  const tokens = new Map<string, string>();
  let fault: FeedFault | null = null;
  const filters = new Map<string, (body: string) => string>();
  let requests = 0;

  const serveFeed = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    requests += 1;
    const customerId = decodeURIComponent(url.pathname.slice('/feeds/'.length, -'.ics'.length));
    const token = tokens.get(customerId);
    if (token === undefined) return void res.writeHead(404).end('Not found');
    if (url.searchParams.get('token') !== token) return void res.writeHead(401).end('Invalid token');
    if (fault === '500') return void res.writeHead(500).end('Internal Server Error');
    if (fault === 'garbage') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Manutenzione in corso</body></html>');
    const set = own.get(customerId) ?? shared;
    const unfiltered = fault === 'empty' ? set.empty : set.current;
    const filter = filters.get(customerId);
    const feed = filter ? withBody(filter(unfiltered.body), unfiltered.lastModified) : unfiltered;
    const headers = { etag: feed.etag, 'last-modified': feed.lastModified, 'cache-control': 'private, no-cache' };
    if (notModified(req, feed)) return void res.writeHead(304, headers).end();
    res.writeHead(200, { ...headers, 'content-type': 'text/calendar; charset=utf-8' }).end(feed.body);
  };

  const serveAdmin = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const [, , resource, id, action] = url.pathname.split('/').map(decodeURIComponent);
    if (resource !== 'bookings') return send(res, 404, { error: 'unknown admin path' });
    if (req.method === 'GET' && id === undefined) return send(res, 200, shared.bookings());
    if (req.method === 'POST' && id === undefined) {
      const booking = parseBooking(await readJson(req), Date.now());
      handle.upsert(booking);
      return send(res, 200, booking);
    }
    if (req.method === 'POST' && id !== undefined && action === 'cancel') {
      return handle.cancel(id) ? send(res, 200, shared.get(id)) : send(res, 404, { error: `no booking ${id}` });
    }
    if (req.method === 'DELETE' && id !== undefined && action === undefined) {
      return handle.remove(id) ? send(res, 204, null) : send(res, 404, { error: `no booking ${id}` });
    }
    return send(res, 405, { error: 'use GET /admin/bookings, POST /admin/bookings, POST /admin/bookings/{id}/cancel, DELETE /admin/bookings/{id}' });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && /^\/feeds\/[^/]+\.ics$/.test(url.pathname)) return serveFeed(req, res, url);
    if (url.pathname.startsWith('/admin/')) {
      serveAdmin(req, res, url).catch((err: unknown) =>
        err instanceof ValidationError ? send(res, 400, { error: err.message }) : send(res, 500, { error: 'internal error' }),
      );
      return;
    }
    res.writeHead(404).end('Not found');
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port ?? 0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const url = (customerId: string) => {
    if (!tokens.has(customerId)) tokens.set(customerId, randomBytes(16).toString('hex'));
    return `${baseUrl}/feeds/${encodeURIComponent(customerId)}.ics?token=${tokens.get(customerId)}`;
  };
  const handle: FeedEmulator = {
    baseUrl,
    url,
    ownFeed(customerId, bookings) {
      const set = new BookingSet(bookings, calendarName);
      own.set(customerId, set);
      return Object.assign(bookingsApi(set), { url: url(customerId) });
    },
    ...bookingsApi(shared),
    setFault(next) {
      fault = next;
    },
    setBodyFilter(customerId, filter) {
      if (filter) filters.set(customerId, filter);
      else filters.delete(customerId);
    },
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
  return handle;
}

/**
 * One set of bookings and its rendered feed. Last-Modified has whole seconds only; a feed is never
 * older than the newest change it reflects (bookings may carry versions ahead of this clock, e.g. in tests).
 */
class BookingSet {
  private readonly store: Map<string, FeedBooking>;
  private newestVersion = 0;
  current: Rendered;
  /** The 'empty' fault's feed: no events, dated as the bookings it replaces were at the start. */
  readonly empty: Rendered;

  constructor(bookings: FeedBooking[], private readonly calendarName: string) {
    this.store = new Map(bookings.map((b) => [b.id, b]));
    this.current = this.render();
    this.empty = render([], calendarName, this.stamp());
  }

  private stamp(): Date {
    for (const b of this.store.values()) this.newestVersion = Math.max(this.newestVersion, b.version);
    return new Date(Math.ceil(Math.max(Date.now(), this.newestVersion) / 1000) * 1000);
  }

  private render(): Rendered {
    return render([...this.store.values()], this.calendarName, this.stamp());
  }

  get(id: string): FeedBooking | undefined {
    return this.store.get(id);
  }

  bookings(): FeedBooking[] {
    return [...this.store.values()];
  }

  set(booking: FeedBooking): void {
    this.store.set(booking.id, booking);
    this.current = this.render();
  }

  delete(id: string): boolean {
    const existed = this.store.delete(id);
    if (existed) this.current = this.render();
    return existed;
  }
}

function bookingsApi(set: BookingSet): FeedBookings {
  return {
    upsert: (booking) => set.set(booking),
    cancel(id) {
      const booking = set.get(id);
      if (!booking) return false;
      set.set({ ...booking, cancelled: true, version: Math.max(Date.now(), booking.version + 1) });
      return true;
    },
    remove: (id) => set.delete(id),
    bookings: () => set.bookings(),
  };
}
