import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { WorkflowUpdateStage, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  getStatus, listIntegrations, notifyEventChanged, OpsError, pauseIntegration, resumeIntegration,
  startIntegration, stopIntegration, syncNow, updateConfig,
} from '../../src/ops/integrations';
import { integrationWorkflowId, syncNowUpdate } from '../../src/workflows/messages';
import { MAX_PENDING_CHANGES } from '../../src/workflows/integration';
import { exportHistory, recordHistory } from '../support/histories';
import { eventually } from '../integration/world';
import { rossiSettings as settings } from '../support/settings';
import { SUGGEST_CONTINUE_AS_NEW_AT, temporalEnv, workflowBundle } from '../support/temporal';
import { fakeActivities } from './fake-activities';


const upsert = (customerId: string, eventId: string, version: number, title = 'Degustazione') => ({
  customerId, eventId, operation: 'upsert', version,
  event: { title, start: { kind: 'dateTime', dateTime: '2027-05-01T10:00:00', timeZone: 'Europe/Rome' }, end: { kind: 'dateTime', dateTime: '2027-05-01T11:30:00', timeZone: 'Europe/Rome' }, allDay: false },
});

describe('integration workflow lifecycle (real Temporal dev server, fake activities)', function () {
  this.timeout(120_000);
  let client: Client;
  let address: string;
  let taskQueue: string;
  let fake: ReturnType<typeof fakeActivities>;
  let worker: Worker;
  let running: Promise<void>;

  before(async () => {
    const { env, server } = await temporalEnv();
    client = env.client;
    address = server.address;
    taskQueue = `lifecycle-${randomUUID()}`;
    fake = fakeActivities();
    worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: fake.activities });
    running = worker.run();
  });

  after(async () => {
    worker.shutdown();
    await running;
  });

  const id = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

  it('starts, reports status, lists by search attribute, refuses a second start, and stops', async () => {
    const customer = id('rossi');
    assert.equal(await startIntegration(client, taskQueue, settings(customer)), integrationWorkflowId(customer));
    await assert.rejects(startIntegration(client, taskQueue, settings(customer)), (err: Error) => err instanceof OpsError && /already running/.test(err.message));
    const status = await getStatus(client, customer);
    assert.equal(status.state, 'running');
    assert.equal(status.feed, 'https://feeds.winearound.example/cal/rossi.ics?…', 'the feed token is redacted');
    let listed;
    for (let i = 0; i < 50 && !listed; i++) {
      listed = (await listIntegrations(client)).find((l) => l.customerId === customer);
      if (!listed) await new Promise((r) => setTimeout(r, 200)); // visibility is eventually consistent
    }
    assert.ok(listed, 'list shows the integration');
    assert.equal(listed.state, 'running');
    const final = await stopIntegration(client, customer);
    assert.equal(final?.state, 'stopped');
    recordHistory(address, 'start-status-stop', integrationWorkflowId(customer));
    await assert.rejects(getStatus(client, id('nobody')), (err: Error) => err instanceof OpsError && /No running integration/.test(err.message));
  });

  it('rejects invalid settings with the field named', async () => {
    await assert.rejects(
      startIntegration(client, taskQueue, settings(id('bad'), { clientId: 'not-a-guid', secretRef: 'abc~8Q.secretvalue' })),
      (err: Error) => /config\.clientId: must be the Application \(client\) ID/.test(err.message) && /config\.secretRef: must be the \*name\*/.test(err.message),
    );
  });

  it('fails a workflow started around the ops layer with settings it cannot use, naming the field', async () => {
    const customer = id('direct');
    // As `temporal workflow start` could: no validation at the edge, and the feed URL is not even a string.
    const handle = await client.workflow.start('integrationWorkflow', {
      taskQueue, workflowId: integrationWorkflowId(customer), args: [{ config: { ...settings(customer), feedUrl: 42 } }],
    });
    await assert.rejects(handle.result(), (err: Error) => {
      const cause = (err as { cause?: { type?: string; message?: string } }).cause;
      return cause?.type === 'INVALID_CONFIG' && /config\.feedUrl/.test(cause.message ?? '');
    });
  });

  it('rejects mapping settings the sync could not use, before anything starts', async () => {
    await assert.rejects(
      startIntegration(client, taskQueue, settings(id('bad'), { timeZone: 'Europe/Roma', mapping: { subjectTemplate: '{guestName}' } })),
      (err: Error) => /config\.timeZone: expected an IANA time zone/.test(err.message) && /config\.mapping\.subjectTemplate: must contain \{title\}/.test(err.message),
    );
  });

  it('merges a partial mapping change into the current settings', async () => {
    const customer = id('merge');
    await startIntegration(client, taskQueue, settings(customer, { mapping: { subjectTemplate: '{title} ({partySize})', reminderMinutes: 30 } }));
    await updateConfig(client, customer, { mapping: { includeGuestDetails: true } });
    await syncNow(client, customer);
    const last = fake.reconciledConfigs.filter((c) => c.customerId === customer).at(-1);
    assert.deepEqual(last?.mapping, { subjectTemplate: '{title} ({partySize})', reminderMinutes: 30, includeGuestDetails: true });
    await stopIntegration(client, customer);
  });

  it('takes a config change sent before its first workflow task, after the start config is checked', async () => {
    const customer = id('early');
    const queue = `lifecycle-early-${randomUUID()}`; // no worker yet: the change arrives with the first task
    await startIntegration(client, queue, settings(customer, { mapping: { reminderMinutes: 30 } }));
    const changed = updateConfig(client, customer, { mapping: { includeGuestDetails: true } });
    const early = await Worker.create({ connection: (await temporalEnv()).env.nativeConnection, taskQueue: queue, workflowBundle: await workflowBundle(), activities: fake.activities });
    await early.runUntil(async () => {
      const status = await changed;
      assert.equal(status.state, 'running');
      await syncNow(client, customer);
      const last = fake.reconciledConfigs.filter((c) => c.customerId === customer).at(-1);
      assert.deepEqual(last?.mapping, { reminderMinutes: 30, includeGuestDetails: true }, 'the change applies on top of the checked start config');
      await stopIntegration(client, customer);
    });
  });

  it('coalesces signals per event, newest version wins, and drops invalid ones without harm', async () => {
    const customer = id('bianchi');
    await startIntegration(client, taskQueue, settings(customer));
    await pauseIntegration(client, customer); // queue up while paused, so the coalescing is visible
    const handle = client.workflow.getHandle(integrationWorkflowId(customer));
    await handle.signal('eventChanged', upsert(customer, 'bk-1', 3, 'Tour v3'));
    await handle.signal('eventChanged', upsert(customer, 'bk-1', 2, 'Tour v2 (late)'));
    await handle.signal('eventChanged', { customerId: customer, eventId: 'bk-2', operation: 'upsert', version: 1, event: { title: 'x' } });
    await handle.signal('eventChanged', upsert('someone-else', 'bk-3', 1));
    // Notifications are validated by a check step after they arrive: wait for its verdicts.
    const paused = await eventually(() => getStatus(client, customer), (s) => s.rejectedSignals === 2);
    assert.equal(paused.state, 'paused');
    assert.equal(paused.pendingChanges, 1);
    assert.equal(paused.rejectedSignals, 2);
    assert.match(paused.lastRejectedSignal ?? '', /customerId/);
    await resumeIntegration(client, customer);
    const summary = await syncNow(client, customer);
    assert.equal(summary.kind, 'full');
    const applied = fake.applied.filter((c) => c.customerId === customer);
    assert.deepEqual(applied.map((c) => [c.eventId, c.version]), [['bk-1', 3]]);
    // An older version arriving after the newer one was applied is dropped as stale.
    await handle.signal('eventChanged', upsert(customer, 'bk-1', 1, 'v1'));
    await syncNow(client, customer);
    assert.equal(fake.applied.filter((c) => c.customerId === customer).length, 1);
    await stopIntegration(client, customer);
    recordHistory(address, 'signals-pause-resume-sync-now', integrationWorkflowId(customer));
  });

  it('holds in needs_attention on a configuration error and recovers on updateConfig without a restart', async () => {
    const customer = id('verdi');
    await startIntegration(client, taskQueue, settings(customer, { secretRef: 'wrong-secret' }));
    const handle = client.workflow.getHandle(integrationWorkflowId(customer));
    await assert.rejects(syncNow(client, customer), /AADSTS7000215/);
    const broken = await getStatus(client, customer);
    assert.equal(broken.state, 'needs_attention');
    assert.equal(broken.lastError?.code, 'INVALID_SECRET');
    assert.equal(broken.diagnosis?.checks[0].code, 'INVALID_SECRET');
    const { runId } = await handle.describe();
    const fixed = await updateConfig(client, customer, { secretRef: 'good-secret' });
    assert.equal(fixed.secretRef, 'good-secret');
    await syncNow(client, customer);
    const healthy = await getStatus(client, customer);
    assert.equal(healthy.state, 'running');
    assert.equal(healthy.lastError, undefined);
    assert.equal((await handle.describe()).runId, runId, 'same run: no restart');
    await stopIntegration(client, customer);
    recordHistory(address, 'needs-attention-update-config', integrationWorkflowId(customer));
  });

  it('replaces an overlong queue of changes with a full reconcile, so that it always fits one payload', async () => {
    const customer = id('flood');
    await startIntegration(client, taskQueue, settings(customer));
    await pauseIntegration(client, customer);
    const handle = client.workflow.getHandle(integrationWorkflowId(customer));
    for (let i = 0; i < MAX_PENDING_CHANGES; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => handle.signal('eventChanged', upsert(customer, `bk-${i + j}`, 1))));
    }
    // A query may be answered before the workflow has taken in the last signals: wait for the count it settles on.
    await eventually(() => getStatus(client, customer), (s) => s.pendingChanges === MAX_PENDING_CHANGES);
    await handle.signal('eventChanged', upsert(customer, 'one-too-many', 1));
    await eventually(() => getStatus(client, customer), (s) => s.pendingChanges === 0);
    await resumeIntegration(client, customer);
    const summary = await syncNow(client, customer);
    assert.equal(summary.kind, 'full');
    assert.equal(fake.applied.filter((c) => c.customerId === customer).length, 0, 'the feed, not the dropped queue, is applied');
    await stopIntegration(client, customer);
  });

  it('applies a burst of 200 signals across continue-as-new without losing one', async () => {
    const customer = id('burst');
    await notifyEventChanged(client, taskQueue, upsert(customer, 'bk-0', 1), settings(customer));
    await Promise.all(Array.from({ length: 199 }, (_, i) => notifyEventChanged(client, taskQueue, upsert(customer, `bk-${i + 1}`, 1))));
    const handle = client.workflow.getHandle(integrationWorkflowId(customer));
    const firstRun = (await handle.describe()).runId;
    await syncNow(client, customer); // answers after every change received before it is applied
    // Keep signalling until the history is long enough for the server to suggest continue-as-new.
    for (let v = 2; (await handle.describe()).runId === firstRun && v < 200; v++) {
      await notifyEventChanged(client, taskQueue, upsert(customer, 'bk-0', v));
      await syncNow(client, customer);
    }
    assert.notEqual((await handle.describe()).runId, firstRun, 'continued as new');
    const done = new Set(fake.applied.filter((c) => c.customerId === customer).map((c) => c.eventId));
    assert.equal(done.size, 200);
    await stopIntegration(client, customer);
    recordHistory(address, 'burst-before-continue-as-new', integrationWorkflowId(customer), firstRun);
    recordHistory(address, 'burst-after-continue-as-new', integrationWorkflowId(customer));
  });

  it('applies a signalled change in the workflow task that took it in, and falls back to the durable activity when that try fails', async () => {
    const customer = id('fast');
    await startIntegration(client, taskQueue, settings(customer));
    await syncNow(client, customer);
    const handle = client.workflow.getHandle(integrationWorkflowId(customer));
    const before = { ...fake.applyCalls };
    await handle.signal('eventChanged', upsert(customer, 'bk-1', 1));
    await syncNow(client, customer);
    assert.deepEqual(fake.applyCalls, { local: before.local + 1, durable: before.durable }, 'the fast path alone');

    // A transient failure of the fast try: the durable activity applies it, once, and nothing is reported.
    fake.failLocalApplies(ApplicationFailure.create({ message: 'Graph answered 503', type: 'UNAVAILABLE' }));
    await handle.signal('eventChanged', upsert(customer, 'bk-2', 1));
    await syncNow(client, customer);
    assert.deepEqual(fake.applyCalls, { local: before.local + 2, durable: before.durable + 1 });
    assert.deepEqual(fake.applied.filter((c) => c.customerId === customer).map((c) => c.eventId), ['bk-1', 'bk-2']);
    assert.equal((await getStatus(client, customer)).state, 'running', 'a transient failure of the fast try is not the customer\'s problem');

    // A verdict (the customer's setup refuses): no durable retry, the integration needs attention.
    fake.failLocalApplies(ApplicationFailure.create({ message: 'The token endpoint refused the app: AADSTS7000215.', type: 'INVALID_SECRET', nonRetryable: true }));
    await handle.signal('eventChanged', upsert(customer, 'bk-3', 1));
    const status = await eventually(() => getStatus(client, customer), (s) => s.state === 'needs_attention');
    assert.equal(status.lastError?.code, 'INVALID_SECRET');
    assert.equal(fake.applyCalls.durable, before.durable + 1, 'a verdict is not tried again elsewhere');
    fake.failLocalApplies(undefined);
    await stopIntegration(client, customer);
    recordHistory(address, 'fast-path-fallback-and-verdict', integrationWorkflowId(customer));
  });

  it('takes in a burst of signals that arrives while a change is applied in its workflow task, losing none', async () => {
    const customer = id('burst-local');
    await startIntegration(client, taskQueue, settings(customer));
    await syncNow(client, customer);
    const handle = client.workflow.getHandle(integrationWorkflowId(customer));
    const hold = fake.holdApplies();
    await handle.signal('eventChanged', upsert(customer, 'bk-0', 1));
    await hold.entered; // the fast path holds the workflow task open: the signals below wait in the server's buffer
    const burst = Array.from({ length: 150 }, (_, i) => `bk-${i + 1}`);
    for (const eventId of burst) await handle.signal('eventChanged', upsert(customer, eventId, 1));
    hold.open();
    assert.ok(fake.applyCalls.local > 0, 'bk-0 was held on the fast path');
    await eventually(() => getStatus(client, customer), (s) => s.pendingChanges === 0, 60_000);
    await eventually(() => syncNow(client, customer), () => true, 60_000); // refused while a workflow task is retried
    const done = new Set(fake.applied.filter((c) => c.customerId === customer).map((c) => c.eventId));
    assert.deepEqual([...burst, 'bk-0'].filter((e) => !done.has(e)), [], 'every signalled change applied');
    assert.equal((await getStatus(client, customer)).state, 'running');
    await stopIntegration(client, customer);
  });

  it('never lets a late, older upsert bring back a booking while its newer delete is being applied', async () => {
    const customer = id('late');
    await startIntegration(client, taskQueue, settings(customer));
    await syncNow(client, customer);
    const handle = client.workflow.getHandle(integrationWorkflowId(customer));
    const hold = fake.holdApplies();
    await handle.signal('eventChanged', { customerId: customer, eventId: 'bk-1', operation: 'delete', version: 3 });
    await hold.entered; // delete v3 is in flight
    await handle.signal('eventChanged', upsert(customer, 'bk-1', 2, 'late v2'));
    hold.open();
    await syncNow(client, customer); // answers after every change received before it
    const applied = fake.applied.filter((c) => c.customerId === customer).map((c) => [c.operation, c.version]);
    assert.deepEqual(applied, [['delete', 3]]);
    const status = await getStatus(client, customer);
    assert.equal(status.pendingChanges, 0);
    await stopIntegration(client, customer);
  });

  it('continues as new with every change applied when the hand-off falls due while a syncNow waits and changes are queued', async () => {
    const customer = id('handoff');
    await startIntegration(client, taskQueue, settings(customer));
    await syncNow(client, customer);
    const handle = client.workflow.getHandle(integrationWorkflowId(customer));
    const firstRun = (await handle.describe()).runId;
    // The batch held is the durable activity's (its fast try fails): a local one would hold the
    // workflow task open, and the test below is about messages recorded while a batch is in flight.
    fake.failLocalApplies(ApplicationFailure.create({ message: 'Graph answered 503', type: 'UNAVAILABLE' }));
    const hold = fake.holdApplies();
    await handle.signal('eventChanged', upsert(customer, 'bk-0', 1));
    await hold.entered; // a batch is in flight; everything below waits behind it
    fake.failLocalApplies(undefined);
    // Grow the history past the server's continue-as-new suggestion, queueing changes as it grows.
    let sent = 1;
    while ((await handle.describe()).historyLength <= SUGGEST_CONTINUE_AS_NEW_AT) {
      await handle.signal('eventChanged', upsert(customer, `bk-${sent}`, 1));
      sent += 1;
    }
    const sync = await handle.startUpdate(syncNowUpdate, { args: [{}], waitForStage: WorkflowUpdateStage.ACCEPTED });
    hold.open(); // now: hand-off due, a syncNow waiting, changes queued
    await sync.result();
    await syncNow(client, customer); // served by whichever run is current, after its queued changes
    assert.notEqual((await handle.describe()).runId, firstRun, 'continued as new');
    const done = new Set(fake.applied.filter((c) => c.customerId === customer).map((c) => c.eventId));
    assert.equal(done.size, sent, 'every signalled change applied');
    await stopIntegration(client, customer);
    recordHistory(address, 'hand-off-with-sync-waiting', integrationWorkflowId(customer), firstRun);
  });

  it('tells its story in the Temporal UI: summary, current details, activity and timer summaries, error code attribute', async () => {
    const customer = id('story');
    await startIntegration(client, taskQueue, settings(customer, { secretRef: 'wrong-secret' }));
    const handle = client.workflow.getHandle(integrationWorkflowId(customer));
    await assert.rejects(syncNow(client, customer), /AADSTS7000215/);
    const description = await handle.describe();
    assert.match((await description.staticSummary()) ?? '', new RegExp(`${customer}: calendario@cantinarossi.it`));
    const details = (await description.staticDetails()) ?? '';
    assert.match(details, /reconcile every 60 min/);
    assert.match(details, /^\*\*Customer\*\* `[^`]+`\n\n- mailbox/, 'a blank line before the list, or the UI renders one paragraph');
    assert.ok(!details.includes('s3cret'), 'no feed token');
    const attention = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    assert.match(attention.currentDetails, /\*\*needs_attention\*\*/);
    assert.match(attention.currentDetails, /Last error `INVALID_SECRET`/);
    assert.match(attention.currentDetails, /Fix: Create a new client secret/);
    const listed = await eventually(
      async () => (await listIntegrations(client)).find((l) => l.customerId === customer && l.errorCode === 'INVALID_SECRET'),
      (l) => l !== undefined,
    );
    assert.ok(listed);

    await updateConfig(client, customer, { secretRef: 'good-secret' });
    await syncNow(client, customer);
    await handle.signal('eventChanged', upsert(customer, 'bk-1', 1));
    await handle.signal('eventChanged', { customerId: customer, eventId: 'bk-2', operation: 'delete', version: 1 });
    await syncNow(client, customer);
    const healthy = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    assert.match(healthy.currentDetails, /\*\*running\*\*/);
    await stopIntegration(client, customer);

    const history = JSON.parse(exportHistory(address, integrationWorkflowId(customer))) as { events: { eventType: string; userMetadata?: { summary?: { data?: string } } }[] };
    const summaries = history.events
      .filter((e) => e.userMetadata?.summary?.data)
      .map((e) => `${e.eventType}: ${JSON.parse(Buffer.from(e.userMetadata!.summary!.data!, 'base64').toString('utf8'))}`);
    assert.ok(summaries.some((s) => /ACTIVITY_TASK_SCHEDULED: reconcile: full pass/.test(s)), summaries.join('\n'));
    assert.ok(summaries.some((s) => /ACTIVITY_TASK_SCHEDULED: diagnose the customer's setup/.test(s)));
    // A few notifications are checked and applied by one local activity: its marker carries the summary.
    assert.ok(summaries.some((s) => /MARKER_RECORDED: check and apply (1 notification|2 notifications)$/.test(s)), summaries.join('\n'));
    assert.ok(summaries.some((s) => /TIMER_STARTED: (re-check the customer's setup|next reconcile)/.test(s)));
  });
});
