import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { formatStatus } from '../../src/ops/format';
import { getStatus, notifyEventChanged, startIntegration, stopIntegration, syncNow } from '../../src/ops/integrations';
import { temporalEnv, workflowBundle } from '../support/temporal';
import { calendarOf, eventually, ownedEvents, startWorld, type World } from './world';

const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');

/**
 * A feed that turns hostile after a first sync, through the real workflow, activities, parse pool,
 * MSAL and Graph client: the good bookings keep syncing, the broken ones keep their Outlook events
 * untouched and are listed by UID in `status`, and another integration on the same worker keeps
 * applying signals while the hostile feed is handled.
 */
describe('hostile feed end to end: one broken booking harms only itself', function () {
  this.timeout(240_000);
  let world: World;
  let client: Client;
  let taskQueue: string;
  let worker: Worker;
  let running: Promise<void>;

  before(async () => {
    const { env } = await temporalEnv();
    client = env.client;
    world = await startWorld(12);
    taskQueue = `hostile-${randomUUID()}`;
    worker = await Worker.create({
      connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(),
      activities: createActivities({ secrets: world.secrets, endpoints: world.endpoints }),
    });
    running = worker.run();
  });

  after(async () => {
    worker?.shutdown();
    await running;
    await world?.close();
  });

  it('keeps syncing good bookings, leaves broken ones untouched, lists them in status, and never stalls a neighbour', async () => {
    const hostile = `hostile-${randomUUID().slice(0, 8)}`;
    const neighbour = `neighbour-${randomUUID().slice(0, 8)}`;
    await startIntegration(client, taskQueue, world.settings(hostile));
    await startIntegration(client, taskQueue, world.settings(neighbour));
    await syncNow(client, hostile);
    const before = new Map(ownedEvents(world, hostile).map((e) => [e.sourceId, e]));
    const [, badDate, badLine, changed] = world.feed.bookings();

    // WineAround changes two bookings and adds one; its feed breaks two others and grows an endless rule.
    world.feed.upsert({ ...badDate, title: `${badDate.title} (mai vista)`, version: badDate.version + 60_000 });
    world.feed.upsert({ ...changed, title: `${changed.title} (spostata)`, version: changed.version + 60_000 });
    const added = { ...changed, id: 'wa-bk-new', title: 'Degustazione nuova', version: changed.version + 120_000 };
    world.feed.upsert(added);
    const endless = ['BEGIN:VEVENT', 'UID:wa-endless', 'DTSTAMP:20260101T000000Z', 'SUMMARY:Mai', `DTSTART:${inDays(2)}T100000Z`,
      'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', 'END:VEVENT'].join('\r\n');
    world.feed.setBodyFilter(hostile, (body) => body
      .replace(new RegExp(`(UID:${badDate.id}\\r\\n[\\s\\S]*?DTSTART[^:]*:)\\d{8}`), '$1 2027XX01')
      .replace(new RegExp(`(UID:${badLine.id}\\r\\n)`), '$1X-WA-GUEST-PHONE+39 333 1234567\r\n')
      .replace('END:VCALENDAR', `${endless}\r\nEND:VCALENDAR`));

    // While the hostile feed is handled, the neighbour's signal is applied on the same worker.
    const day = inDays(4);
    const signal = {
      customerId: neighbour, eventId: 'wa-signal-1', operation: 'upsert', version: Date.now(),
      event: { title: 'Visita lampo', allDay: false, start: { kind: 'dateTime', dateTime: `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}T11:00:00`, timeZone: 'Europe/Rome' },
        end: { kind: 'dateTime', dateTime: `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}T12:00:00`, timeZone: 'Europe/Rome' } },
    };
    const [summary] = await Promise.all([
      syncNow(client, hostile),
      (async () => {
        await notifyEventChanged(client, taskQueue, signal);
        await eventually(() => calendarOf(world, neighbour).get('wa-signal-1'), (title) => title === 'Visita lampo', 60_000);
      })(),
    ]);

    assert.deepEqual([summary.created, summary.updated, summary.deleted], [1, 1, 0]);
    assert.deepEqual(summary.skippedBookings, [
      { uid: badDate.id, code: 'INVALID_DTSTART' },
      { uid: badLine.id, code: 'BAD_LINE' },
      { uid: 'wa-endless', code: 'SERIES_BUDGET' },
    ]);
    const after = new Map(ownedEvents(world, hostile).map((e) => [e.sourceId, e]));
    assert.equal(after.get('wa-bk-new')?.subject, 'Degustazione nuova');
    assert.equal(after.get(changed.id)?.subject, `${changed.title} (spostata)`);
    for (const id of [badDate.id, badLine.id]) assert.deepEqual(after.get(id), before.get(id), `${id} kept exactly as it was`);

    const status = await getStatus(client, hostile);
    assert.equal(status.state, 'running');
    assert.deepEqual(status.lastSummary?.skippedBookings?.map((s) => s.uid), [badDate.id, badLine.id, 'wa-endless']);
    const shown = formatStatus(status);
    assert.match(shown, new RegExp(`${badDate.id} INVALID_DTSTART, ${badLine.id} BAD_LINE, wa-endless SERIES_BUDGET`));
    assert.ok(!shown.includes('1234567') && !JSON.stringify(status).includes('1234567'), 'no guest data in status');

    await stopIntegration(client, hostile);
    await stopIntegration(client, neighbour);
  });

  it('holds a feed whose parse overruns its budget in needs_attention with FEED_PARSE_BUDGET and advice for WineAround', async () => {
    // A worker whose parse budget is 1 s, and a feed of 40 series that can never occur: each spends its own budget.
    const tightQueue = `tight-${randomUUID()}`;
    const { env } = await temporalEnv();
    const tight = await Worker.create({
      connection: env.nativeConnection, taskQueue: tightQueue, workflowBundle: await workflowBundle(),
      activities: createActivities({ secrets: world.secrets, endpoints: world.endpoints, feed: { parseBudgetMs: 1_000 } }),
    });
    const tightRunning = tight.run();
    const customer = `tight-${randomUUID().slice(0, 8)}`;
    try {
      const endless = Array.from({ length: 40 }, (_, i) => ['BEGIN:VEVENT', `UID:wa-endless-${i}`, 'DTSTAMP:20260101T000000Z',
        `DTSTART:${inDays(2)}T100000Z`, 'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', 'END:VEVENT'].join('\r\n')).join('\r\n');
      world.feed.setBodyFilter(customer, (body) => body.replace('END:VCALENDAR', `${endless}\r\nEND:VCALENDAR`));
      await startIntegration(client, tightQueue, world.settings(customer));
      await assert.rejects(syncNow(client, customer), /FEED_PARSE_BUDGET/);
      const status = await getStatus(client, customer);
      assert.equal(status.state, 'needs_attention');
      assert.equal(status.lastError?.code, 'FEED_PARSE_BUDGET');
      assert.match(status.lastError?.advice ?? '', /WineAround/);
      assert.equal(ownedEvents(world, customer).length, 0, 'nothing written from a feed that could not be read');
      await stopIntegration(client, customer);
    } finally {
      tight.shutdown();
      await tightRunning;
    }
  });
});
