import assert from 'node:assert/strict';
import { startFeedEmulator, type FeedEmulator } from '../../src/winearound/feed-emulator';
import { sampleBookings } from '../../src/winearound/sample-bookings';

const now = new Date('2027-03-20T09:00:00Z');

describe('feed emulator over HTTP', () => {
  let emulator: FeedEmulator;
  let url: string;
  beforeEach(async () => {
    emulator = await startFeedEmulator({ bookings: sampleBookings(now, 5) });
    url = emulator.url('cantina-oro');
  });
  afterEach(() => emulator.close());

  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${emulator.baseUrl}/admin${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });

  it('serves text/calendar with a strong ETag and answers 304 to a matching If-None-Match', async () => {
    const first = await fetch(url);
    assert.equal(first.status, 200);
    assert.match(first.headers.get('content-type') ?? '', /^text\/calendar/);
    const etag = first.headers.get('etag')!;
    assert.match(etag, /^"[^"]+"$/);
    assert.match(await first.text(), /^BEGIN:VCALENDAR\r\n[\s\S]*UID:wa-bk-00005\r\n[\s\S]*END:VCALENDAR\r\n$/);

    const again = await fetch(url, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get('etag'), etag);
    const other = await fetch(url, { headers: { 'if-none-match': '"something-else"' } });
    assert.equal(other.status, 200);
    await other.text();
    assert.equal(emulator.requests, 3);
  });

  it('changes the ETag on upsert, cancel and remove, and restores it when the content returns', async () => {
    const etagNow = async () => (await fetch(url)).headers.get('etag');
    const original = await etagNow();
    const booking = emulator.bookings()[0];
    emulator.upsert({ ...booking, title: 'Tour Barolo privato' });
    const changed = await etagNow();
    assert.notEqual(changed, original);
    emulator.upsert(booking);
    assert.equal(await etagNow(), original);
    assert.equal(emulator.cancel(booking.id), true);
    assert.match(await (await fetch(url)).text(), /STATUS:CANCELLED/);
    assert.equal(emulator.remove(booking.id), true);
    assert.equal(emulator.remove(booking.id), false);
    assert.equal(emulator.bookings().length, 4);
  });

  it('answers the fault modes', async () => {
    emulator.setFault('500');
    assert.equal((await fetch(url)).status, 500);
    emulator.setFault('garbage');
    assert.doesNotMatch(await (await fetch(url)).text(), /BEGIN:VCALENDAR/);
    emulator.setFault('empty');
    const empty = await (await fetch(url)).text();
    assert.match(empty, /BEGIN:VCALENDAR/);
    assert.doesNotMatch(empty, /BEGIN:VEVENT/);
    emulator.setFault(null);
    assert.match(await (await fetch(url)).text(), /BEGIN:VEVENT/);
  });

  it('adds, cancels and deletes bookings through the admin API, validating input', async () => {
    const added = await admin('POST', '/bookings', {
      id: 'wa-new-1',
      version: 1_805_000_000_000,
      title: 'Pranzo in vigna',
      start: { kind: 'dateTime', dateTime: '2027-04-02T12:30:00', timeZone: 'Europe/Rome' },
      end: { kind: 'dateTime', dateTime: '2027-04-02T15:00:00', timeZone: 'Europe/Rome' },
      guest: { name: 'Siobhán O’Connor', partySize: 3 },
    });
    assert.equal(added.status, 200);
    assert.equal(((await added.json()) as { allDay: boolean }).allDay, false);
    assert.match(await (await fetch(url)).text(), /UID:wa-new-1\r\n/);

    const cancelled = await admin('POST', '/bookings/wa-new-1/cancel');
    assert.equal(((await cancelled.json()) as { cancelled: boolean }).cancelled, true);
    assert.equal((await admin('DELETE', '/bookings/wa-new-1')).status, 204);
    assert.equal((await admin('DELETE', '/bookings/wa-new-1')).status, 404);
    assert.equal(((await (await admin('GET', '/bookings')).json()) as unknown[]).length, 5);

    const invalid = await admin('POST', '/bookings', { id: 'x', title: 'Senza orario', start: { kind: 'date', date: '2027-02-30' } });
    assert.equal(invalid.status, 400);
    const { error } = (await invalid.json()) as { error: string };
    assert.match(error, /^booking\.start\.date: expected a valid date "YYYY-MM-DD"$/m);
    assert.match(error, /^booking\.end: expected \{kind:'dateTime', dateTime, timeZone\} or \{kind:'date', date\}$/m);
    assert.equal((await admin('POST', '/bookings', 'not json')).status, 400);
  });

  it('serves a customer with its own bookings apart from the shared ones', async () => {
    const own = emulator.ownFeed('cantina-blu', sampleBookings(now, 2).map((b) => ({ ...b, id: `blu-${b.id}` })));
    const ownBody = await (await fetch(own.url)).text();
    assert.match(ownBody, /UID:blu-wa-bk-00002\r\n/);
    assert.doesNotMatch(ownBody, /UID:wa-bk-00005\r\n/);
    const sharedEtag = (await fetch(url)).headers.get('etag');
    own.upsert({ ...own.bookings()[0], title: 'Degustazione privata' });
    assert.match(await (await fetch(own.url)).text(), /SUMMARY:Degustazione privata/);
    assert.equal((await fetch(url)).headers.get('etag'), sharedEtag, 'the shared feed is untouched');
    assert.equal(own.cancel('blu-wa-bk-00001'), true);
    assert.equal(emulator.cancel('blu-wa-bk-00001'), false, 'not a shared booking');
    assert.equal(emulator.bookings().length, 5);
  });

  it('refuses unknown customers and wrong tokens', async () => {
    assert.equal((await fetch(`${emulator.baseUrl}/feeds/other.ics?token=x`)).status, 404);
    assert.equal((await fetch(url.replace(/token=\w+/, 'token=nope'))).status, 401);
  });
});

describe('sampleBookings', () => {
  it('is deterministic for its inputs', () => {
    assert.deepStrictEqual(sampleBookings(now, 50), sampleBookings(now, 50));
    assert.notDeepStrictEqual(sampleBookings(now, 50), sampleBookings(new Date('2027-03-21T09:00:00Z'), 50));
  });

  it('produces realistic winery bookings in Europe/Rome with accented names and several languages', () => {
    const bookings = sampleBookings(now, 100);
    assert.equal(bookings.length, 100);
    assert.equal(new Set(bookings.map((b) => b.id)).size, 100);
    assert.ok(bookings.some((b) => b.title === 'Degustazione Classica'));
    assert.ok(bookings.some((b) => b.allDay && b.start.kind === 'date'));
    assert.ok(bookings.filter((b) => !b.allDay).every((b) => b.start.kind === 'dateTime' && b.start.timeZone === 'Europe/Rome'));
    assert.ok(bookings.some((b) => /[àèéìòùäöüßëçñåø’]/i.test(b.guest?.name ?? '')));
    assert.ok(new Set(bookings.map((b) => b.guest?.language).filter(Boolean)).size >= 4);
    assert.ok(bookings.every((b) => b.guest === undefined || (b.guest.partySize! >= 2 && /@example\.com$/.test(b.guest.email!))));
    // Bookings start the day after `now` (Rome time).
    assert.equal(bookings[0].start.kind === 'dateTime' && bookings[0].start.dateTime, '2027-03-21T10:00:00');
  });
});
