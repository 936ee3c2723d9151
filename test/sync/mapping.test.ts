import assert from 'node:assert/strict';
import type { SourceEvent } from '../../src/sync/model';
import {
  MARKER_PROPERTY_IDS,
  fingerprintGraphEvent,
  fingerprintOfHash,
  mapEvent,
  markerExpand,
  ownedEventsFilter,
  parseMappingOptions,
  toOwnedEvent,
} from '../../src/sync/mapping';
import { ValidationError } from '../../src/sync/validation';

const tasting: SourceEvent = {
  id: 'wa-bk-00042',
  version: 1_803_580_200_000,
  title: 'Degustazione Classica',
  description: 'Prenotazione WA-BK-00042',
  location: 'Sala degustazione',
  start: { kind: 'dateTime', dateTime: '2027-03-28T10:00:00', timeZone: 'Europe/Rome' },
  end: { kind: 'dateTime', dateTime: '2027-03-28T11:30:00', timeZone: 'Europe/Rome' },
  allDay: false,
  categories: ['Degustazione'],
  guest: { name: 'Zoë Müller', phone: '+49 170 1234567', partySize: 4, language: 'de' },
};
const harvest: SourceEvent = {
  id: 'harvest',
  version: 1,
  title: 'Vendemmia',
  start: { kind: 'date', date: '2027-09-20' },
  end: { kind: 'date', date: '2027-09-22' },
  allDay: true,
};
const defaults = parseMappingOptions();
const marker = (payload: { singleValueExtendedProperties: { id: string; value: string }[] }, id: string) =>
  payload.singleValueExtendedProperties.find((p) => p.id === id)?.value;

/** The event as Graph returns it in a list with Prefer: outlook.timezone="UTC" and the marker expanded. */
function readBack(payload: ReturnType<typeof mapEvent>, start: string, end: string) {
  return {
    id: 'AAMkAD-1',
    subject: payload.subject,
    body: { contentType: 'html', content: '<html><body>rewritten</body></html>' },
    start: { dateTime: start, timeZone: 'UTC' },
    end: { dateTime: end, timeZone: 'UTC' },
    isAllDay: payload.isAllDay,
    location: { displayName: payload.location.displayName, locationType: 'default', uniqueIdType: 'unknown' },
    categories: [...payload.categories].reverse(),
    showAs: payload.showAs,
    singleValueExtendedProperties: payload.singleValueExtendedProperties.map((p) => ({ ...p, id: p.id.toLowerCase() })),
  };
}

describe('parseMappingOptions', () => {
  it('fills documented defaults', () => {
    assert.deepStrictEqual(defaults, {
      subjectTemplate: '{title}',
      includeGuestDetails: false,
      reminderMinutes: 60,
      showAs: 'busy',
      categories: [],
      timeZone: 'Europe/Rome',
    });
  });

  for (const [input, expected] of [
    [{ subjectTemplate: '{title} – {guest}' }, /^mappingOptions\.subjectTemplate: unknown field; use only \{title\} \{guestName\} \{partySize\} \{language\}/],
    [{ subjectTemplate: '{guestName}' }, /^mappingOptions\.subjectTemplate: must contain \{title\}/],
    [{ reminderMinutes: -5 }, /^mappingOptions\.reminderMinutes:/],
    [{ showAs: 'away' }, /^mappingOptions\.showAs:/],
    [{ timeZone: 'Rome' }, /^mappingOptions\.timeZone: expected an IANA time zone name/],
    [{ includeGuestdetails: true }, /^mappingOptions: Unrecognized key/],
  ] as const) {
    it(`rejects ${JSON.stringify(input)} naming the field`, () => {
      assert.throws(() => parseMappingOptions(input), (err: unknown) => err instanceof ValidationError && expected.test(err.message));
    });
  }
});

describe('mapEvent', () => {
  it('maps a timed event with the Windows zone name, the marker and no attendees', () => {
    const payload = mapEvent(tasting, defaults, 'cantina-oro');
    const { singleValueExtendedProperties, ...content } = payload;
    assert.deepStrictEqual(content, {
      subject: 'Degustazione Classica',
      body: { contentType: 'text', content: 'Prenotazione WA-BK-00042' },
      start: { dateTime: '2027-03-28T10:00:00', timeZone: 'W. Europe Standard Time' },
      end: { dateTime: '2027-03-28T11:30:00', timeZone: 'W. Europe Standard Time' },
      isAllDay: false,
      location: { displayName: 'Sala degustazione' },
      categories: ['Degustazione'],
      showAs: 'busy',
      isReminderOn: true,
      reminderMinutesBeforeStart: 60,
    });
    assert.equal('attendees' in payload, false);
    assert.deepStrictEqual(
      singleValueExtendedProperties.map((p) => p.id),
      [MARKER_PROPERTY_IDS.eventId, MARKER_PROPERTY_IDS.contentHash, MARKER_PROPERTY_IDS.version, MARKER_PROPERTY_IDS.integration],
    );
    assert.match(MARKER_PROPERTY_IDS.eventId, /^String \{[0-9A-F-]{36}\} Name WineAroundEventId$/);
    assert.equal(marker(payload, MARKER_PROPERTY_IDS.eventId), 'wa-bk-00042');
    assert.equal(marker(payload, MARKER_PROPERTY_IDS.version), '1803580200000');
    assert.equal(marker(payload, MARKER_PROPERTY_IDS.integration), 'cantina-oro');
    assert.match(marker(payload, MARKER_PROPERTY_IDS.contentHash)!, /^[0-9a-f]{32}\.[0-9a-f]{32}$/);
  });

  it('maps an all-day event to midnight-to-midnight in the customer zone', () => {
    const payload = mapEvent(harvest, defaults, 'c');
    assert.deepStrictEqual([payload.isAllDay, payload.start, payload.end], [
      true,
      { dateTime: '2027-09-20T00:00:00', timeZone: 'W. Europe Standard Time' },
      { dateTime: '2027-09-22T00:00:00', timeZone: 'W. Europe Standard Time' },
    ]);
  });

  it('converts a zone without a Windows mapping to UTC', () => {
    const kyiv = { ...tasting, start: { ...tasting.start, timeZone: 'Europe/Kyiv' }, end: { ...tasting.end, timeZone: 'Europe/Kyiv' } } as SourceEvent;
    const payload = mapEvent(kyiv, defaults, 'c');
    assert.deepStrictEqual([payload.start, payload.end], [
      { dateTime: '2027-03-28T07:00:00', timeZone: 'UTC' },
      { dateTime: '2027-03-28T08:30:00', timeZone: 'UTC' },
    ]);
  });

  it('renders the subject template, guest details on request, and reminder off', () => {
    const options = parseMappingOptions({
      subjectTemplate: '{title} – {guestName} ({partySize}, {language})',
      includeGuestDetails: true,
      reminderMinutes: null,
      categories: ['WineAround'],
      showAs: 'tentative',
    });
    const payload = mapEvent(tasting, options, 'c');
    assert.equal(payload.subject, 'Degustazione Classica – Zoë Müller (4, de)');
    assert.equal(payload.body.content, 'Prenotazione WA-BK-00042\n\nGuest: Zoë Müller\nPhone: +49 170 1234567\nParty size: 4\nLanguage: de');
    assert.deepStrictEqual(payload.categories, ['WineAround', 'Degustazione']);
    assert.equal(payload.showAs, 'tentative');
    assert.equal(payload.isReminderOn, false);
    assert.equal('reminderMinutesBeforeStart' in payload, false);
    const { guest: _none, ...anonymous } = tasting;
    assert.equal(mapEvent(anonymous, options, 'c').subject, 'Degustazione Classica');
    assert.equal(mapEvent({ ...tasting, guest: { partySize: 4 } }, options, 'c').subject, 'Degustazione Classica – (4)');
  });

  it('keeps guest details out of the body by default', () => {
    assert.doesNotMatch(mapEvent(tasting, defaults, 'c').body.content, /Zoë|\+49/);
  });

  it('changes the content hash when only the description changes', () => {
    const hash = (e: SourceEvent) => marker(mapEvent(e, defaults, 'c'), MARKER_PROPERTY_IDS.contentHash)!;
    const before = hash(tasting);
    const after = hash({ ...tasting, description: 'Allergia alle noci' });
    assert.notEqual(after, before);
    assert.equal(fingerprintOfHash(after), fingerprintOfHash(before));
  });
});

describe('fingerprintGraphEvent', () => {
  it('matches the stored hash for a timed event read back in UTC with 7 fractional digits (CEST, after the DST change)', () => {
    const payload = mapEvent(tasting, defaults, 'c');
    const back = readBack(payload, '2027-03-28T08:00:00.0000000', '2027-03-28T09:30:00.0000000');
    assert.equal(fingerprintGraphEvent(back), fingerprintOfHash(marker(payload, MARKER_PROPERTY_IDS.contentHash)!));
  });

  it('matches for an all-day event, whose dates Graph returns as midnight in any zone', () => {
    const payload = mapEvent(harvest, defaults, 'c');
    const back = readBack(payload, '2027-09-20T00:00:00.0000000', '2027-09-22T00:00:00.0000000');
    assert.equal(fingerprintGraphEvent(back), fingerprintOfHash(marker(payload, MARKER_PROPERTY_IDS.contentHash)!));
  });

  it('changes when a person moves, renames, relocates or re-categorises the event', () => {
    const payload = mapEvent(tasting, defaults, 'c');
    const stored = fingerprintOfHash(marker(payload, MARKER_PROPERTY_IDS.contentHash)!);
    const back = () => readBack(payload, '2027-03-28T08:00:00.0000000', '2027-03-28T09:30:00.0000000');
    const edits = [
      (e: ReturnType<typeof back>) => (e.start.dateTime = '2027-03-28T09:00:00.0000000'),
      (e: ReturnType<typeof back>) => (e.end.dateTime = '2027-03-28T09:30:00.1000000'),
      (e: ReturnType<typeof back>) => (e.subject = 'Degustazione (spostata)'),
      (e: ReturnType<typeof back>) => (e.location.displayName = 'Terrazza'),
      (e: ReturnType<typeof back>) => (e.categories = ['Altro']),
      (e: ReturnType<typeof back>) => (e.showAs = 'free'),
      (e: ReturnType<typeof back>) => (e.isAllDay = true),
    ];
    for (const edit of edits) {
      const edited = back();
      edit(edited);
      assert.notEqual(fingerprintGraphEvent(edited), stored, edit.toString());
    }
  });
});

describe('ownership helpers', () => {
  it('reads an owned event back into planner input', () => {
    const payload = mapEvent(tasting, defaults, 'cantina-oro');
    const owned = toOwnedEvent(readBack(payload, '2027-03-28T08:00:00.0000000', '2027-03-28T09:30:00.0000000'));
    assert.deepStrictEqual(owned, {
      graphId: 'AAMkAD-1',
      sourceId: 'wa-bk-00042',
      hash: marker(payload, MARKER_PROPERTY_IDS.contentHash),
      version: 1_803_580_200_000,
      fingerprint: fingerprintOfHash(marker(payload, MARKER_PROPERTY_IDS.contentHash)!),
    });
    assert.equal(toOwnedEvent({ id: 'foreign', subject: 'Dentista' }), undefined);
  });

  it('builds the $filter and $expand strings with OData quoting', () => {
    assert.equal(
      ownedEventsFilter("cantina d'oro"),
      `singleValueExtendedProperties/Any(ep: ep/id eq '${MARKER_PROPERTY_IDS.integration}' and ep/value eq 'cantina d''oro')`,
    );
    assert.equal(
      markerExpand(),
      `singleValueExtendedProperties($filter=${Object.values(MARKER_PROPERTY_IDS).map((id) => `id eq '${id}'`).join(' or ')})`,
    );
  });
});
