import assert from 'node:assert/strict';
import { MARKER_PROPERTY_IDS, fingerprintOfHash, mapEvent, parseMappingOptions } from '../../src/sync/mapping';
import type { SourceEvent } from '../../src/sync/model';
import { plan, transactionIdFor, type OwnedEvent, type PlanInput } from '../../src/sync/planner';

const options = parseMappingOptions();
const customerId = 'cantina-oro';
const SECOND = 1000;

function booking(n: number, overrides: Partial<SourceEvent> = {}): SourceEvent {
  const day = String(1 + (n % 28)).padStart(2, '0');
  return {
    id: `bk-${String(n).padStart(3, '0')}`,
    version: 1_800_000_000_000 + n * SECOND,
    title: `Degustazione ${n}`,
    start: { kind: 'dateTime', dateTime: `2027-04-${day}T10:00:00`, timeZone: 'Europe/Rome' },
    end: { kind: 'dateTime', dateTime: `2027-04-${day}T11:30:00`, timeZone: 'Europe/Rome' },
    allDay: false,
    ...overrides,
  };
}

/** The owned event Graph would list after we wrote `event` (untouched since). */
function ownedFrom(event: SourceEvent, graphId = `g-${event.id}`): OwnedEvent {
  const hash = mapEvent(event, options, customerId).singleValueExtendedProperties.find((p) => p.id === MARKER_PROPERTY_IDS.contentHash)!.value;
  return { graphId, sourceId: event.id, hash, version: event.version, fingerprint: fingerprintOfHash(hash) };
}

const run = (input: Partial<PlanInput>) => plan({ customerId, desired: [], actual: [], options, ...input });

describe('plan', () => {
  it('creates missing events with a deterministic, short, safe transactionId', () => {
    const result = run({ desired: [booking(2), booking(1)] });
    assert.deepStrictEqual(result.creates.map((c) => c.sourceId), ['bk-001', 'bk-002']);
    assert.deepStrictEqual(result.creates[0].payload, mapEvent(booking(1), options, customerId));
    assert.equal(result.creates[0].transactionId, transactionIdFor(customerId, 'bk-001', booking(1).version));
    assert.match(result.creates[0].transactionId, /^[a-z0-9-]{1,40}$/);
    assert.notEqual(transactionIdFor(customerId, 'bk-001', 1), transactionIdFor(customerId, 'bk-001', 2));
    assert.notEqual(transactionIdFor(customerId, 'bk-001', 1), transactionIdFor('other', 'bk-001', 1));
  });

  it('leaves unchanged events alone', () => {
    const events = [booking(1), booking(2)];
    const result = run({ desired: events, actual: events.map((e) => ownedFrom(e)) });
    assert.deepStrictEqual(result, { creates: [], updates: [], deletes: [], unchanged: 2, skipped: [], kept: 0 });
  });

  it('updates an event whose source content changed', () => {
    const changed = booking(1, { title: 'Degustazione spostata', version: booking(1).version + 60 * SECOND });
    const result = run({ desired: [changed], actual: [ownedFrom(booking(1))] });
    assert.deepStrictEqual(result.updates, [
      { graphId: 'g-bk-001', sourceId: 'bk-001', payload: mapEvent(changed, options, customerId), reason: 'changed' },
    ]);
    assert.equal(result.unchanged, 0);
  });

  it('does not update when only the version moved', () => {
    const result = run({ desired: [booking(1, { version: booking(1).version + 60 * SECOND })], actual: [ownedFrom(booking(1))] });
    assert.deepStrictEqual([result.updates, result.unchanged], [[], 1]);
  });

  it('restores an event a person edited in Outlook, keeping the stored version marker', () => {
    const stored = ownedFrom(booking(1));
    const older = booking(1, { version: stored.version - 60 * SECOND });
    const result = run({ desired: [older], actual: [{ ...stored, fingerprint: 'edited-by-a-person' }] });
    assert.equal(result.updates.length, 1);
    assert.equal(result.updates[0].reason, 'tampered');
    assert.equal(result.updates[0].payload.singleValueExtendedProperties.find((p) => p.id === MARKER_PROPERTY_IDS.version)!.value, String(stored.version));
  });

  it('never overwrites a newer stored version with an older desired one', () => {
    const newer = booking(1, { title: 'Cambiata via notifica', version: booking(1).version + 120 * SECOND });
    const result = run({ desired: [booking(1)], actual: [ownedFrom(newer)] });
    assert.deepStrictEqual(result, { creates: [], updates: [], deletes: [], unchanged: 0, skipped: [{ sourceId: 'bk-001', reason: 'stale' }], kept: 0 });
  });

  it('treats versions within the same second as equal (iCal timestamps have whole seconds)', () => {
    const notified = booking(1, { title: 'Nuovo titolo', version: booking(1).version + 456 });
    const fromFeed = { ...booking(1), version: booking(1).version };
    const result = run({ desired: [fromFeed], actual: [ownedFrom(notified)] });
    assert.deepStrictEqual(result.updates.map((u) => u.reason), ['changed']);
  });

  it('keeps the owned events of an unreadable booking exactly as they are, occurrences of a series included', () => {
    const series = { ...ownedFrom(booking(2)), sourceId: 'bk-002#20270410T130000Z', graphId: 'g-series' };
    const tampered = { ...ownedFrom(booking(3)), fingerprint: 'edited-by-a-person' };
    const result = run({ desired: [booking(1)], actual: [ownedFrom(booking(1)), series, tampered], keep: ['bk-002', 'bk-003'] });
    assert.deepStrictEqual([result.deletes, result.updates, result.creates, result.unchanged, result.kept], [[], [], [], 1, 2]);
    // Without the keep list the same plan deletes both.
    assert.equal(run({ desired: [booking(1)], actual: [ownedFrom(booking(1)), series, tampered] }).deletes.length, 2);
  });

  it('deletes owned events no longer in the source', () => {
    const result = run({ desired: [booking(1)], actual: [ownedFrom(booking(1)), ownedFrom(booking(2))] });
    assert.deepStrictEqual(result.deletes, [{ graphId: 'g-bk-002', sourceId: 'bk-002', reason: 'removed' }]);
  });

  it('keeps one copy of a duplicated event (the intact one) and deletes the others', () => {
    const intact = ownedFrom(booking(1), 'g-b');
    const copies = [{ ...ownedFrom(booking(1), 'g-a'), fingerprint: 'edited' }, intact, ownedFrom(booking(1), 'g-c')];
    const result = run({ desired: [booking(1)], actual: copies });
    assert.deepStrictEqual(result.deletes, [
      { graphId: 'g-a', sourceId: 'bk-001', reason: 'duplicate' },
      { graphId: 'g-c', sourceId: 'bk-001', reason: 'duplicate' },
    ]);
    assert.deepStrictEqual([result.updates, result.unchanged], [[], 1]);
  });

  it('ignores items without a source id', () => {
    const foreign = { graphId: 'g-person', sourceId: '', hash: '', version: 0, fingerprint: 'x' } as OwnedEvent;
    const untyped = { graphId: 'g-odd' } as unknown as OwnedEvent;
    const result = run({ desired: [booking(1)], actual: [foreign, untyped, ownedFrom(booking(1))] });
    assert.deepStrictEqual([result.deletes, result.updates, result.unchanged], [[], [], 1]);
  });

  it('keeps the newest of repeated source ids and reports the repeats', () => {
    const newer = booking(1, { title: 'Più recente', version: booking(1).version + 5 * SECOND });
    const result = run({ desired: [booking(1), newer] });
    assert.deepStrictEqual(result.creates.map((c) => c.payload.subject), ['Più recente']);
    assert.deepStrictEqual(result.skipped, [{ sourceId: 'bk-001', reason: 'duplicate' }]);
  });

  it('is deterministic whatever the input order', () => {
    const desired = [booking(3), booking(1, { title: 'x' }), booking(5)];
    const actual = [ownedFrom(booking(4)), ownedFrom(booking(1)), ownedFrom(booking(3))];
    assert.deepStrictEqual(run({ desired, actual }), run({ desired: [...desired].reverse(), actual: [...actual].reverse() }));
  });

  describe('safety guard', () => {
    const owned = Array.from({ length: 10 }, (_, i) => ownedFrom(booking(i + 1)));

    it('withholds every removal when the source is empty', () => {
      const result = run({ desired: [], actual: owned });
      assert.deepStrictEqual(result.deletes, []);
      assert.deepStrictEqual(result.guard, {
        tripped: true,
        reason: 'empty-source',
        message: 'the source has no events but 10 owned events exist; deletions withheld (wa-outlook sync-now --force applies them)',
        wouldDelete: 10,
        total: 10,
      });
    });

    it('withholds removals above the share and count thresholds but keeps creates and updates', () => {
      const desired = [booking(1, { title: 'cambiata' }), booking(2), booking(3), booking(99)];
      const result = run({ desired, actual: owned });
      assert.equal(result.guard?.reason, 'mass-delete');
      assert.deepStrictEqual([result.guard?.wouldDelete, result.guard?.total], [7, 10]);
      assert.deepStrictEqual(result.deletes, []);
      assert.deepStrictEqual(result.creates.map((c) => c.sourceId), ['bk-099']);
      assert.deepStrictEqual(result.updates.map((u) => u.sourceId), ['bk-001']);
    });

    it('lets duplicate cleanup through even when it trips', () => {
      const result = run({ desired: [booking(1)], actual: [...owned, ownedFrom(booking(1), 'g-dup')] });
      assert.equal(result.guard?.reason, 'mass-delete');
      assert.deepStrictEqual(result.deletes, [{ graphId: 'g-dup', sourceId: 'bk-001', reason: 'duplicate' }]);
    });

    it('allows removals at or below the thresholds', () => {
      // 5 of 10 is not more than half; 5 of 6 is more than half but not more than 5 events.
      assert.equal(run({ desired: owned.slice(0, 5).map((_, i) => booking(i + 1)), actual: owned }).deletes.length, 5);
      assert.equal(run({ desired: [booking(1)], actual: owned.slice(0, 6) }).deletes.length, 5);
      const custom = run({ desired: owned.slice(0, 5).map((_, i) => booking(i + 1)), actual: owned, guard: { maxDeleteShare: 0.4, minDeletesForGuard: 2 } });
      assert.equal(custom.guard?.reason, 'mass-delete');
    });

    it('applies the deletions when an operator forces it', () => {
      const result = run({ desired: [], actual: owned, guard: { force: true } });
      assert.equal(result.guard, undefined);
      assert.equal(result.deletes.length, 10);
    });
  });
});
