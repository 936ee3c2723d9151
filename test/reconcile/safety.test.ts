import assert from 'node:assert/strict';
import { reconcileIntegration } from '../../src/reconcile/reconcile';
import { applyEventChanges } from '../../src/reconcile/apply-changes';
import { parseNotification } from '../../src/winearound/notification';
import { startFeedEmulator } from '../../src/winearound/feed-emulator';
import { sampleBookings } from '../../src/winearound/sample-bookings';
import { FileAndEnvSecretStore } from '../../src/secrets/store';
import { SyncError } from '../../src/outlook/errors';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveStaticFeed, type StaticFeed } from './static-feed';
import { configFor, ownedEvents, startSyncWorld, type SyncWorld } from './world';

const DAY = `${new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '')}`;
const vevent = (uid: string, summary: string, start = '100000', end = '110000', extra = '') =>
  `BEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:20260101T000000Z\r\nLAST-MODIFIED:20260101T000000Z\r\nSUMMARY:${summary}\r\n` +
  `DTSTART;TZID=Europe/Rome:${DAY}T${start}\r\nDTEND;TZID=Europe/Rome:${DAY}T${end}\r\n${extra}END:VEVENT\r\n`;
const calendar = (...events: string[]) => `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//WineAround//test//IT\r\n${events.join('')}END:VCALENDAR\r\n`;

describe('reconcile safety: unparseable bookings, secrets files, parser errors', function () {
  this.timeout(60_000);
  let world: SyncWorld;
  const feeds: StaticFeed[] = [];
  let dir: string;
  before(async () => {
    world = await startSyncWorld();
    dir = mkdtempSync(join(tmpdir(), 'wa-secrets-'));
  });
  after(async () => {
    for (const f of feeds) await f.close();
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const tourFields = { title: 'Tour in vigna', allDay: false, start: { kind: 'dateTime', dateTime: '2027-05-01T10:00:00', timeZone: 'Europe/Rome' }, end: { kind: 'dateTime', dateTime: '2027-05-01T11:00:00', timeZone: 'Europe/Rome' } };
  const feed = async (text: string, headers?: Record<string, string>) => {
    const f = await serveStaticFeed(text, headers);
    feeds.push(f);
    return f.url;
  };

  it('keeps an owned event whose booking the feed still lists but can no longer parse', async () => {
    const mailbox = world.addMailbox('safety-unparsed');
    const good = configFor({ customerId: 'oro-unparsed', mailbox, feedUrl: await feed(calendar(vevent('bk-a', 'Degustazione'), vevent('bk-b', 'Tour'))) });
    await reconcileIntegration(good, null, { mode: 'full' }, world.deps());
    assert.deepEqual(ownedEvents(world.emu, mailbox, 'oro-unparsed').map((e) => e.sourceId).sort(), ['bk-a', 'bk-b']);
    // bk-b now ends before it starts: the parser skips it; its Outlook event must stay.
    const broken = { ...good, feedUrl: await feed(calendar(vevent('bk-a', 'Degustazione'), vevent('bk-b', 'Tour', '110000', '100000'))) };
    const { summary, cursor } = await reconcileIntegration(broken, null, { mode: 'full' }, world.deps());
    assert.equal(summary.deleted, 0);
    assert.equal(summary.skipped['invalid-in-feed'], 1);
    assert.deepEqual(summary.skippedBookings, [{ uid: 'bk-b', code: 'ENDS_BEFORE_START' }]);
    assert.deepEqual(ownedEvents(world.emu, mailbox, 'oro-unparsed').map((e) => e.sourceId).sort(), ['bk-a', 'bk-b']);
    // The next, cheap reconcile of the unchanged feed still shows the unreadable booking.
    const cheap = await reconcileIntegration(broken, cursor, { mode: 'auto' }, world.deps());
    assert.equal(cheap.summary.kind, 'incremental');
    assert.deepEqual([cheap.summary.skipped, cheap.summary.skippedBookings], [{ 'invalid-in-feed': 1 }, [{ uid: 'bk-b', code: 'ENDS_BEFORE_START' }]]);
  });

  it('does not bring back a booking a newer signal deleted while the feed still lists it (a lagging feed)', async () => {
    const mailbox = world.addMailbox('safety-tombstone');
    const config = configFor({ customerId: 'oro-tomb', mailbox, feedUrl: await feed(calendar(vevent('bk-t', 'Degustazione'))) });
    await reconcileIntegration(config, null, { mode: 'full' }, world.deps());
    const deletedAt = Date.parse('2026-06-01T00:00:00Z');
    await applyEventChanges(config, [parseNotification({ customerId: 'oro-tomb', eventId: 'bk-t', operation: 'delete', version: deletedAt })], world.deps());
    const lagging = await reconcileIntegration(config, null, { mode: 'full', recentDeletes: { 'bk-t': deletedAt } }, world.deps());
    assert.equal(lagging.summary.created, 0);
    assert.equal(lagging.summary.skipped['deleted-by-newer-signal'], 1);
    assert.deepEqual(ownedEvents(world.emu, mailbox, 'oro-tomb'), []);
    // Without the tombstone the feed wins again: the protection is the tombstone, nothing else.
    const plain = await reconcileIntegration(config, null, { mode: 'full' }, world.deps());
    assert.equal(plain.summary.created, 1);
  });

  it('keeps an event a signal wrote after the feed was generated, until the feed catches up', async () => {
    const mailbox = world.addMailbox('safety-lag');
    const now = new Date();
    const wineAround = await startFeedEmulator({ bookings: sampleBookings(now, 3) });
    try {
      const config = configFor({ customerId: 'oro-lag', mailbox, feedUrl: wineAround.url('oro-lag') });
      await reconcileIntegration(config, null, { mode: 'full' }, world.deps());
      const [first] = wineAround.bookings();
      const { id: _id, version: _v, cancelled: _c, ...fields } = first;
      const later = Date.now() + 3_600_000; // signalled after the feed's Last-Modified
      await applyEventChanges(config, [parseNotification({ customerId: 'oro-lag', eventId: 'wa-signal-only', operation: 'upsert', version: later, event: fields })], world.deps());
      const lagging = await reconcileIntegration(config, null, { mode: 'full' }, world.deps());
      assert.equal(lagging.summary.deleted, 0);
      assert.equal(lagging.summary.skipped['newer-than-feed'], 1);
      assert.equal(lagging.cursor.dirty, true, 'looked at again next time');
      assert.ok(ownedEvents(world.emu, mailbox, 'oro-lag').some((e) => e.sourceId === 'wa-signal-only'));
    } finally {
      await wineAround.close();
    }
  });

  it('keeps a booking a signal created while a feed without Last-Modified does not list it yet, until it does', async () => {
    const mailbox = world.addMailbox('safety-create-lag');
    const config = configFor({ customerId: 'oro-create', mailbox, feedUrl: await feed(calendar(vevent('bk-a', 'Degustazione'))) });
    await reconcileIntegration(config, null, { mode: 'full' }, world.deps());
    const signalledAt = Date.parse('2026-06-01T00:00:00Z');
    await applyEventChanges(config, [parseNotification({ customerId: 'oro-create', eventId: 'bk-new', operation: 'upsert', version: signalledAt, event: tourFields })], world.deps());
    const lagging = await reconcileIntegration(config, null, { mode: 'full', recentUpserts: { 'bk-new': signalledAt } }, world.deps());
    assert.equal(lagging.summary.deleted, 0);
    assert.deepEqual(lagging.caughtUp, []);
    assert.deepEqual(ownedEvents(world.emu, mailbox, 'oro-create').map((e) => e.sourceId).sort(), ['bk-a', 'bk-new']);
    // The feed catches up: the protection ends, and the feed is the truth again.
    const caughtUp = { ...config, feedUrl: await feed(calendar(vevent('bk-a', 'Degustazione'), vevent('bk-new', 'Tour in vigna'))) };
    const listed = await reconcileIntegration(caughtUp, null, { mode: 'full', recentUpserts: { 'bk-new': 0 } }, world.deps());
    assert.deepEqual(listed.caughtUp, ['bk-new']);
    // Without the record the lagging feed wins: the protection is the record, nothing else.
    const plain = await reconcileIntegration(config, null, { mode: 'full' }, world.deps());
    assert.equal(plain.summary.deleted, 1);
  });

  it('reads an empty Last-Modified header as none: it dates nothing, so a signalled create stays protected', async () => {
    const mailbox = world.addMailbox('safety-empty-date');
    const config = configFor({ customerId: 'oro-empty-date', mailbox, feedUrl: await feed(calendar(vevent('bk-a', 'Degustazione')), { 'last-modified': '' }) });
    await reconcileIntegration(config, null, { mode: 'full' }, world.deps());
    const signalledAt = Date.parse('2026-06-01T00:00:00Z');
    await applyEventChanges(config, [parseNotification({ customerId: 'oro-empty-date', eventId: 'bk-new', operation: 'upsert', version: signalledAt, event: tourFields })], world.deps());
    const lagging = await reconcileIntegration(config, null, { mode: 'full', recentUpserts: { 'bk-new': signalledAt } }, world.deps());
    assert.equal(lagging.summary.deleted, 0, 'an empty date is not a feed made after the signal');
    assert.deepEqual(lagging.caughtUp, []);
  });

  it('removes a booking a signal created once a feed made after that signal no longer lists it (cancelled, its notice lost)', async () => {
    const mailbox = world.addMailbox('safety-cancelled');
    const wineAround = await startFeedEmulator({ bookings: sampleBookings(new Date(), 3) });
    try {
      const config = configFor({ customerId: 'oro-cancel', mailbox, feedUrl: wineAround.url('oro-cancel') });
      await reconcileIntegration(config, null, { mode: 'full' }, world.deps());
      const [first] = wineAround.bookings();
      const { id: _id, version: _v, cancelled: _c, ...fields } = first;
      // Created by a signal, then cancelled in WineAround; the cancellation's notice never came.
      const createdAt = Date.now() - 60_000;
      await applyEventChanges(config, [parseNotification({ customerId: 'oro-cancel', eventId: 'wa-cancelled', operation: 'upsert', version: createdAt, event: fields })], world.deps());
      wineAround.upsert({ ...first, id: 'wa-cancelled', version: createdAt });
      wineAround.upsert({ ...first, id: 'wa-cancelled', version: Date.now(), cancelled: true });
      const after = await reconcileIntegration(config, null, { mode: 'full', recentUpserts: { 'wa-cancelled': createdAt } }, world.deps());
      assert.equal(after.summary.deleted, 1, 'the feed, made after the signal, is the truth');
      assert.ok(!ownedEvents(world.emu, mailbox, 'oro-cancel').some((e) => e.sourceId === 'wa-cancelled'));
      assert.deepEqual(after.caughtUp, ['wa-cancelled'], 'the record has served its purpose');
    } finally {
      await wineAround.close();
    }
  });

  it('skips a booking with a garbled line by its UID and code alone, and syncs the rest', async () => {
    const mailbox = world.addMailbox('safety-garbled');
    const garbled = calendar(vevent('bk-c', 'Degustazione', '100000', '110000', 'X-WA-GUEST-PHONE+39 333 1234567\r\n'), vevent('bk-d', 'Tour'));
    const config = configFor({ customerId: 'oro-garbled', mailbox, feedUrl: await feed(garbled) });
    const { summary } = await reconcileIntegration(config, null, { mode: 'full' }, world.deps());
    assert.deepEqual(summary.skippedBookings, [{ uid: 'bk-c', code: 'BAD_LINE' }]);
    assert.ok(!JSON.stringify(summary).includes('1234567'));
    assert.deepEqual(ownedEvents(world.emu, mailbox, 'oro-garbled').map((e) => e.sourceId), ['bk-d']);
  });

  it('rejects a response that is not iCalendar at all as FEED_INVALID, quoting none of it', async () => {
    const config = configFor({ customerId: 'oro-html', mailbox: world.addMailbox('safety-html'), feedUrl: await feed('<html><body>Accedi: mario.rossi@example.com</body></html>') });
    await assert.rejects(reconcileIntegration(config, null, { mode: 'full' }, world.deps()), (err: SyncError) =>
      err.code === 'FEED_INVALID' && !err.transient && !err.message.includes('mario'));
  });

  it('reports an unreadable secrets file as a configuration error that quotes none of it', async () => {
    const file = join(dir, 'secrets.json');
    writeFileSync(file, '{"cantina-oro-graph": Xy8Q~super-secret-value}', { mode: 0o600 });
    const deps = { ...world.deps(), secrets: new FileAndEnvSecretStore(file, {}) };
    const config = configFor({ customerId: 'oro-secrets', mailbox: world.addMailbox('safety-secrets'), feedUrl: await feed(calendar()) });
    await assert.rejects(reconcileIntegration(config, null, { mode: 'full' }, deps), (err: SyncError) =>
      err.code === 'SECRET_STORE_UNREADABLE' && !err.transient && !err.message.includes('super-secret'));
  });
});
