import assert from 'node:assert/strict';
import { ValidationError } from '../../src/sync/validation';
import { parseNotification, toSourceEvent, type EventUpsert } from '../../src/winearound/notification';

const valid = () => ({
  customerId: 'cantina-oro',
  eventId: 'wa-bk-00042',
  operation: 'upsert',
  version: 1_803_580_200_123,
  event: {
    title: 'Degustazione Classica',
    description: 'Prenotazione WA-BK-00042',
    location: 'Sala degustazione',
    start: { kind: 'dateTime', dateTime: '2027-03-28T10:00:00', timeZone: 'Europe/Rome' },
    end: { kind: 'dateTime', dateTime: '2027-03-28T11:30:00', timeZone: 'Europe/Rome' },
    categories: ['Degustazione'],
    guest: { name: 'Nicolò Bianchi', phone: '+39 333 1234567', partySize: 4, language: 'it' },
  },
});

/** Applies `edit` to a valid notification and returns the error message parseNotification throws. */
function rejection(edit: (n: any) => void): string {
  const n: any = valid();
  edit(n);
  try {
    parseNotification(n);
  } catch (err) {
    assert.ok(err instanceof ValidationError);
    return err.message;
  }
  assert.fail('expected parseNotification to throw');
}

describe('parseNotification', () => {
  it('accepts an upsert and turns it into a source event', () => {
    const change = parseNotification(valid());
    assert.equal(change.operation, 'upsert');
    assert.deepStrictEqual(toSourceEvent(change as EventUpsert), {
      id: 'wa-bk-00042',
      version: 1_803_580_200_123,
      ...valid().event,
      allDay: false,
    });
  });

  it('accepts a delete without event fields', () => {
    assert.deepStrictEqual(parseNotification({ customerId: 'c', eventId: 'e', operation: 'delete', version: 5 }), {
      customerId: 'c',
      eventId: 'e',
      operation: 'delete',
      version: 5,
    });
  });

  it('accepts an all-day upsert and canonicalises the zone spelling', () => {
    const allDay = parseNotification({
      ...valid(),
      event: { title: 'Vendemmia', start: { kind: 'date', date: '2027-09-20' }, end: { kind: 'date', date: '2027-09-21' } },
    }) as EventUpsert;
    assert.equal(allDay.event.allDay, true);
    const zone = parseNotification({ ...valid(), event: { ...valid().event, start: { ...valid().event.start, timeZone: 'europe/rome' } } }) as EventUpsert;
    assert.deepStrictEqual(zone.event.start, { kind: 'dateTime', dateTime: '2027-03-28T10:00:00', timeZone: 'Europe/Rome' });
  });

  const cases: [string, (n: any) => void, RegExp][] = [
    ['customerId missing', (n) => delete n.customerId, /^eventChanged\.customerId: expected the WineAround customer id/],
    ['eventId empty', (n) => (n.eventId = ' '), /^eventChanged\.eventId: must not be empty/],
    ['operation unknown', (n) => (n.operation = 'update'), /^eventChanged\.operation: expected "upsert" or "delete"/],
    ['version not an integer', (n) => (n.version = 1.5), /^eventChanged\.version: expected a positive integer: the booking's updatedAt/],
    ['version not positive', (n) => (n.version = 0), /^eventChanged\.version: expected a positive integer/],
    ['event missing on upsert', (n) => delete n.event, /^eventChanged\.event: required when operation is "upsert"/],
    ['title empty', (n) => (n.event.title = ''), /^eventChanged\.event\.title: must not be empty/],
    ['start of the wrong shape', (n) => (n.event.start = '2027-03-28T10:00:00'), /^eventChanged\.event\.start: expected \{kind:'dateTime', dateTime, timeZone\} or \{kind:'date', date\}/],
    ['unknown zone', (n) => (n.event.start.timeZone = 'Europe/Atlantis'), /^eventChanged\.event\.start\.timeZone: expected an IANA time zone name/],
    ['Windows zone name', (n) => (n.event.end.timeZone = 'W. Europe Standard Time'), /^eventChanged\.event\.end\.timeZone: expected an IANA time zone name/],
    ['wall time with offset', (n) => (n.event.start.dateTime = '2027-03-28T10:00:00+02:00'), /^eventChanged\.event\.start\.dateTime: expected a local wall time "YYYY-MM-DDTHH:mm:ss" without offset/],
    ['impossible date', (n) => (n.event.start = { kind: 'date', date: '2027-02-30' }), /^eventChanged\.event\.start\.date: expected a valid date "YYYY-MM-DD"/],
    ['end before start', (n) => (n.event.end.dateTime = '2027-03-28T09:00:00'), /^eventChanged\.event\.end: must be after start/],
    ['end kind differs from start', (n) => (n.event.end = { kind: 'date', date: '2027-03-29' }), /^eventChanged\.event\.end: must be the same kind as start/],
    ['allDay contradicting the times', (n) => (n.event.allDay = true), /^eventChanged\.event\.allDay: must be true exactly when/],
    ['party size not positive', (n) => (n.event.guest.partySize = 0), /^eventChanged\.event\.guest\.partySize: expected a positive integer/],
    ['category not a string', (n) => (n.event.categories = [3]), /^eventChanged\.event\.categories\[0\]: expected a string/],
  ];
  for (const [name, edit, expected] of cases) {
    it(`rejects ${name}, naming the field`, () => {
      assert.match(rejection(edit), expected);
    });
  }

  it('compares instants across zones for end-after-start', () => {
    // 09:30 London is 10:30 Rome: after a 10:00 Rome start although its wall time is earlier; 09:00 London is not.
    assert.doesNotThrow(() => parseNotification({ ...valid(), event: { ...valid().event, end: { kind: 'dateTime', dateTime: '2027-03-28T09:30:00', timeZone: 'Europe/London' } } }));
    assert.match(rejection((n) => (n.event.end = { kind: 'dateTime', dateTime: '2027-03-28T09:00:00', timeZone: 'Europe/London' })), /event\.end: must be after start/);
  });

  it('never echoes guest data in its errors', () => {
    const message = rejection((n) => {
      n.event.guest.phone = 393331234567;
      n.event.guest.email = { address: 'zoe@example.com' };
    });
    assert.match(message, /event\.guest\.phone/);
    assert.doesNotMatch(message, /393331234567|zoe@example\.com/);
  });
});
