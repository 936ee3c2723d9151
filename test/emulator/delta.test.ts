import assert from 'node:assert/strict';
import { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { MicrosoftEmulator } from '../../src/emulator';
import { graphClient, rejection, startWorld, USERS } from './world';

/**
 * calendarView delta through the real Graph client.
 * Sources: https://learn.microsoft.com/graph/api/event-delta , https://learn.microsoft.com/graph/delta-query-events ,
 * https://learn.microsoft.com/graph/delta-query-overview (nextLink until deltaLink, @removed entries),
 * https://learn.microsoft.com/graph/errors (syncStateNotFound).
 */
describe('emulator: calendarView delta', () => {
  let emu: MicrosoftEmulator;
  let graph: Client;
  const at = (day: number, subject: string) => ({
    subject,
    start: { dateTime: `2030-07-${String(day).padStart(2, '0')}T10:00:00`, timeZone: 'UTC' },
    end: { dateTime: `2030-07-${String(day).padStart(2, '0')}T11:00:00`, timeZone: 'UTC' },
  });
  type Page = { value: Array<Record<string, unknown>>; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };

  /** Follows nextLinks to the deltaLink, as a client must. */
  async function round(url: string, query?: Record<string, string>): Promise<{ items: Page['value']; deltaLink: string; pages: number }> {
    let page: Page = await (query ? graph.api(url).query(query) : graph.api(url)).get();
    const items = [...page.value];
    let pages = 1;
    while (page['@odata.nextLink']) {
      page = await graph.api(page['@odata.nextLink']).get();
      items.push(...page.value);
      pages += 1;
    }
    assert.match(page['@odata.deltaLink']!, /\$deltatoken=/);
    return { items, deltaLink: page['@odata.deltaLink']!, pages };
  }

  before(async () => {
    emu = await startWorld();
    graph = graphClient(emu);
  });
  after(async () => {
    await emu.close();
  });

  it('returns the window in pages, then only changes since the deltaLink, deletions as @removed', async () => {
    const created = Array.from({ length: 12 }, (_, i) => emu.personCreateEvent(USERS.tastings, at(i + 1, `E${i + 1}`)));
    emu.personCreateEvent(USERS.tastings, { ...at(1, 'Outside'), start: { dateTime: '2031-01-01T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2031-01-01T11:00:00', timeZone: 'UTC' } });
    const initial = await round(`/users/${USERS.tastings}/calendarView/delta`, { startDateTime: '2030-07-01T00:00:00Z', endDateTime: '2030-08-01T00:00:00Z' });
    assert.equal(initial.pages, 2);
    assert.equal(initial.items.length, 12);
    assert.ok(initial.items.every((e) => e['@removed'] === undefined));

    const unchanged = await round(initial.deltaLink);
    assert.equal(unchanged.items.length, 0);

    emu.personUpdateEvent(USERS.tastings, String(created[0].id), { subject: 'E1 edited' });
    emu.personDeleteEvent(USERS.tastings, String(created[1].id));
    emu.personCreateEvent(USERS.tastings, at(20, 'New'));
    const changes = await round(unchanged.deltaLink);
    const byId = new Map(changes.items.map((e) => [e.id, e]));
    assert.equal(changes.items.length, 3);
    assert.equal(byId.get(created[0].id)!.subject, 'E1 edited');
    assert.deepEqual(byId.get(created[1].id)!['@removed'], { reason: 'deleted' });
    assert.ok(changes.items.some((e) => e.subject === 'New'));

    const quiet = await round(changes.deltaLink);
    assert.equal(quiet.items.length, 0);
  });

  it('reports an event moved out of the window as @removed', async () => {
    const inside = emu.personCreateEvent(USERS.office, at(5, 'Moving'));
    const initial = await round(`/users/${USERS.office}/calendarView/delta`, { startDateTime: '2030-07-01T00:00:00Z', endDateTime: '2030-08-01T00:00:00Z' });
    assert.equal(initial.items.length, 1);
    emu.personUpdateEvent(USERS.office, String(inside.id), { start: { dateTime: '2030-09-01T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2030-09-01T11:00:00', timeZone: 'UTC' } });
    const changes = await round(initial.deltaLink);
    assert.deepEqual(changes.items.map((e) => e['@removed']), [{ reason: 'deleted' }]);
  });

  it('answers an evicted delta token with 410 syncStateNotFound', async () => {
    const initial = await round(`/users/${USERS.tastings}/calendarView/delta`, { startDateTime: '2030-07-01T00:00:00Z', endDateTime: '2030-08-01T00:00:00Z' });
    emu.expireDeltaTokens(USERS.tastings);
    const err = await rejection<GraphError>(graph.api(initial.deltaLink).get());
    assert.equal(err.statusCode, 410);
    assert.equal(err.code, 'syncStateNotFound');
  });

  it('answers an expired token in every documented shape: SyncStateNotFound, resyncRequired, 410 Gone with a Location', async () => {
    const window = { startDateTime: '2030-07-01T00:00:00Z', endDateTime: '2030-08-01T00:00:00Z' };
    for (const [shape, code] of [['SyncStateNotFound', 'SyncStateNotFound'], ['resyncRequired', 'resyncRequired'], ['gone-with-location', 'resyncRequired']] as const) {
      const initial = await round(`/users/${USERS.tastings}/calendarView/delta`, window);
      emu.expireDeltaTokens(USERS.tastings, shape);
      const err = await rejection<GraphError>(graph.api(initial.deltaLink).get());
      assert.deepEqual([err.statusCode, err.code], [410, code], shape);
      const location = err.headers?.get('Location');
      if (shape === 'gone-with-location') {
        // The Location starts a new initial round on the same window.
        const restart = await round(location!);
        assert.ok(restart.items.every((e) => e['@removed'] === undefined));
      } else {
        assert.equal(location ?? null, null);
      }
    }
    assert.throws(() => emu.expireDeltaTokens(USERS.tastings, 'whatever' as never), /shape must be one of/);
  });
});
