import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FeedError } from '../../src/winearound/errors';
import { fetchFeed, type FeedRequest } from '../../src/winearound/feed';
import { startFeedEmulator, type FeedEmulator } from '../../src/winearound/feed-emulator';
import { sampleBookings } from '../../src/winearound/sample-bookings';

const now = new Date('2027-03-20T09:00:00Z');
const window = { start: new Date('2027-03-01T00:00:00Z'), end: new Date('2027-06-01T00:00:00Z') };

async function feedError(request: FeedRequest): Promise<FeedError> {
  try {
    await fetchFeed(request);
  } catch (err) {
    assert.ok(err instanceof FeedError, String(err));
    return err;
  }
  assert.fail('expected fetchFeed to fail');
}

describe('fetchFeed against the feed emulator', () => {
  let emulator: FeedEmulator;
  let url: string;
  const request = (extra: Partial<FeedRequest> = {}): FeedRequest => ({ url, window, defaultTimeZone: 'Europe/Rome', ...extra });

  beforeEach(async () => {
    emulator = await startFeedEmulator({ bookings: sampleBookings(now, 30) });
    url = emulator.url('cantina-oro');
  });
  afterEach(() => emulator.close());

  it('returns the bookings, then 304 for a conditional request, then the change after an upsert', async () => {
    const first = await fetchFeed(request());
    assert.ok(!first.notModified);
    // The emulator's iCal writer and the parser round-trip every field (sample versions are whole seconds).
    assert.deepStrictEqual(first.events, emulator.bookings());
    assert.match(first.etag ?? '', /^"[A-Za-z0-9_-]+"$/);
    assert.ok(first.lastModified);

    assert.deepStrictEqual(await fetchFeed(request({ etag: first.etag, lastModified: first.lastModified })), { notModified: true });
    assert.deepStrictEqual(await fetchFeed(request({ lastModified: first.lastModified })), { notModified: true });

    emulator.upsert({ ...emulator.bookings()[0], title: 'Degustazione spostata' });
    const third = await fetchFeed(request({ etag: first.etag, lastModified: first.lastModified }));
    assert.ok(!third.notModified);
    assert.notEqual(third.etag, first.etag);
    assert.notEqual(third.feedHash, first.feedHash);
    assert.equal(third.events[0].title, 'Degustazione spostata');
    assert.equal(emulator.requests, 4);
  });

  it('gives the same feedHash for the same bookings and drops a cancelled booking', async () => {
    const first = await fetchFeed(request());
    const again = await fetchFeed(request());
    assert.ok(!first.notModified && !again.notModified);
    assert.equal(again.feedHash, first.feedHash);
    emulator.cancel(emulator.bookings()[0].id);
    const after = await fetchFeed(request());
    assert.ok(!after.notModified);
    assert.deepStrictEqual(after.events.map((e) => e.id), first.events.slice(1).map((e) => e.id));
  });

  it('classifies fault modes', async () => {
    emulator.setFault('500');
    const unavailable = await feedError(request());
    assert.deepStrictEqual([unavailable.code, unavailable.transient, unavailable.status], ['FEED_UNAVAILABLE', true, 500]);
    emulator.setFault('garbage');
    const garbage = await feedError(request());
    assert.deepStrictEqual([garbage.code, garbage.transient], ['FEED_INVALID', false]);
    emulator.setFault('empty');
    const empty = await fetchFeed(request());
    assert.ok(!empty.notModified);
    assert.deepStrictEqual(empty.events, []);
  });

  it('reports a wrong token and an unknown feed as configuration errors without the token', async () => {
    const denied = await feedError(request({ url: url.replace(/token=\w+/, 'token=bad0token') }));
    assert.deepStrictEqual([denied.code, denied.transient, denied.status], ['FEED_ACCESS_DENIED', false, 401]);
    assert.doesNotMatch(denied.message, /bad0token|\?/);
    assert.match(denied.message, /copy the current iCal link/);
    const missing = await feedError(request({ url: `${emulator.baseUrl}/feeds/nobody.ics?token=secret123` }));
    assert.deepStrictEqual([missing.code, missing.transient], ['FEED_NOT_FOUND', false]);
    assert.doesNotMatch(missing.message, /secret123/);
    assert.match(missing.message, /\/feeds\/nobody\.ics/);
  });
});

describe('fetchFeed transport failures', () => {
  let silent: Server;
  let silentUrl: string;
  before(async () => {
    // Accepts connections and never answers.
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/feeds/x.ics?token=t0ps3cret`;
  });
  after(async () => {
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('times out as a transient FEED_TIMEOUT', async () => {
    const err = await feedError({ url: silentUrl, window, defaultTimeZone: 'Europe/Rome', timeoutMs: 100 });
    assert.deepStrictEqual([err.code, err.transient], ['FEED_TIMEOUT', true]);
    assert.doesNotMatch(err.message, /t0ps3cret/);
  });

  it("rethrows the caller's abort reason as is", async () => {
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    const pending = fetchFeed({ url: silentUrl, window, defaultTimeZone: 'Europe/Rome', signal: controller.signal });
    controller.abort(reason);
    await assert.rejects(pending, (err) => err === reason);
  });

  it('reports a refused connection as a transient FEED_NETWORK', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await feedError({ url: `http://127.0.0.1:${port}/feeds/x.ics`, window, defaultTimeZone: 'Europe/Rome' });
    assert.deepStrictEqual([err.code, err.transient], ['FEED_NETWORK', true]);
    assert.match(err.message, /ECONNREFUSED/);
  });
});
