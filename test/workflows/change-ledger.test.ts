import assert from 'node:assert/strict';
import { ChangeLedger, MAX_PENDING_CHANGES } from '../../src/workflows/change-ledger';
import type { EventChange } from '../../src/winearound/notification';

const upsert = (eventId: string, version: number): EventChange => ({
  customerId: 'c', eventId, operation: 'upsert', version,
  event: { title: `v${version}`, allDay: false, start: { kind: 'dateTime', dateTime: '2027-05-01T10:00:00', timeZone: 'Europe/Rome' }, end: { kind: 'dateTime', dateTime: '2027-05-01T11:00:00', timeZone: 'Europe/Rome' } },
} as EventChange);
const remove = (eventId: string, version: number): EventChange => ({ customerId: 'c', eventId, operation: 'delete', version });
const versions = (changes: EventChange[]) => changes.map((c) => `${c.eventId}@${c.version}`);
const T0 = Date.parse('2027-01-01T00:00:00Z');

describe('ChangeLedger: queued, in-flight and applied versions, tombstones', () => {
  it('keeps the newest version per event while queued', () => {
    const ledger = new ChangeLedger();
    assert.equal(ledger.offer(upsert('a', 3)), 'queued');
    assert.equal(ledger.offer(upsert('a', 2)), 'stale');
    assert.equal(ledger.offer(upsert('a', 3)), 'stale');
    assert.equal(ledger.offer(upsert('a', 4)), 'queued');
    assert.deepEqual(versions(ledger.take(10)), ['a@4']);
  });

  it('refuses an older change that arrives while a newer one is in flight (the late upsert after a delete)', () => {
    const ledger = new ChangeLedger();
    ledger.offer(remove('a', 3));
    ledger.take(10);
    assert.equal(ledger.offer(upsert('a', 2)), 'stale');
    ledger.settle(T0);
    assert.equal(ledger.pendingCount, 0);
    assert.deepEqual(ledger.recent(T0).deletes, { a: 3 });
    assert.equal(ledger.offer(upsert('a', 2)), 'stale', 'still stale once applied');
  });

  it('never lowers an applied version or drops a newer tombstone', () => {
    const ledger = new ChangeLedger({ pending: [], appliedVersions: [['a', 5]], tombstones: [['a', 5, T0]] });
    assert.equal(ledger.offer(upsert('a', 4)), 'stale');
    assert.deepEqual(ledger.snapshot().appliedVersions, [['a', 5]]);
    assert.deepEqual(ledger.recent(T0).deletes, { a: 5 });
  });

  it('queues a newer change behind the one in flight, and gives a failed batch back without undoing it', () => {
    const ledger = new ChangeLedger();
    ledger.offer(upsert('a', 1));
    ledger.offer(upsert('b', 1));
    ledger.take(10);
    ledger.offer(upsert('a', 2));
    ledger.giveBack();
    assert.deepEqual(versions(ledger.take(10)).sort(), ['a@2', 'b@1']);
  });

  it('remembers signalled upserts until the feed lists them, and a delete replaces them', () => {
    const ledger = new ChangeLedger();
    ledger.offer(upsert('a', 1));
    ledger.offer(upsert('b', 1));
    ledger.take(10);
    ledger.settle(T0);
    assert.deepEqual(ledger.recent(T0).upserts, { a: 1, b: 1 });
    ledger.caughtUp(['a']);
    ledger.offer(remove('b', 2));
    ledger.take(10);
    ledger.settle(T0);
    assert.deepEqual(ledger.recent(T0), { deletes: { b: 2 }, upserts: {} });
  });

  it('forgets tombstones after a day and upsert records after an hour', () => {
    const ledger = new ChangeLedger();
    ledger.offer(remove('a', 1));
    ledger.offer(upsert('b', 1));
    ledger.take(2);
    ledger.settle(T0);
    assert.deepEqual(ledger.recent(T0 + 59 * 60_000), { deletes: { a: 1 }, upserts: { b: 1 } });
    assert.deepEqual(ledger.recent(T0 + 61 * 60_000), { deletes: { a: 1 }, upserts: {} });
    assert.deepEqual(ledger.recent(T0 + 23 * 3_600_000).deletes, { a: 1 });
    assert.deepEqual(ledger.recent(T0 + 25 * 3_600_000).deletes, {});
  });

  it('drops the queue (never the batch in flight) when it would not fit one payload', () => {
    const ledger = new ChangeLedger();
    ledger.offer(upsert('in-flight', 1));
    ledger.take(1);
    for (let i = 0; i < MAX_PENDING_CHANGES; i++) assert.equal(ledger.offer(upsert(`e${i}`, 1)), 'queued');
    assert.equal(ledger.offer(upsert('one-too-many', 1)), 'overflow');
    assert.equal(ledger.pendingCount, 0);
    ledger.settle(T0);
    assert.equal(ledger.offer(upsert('in-flight', 1)), 'stale', 'the batch in flight was still recorded');
  });

  it('carries queue, batch in flight, versions and tombstones through a snapshot', () => {
    const ledger = new ChangeLedger();
    ledger.offer(remove('gone', 7));
    ledger.take(1);
    ledger.settle(T0);
    ledger.offer(upsert('flying', 1));
    ledger.take(1);
    ledger.offer(upsert('queued', 1));
    const copy = new ChangeLedger(JSON.parse(JSON.stringify(ledger.snapshot())));
    assert.deepEqual(versions(copy.take(10)).sort(), ['flying@1', 'queued@1']);
    assert.equal(copy.offer(upsert('gone', 6)), 'stale');
    assert.deepEqual(copy.recent(T0).deletes, { gone: 7 });
  });
});
