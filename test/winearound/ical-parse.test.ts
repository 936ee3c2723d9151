import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FeedError } from '../../src/winearound/errors';
import { parseIcalFeed } from '../../src/winearound/ical-parse';

const fixture = readFileSync(join(__dirname, '../../../test/fixtures/winery-feed.ics'), 'utf8');
const window = { start: new Date('2027-03-01T00:00:00Z'), end: new Date('2027-10-01T00:00:00Z') };
const rome = (dateTime: string) => ({ kind: 'dateTime' as const, dateTime, timeZone: 'Europe/Rome' });
const ms = (iso: string) => Date.parse(iso);

describe('parseIcalFeed', () => {
  it('turns the winery fixture into exactly the expected source events', () => {
    const { events, skipped } = parseIcalFeed(fixture, { window, defaultTimeZone: 'Europe/Rome' });
    const tour = { title: 'Tour Barolo', description: 'Partenza dalla piazza del Municipio', categories: ['Tour'], allDay: false };
    assert.deepStrictEqual(events, [
      {
        id: 'accents@winearound.test',
        version: ms('2027-02-25T18:30:00Z'),
        title: 'Degustazione per Nicolò, Zoë & Jürgen',
        description: 'Menù: vitello tonnato; agnolotti del plin\nVini: Barolo, Barbaresco e Moscato d’Asti',
        location: 'Cantina Ca’ d’Oro, Via dell’Unità 5',
        start: rome('2027-04-02T17:00:00'),
        end: rome('2027-04-02T18:30:00'),
        allDay: false,
        categories: ['Degustazione', 'VIP'],
        guest: { name: 'Zoë Müller, Jr.', email: 'zoe.mueller@example.com', phone: '+49 170 1234567', partySize: 6, language: 'de' },
      },
      // Same wall time on both sides of the 28 March 2027 DST change: the zone carries the offset.
      {
        id: 'dst-after@winearound.test',
        version: ms('2027-02-15T10:16:00Z'),
        title: 'Degustazione Classica',
        location: 'Sala degustazione',
        start: rome('2027-03-28T10:00:00'),
        end: rome('2027-03-28T11:30:00'),
        allDay: false,
      },
      {
        id: 'dst-before@winearound.test',
        version: ms('2027-02-15T10:15:00Z'),
        title: 'Degustazione Classica',
        location: 'Sala degustazione',
        start: rome('2027-03-27T10:00:00'),
        end: rome('2027-03-27T11:30:00'),
        allDay: false,
      },
      // Multi-day all-day: DTEND is exclusive.
      {
        id: 'fair@winearound.test',
        version: ms('2027-01-10T07:00:00Z'),
        title: 'Vinitaly, Verona',
        start: { kind: 'date', date: '2027-04-11' },
        end: { kind: 'date', date: '2027-04-14' },
        allDay: true,
      },
      // Floating time: read in the calendar's X-WR-TIMEZONE. No LAST-MODIFIED: DTSTAMP is the version.
      {
        id: 'floating@winearound.test',
        version: ms('2027-03-01T08:00:00Z'),
        title: 'Aperitivo al tramonto',
        start: rome('2027-04-06T18:30:00'),
        end: rome('2027-04-06T20:00:00'),
        allDay: false,
      },
      // All-day without DTEND: one day.
      {
        id: 'harvest@winearound.test',
        version: ms('2027-01-10T07:00:00Z'),
        title: 'Vendemmia – cantina chiusa',
        start: { kind: 'date', date: '2027-09-20' },
        end: { kind: 'date', date: '2027-09-21' },
        allDay: true,
      },
      // DURATION:PT4H across the DST gap is exact: 23:30 CET + 4 h = 04:30 CEST.
      {
        id: 'night-across-dst@winearound.test',
        version: ms('2027-03-01T08:00:00Z'),
        title: 'Vendemmia notturna',
        start: rome('2027-03-27T23:30:00'),
        end: rome('2027-03-28T04:30:00'),
        allDay: false,
      },
      // Timed without DTEND or DURATION: ends when it starts.
      {
        id: 'no-dtend@winearound.test',
        version: ms('2027-03-01T08:00:00Z'),
        title: 'Consegna ordine',
        start: rome('2027-04-05T12:00:00'),
        end: rome('2027-04-05T12:00:00'),
        allDay: false,
      },
      // Weekly series across DST: occurrence ids carry the UTC recurrence id; 3 April is EXDATE'd;
      // 10 April is overridden (moved one hour, retitled, newer LAST-MODIFIED).
      { id: 'series@winearound.test#20270320T140000Z', version: ms('2027-02-01T09:00:00Z'), ...tour, start: rome('2027-03-20T15:00:00'), end: rome('2027-03-20T18:00:00') },
      { id: 'series@winearound.test#20270327T140000Z', version: ms('2027-02-01T09:00:00Z'), ...tour, start: rome('2027-03-27T15:00:00'), end: rome('2027-03-27T18:00:00') },
      {
        id: 'series@winearound.test#20270410T130000Z',
        version: ms('2027-03-05T12:00:00Z'),
        ...tour,
        title: 'Tour Barolo (gruppo tedesco)',
        start: rome('2027-04-10T16:00:00'),
        end: rome('2027-04-10T19:00:00'),
        guest: { language: 'de' },
      },
      { id: 'series@winearound.test#20270417T130000Z', version: ms('2027-02-01T09:00:00Z'), ...tour, start: rome('2027-04-17T15:00:00'), end: rome('2027-04-17T18:00:00') },
      {
        id: 'utc@winearound.test',
        version: ms('2027-02-28T00:00:00Z'),
        title: 'Call con importatore',
        start: { kind: 'dateTime', dateTime: '2027-04-02T08:00:00', timeZone: 'UTC' },
        end: { kind: 'dateTime', dateTime: '2027-04-02T09:30:00', timeZone: 'UTC' },
        allDay: false,
      },
      // A Windows TZID (Outlook-made feeds) becomes an IANA zone with the same rules.
      {
        id: 'windows-zone@winearound.test',
        version: ms('2027-03-01T08:00:00Z'),
        title: 'Visita in cantina e vigneto',
        start: { kind: 'dateTime', dateTime: '2027-04-07T09:00:00', timeZone: 'Europe/Berlin' },
        end: { kind: 'dateTime', dateTime: '2027-04-07T11:00:00', timeZone: 'Europe/Berlin' },
        allDay: false,
      },
    ]);
    // The cancelled booking and last year's event are absent; the event without UID is reported.
    assert.deepStrictEqual(skipped, [{ code: 'NO_UID' }]);
  });

  it('keeps only events overlapping the window, including one that started before it', () => {
    const narrow = { start: new Date('2027-04-12T00:00:00Z'), end: new Date('2027-04-17T00:00:00Z') };
    const ids = parseIcalFeed(fixture, { window: narrow, defaultTimeZone: 'Europe/Rome' }).events.map((e) => e.id);
    assert.deepStrictEqual(ids, ['fair@winearound.test']);
  });

  it('reads floating times in the caller default zone when the feed declares none', () => {
    const text = fixture.replace('X-WR-TIMEZONE:Europe/Rome\n', '');
    const floating = parseIcalFeed(text, { window, defaultTimeZone: 'America/New_York' }).events.find((e) => e.id === 'floating@winearound.test');
    assert.deepStrictEqual(floating?.start, { kind: 'dateTime', dateTime: '2027-04-06T18:30:00', timeZone: 'America/New_York' });
  });

  it('includes an override moved into the window from a recurrence after it', () => {
    const text = fixture.replace(
      'DTSTART;TZID=Europe/Rome:20270410T160000\nDTEND;TZID=Europe/Rome:20270410T190000',
      'DTSTART;TZID=Europe/Rome:20270401T160000\nDTEND;TZID=Europe/Rome:20270401T190000',
    );
    const narrow = { start: new Date('2027-04-01T00:00:00Z'), end: new Date('2027-04-02T00:00:00Z') };
    const ids = parseIcalFeed(text, { window: narrow, defaultTimeZone: 'Europe/Rome' }).events.map((e) => e.id);
    assert.deepStrictEqual(ids, ['series@winearound.test#20270410T130000Z']);
  });

  it('reports an event whose DTEND precedes DTSTART and keeps the rest', () => {
    const text = fixture.replace('DTEND;TZID=Europe/Rome:20270327T113000', 'DTEND;TZID=Europe/Rome:20270327T090000');
    const { events, skipped } = parseIcalFeed(text, { window, defaultTimeZone: 'Europe/Rome' });
    assert.equal(events.some((e) => e.id === 'dst-before@winearound.test'), false);
    assert.equal(events.length, 13);
    assert.deepStrictEqual(skipped, [{ code: 'NO_UID' }, { uid: 'dst-before@winearound.test', code: 'ENDS_BEFORE_START' }]);
  });

  for (const [name, text] of [
    ['an HTML page', '<html><body>Login</body></html>'],
    ['an empty body', ''],
    ['a JSON error', '{"error":"maintenance"}'],
    ['a VEVENT without its calendar', 'BEGIN:VEVENT\nUID:x\nEND:VEVENT\n'],
  ] as const) {
    it(`rejects ${name} as FEED_INVALID, a configuration error`, () => {
      assert.throws(
        () => parseIcalFeed(text, { window, defaultTimeZone: 'Europe/Rome' }),
        (err: unknown) => err instanceof FeedError && err.code === 'FEED_INVALID' && !err.transient && /iCal/.test(err.message),
      );
    });
  }

  it('refuses a calendar cut short (no END:VCALENDAR) as FEED_TRUNCATED, transient, rather than lose its tail', () => {
    assert.throws(
      () => parseIcalFeed(fixture.slice(0, fixture.indexOf('END:VCALENDAR')), { window, defaultTimeZone: 'Europe/Rome' }),
      (err: unknown) => err instanceof FeedError && err.code === 'FEED_TRUNCATED' && err.transient,
    );
  });
});
