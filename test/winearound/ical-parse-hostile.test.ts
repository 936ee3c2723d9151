import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIcalFeed, type ParsedFeed } from '../../src/winearound/ical-parse';
import type { SkipCode } from '../../src/winearound/skip-codes';

/**
 * One broken booking harms only itself: each corruption below skips exactly the booking it touches,
 * with its code, and every other booking parses exactly as in the intact feed.
 */
const fixture = readFileSync(join(__dirname, '../../../test/fixtures/winery-feed.ics'), 'utf8');
const window = { start: new Date('2027-03-01T00:00:00Z'), end: new Date('2027-10-01T00:00:00Z') };
const parse = (text: string, limits = {}) => parseIcalFeed(text, { window, defaultTimeZone: 'Europe/Rome', limits });
const intact = parse(fixture);
const SERIES = 'series@winearound.test';

function assertOnlyTouched(result: ParsedFeed, uid: string): void {
  const booking = (id: string) => id.split('#')[0];
  assert.deepStrictEqual(result.events, intact.events.filter((e) => booking(e.id) !== uid));
}

const cases: [string, string, string, string, SkipCode][] = [
  ['DTSTART with a letter in its date', 'DTSTART;TZID=Europe/Rome:20270327T100000', 'DTSTART;TZID=Europe/Rome:2027032XT100000', 'dst-before@winearound.test', 'INVALID_DTSTART'],
  ['DTSTART in month 13', 'DTSTART;TZID=Europe/Rome:20270327T100000', 'DTSTART;TZID=Europe/Rome:20271327T100000', 'dst-before@winearound.test', 'INVALID_DTSTART'],
  ['a missing DTSTART', 'DTSTART;TZID=Europe/Rome:20270327T100000\n', '', 'dst-before@winearound.test', 'INVALID_DTSTART'],
  ['DTEND that is not a date-time', 'DTEND;TZID=Europe/Rome:20270327T113000', 'DTEND;TZID=Europe/Rome:garbage', 'dst-before@winearound.test', 'INVALID_DTEND'],
  ['DTEND before DTSTART', 'DTEND;TZID=Europe/Rome:20270327T113000', 'DTEND;TZID=Europe/Rome:20270327T090000', 'dst-before@winearound.test', 'ENDS_BEFORE_START'],
  ['DTEND a date where DTSTART is a date-time', 'DTEND;TZID=Europe/Rome:20270327T113000', 'DTEND;VALUE=DATE:20270328', 'dst-before@winearound.test', 'MIXED_DATE_KINDS'],
  ['an invalid DURATION', 'DURATION:PT4H', 'DURATION:PXYZ', 'night-across-dst@winearound.test', 'INVALID_DURATION'],
  ['an invalid LAST-MODIFIED', 'LAST-MODIFIED:20270215T101500Z', 'LAST-MODIFIED:2027', 'dst-before@winearound.test', 'INVALID_LAST_MODIFIED'],
  ['an invalid RECURRENCE-ID', 'RECURRENCE-ID;TZID=Europe/Rome:20270410T150000', 'RECURRENCE-ID;TZID=Europe/Rome:nope', SERIES, 'INVALID_RECURRENCE_ID'],
  ['an unknown FREQ', 'RRULE:FREQ=WEEKLY;COUNT=5', 'RRULE:FREQ=BOGUS', SERIES, 'INVALID_RRULE'],
  ['BYMONTHDAY on a weekly rule', 'RRULE:FREQ=WEEKLY;COUNT=5', 'RRULE:FREQ=WEEKLY;COUNT=5;BYMONTHDAY=3', SERIES, 'INVALID_RRULE'],
  ['an invalid EXDATE', 'EXDATE;TZID=Europe/Rome:20270403T150000', 'EXDATE;TZID=Europe/Rome:2027X403T150000', SERIES, 'INVALID_EXDATE'],
  ['a line without a colon', 'STATUS:CONFIRMED\nEND:VEVENT\nBEGIN:VEVENT\nUID:dst-after', 'STATUS CONFIRMED\nEND:VEVENT\nBEGIN:VEVENT\nUID:dst-after', 'dst-before@winearound.test', 'BAD_LINE'],
  ['a missing END:VEVENT', 'END:VEVENT\nBEGIN:VEVENT\nUID:dst-after', 'BEGIN:VEVENT\nUID:dst-after', 'dst-before@winearound.test', 'MISSING_END'],
];

describe('parseIcalFeed on broken and hostile bookings', () => {
  for (const [name, from, to, uid, code] of cases) {
    it(`skips only the booking with ${name} (${code})`, () => {
      assert.ok(fixture.includes(from), 'the fixture holds the text this case corrupts');
      const result = parse(fixture.replace(from, to));
      assert.deepStrictEqual(result.skipped, [{ code: 'NO_UID' }, { uid, code }]);
      assertOnlyTouched(result, uid);
    });
  }

  it('stops a rule that can never occur (30 February) inside its budget: SERIES_BUDGET', () => {
    const result = parse(fixture.replace('RRULE:FREQ=WEEKLY;COUNT=5', 'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30'), { steps: 5_000 });
    assert.deepStrictEqual(result.skipped, [{ code: 'NO_UID' }, { uid: SERIES, code: 'SERIES_BUDGET' }]);
    assertOnlyTouched(result, SERIES);
  });

  it('terminates on that rule with the default budget too', () => {
    const result = parse(fixture.replace('RRULE:FREQ=WEEKLY;COUNT=5', 'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30'));
    assert.deepStrictEqual(result.skipped.map((s) => s.code), ['NO_UID', 'SERIES_BUDGET']);
  });

  it('skips a series with more occurrences in the window than the cap: SERIES_TOO_MANY', () => {
    const result = parse(fixture.replace('RRULE:FREQ=WEEKLY;COUNT=5', 'RRULE:FREQ=HOURLY'), { occurrences: 50 });
    assert.deepStrictEqual(result.skipped, [{ code: 'NO_UID' }, { uid: SERIES, code: 'SERIES_TOO_MANY' }]);
    assertOnlyTouched(result, SERIES);
  });

  it('reads a BOM, LF, CRLF and CR line ends alike', () => {
    const crlf = fixture.replace(/\r?\n/g, '\r\n');
    const mixed = fixture.split('\n').map((line, i) => line + (i % 3 === 0 ? '\r\n' : i % 3 === 1 ? '\n' : '\r')).join('');
    for (const text of [`\uFEFF${crlf}`, mixed]) assert.deepStrictEqual(parse(text), intact);
  });

  it('keeps the newest copy of a booking listed twice', () => {
    const copy = /BEGIN:VEVENT\nUID:dst-after@winearound\.test[\s\S]*?END:VEVENT\n/.exec(fixture)![0];
    const newer = copy.replace('LAST-MODIFIED:20270215T101600Z', 'LAST-MODIFIED:20270216T101600Z').replace('SUMMARY:Degustazione Classica', 'SUMMARY:Degustazione Riserva');
    const result = parse(fixture.replace(copy, `${copy}${newer}`));
    assert.equal(result.events.find((e) => e.id === 'dst-after@winearound.test')?.title, 'Degustazione Riserva');
  });

  it('resolves a TZID that has no VTIMEZONE without scanning the calendar for each lookup (and falls back to the calendar zone)', () => {
    const text = fixture.replace('DTSTART;TZID=Europe/Rome:20270327T100000', 'DTSTART;TZID=Cantina/Locale:20270327T100000');
    assert.deepStrictEqual(parse(text), intact);
  });
});
