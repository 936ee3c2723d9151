import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { DELTA_EXPIRY_SHAPES, type GraphEvent } from '../../src/emulator';
import { SyncError } from '../../src/outlook/errors';
import { reconcileIntegration } from '../../src/reconcile/reconcile';
import type { ReconcileResult } from '../../src/reconcile/summary';
import type { SourceEvent } from '../../src/sync/model';
import { startFeedEmulator, type FeedEmulator } from '../../src/winearound/feed-emulator';
import type { FeedBooking } from '../../src/winearound/ical-write';
import { sampleBookings } from '../../src/winearound/sample-bookings';
import type { IntegrationConfig } from '../../src/sync/integration-config';
import {
  byView, configFor, emulatorHttpRequests, expectedView, graphIdOf, graphWrites, ownedEvents, reconcileWithRetries,
  startSyncWorld, type SyncWorld,
} from './world';

const now = new Date('2027-03-19T09:00:00Z');
const MINUTE = 60_000;

/** A timed booking's start and end moved later by some hours, in its own zone. */
function laterBy(booking: SourceEvent, hours: number): Pick<SourceEvent, 'start' | 'end'> {
  const shift = (t: SourceEvent['start']): SourceEvent['start'] => {
    assert.equal(t.kind, 'dateTime');
    const moved = DateTime.fromISO(t.dateTime, { zone: t.timeZone }).plus({ hours });
    return { ...t, dateTime: moved.toFormat("yyyy-MM-dd'T'HH:mm:ss") };
  };
  return { start: shift(booking.start), end: shift(booking.end) };
}

/** A person's own appointment in the synced calendar: no marker, so never ours to touch. */
const PERSONAL_EVENT = {
  subject: 'Riunione con l’enologo',
  start: { dateTime: '2027-03-22T08:00:00', timeZone: 'W. Europe Standard Time' },
  end: { dateTime: '2027-03-22T09:00:00', timeZone: 'W. Europe Standard Time' },
};

describe('reconcile against the Microsoft and WineAround emulators', () => {
  let world: SyncWorld;
  let feed: FeedEmulator;
  let mailbox: string;
  let config: IntegrationConfig;

  before(async () => {
    world = await startSyncWorld();
  });
  after(() => world.close());
  afterEach(async () => {
    world.emu.clearFaults();
    await feed.close();
  });

  /** A fresh mailbox and feed per test, so request counts and delta state are the test's own. */
  async function setUp(name: string, bookings: FeedBooking[]): Promise<void> {
    feed = await startFeedEmulator({ bookings });
    mailbox = world.addMailbox(name);
    config = configFor({ customerId: name, mailbox, feedUrl: feed.url(name) });
  }

  /** One activity attempt: a new idempotency scope, as the workflow gives each reconcile. */
  const reconcile = (cursor: ReconcileResult['cursor'] | null) =>
    reconcileIntegration(config, cursor, { mode: 'auto', now }, world.deps());

  const live = (): SourceEvent[] => feed.bookings().filter((b) => !b.cancelled);
  const expected = () => live().map((b) => expectedView(b)).sort(byView);
  const owned = () => ownedEvents(world.emu, mailbox, config.customerId);
  const personal = () => world.emu.events(mailbox).find((e) => e.subject === PERSONAL_EVENT.subject);

  /** Asserts the no-change path: no write, one feed 304 and one delta read, nothing else. */
  async function assertQuietReconcile(cursor: ReconcileResult['cursor']): Promise<ReconcileResult> {
    world.emu.resetCounters();
    const feedBefore = feed.requests;
    const result = await reconcile(cursor);
    assert.equal(result.summary.kind, 'incremental');
    assert.deepStrictEqual([result.summary.created, result.summary.updated, result.summary.deleted], [0, 0, 0]);
    assert.deepStrictEqual(result.summary.requests, { feed: 1, graph: 1, token: 0 });
    assert.equal(feed.requests - feedBefore, 1);
    assert.equal(emulatorHttpRequests(world.emu.requests), 1);
    assert.equal(world.emu.requests['GET delta'], 1);
    assert.equal(graphWrites(world.emu.requests), 0);
    return result;
  }

  for (const size of [20, 300]) {
    it(`confirms an unchanged calendar of ${size} events in 2 requests and no write`, async () => {
      await setUp(`quiet-${size}`, sampleBookings(now, size));
      const first = await reconcile(null);
      assert.deepStrictEqual([first.summary.kind, first.summary.created, first.summary.sourceEvents], ['full', size, size]);
      assert.deepStrictEqual(owned(), expected());

      const second = await assertQuietReconcile(first.cursor);
      await assertQuietReconcile(second.cursor);
      assert.deepStrictEqual(owned(), expected());
    });
  }

  it('turns changed, added and removed bookings into exactly one update, create and delete each, sparing a person’s event', async () => {
    const bookings = sampleBookings(now, 20);
    await setUp('changes', bookings);
    world.emu.personCreateEvent(mailbox, PERSONAL_EVENT);
    const first = await reconcile(null);
    assert.deepStrictEqual([first.summary.created, first.summary.deleted], [20, 0]);
    const personalBefore = personal()!;

    const moved = bookings[2];
    feed.upsert({ ...moved, version: moved.version + 5 * MINUTE, title: 'Degustazione Classica – spostata', ...laterBy(moved, 2) });
    feed.upsert({ ...bookings[0], id: 'wa-bk-new', version: now.getTime(), title: 'Tour Barolo – nuovo gruppo' });
    assert.ok(feed.remove(bookings[5].id));
    const changed = await reconcile(first.cursor);
    assert.deepStrictEqual(
      [changed.summary.kind, changed.summary.created, changed.summary.updated, changed.summary.deleted, changed.summary.unchanged],
      ['full', 1, 1, 1, 18],
    );
    assert.deepStrictEqual(owned(), expected());
    assert.equal(owned().find((e) => e.sourceId === moved.id)?.subject, 'Degustazione Classica – spostata');

    // A cancelled booking is a removed one.
    assert.ok(feed.cancel(bookings[7].id));
    const cancelled = await reconcile(changed.cursor);
    assert.deepStrictEqual([cancelled.summary.created, cancelled.summary.updated, cancelled.summary.deleted], [0, 0, 1]);
    assert.deepStrictEqual(owned(), expected());
    assert.equal(owned().length, 19);

    // Our own writes in the delta do not count as a person's edits: the next pass is the quiet one.
    await assertQuietReconcile(cancelled.cursor);
    assert.deepStrictEqual(personal(), personalBefore);
  });

  it('restores an owned event a person edited or deleted in Outlook, noticed through the delta', async () => {
    const bookings = sampleBookings(now, 20);
    await setUp('tampered', bookings);
    world.emu.personCreateEvent(mailbox, PERSONAL_EVENT);
    const first = await reconcile(null);
    const quiet = await assertQuietReconcile(first.cursor);
    const personalBefore = personal()!;

    world.emu.personUpdateEvent(mailbox, graphIdOf(world.emu, mailbox, bookings[3].id), {
      subject: 'Spostata da Marco',
      start: { dateTime: '2027-03-25T07:00:00', timeZone: 'UTC' },
      end: { dateTime: '2027-03-25T08:00:00', timeZone: 'UTC' },
    });
    world.emu.personDeleteEvent(mailbox, graphIdOf(world.emu, mailbox, bookings[4].id));
    assert.notDeepStrictEqual(owned(), expected());

    world.emu.resetCounters();
    const feedBefore = feed.requests;
    const repaired = await reconcile(quiet.cursor);
    // The feed answered 304 but the delta showed the edits: the auto pass turned into a full one.
    assert.equal(world.emu.requests['GET delta'] >= 1, true);
    assert.equal(feed.requests - feedBefore, 2);
    assert.deepStrictEqual(
      [repaired.summary.kind, repaired.summary.created, repaired.summary.updated, repaired.summary.deleted],
      ['full', 1, 1, 0],
    );
    assert.deepStrictEqual(owned(), expected());
    assert.deepStrictEqual(personal(), personalBefore);

    // A person's own new appointment shows in the delta too: one full pass that writes nothing.
    world.emu.personCreateEvent(mailbox, { ...PERSONAL_EVENT, subject: 'Dentista' });
    const another = await reconcile(repaired.cursor);
    assert.equal(another.summary.kind, 'full');
    assert.equal(another.summary.created + another.summary.updated + another.summary.deleted, 0);
    assert.ok(world.emu.events(mailbox).some((e: GraphEvent) => e.subject === 'Dentista'));
    await assertQuietReconcile(another.cursor);
  });

  it('moves back an owned event a person dragged out of the sync window, without a second copy', async () => {
    const bookings = sampleBookings(now, 20);
    await setUp('dragged-out', bookings);
    const first = await reconcile(null);
    world.emu.personUpdateEvent(mailbox, graphIdOf(world.emu, mailbox, bookings[6].id), {
      start: { dateTime: '2027-01-15T09:00:00', timeZone: 'UTC' },
      end: { dateTime: '2027-01-15T10:00:00', timeZone: 'UTC' },
    });
    const repaired = await reconcile(first.cursor);
    assert.deepStrictEqual([repaired.summary.created, repaired.summary.updated], [0, 1]);
    assert.deepStrictEqual(owned(), expected());
  });

  DELTA_EXPIRY_SHAPES.forEach((shape, i) => {
    it(`falls back to a full pass without writes when the delta token has expired (${shape})`, async () => {
      await setUp(`expired-delta-${i}`, sampleBookings(now, 20));
      const first = await reconcile(null);
      world.emu.expireDeltaTokens(mailbox, shape);
      world.emu.resetCounters();
      const fallback = await reconcile(first.cursor);
      assert.deepStrictEqual([fallback.summary.kind, fallback.summary.unchanged], ['full', 20]);
      assert.equal(graphWrites(world.emu.requests), 0);
      assert.notEqual(fallback.cursor.deltaLink, first.cursor.deltaLink);
      await assertQuietReconcile(fallback.cursor);
      assert.deepStrictEqual(owned(), expected());
    });
  });

  it('re-sends a create batch whose response was lost, and the transactionId keeps it from duplicating', async () => {
    await setUp('lost-response', sampleBookings(now, 45));
    // Inside $batch the fault acts on the whole connection: the first batch is performed, its answer lost.
    world.emu.injectFault({ match: { method: 'POST', path: /\/events$/ }, kind: 'lost-response', times: 1 });
    const result = await reconcile(null);
    assert.equal(result.summary.created, 45);
    assert.deepStrictEqual([world.emu.requests.batch, world.emu.requests['POST events']], [4, 65]);
    assert.deepStrictEqual(owned(), expected());
  });

  it('ends exact and without duplicates when create responses are lost and every other request is throttled', async () => {
    await setUp('faults', sampleBookings(now, 45));
    world.emu.personCreateEvent(mailbox, PERSONAL_EVENT);
    // The 20th and 40th creates lose their batch's answer: the first batch, then the client's own re-send
    // of it, so the attempt fails and is retried whole.
    world.emu.injectFault({ match: { method: 'POST', path: /\/events$/ }, kind: 'lost-response', every: 20, times: 2 });
    // Every other mailbox operation, top-level or inside $batch, as Outlook throttles per mailbox. Not the
    // $batch envelope: with it counted, a lone re-sent item would always land on the throttled turn.
    // Not the token endpoint: MSAL turns a 429 there into a 60 s client-side block, not a retry.
    world.emu.injectFault({ match: { path: /^\/v1\.0\/users\// }, kind: '429', every: 2, times: Infinity, retryAfterSeconds: 0 });

    const result = await reconcileWithRetries(config, null, { mode: 'auto', now }, world.deps());
    assert.ok(result.attempts >= 2, 'the lost responses failed the first attempt');
    assert.deepStrictEqual(owned(), expected());
    assert.ok(personal());

    // Still throttled, the next pass finds nothing to write.
    const again = await reconcileWithRetries(config, result.cursor, { mode: 'full', now }, world.deps());
    assert.deepStrictEqual([again.summary.created, again.summary.updated, again.summary.deleted, again.summary.unchanged], [0, 0, 0, 45]);
    assert.deepStrictEqual(owned(), expected());
  });

  it('hands a long Retry-After back to the caller instead of waiting inside the call', async () => {
    await setUp('long-wait', sampleBookings(now, 5));
    world.emu.injectFault({ match: { method: 'GET', path: /\/events\?/ }, kind: '429', retryAfterSeconds: 120 });
    await assert.rejects(reconcile(null), (err: SyncError) =>
      err instanceof SyncError && err.transient && err.retryAfterMs === 120_000);
    // Temporal retries after the wait; the fault has passed by then.
    const retried = await reconcile(null);
    assert.equal(retried.summary.created, 5);
  });

  it('deletes nothing when the feed turns up empty, and reports the guard', async () => {
    await setUp('guard', sampleBookings(now, 20));
    const first = await reconcile(null);
    const before = owned();
    assert.equal(before.length, 20);

    feed.setFault('empty');
    const guarded = await reconcile(first.cursor);
    assert.equal(guarded.summary.deleted, 0);
    assert.match(guarded.summary.guard ?? '', /no events but 20 owned events/);
    assert.equal(guarded.summary.skipped['guard-withheld-delete'], 20);
    assert.deepStrictEqual(owned(), before);

    // The guard keeps the next pass full, and the restored feed settles it without a write.
    feed.setFault(null);
    world.emu.resetCounters();
    const restored = await reconcile(guarded.cursor);
    assert.deepStrictEqual([restored.summary.kind, restored.summary.guard, restored.summary.unchanged], ['full', undefined, 20]);
    assert.equal(graphWrites(world.emu.requests), 0);
    assert.deepStrictEqual(owned(), before);
  });
});
