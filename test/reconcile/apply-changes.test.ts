import assert from 'node:assert/strict';
import { applyEventChanges } from '../../src/reconcile/apply-changes';
import { parseNotification, type EventChange } from '../../src/winearound/notification';
import type { IntegrationConfig } from '../../src/sync/integration-config';
import { configFor, expectedView, graphIdOf, graphWrites, ownedEvents, startSyncWorld, type SyncWorld } from './world';

const CUSTOMER = 'cantina-signals';
const T0 = Date.parse('2027-03-19T09:00:00Z');
const MINUTE = 60_000;

function upsert(eventId: string, version: number, title = 'Degustazione Classica', hour = 10): EventChange {
  const at = (h: number, minutes: string) => `2027-04-02T${String(h).padStart(2, '0')}:${minutes}:00`;
  return parseNotification({
    customerId: CUSTOMER, eventId, operation: 'upsert', version,
    event: {
      title,
      description: `Prenotazione ${eventId}`,
      location: 'Sala degustazione',
      start: { kind: 'dateTime', dateTime: at(hour, '00'), timeZone: 'Europe/Rome' },
      end: { kind: 'dateTime', dateTime: at(hour + 1, '30'), timeZone: 'Europe/Rome' },
    },
  });
}

const remove = (eventId: string, version: number): EventChange =>
  parseNotification({ customerId: CUSTOMER, eventId, operation: 'delete', version });

/** The mailbox view a signalled upsert must produce. */
const viewOf = (change: EventChange) => {
  assert.equal(change.operation, 'upsert');
  return expectedView({ id: change.eventId, version: change.version, ...change.event });
};

describe('applyEventChanges against the Microsoft emulator', () => {
  let world: SyncWorld;
  let mailbox: string;
  let config: IntegrationConfig;
  let attempt = 0;

  before(async () => {
    world = await startSyncWorld();
  });
  after(() => world.close());
  beforeEach(() => {
    mailbox = world.addMailbox(`signals-${++attempt}`);
    // No feed is read when applying single changes; the URL only has to be valid.
    config = configFor({ customerId: CUSTOMER, mailbox, feedUrl: 'http://127.0.0.1:9/feeds/unused.ics' });
  });

  const apply = (changes: EventChange[]) => applyEventChanges(config, changes, world.deps());
  const owned = () => ownedEvents(world.emu, mailbox, CUSTOMER);

  it('creates on a first upsert, updates on a newer one, deletes on delete', async () => {
    const created = await apply([upsert('bk-1', T0)]);
    assert.deepStrictEqual([created.kind, created.created, created.updated, created.deleted], ['changes', 1, 0, 0]);
    assert.deepStrictEqual(owned(), [viewOf(upsert('bk-1', T0))]);

    const newer = upsert('bk-1', T0 + MINUTE, 'Degustazione Classica – spostata', 15);
    const updated = await apply([newer]);
    assert.deepStrictEqual([updated.created, updated.updated, updated.deleted], [0, 1, 0]);
    assert.deepStrictEqual(owned(), [viewOf(newer)]);

    // The same upsert again (a redelivered signal) writes nothing.
    world.emu.resetCounters();
    const repeated = await apply([newer]);
    assert.deepStrictEqual([repeated.created, repeated.updated, repeated.unchanged], [0, 0, 1]);
    assert.equal(graphWrites(world.emu.requests), 0);

    const deleted = await apply([remove('bk-1', T0 + 2 * MINUTE)]);
    assert.deepStrictEqual([deleted.created, deleted.updated, deleted.deleted], [0, 0, 1]);
    assert.deepStrictEqual(owned(), []);
  });

  it('never lets an older upsert or delete overwrite a newer version', async () => {
    const current = upsert('bk-2', T0 + 10 * MINUTE, 'Tour Barolo', 15);
    await apply([current]);

    world.emu.resetCounters();
    const olderUpsert = await apply([upsert('bk-2', T0, 'Tour Barolo – vecchio orario', 9)]);
    assert.deepStrictEqual([olderUpsert.updated, olderUpsert.skipped], [0, { stale: 1 }]);
    const olderDelete = await apply([remove('bk-2', T0 + 5 * MINUTE)]);
    assert.deepStrictEqual([olderDelete.deleted, olderDelete.skipped], [0, { stale: 1 }]);
    assert.equal(graphWrites(world.emu.requests), 0);
    assert.deepStrictEqual(owned(), [viewOf(current)]);
  });

  it('re-creates an event a person deleted in Outlook when its booking is upserted', async () => {
    const booking = upsert('bk-3', T0);
    await apply([booking]);
    world.emu.personDeleteEvent(mailbox, graphIdOf(world.emu, mailbox, 'bk-3'));
    assert.deepStrictEqual(owned(), []);

    const again = await apply([booking]);
    assert.deepStrictEqual([again.created, again.updated], [1, 0]);
    assert.deepStrictEqual(owned(), [viewOf(booking)]);
  });

  it('applies 25 changes in two lookup batches and two write batches', async () => {
    const changes = Array.from({ length: 25 }, (_, i) => upsert(`bk-many-${String(i).padStart(2, '0')}`, T0 + i * MINUTE));
    world.emu.resetCounters();
    const summary = await apply(changes);
    assert.equal(summary.created, 25);
    assert.equal(summary.requests.graph, 4);
    assert.equal(world.emu.requests.batch, 4);
    assert.deepStrictEqual(owned(), changes.map(viewOf).sort((a, b) => a.sourceId.localeCompare(b.sourceId)));
  });
});
