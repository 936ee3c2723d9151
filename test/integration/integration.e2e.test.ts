import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { createActivities } from '../../src/activities';
import { exportHistory } from '../support/histories';
import { getStatus, listIntegrations, startIntegration, stopIntegration, syncNow, updateConfig } from '../../src/ops/integrations';
import { startWebhookServer } from '../../src/webhook/server';
import { integrationWorkflowId } from '../../src/workflows/messages';
import { temporalEnv, workflowBundle } from '../support/temporal';
import { calendarOf, eventually, expectedCalendar, ownedEvents, SECRET, signedRequest, startWorld, type World } from './world';

const rome = (day: string, hour: number) => ({ kind: 'dateTime', dateTime: `${day}T${String(hour).padStart(2, '0')}:00:00`, timeZone: 'Europe/Rome' });
const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

describe('integration end to end (Temporal dev server, real activities, MSAL and Graph client against the emulators)', function () {
  this.timeout(180_000);
  let world: World;
  let client: Client;
  let address: string;
  let taskQueue: string;
  let worker: Worker;
  let running: Promise<void>;
  let webhook: Server;
  let webhookUrl: string;
  const webhookSecret = randomBytes(24).toString('hex');

  before(async () => {
    const { env, server } = await temporalEnv();
    client = env.client;
    address = server.address;
    world = await startWorld();
    taskQueue = `e2e-${randomUUID()}`;
    worker = await Worker.create({
      connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(),
      activities: createActivities({ secrets: world.secrets, endpoints: world.endpoints }),
    });
    running = worker.run();
    webhook = await startWebhookServer({ client, taskQueue, secret: webhookSecret, port: 0, logger: pino({ level: 'silent' }) });
    webhookUrl = `http://127.0.0.1:${(webhook.address() as { port: number }).port}/webhooks/winearound`;
  });

  after(async () => {
    await new Promise((r) => webhook?.close(r));
    worker?.shutdown();
    await running;
    await world?.close();
  });

  const id = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

  it('syncs the feed, then applies webhook notifications within seconds, newest version winning', async () => {
    const customer = id('rossi');
    await startIntegration(client, taskQueue, world.settings(customer));
    // The integration syncs on its own at start: wait for that pass (its status says so), not for a time.
    const started = await eventually(() => getStatus(client, customer), (s) => s.lastSuccessAt !== undefined);
    assert.equal(started.lastSummary?.kind, 'full');
    assert.deepEqual(calendarOf(world, customer), expectedCalendar(world));
    const settled = await syncNow(client, customer);
    assert.equal(settled.created + settled.updated + settled.deleted, 0, 'the start-up reconcile already made the calendar exact');

    const day = inDays(3);
    const booking = (version: number, title: string) => ({
      customerId: customer, eventId: 'wa-new-1', operation: 'upsert', version,
      event: { title, start: rome(day, 15), end: rome(day, 16), allDay: false, location: 'Barricaia' },
    });
    const post = (body: unknown) => fetch(webhookUrl, signedRequest(webhookSecret, body));
    assert.equal((await post(booking(1_700_000_000_000, 'Visita in cantina'))).status, 202);
    await eventually(() => calendarOf(world, customer).get('wa-new-1'), (s) => s === 'Visita in cantina');

    // Out of order: v3 then a late v2. The newest stays.
    assert.equal((await post(booking(1_700_000_300_000, 'Visita in cantina (v3)'))).status, 202);
    assert.equal((await post(booking(1_700_000_200_000, 'Visita in cantina (v2, late)'))).status, 202);
    await eventually(() => calendarOf(world, customer).get('wa-new-1'), (s) => s === 'Visita in cantina (v3)');
    // The late v2 is refused, never queued: the queue drains to empty once v3's batch is recorded.
    await eventually(() => getStatus(client, customer), (s) => s.pendingChanges === 0);
    assert.equal(calendarOf(world, customer).get('wa-new-1'), 'Visita in cantina (v3)');

    assert.equal((await post({ customerId: customer, eventId: 'wa-new-1', operation: 'delete', version: 1_700_000_400_000 })).status, 202);
    await eventually(() => calendarOf(world, customer).has('wa-new-1'), (present) => !present);
    await stopIntegration(client, customer);
  });

  it('rejects unsigned, stale and invalid webhook calls with the right status, and unknown customers with 404', async () => {
    const body = { customerId: id('nobody'), eventId: 'x', operation: 'delete', version: 1 };
    const unsigned = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(unsigned.status, 401);
    const forged = signedRequest('another-secret-entirely-000000', body);
    assert.equal((await fetch(webhookUrl, forged)).status, 401);
    const stale = signedRequest(webhookSecret, body, Math.floor(Date.now() / 1000) - 3600);
    const staleAnswer = await fetch(webhookUrl, stale);
    assert.equal(staleAnswer.status, 401);
    assert.match(((await staleAnswer.json()) as { message: string }).message, /stale/);
    const invalid = await fetch(webhookUrl, signedRequest(webhookSecret, { ...body, operation: 'upsert' }));
    assert.equal(invalid.status, 400);
    assert.match(((await invalid.json()) as { message: string }).message, /event/);
    assert.equal((await fetch(webhookUrl, signedRequest(webhookSecret, body))).status, 404);
  });

  it('holds a wrong secret in needs_attention (INVALID_SECRET in status and list) and recovers on updateConfig, same run', async () => {
    const customer = id('verdi');
    await startIntegration(client, taskQueue, world.settings(customer, { secretRef: 'wrong' }));
    await assert.rejects(syncNow(client, customer), /INVALID_SECRET/);
    const broken = await getStatus(client, customer);
    assert.equal(broken.state, 'needs_attention');
    assert.equal(broken.lastError?.code, 'INVALID_SECRET');
    assert.match(broken.lastError?.advice ?? '', /Certificates & secrets/);
    const listed = await eventually(
      async () => (await listIntegrations(client, { state: 'needs_attention' })).find((l) => l.customerId === customer),
      (l) => l !== undefined,
    );
    assert.equal(listed?.status?.lastError?.code, 'INVALID_SECRET');
    assert.equal(ownedEvents(world, customer).length, 0, 'nothing written with a broken setup');

    const { runId } = await client.workflow.getHandle(integrationWorkflowId(customer)).describe();
    await updateConfig(client, customer, { secretRef: 'good' });
    await syncNow(client, customer);
    const healthy = await getStatus(client, customer);
    assert.equal(healthy.state, 'running');
    assert.deepEqual(calendarOf(world, customer), expectedCalendar(world));
    assert.equal((await client.workflow.getHandle(integrationWorkflowId(customer)).describe()).runId, runId);
    await stopIntegration(client, customer);
  });

  it('keeps the client secret and access tokens out of the exported workflow history', async () => {
    const customer = id('bianchi');
    await startIntegration(client, taskQueue, world.settings(customer));
    await syncNow(client, customer);
    await updateConfig(client, customer, { secretRef: 'wrong' });
    await assert.rejects(syncNow(client, customer));
    await stopIntegration(client, customer);
    const history = exportHistory(address, integrationWorkflowId(customer));
    assert.ok(history.includes('eventType') || history.includes('EVENT_TYPE'), 'a real history was exported');
    assert.ok(!history.includes(SECRET), 'no client secret');
    assert.ok(!history.includes('not-the-secret'), 'no wrong secret either');
    const decoded = Buffer.from(history.match(/"data":\s*"([^"]+)"/g)?.map((m) => m.split('"')[3]).join('') ?? '', 'base64').toString('utf8');
    for (const text of [history, decoded]) {
      assert.ok(!/eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}/.test(text), 'no JWT access token');
      assert.ok(!text.includes(SECRET));
    }
  });
});
