import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { classifyError } from '../../src/outlook/errors';
import { FeedError } from '../../src/winearound/errors';
import { fetchFeed, type FeedRequest } from '../../src/winearound/feed';
import { parseFeedInPool } from '../../src/winearound/parse-pool';

const fixture = readFileSync(join(__dirname, '../../../test/fixtures/winery-feed.ics'), 'utf8');
const window = { start: new Date('2027-03-01T00:00:00Z'), end: new Date('2027-10-01T00:00:00Z') };

/** An HTTP server answering each request with the next handler (the last one repeats). */
async function serve(...handlers: ((req: IncomingMessage, res: ServerResponse) => void)[]): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server: Server = createServer((req, res) => handlers[Math.min(n++, handlers.length - 1)](req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed.ics?token=s3cret`,
    requests: () => n,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function feedError(request: FeedRequest): Promise<FeedError> {
  const err = await fetchFeed(request).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof FeedError, `expected a FeedError, got ${String(err)}`);
  return err;
}

const ical = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/calendar' }).end(fixture);

describe('fetchFeed against a hostile or flaky feed host', () => {
  it('stops reading a body past the size cap: FEED_TOO_LARGE, not retried, with advice', async () => {
    // Streamed (no Content-Length) and declared: both are cut off.
    const streamed = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/calendar' });
      res.write(fixture);
      res.end(fixture);
    });
    const declared = await serve((_req, res) => res.writeHead(200, { 'content-length': String(Buffer.byteLength(fixture)) }).end(fixture));
    try {
      for (const host of [streamed, declared]) {
        const err = await feedError({ url: host.url, window, defaultTimeZone: 'Europe/Rome', maxBytes: 1024 });
        assert.equal(err.code, 'FEED_TOO_LARGE');
        assert.equal(err.transient, false);
        assert.ok(!err.message.includes('s3cret'));
        assert.match(classifyError(err).advice ?? '', /WA_FEED_MAX_BYTES/);
      }
    } finally {
      await streamed.close();
      await declared.close();
    }
  });

  it('honours the Retry-After of a 429 or 503 through the retry delay', async () => {
    for (const status of [429, 503]) {
      const host = await serve((_req, res) => res.writeHead(status, { 'retry-after': '7' }).end());
      try {
        const err = await feedError({ url: host.url, window, defaultTimeZone: 'Europe/Rome' });
        assert.deepEqual([err.code, err.transient, err.retryAfterMs], ['FEED_UNAVAILABLE', true, 7000]);
        assert.equal(classifyError(err).retryAfterMs, 7000);
      } finally {
        await host.close();
      }
    }
  });

  it('sends the request once more when the kept-alive connection turns out closed', async () => {
    // The first request's socket is closed without an answer, as a server does with an idle keep-alive socket.
    const host = await serve((req) => req.socket.destroy(), (_req, res) => ical(res));
    try {
      const result = await fetchFeed({ url: host.url, window, defaultTimeZone: 'Europe/Rome' });
      assert.ok(!result.notModified && result.events.length > 0);
      assert.equal(host.requests(), 2);
    } finally {
      await host.close();
    }
  });

  it('sends it only once more: a host that keeps closing is FEED_NETWORK, transient', async () => {
    const host = await serve((req) => req.socket.destroy());
    try {
      const err = await feedError({ url: host.url, window, defaultTimeZone: 'Europe/Rome' });
      assert.deepEqual([err.code, err.transient, host.requests()], ['FEED_NETWORK', true, 2]);
    } finally {
      await host.close();
    }
  });
});

describe('parseFeedInPool', () => {
  const body = (text: string) => new TextEncoder().encode(text);
  // 30 February never comes: with its own budget lifted, only the pool's wall-clock budget stops this parse.
  const endless = fixture.replace('RRULE:FREQ=WEEKLY;COUNT=5', 'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30');
  const unbounded = { steps: Number.MAX_SAFE_INTEGER, ms: Number.MAX_SAFE_INTEGER, occurrences: Number.MAX_SAFE_INTEGER };

  it('parses in a worker thread exactly as in-process, with the feed hash', async () => {
    const parsed = await parseFeedInPool(body(fixture), { window, defaultTimeZone: 'Europe/Rome' });
    const { parseIcalFeed } = await import('../../src/winearound/ical-parse');
    const { digest } = await import('../../src/sync/digest');
    const direct = parseIcalFeed(fixture, { window, defaultTimeZone: 'Europe/Rome' });
    assert.deepStrictEqual(parsed, { ...direct, feedHash: digest(direct.events) });
  });

  it('terminates a parse that overruns its wall-clock budget (FEED_PARSE_BUDGET, non-retryable), heartbeating meanwhile; the pool still parses', async () => {
    let heartbeats = 0;
    const err = await parseFeedInPool(body(endless), { window, defaultTimeZone: 'Europe/Rome' }, {
      budgetMs: 1500, limits: unbounded, heartbeat: () => heartbeats++, heartbeatEveryMs: 100,
    }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof FeedError && err.code === 'FEED_PARSE_BUDGET' && !err.transient, String(err));
    assert.ok(heartbeats > 0, 'heartbeats while waiting');
    assert.match(classifyError(err).advice ?? '', /WineAround/);
    const again = await parseFeedInPool(body(fixture), { window, defaultTimeZone: 'Europe/Rome' });
    assert.ok(again.events.length > 0);
  });

  it('reports a body that is not iCalendar as FEED_INVALID across the thread boundary', async () => {
    const err = await parseFeedInPool(body('<html>Accesso</html>'), { window, defaultTimeZone: 'Europe/Rome' }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof FeedError && err.code === 'FEED_INVALID', String(err));
  });

  it("stops the parse on the caller's cancellation and rethrows its reason", async () => {
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    const pending = parseFeedInPool(body(endless), { window, defaultTimeZone: 'Europe/Rome' }, { limits: unbounded, signal: controller.signal });
    setTimeout(() => controller.abort(reason), 200);
    await assert.rejects(pending, (err) => err === reason);
  });
});
