import assert from 'node:assert/strict';
import { reconcileIntegration } from '../../src/reconcile/reconcile';
import { applyEventChanges } from '../../src/reconcile/apply-changes';
import { parseNotification } from '../../src/winearound/notification';
import { startFeedEmulator } from '../../src/winearound/feed-emulator';
import { sampleBookings } from '../../src/winearound/sample-bookings';
import { FileAndEnvSecretStore } from '../../src/secrets/store';
import { SyncError } from '../../src/outlook/errors';
import { writeFileSync, mkdtempSync } from 'node:fs';
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
  before(async () => {
    world = await startSyncWorld();
  });
  after(async () => {
    for (const f of feeds) await f.close();
    await world.close();
  });
  const feed = async (text: string) => {
    const f = await serveStaticFeed(text);
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
    const { summary } = await reconcileIntegration(broken, null, { mode: 'full' }, world.deps());
    assert.equal(summary.deleted, 0);
    assert.equal(summary.skipped['invalid-in-feed'], 1);
    assert.deepEqual(ownedEvents(world.emu, mailbox, 'oro-unparsed').map((e) => e.sourceId).sort(), ['bk-a', 'bk-b']);
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

  it('reports a feed the parser rejects without quoting its content', async () => {
    const mailbox = world.addMailbox('safety-garbled');
    const garbled = calendar(vevent('bk-c', 'Degustazione', '100000', '110000', 'X-WA-GUEST-PHONE+39 333 1234567\r\n'));
    const config = configFor({ customerId: 'oro-garbled', mailbox, feedUrl: await feed(garbled) });
    await assert.rejects(reconcileIntegration(config, null, { mode: 'full' }, world.deps()), (err: SyncError) =>
      err.code === 'FEED_INVALID' && !err.message.includes('1234567'));
  });

  it('reports an unreadable secrets file as a configuration error that quotes none of it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'wa-secrets-')), 'secrets.json');
    writeFileSync(file, '{"cantina-oro-graph": Xy8Q~super-secret-value}');
    const deps = { ...world.deps(), secrets: new FileAndEnvSecretStore(file, {}) };
    const config = configFor({ customerId: 'oro-secrets', mailbox: world.addMailbox('safety-secrets'), feedUrl: await feed(calendar()) });
    await assert.rejects(reconcileIntegration(config, null, { mode: 'full' }, deps), (err: SyncError) =>
      err.code === 'SECRET_STORE_UNREADABLE' && !err.transient && !err.message.includes('super-secret'));
  });
});
