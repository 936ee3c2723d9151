import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { reconcileIntegration } from '../../src/reconcile/reconcile';
import { serveStaticFeed, type StaticFeed } from './static-feed';
import { configFor, emulatorHttpRequests, graphWrites, ownedEvents, startSyncWorld, type EventView, type SyncWorld } from './world';

const fixture = readFileSync(join(__dirname, '../../../test/fixtures/winery-feed.ics'), 'utf8');
// The fixture's bookings run from 20 March to 20 September 2027; last year's event falls outside.
const now = new Date('2027-03-19T09:00:00Z');
const ROME = 'W. Europe Standard Time/W. Europe Standard Time';
const TOUR_BODY = 'Partenza dalla piazza del Municipio';

const timed = (sourceId: string, subject: string, start: string, end: string, rest: Partial<EventView> = {}): EventView => ({
  sourceId, subject, start: `${start}.000Z`, end: `${end}.000Z`, timeZones: ROME, allDay: false, location: '', body: '', ...rest,
});
const allDay = (sourceId: string, subject: string, start: string, end: string): EventView => ({
  sourceId, subject, start, end, timeZones: ROME, allDay: true, location: '', body: '',
});

/**
 * The mailbox after syncing test/fixtures/winery-feed.ics, written out by hand: UTC instants from
 * the Rome wall times (CET +1 before 28 March 2027, CEST +2 after), Windows zone names as Graph
 * takes them, guest details in the body (the customer opted in).
 */
const EXPECTED: EventView[] = [
  timed('accents@winearound.test', 'Degustazione per Nicolò, Zoë & Jürgen', '2027-04-02T15:00:00', '2027-04-02T16:30:00', {
    location: 'Cantina Ca’ d’Oro, Via dell’Unità 5',
    body: 'Menù: vitello tonnato; agnolotti del plin\nVini: Barolo, Barbaresco e Moscato d’Asti\n\n'
      + 'Guest: Zoë Müller, Jr.\nPhone: +49 170 1234567\nE-mail: zoe.mueller@example.com\nParty size: 6\nLanguage: de',
  }),
  timed('dst-after@winearound.test', 'Degustazione Classica', '2027-03-28T08:00:00', '2027-03-28T09:30:00', { location: 'Sala degustazione' }),
  timed('dst-before@winearound.test', 'Degustazione Classica', '2027-03-27T09:00:00', '2027-03-27T10:30:00', { location: 'Sala degustazione' }),
  allDay('fair@winearound.test', 'Vinitaly, Verona', '2027-04-11', '2027-04-14'),
  timed('floating@winearound.test', 'Aperitivo al tramonto', '2027-04-06T16:30:00', '2027-04-06T18:00:00'),
  allDay('harvest@winearound.test', 'Vendemmia – cantina chiusa', '2027-09-20', '2027-09-21'),
  timed('night-across-dst@winearound.test', 'Vendemmia notturna', '2027-03-27T22:30:00', '2027-03-28T02:30:00'),
  timed('no-dtend@winearound.test', 'Consegna ordine', '2027-04-05T10:00:00', '2027-04-05T10:00:00'),
  timed('series@winearound.test#20270320T140000Z', 'Tour Barolo', '2027-03-20T14:00:00', '2027-03-20T17:00:00', { body: TOUR_BODY }),
  timed('series@winearound.test#20270327T140000Z', 'Tour Barolo', '2027-03-27T14:00:00', '2027-03-27T17:00:00', { body: TOUR_BODY }),
  // The exception: moved one hour and retitled. 3 April is excluded (EXDATE).
  timed('series@winearound.test#20270410T130000Z', 'Tour Barolo (gruppo tedesco)', '2027-04-10T14:00:00', '2027-04-10T17:00:00', {
    body: `${TOUR_BODY}\n\nLanguage: de`,
  }),
  timed('series@winearound.test#20270417T130000Z', 'Tour Barolo', '2027-04-17T13:00:00', '2027-04-17T16:00:00', { body: TOUR_BODY }),
  timed('utc@winearound.test', 'Call con importatore', '2027-04-02T08:00:00', '2027-04-02T09:30:00', { timeZones: 'UTC/UTC' }),
  timed('windows-zone@winearound.test', 'Visita in cantina e vigneto', '2027-04-07T07:00:00', '2027-04-07T09:00:00'),
];

describe('reconcile of the winery fixture feed', () => {
  let world: SyncWorld;
  let feed: StaticFeed;
  let mailbox: string;

  before(async () => {
    world = await startSyncWorld();
    feed = await serveStaticFeed(fixture);
    mailbox = world.addMailbox('fixture');
  });
  after(async () => {
    await feed.close();
    await world.close();
  });

  it('makes the owned events equal the feed, then confirms it in two requests', async () => {
    const config = configFor({
      customerId: 'cantina-oro', mailbox, feedUrl: feed.url, windowPastDays: 7, windowFutureDays: 200,
      mapping: { includeGuestDetails: true },
    });
    const first = await reconcileIntegration(config, null, { mode: 'auto', now }, world.deps());
    assert.equal(first.summary.kind, 'full');
    assert.deepStrictEqual(
      [first.summary.created, first.summary.updated, first.summary.deleted, first.summary.sourceEvents],
      [EXPECTED.length, 0, 0, EXPECTED.length],
    );
    // The event without UID is skipped and reported; the cancelled one and last year's are absent.
    assert.deepStrictEqual(first.summary.skipped, { 'invalid-in-feed': 1 });
    assert.deepStrictEqual(ownedEvents(world.emu, mailbox, 'cantina-oro'), EXPECTED);

    world.emu.resetCounters();
    const feedBefore = feed.requests;
    const second = await reconcileIntegration(config, first.cursor, { mode: 'auto', now }, world.deps());
    assert.equal(second.summary.kind, 'incremental');
    assert.deepStrictEqual(second.summary.requests, { feed: 1, graph: 1, token: 0 });
    assert.equal(feed.requests - feedBefore, 1);
    assert.equal(emulatorHttpRequests(world.emu.requests), 1);
    assert.equal(world.emu.requests['GET delta'], 1);
    assert.equal(graphWrites(world.emu.requests), 0);
    assert.deepStrictEqual(ownedEvents(world.emu, mailbox, 'cantina-oro'), EXPECTED);
  });
});
