import assert from 'node:assert/strict';
import { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { MicrosoftEmulator } from '../../src/emulator';
import { eventBody, graphClient, rejection, startWorld, SYNC_PROP, USERS } from './world';

/**
 * Event CRUD, listing and querying through the real Graph client.
 * Sources: https://learn.microsoft.com/graph/api/user-post-events (201), .../event-update (200, full event),
 * .../event-delete (204), .../event-get, .../user-list-events, .../user-list-calendarview,
 * https://learn.microsoft.com/graph/api/resources/event (transactionId, changeKey, iCalUId, isAllDay),
 * https://learn.microsoft.com/graph/api/resources/datetimetimezone (Windows + IANA zones),
 * https://learn.microsoft.com/graph/paging (absolute @odata.nextLink),
 * https://learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-get ($filter / $expand),
 * https://learn.microsoft.com/graph/errors (error body).
 */
describe('emulator: Graph calendar events', () => {
  let emu: MicrosoftEmulator;
  let graph: Client;
  const events = `/users/${USERS.tastings}/events`;
  before(async () => {
    emu = await startWorld();
    graph = graphClient(emu);
  });
  after(async () => {
    await emu.close();
  });
  beforeEach(() => {
    for (const e of emu.events(USERS.tastings)) emu.personDeleteEvent(USERS.tastings, String(e.id));
    emu.resetCounters();
  });

  it('creates (201) an event with server-managed properties, read back in UTC by default', async () => {
    const created = await graph.api(`/users/${USERS.tastings}/calendar/events`).post(eventBody('Tasting for 4'));
    assert.equal(created.subject, 'Tasting for 4');
    assert.deepEqual(created.start, { dateTime: '2030-05-01T08:00:00.0000000', timeZone: 'UTC' });
    assert.equal(created.originalStartTimeZone, 'W. Europe Standard Time');
    assert.equal(created.type, 'singleInstance');
    assert.equal(created['@odata.etag'], `W/"${created.changeKey}"`);
    assert.match(created.lastModifiedDateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    assert.ok(created.iCalUId && created.createdDateTime);
    assert.equal(emu.events(USERS.tastings).length, 1);
  });

  it('gets, updates (200, new changeKey) and deletes (204, then 404 ErrorItemNotFound)', async () => {
    const created = await graph.api(events).post(eventBody('Tour'));
    const fetched = await graph.api(`${events}/${created.id}`).get();
    assert.equal(fetched.id, created.id);
    const updated = await graph.api(`${events}/${created.id}`).patch({ subject: 'Tour (moved)', location: { displayName: 'Cellar' } });
    assert.equal(updated.subject, 'Tour (moved)');
    assert.equal(updated.location.displayName, 'Cellar');
    assert.deepEqual(updated.start, created.start, 'PATCH returns the full event');
    assert.notEqual(updated.changeKey, created.changeKey);
    await graph.api(`${events}/${created.id}`).delete();
    const err = await rejection<GraphError>(graph.api(`${events}/${created.id}`).get());
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, 'ErrorItemNotFound');
    assert.ok(err.requestId, 'innerError request-id is surfaced');
  });

  it('rejects a stale If-Match with 412 ErrorIrresolvableConflict', async () => {
    const created = await graph.api(events).post(eventBody('A'));
    await graph.api(`${events}/${created.id}`).patch({ subject: 'B' });
    const err = await rejection<GraphError>(graph.api(`${events}/${created.id}`).header('If-Match', created['@odata.etag']).patch({ subject: 'C' }));
    assert.equal(err.statusCode, 412);
    assert.equal(err.code, 'ErrorIrresolvableConflict');
  });

  it('returns the first event for a repeated transactionId and creates no duplicate', async () => {
    const body = eventBody('Booking 17', 10, { transactionId: 'wa-booking-17-create' });
    const first = await graph.api(events).post(body);
    const again = await graph.api(events).post({ ...body, subject: 'Booking 17 (retry)' });
    assert.equal(again.id, first.id);
    assert.equal(again.subject, 'Booking 17');
    assert.equal(again.transactionId, 'wa-booking-17-create');
    assert.equal(emu.events(USERS.tastings).length, 1);
  });

  it('honours Prefer outlook.timezone and outlook.body-content-type', async () => {
    const created = await graph.api(events).post(eventBody('Zoned', 10, { body: { contentType: 'text', content: 'Line 1\nLine 2' } }));
    const html = await graph.api(`${events}/${created.id}`).get();
    assert.equal(html.body.contentType, 'html');
    assert.match(html.body.content, /^<html>[\s\S]*Line 1<br>/);
    const response = await graph.api(`${events}/${created.id}`)
      .header('Prefer', 'outlook.timezone="Pacific Standard Time", outlook.body-content-type="text"').get();
    assert.deepEqual(response.start, { dateTime: '2030-05-01T01:00:00.0000000', timeZone: 'Pacific Standard Time' });
    assert.equal(response.body.contentType, 'text');
    assert.equal(response.body.content, 'Line 1\nLine 2');
  });

  it('accepts documented IANA zones and rejects unknown ones with 400 TimeZoneNotSupportedException', async () => {
    const iana = await graph.api(events).post({
      subject: 'IANA', start: { dateTime: '2030-01-10T09:00:00', timeZone: 'Europe/Paris' }, end: { dateTime: '2030-01-10T10:00:00', timeZone: 'Europe/Paris' },
    });
    assert.equal(iana.start.dateTime, '2030-01-10T08:00:00.0000000');
    const err = await rejection<GraphError>(graph.api(events).post({
      subject: 'bad', start: { dateTime: '2030-01-10T09:00:00', timeZone: 'Mars/Olympus' }, end: { dateTime: '2030-01-10T10:00:00', timeZone: 'Mars/Olympus' },
    }));
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, 'TimeZoneNotSupportedException');
  });

  it('validates all-day events: midnight boundaries in one zone', async () => {
    const day = (start: string, end: string, zoneEnd = 'UTC') => ({
      subject: 'All day', isAllDay: true, start: { dateTime: start, timeZone: 'UTC' }, end: { dateTime: end, timeZone: zoneEnd },
    });
    const ok = await graph.api(events).post(day('2030-06-01T00:00:00', '2030-06-02T00:00:00'));
    assert.equal(ok.isAllDay, true);
    for (const bad of [day('2030-06-01T10:00:00', '2030-06-02T00:00:00'), day('2030-06-01T00:00:00', '2030-06-01T00:00:00'),
      day('2030-06-01T00:00:00', '2030-06-02T00:00:00', 'W. Europe Standard Time')]) {
      const err = await rejection<GraphError>(graph.api(events).post(bad));
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, 'ErrorPropertyValidationFailure');
    }
  });

  it('rejects unknown body properties with 400 RequestBodyRead', async () => {
    const err = await rejection<GraphError>(graph.api(events).post(eventBody('x', 10, { bookingId: 17 })));
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, 'RequestBodyRead');
  });

  it('pages lists at 10 with an absolute https @odata.nextLink, and $top changes the page size', async () => {
    for (let i = 0; i < 12; i += 1) emu.personCreateEvent(USERS.tastings, eventBody(`E${i}`, 8 + (i % 10)));
    const first = await graph.api(events).get();
    assert.equal(first.value.length, 10);
    assert.match(first['@odata.nextLink'], new RegExp(`^${emu.baseUrl}/v1.0/`));
    const second = await graph.api(first['@odata.nextLink']).get();
    assert.equal(second.value.length, 2);
    assert.equal(second['@odata.nextLink'], undefined);
    const ids = new Set([...first.value, ...second.value].map((e: { id: string }) => e.id));
    assert.equal(ids.size, 12);
    const top5 = await graph.api(events).top(5).get();
    assert.equal(top5.value.length, 5);
  });

  it('$select returns only the chosen properties (plus id and @odata.etag)', async () => {
    await graph.api(events).post(eventBody('Selected'));
    const list = await graph.api(events).select('subject,start').get();
    assert.deepEqual(Object.keys(list.value[0]).sort(), ['@odata.etag', 'id', 'start', 'subject']);
    const err = await rejection<GraphError>(graph.api(events).select('bookingId').get());
    assert.equal(err.statusCode, 400);
  });

  it('filters on a single-value extended property (value case-insensitive, name case-sensitive) and expands it', async () => {
    await graph.api(events).post(eventBody('Marked', 10, { singleValueExtendedProperties: [{ id: SYNC_PROP, value: 'WA-42' }] }));
    await graph.api(events).post(eventBody('Other', 11, { singleValueExtendedProperties: [{ id: SYNC_PROP, value: 'WA-43' }] }));
    await graph.api(events).post(eventBody('Unmarked', 12));
    const guidLower = SYNC_PROP.replace(/\{[^}]+\}/, (g) => g.toLowerCase());
    const filter = (prop: string, value: string) => `singleValueExtendedProperties/Any(ep: ep/id eq '${prop}' and ep/value eq '${value}')`;

    const found = await graph.api(events).filter(filter(guidLower, 'wa-42')).get();
    assert.deepEqual(found.value.map((e: { subject: string }) => e.subject), ['Marked']);
    assert.equal(found.value[0].singleValueExtendedProperties, undefined, 'not returned unless expanded');
    const wrongName = await graph.api(events).filter(filter(SYNC_PROP.replace('WineAroundBookingId', 'winearoundbookingid'), 'WA-42')).get();
    assert.equal(wrongName.value.length, 0);

    const otherProp = 'String {8ECCC264-6880-4EBE-992F-8888D2EEAA1D} Name ContentHash';
    const expanded = await graph.api(events)
      .expand(`singleValueExtendedProperties($filter=id eq '${SYNC_PROP}' or id eq '${otherProp}')`).get();
    const marked = expanded.value.filter((e: { singleValueExtendedProperties?: unknown[] }) => e.singleValueExtendedProperties);
    assert.deepEqual(marked.map((e: { singleValueExtendedProperties: Array<{ value: string }> }) => e.singleValueExtendedProperties[0].value).sort(), ['WA-42', 'WA-43']);
  });

  it('PATCH merges extended properties by id and keeps the others', async () => {
    const hash = 'String {8ECCC264-6880-4EBE-992F-8888D2EEAA1D} Name ContentHash';
    const created = await graph.api(events).post(eventBody('Props', 10, {
      singleValueExtendedProperties: [{ id: SYNC_PROP, value: 'WA-1' }, { id: hash, value: 'h1' }],
    }));
    await graph.api(`${events}/${created.id}`).patch({ singleValueExtendedProperties: [{ id: hash, value: 'h2' }] });
    const [stored] = emu.events(USERS.tastings);
    assert.deepEqual(stored.singleValueExtendedProperties, [{ id: SYNC_PROP, value: 'WA-1' }, { id: hash, value: 'h2' }]);
  });

  it('calendarView returns the events overlapping the window, and requires the window', async () => {
    emu.personCreateEvent(USERS.tastings, { subject: 'In', start: { dateTime: '2030-03-01T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2030-03-01T11:00:00', timeZone: 'UTC' } });
    emu.personCreateEvent(USERS.tastings, { subject: 'Out', start: { dateTime: '2030-04-01T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2030-04-01T11:00:00', timeZone: 'UTC' } });
    const view = await graph.api(`/users/${USERS.tastings}/calendarView`)
      .query({ startDateTime: '2030-03-01T10:30:00Z', endDateTime: '2030-03-02T00:00:00Z' }).get();
    assert.deepEqual(view.value.map((e: { subject: string }) => e.subject), ['In']);
    const err = await rejection<GraphError>(graph.api(`/users/${USERS.tastings}/calendarView`).get());
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, 'ErrorInvalidParameter');
  });

  it('answers a malformed event id with 400 ErrorInvalidIdMalformed', async () => {
    const err = await rejection<GraphError>(graph.api(`${events}/booking-17`).get());
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, 'ErrorInvalidIdMalformed');
  });

  it('shows changes made by a person in Outlook', async () => {
    const created = await graph.api(events).post(eventBody('Synced'));
    emu.personUpdateEvent(USERS.tastings, created.id, { subject: 'Edited by staff' });
    const fetched = await graph.api(`${events}/${created.id}`).get();
    assert.equal(fetched.subject, 'Edited by staff');
    assert.notEqual(fetched.changeKey, created.changeKey);
  });
});
