import assert from 'node:assert/strict';
import { checkChange } from '../../src/activities/checks';
import { integrationConfigSchema } from '../../src/sync/integration-config';
import { MAX_PENDING_CHANGES } from '../../src/workflows/change-ledger';
import { fastBatch, Integration, LOCAL_APPLY_MAX, MAX_STEPS_PER_RUN, type ReconcileRun } from '../../src/workflows/integration-model';
import type { ReconcileResult, SyncSummary } from '../../src/reconcile/summary';

const T0 = Date.parse('2027-01-01T00:00:00Z');
const MIN = 60_000;
const config = integrationConfigSchema.parse({
  customerId: 'rossi', tenantId: 'cantinarossi.onmicrosoft.com', clientId: '6f1c2a8e-1d2b-4c3d-9e8f-0a1b2c3d4e5f',
  secretRef: 'rossi-graph', mailbox: 'calendario@cantinarossi.it', feedUrl: 'https://feeds.example/rossi.ics?token=x',
});
const summary = (kind: SyncSummary['kind']): SyncSummary => ({
  kind, at: new Date(T0).toISOString(), durationMs: 1, created: 0, updated: 0, deleted: 0, unchanged: 0, skipped: {}, requests: { feed: 0, graph: 0, token: 0 },
});
const result = (caughtUp: string[] = []): ReconcileResult => ({ summary: summary('full'), cursor: {}, caughtUp });
const upsert = (eventId: string, version: number) => ({
  customerId: 'rossi', eventId, operation: 'upsert', version,
  event: { title: 'Degustazione', allDay: false, start: { kind: 'dateTime', dateTime: '2027-05-01T10:00:00', timeZone: 'Europe/Rome' }, end: { kind: 'dateTime', dateTime: '2027-05-01T11:00:00', timeZone: 'Europe/Rome' } },
});
const invalidSecret = { error: { code: 'INVALID_SECRET', message: 'AADSTS7000215', at: '' } };
const outage = (retryAfterMs?: number) => ({ error: { code: 'UNAVAILABLE', message: '503', at: '' }, retryAfterMs });

function reconcile(integration: Integration, now: number, outcome: ReconcileResult = result()): ReconcileRun {
  const run = integration.beginReconcile(now);
  integration.reconciled(run, outcome, now);
  integration.endReconcile(run, now);
  return run;
}

/** A new integration whose config the first step checked. */
function started(): Integration {
  const integration = new Integration(config, undefined, T0);
  assert.deepEqual(integration.nextStep(T0, true, false), { kind: 'check' }, 'a new integration checks its config first');
  integration.configChecked(config);
  return integration;
}

/** A notification received and checked, as the workflow's check step does it when it does not take the fast path. */
function deliver(integration: Integration, raw: unknown, now: number): void {
  integration.receive(raw);
  assert.equal(integration.nextStep(now, true, false).kind, 'check', 'a received notification is checked first');
  integration.checked(integration.beginCheck().raws.map(checkChange), now);
}

/** A started integration whose start-up reconcile has run. */
function settled(): Integration {
  const integration = started();
  reconcile(integration, T0);
  return integration;
}

describe('Integration model: the workflow\'s rules without a server', () => {
  it('reconciles at start, then waits for the interval', () => {
    const integration = started();
    assert.deepEqual(integration.nextStep(T0, true, false), { kind: 'reconcile' });
    reconcile(integration, T0);
    assert.deepEqual(integration.nextStep(T0, true, false), { kind: 'wait', until: T0 + config.reconcileIntervalMs, reason: 'next reconcile' });
    assert.deepEqual(integration.nextStep(T0 + config.reconcileIntervalMs, true, false), { kind: 'reconcile' });
  });

  it('applies a signalled change at once, and after a failure waits what the server asked', () => {
    const integration = settled();
    deliver(integration, upsert('bk-1', 1), T0);
    assert.equal(integration.nextStep(T0, true, false).kind, 'apply');
    const { changes } = integration.beginApply();
    assert.equal(changes.length, 1);
    assert.equal(integration.applyFailed(outage(5_000), T0), false, 'a transient failure needs no diagnosis');
    assert.deepEqual(integration.nextStep(T0, true, false), { kind: 'wait', until: T0 + 5_000, reason: 'retry the held changes' });
    assert.equal(integration.nextStep(T0 + 5_000, true, false).kind, 'apply');
  });

  it('applies a small batch on the fast path (a local activity) only while steps succeed', () => {
    const integration = settled();
    deliver(integration, upsert('bk-1', 1), T0);
    assert.equal(integration.beginApply().local, true, 'one change, nothing failing: in the same workflow task');
    integration.applyFailed(outage(), T0);
    assert.equal(integration.beginApply().local, false, 'after a failure: the durable activity, with its retries');
    integration.applied(summary('changes'), T0);
    for (let i = 0; i <= LOCAL_APPLY_MAX; i++) deliver(integration, upsert(`bk-${i}`, 2), T0);
    const large = integration.beginApply();
    assert.equal(large.changes.length, LOCAL_APPLY_MAX + 1);
    assert.equal(large.local, false, 'more than one Graph batch: the durable activity, which heartbeats');
  });

  it('checks and applies notifications in one step when nothing else is queued, writing exactly the batch the usual steps would', () => {
    const integration = settled();
    deliver(integration, upsert('bk-1', 5), T0);
    integration.beginApply();
    integration.applied(summary('changes'), T0); // bk-1 v5 written
    const raws = [upsert('bk-1', 4), upsert('bk-2', 1), { ...upsert('bk-3', 1), customerId: 'bianchi' }, { ...upsert('bk-4', 1), event: {} }, upsert('bk-2', 3), upsert('bk-2', 2)];
    // The same notifications through the usual steps, on a copy: check, then the batch taken.
    const usual = new Integration(config, integration.carry(), T0);
    for (const raw of raws) usual.receive(raw);
    usual.checked(usual.beginCheck().raws.map(checkChange), T0);
    const usualBatch = usual.beginApply().changes;

    for (const raw of raws) integration.receive(raw);
    assert.equal(integration.nextStep(T0, true, false).kind, 'check');
    const { raws: taken, fast } = integration.beginCheck();
    assert.ok(fast, 'running, nothing queued, a small batch: the fast path');
    const verdicts = taken.map(checkChange);
    const batch = fastBatch(verdicts, fast);
    assert.deepEqual(batch.map((c) => [c.eventId, c.version]), [['bk-2', 3]], 'stale, foreign, invalid and superseded notifications are not written');
    assert.deepEqual(batch, usualBatch);
    integration.checkedAndApplied(verdicts, summary('changes'), T0);
    const status = integration.status(T0);
    assert.deepEqual([status.pendingChanges, status.rejectedSignals], [0, 2]);
    // What was written is remembered: an older version arriving later is stale.
    deliver(integration, upsert('bk-2', 2), T0);
    assert.equal(integration.status(T0).pendingChanges, 0);
  });

  it('takes the usual steps after a failed fast try, and for a large, paused or queued-behind batch', () => {
    const integration = settled();
    integration.receive(upsert('bk-1', 1));
    const { raws, fast } = integration.beginCheck();
    assert.ok(fast);
    integration.fastFailed(raws);
    assert.equal(integration.status(T0).pendingChanges, 1, 'the notification is kept');
    assert.equal(integration.nextStep(T0, true, false).kind, 'check', 'and checked again at once');
    const again = integration.beginCheck();
    assert.equal(again.fast, undefined, 'by the usual steps');
    integration.checked(again.raws.map(checkChange), T0);
    assert.equal(integration.beginApply().local, false, 'written by the durable activity');
    integration.applied(summary('changes'), T0);
    // After a success, the fast path again; not for more than one batch, nor behind queued changes.
    for (let i = 0; i <= LOCAL_APPLY_MAX; i++) integration.receive(upsert(`bk-${i}`, 2));
    const large = integration.beginCheck();
    assert.equal(large.fast, undefined, 'more notifications than one Graph batch');
    integration.checked(large.raws.map(checkChange), T0);
    integration.receive(upsert('bk-99', 1));
    assert.equal(integration.beginCheck().fast, undefined, 'behind queued changes: in order, by the usual steps');
  });

  it('rejects and counts an invalid or foreign notification without queueing it', () => {
    const integration = settled();
    deliver(integration, { ...upsert('bk-1', 1), event: { title: 'x' } }, T0);
    assert.match(integration.status(T0).lastRejectedSignal ?? '', /eventChanged\.event/);
    deliver(integration, { ...upsert('bk-1', 1), customerId: 'bianchi' }, T0);
    assert.match(integration.status(T0).lastRejectedSignal ?? '', /customerId: "bianchi" is not this integration's customer/);
    const status = integration.status(T0);
    assert.equal(status.rejectedSignals, 2);
    assert.equal(status.pendingChanges, 0);
  });

  it('never spins: with a hand-off due it ends, serves a waiting syncNow, or waits for the handlers', () => {
    const integration = settled();
    deliver(integration, upsert('bk-1', 1), T0);
    // Changes queued, hand-off suggested, a handler unfinished, no sync waiting: wait for the handler.
    assert.equal(integration.nextStep(T0, false, true).kind, 'wait');
    assert.deepEqual(integration.nextStep(T0, true, true), { kind: 'hand-off' });
    // A syncNow waits: changes first (the answer covers them), then its pass; then the hand-off.
    const ticket = integration.requestSync(false);
    assert.equal(integration.nextStep(T0, false, true).kind, 'apply');
    integration.beginApply();
    integration.applied(summary('changes'), T0);
    assert.equal(integration.nextStep(T0, false, true).kind, 'reconcile');
    const run = integration.beginReconcile(T0);
    integration.reconciled(run, result(), T0);
    assert.deepEqual(integration.syncAnswer(ticket), { done: false }, 'answered only once the pass is over');
    integration.endReconcile(run, T0);
    assert.deepEqual(integration.syncAnswer(ticket), { done: true, summary: summary('full') });
    assert.equal(integration.nextStep(T0, false, true).kind, 'wait', 'the answered handler has yet to return');
    assert.deepEqual(integration.nextStep(T0, true, true), { kind: 'hand-off' });
  });

  it('hands off after a bounded number of steps even without the server\'s suggestion', () => {
    const integration = settled();
    while (integration.steps < MAX_STEPS_PER_RUN) {
      deliver(integration, upsert(`bk-${integration.steps}`, 1), T0);
      integration.beginApply();
      integration.applied(summary('changes'), T0);
    }
    assert.deepEqual(integration.nextStep(T0, true, false), { kind: 'hand-off' });
  });

  it('holds a paused integration: syncNow refused, waiting ones cancelled, changes queued; resume runs at once', () => {
    const integration = settled();
    const ticket = integration.requestSync(false);
    integration.pause();
    assert.deepEqual(integration.syncAnswer(ticket), { done: true, cancelled: 'PAUSED' });
    assert.throws(() => integration.checkSyncAccepted(), /paused/);
    deliver(integration, upsert('bk-1', 1), T0);
    assert.deepEqual(integration.nextStep(T0 + 10 * MIN, true, false), { kind: 'wait', reason: 'paused: resume, stop or new changes' });
    assert.equal(integration.status(T0).nextRunAt, undefined);
    integration.resume(T0 + MIN);
    assert.equal(integration.nextStep(T0 + MIN, true, false).kind, 'apply');
  });

  it('holds in needs_attention on a config error, diagnoses a new problem once, and again after a config change', () => {
    const integration = started();
    let run: ReconcileRun = integration.beginReconcile(T0);
    assert.equal(integration.reconcileFailed(run, invalidSecret), true);
    integration.endReconcile(run, T0);
    assert.equal(integration.state, 'needs_attention');
    assert.deepEqual(integration.nextStep(T0, true, false), { kind: 'wait', until: T0 + config.attentionRecheckMs, reason: "re-check the customer's setup" });
    run = integration.beginReconcile(T0 + config.attentionRecheckMs);
    assert.equal(integration.reconcileFailed(run, invalidSecret), false, 'the same problem is not diagnosed again');
    integration.endReconcile(run, T0);
    integration.updateConfig({ secretRef: 'rossi-graph-2' }, T0);
    assert.equal(integration.nextStep(T0, true, false).kind, 'reconcile', 'a config change re-checks at once');
    run = integration.beginReconcile(T0);
    assert.equal(run.input.mode, 'full');
    assert.equal(integration.reconcileFailed(run, invalidSecret), true, 'a changed setup is diagnosed');
    integration.endReconcile(run, T0);
    reconcile(integration, T0);
    assert.equal(integration.state, 'running');
    assert.equal(integration.lastError, undefined);
  });

  it('tells each reconcile the signalled upserts a lagging feed must not undo, until the feed lists them', () => {
    const integration = settled();
    deliver(integration, upsert('bk-new', 5), T0);
    integration.beginApply();
    integration.applied(summary('changes'), T0);
    const run = reconcile(integration, T0, result(['bk-new']));
    assert.deepEqual(run.input.recentUpserts, { 'bk-new': 5 });
    assert.deepEqual(integration.beginReconcile(T0).input.recentUpserts, {});
  });

  it('does not let a reconcile begun before a config change keep its cursor', () => {
    const integration = settled();
    const run = integration.beginReconcile(T0);
    integration.updateConfig({ mailbox: 'altro@cantinarossi.it' }, T0);
    integration.reconciled(run, { ...result(), cursor: { deltaLink: 'old-mailbox' } }, T0);
    integration.endReconcile(run, T0);
    assert.equal(integration.beginReconcile(T0).input.cursor, null);
  });

  it('keeps the last reconcile\'s unreadable bookings in view after a batch of signalled changes', () => {
    const integration = started();
    reconcile(integration, T0, { ...result(), summary: { ...summary('full'), skippedBookings: [{ uid: 'wa-bk-2', code: 'INVALID_DTSTART' }] } });
    deliver(integration, upsert('bk-1', 1), T0);
    integration.beginApply();
    integration.applied(summary('changes'), T0);
    assert.equal(integration.lastSummary?.kind, 'changes');
    assert.deepEqual(integration.lastSummary?.skippedBookings, [{ uid: 'wa-bk-2', code: 'INVALID_DTSTART' }]);
  });

  it('checks notifications before anything else, even paused; a failed check holds them, and they travel with a hand-off', () => {
    const integration = settled();
    integration.pause();
    integration.receive(upsert('bk-1', 1));
    assert.equal(integration.status(T0).pendingChanges, 1, 'an unchecked notification counts as pending');
    assert.equal(integration.nextStep(T0, true, true).kind, 'check', 'before the hand-off, and while paused');
    const { raws: taken, fast } = integration.beginCheck();
    assert.equal(fast, undefined, 'paused: no write');
    assert.equal(integration.status(T0).pendingChanges, 1, 'a notification being checked still counts as pending');
    integration.receive(upsert('bk-2', 1)); // arrives while the check runs
    integration.checkFailed(taken, T0);
    assert.deepEqual(integration.nextStep(T0, true, false), { kind: 'wait', until: T0 + MIN, reason: 'paused: resume, stop or new changes' });
    assert.equal(integration.status(T0).pendingChanges, 2);
    // Handed off before the retry: the next run starts with both, in order, still to check.
    const next = new Integration(config, integration.carry(), T0);
    assert.equal(next.nextStep(T0, true, false).kind, 'check');
    assert.deepEqual(next.beginCheck().raws.map((raw) => (raw as { eventId: string }).eventId), ['bk-1', 'bk-2']);
  });

  it('tries the start config\'s check again when it could not run, instead of ending the integration', () => {
    const integration = new Integration(config, undefined, T0);
    assert.equal(integration.nextStep(T0, true, false).kind, 'check');
    integration.configCheckFailed(T0); // e.g. the local activity timed out on a starved worker
    assert.deepEqual(integration.nextStep(T0, true, false), { kind: 'wait', until: T0 + MIN, reason: 'check the settings again' });
    assert.equal(integration.nextStep(T0 + MIN, true, false).kind, 'check');
    integration.stop();
    assert.equal(integration.nextStep(T0, true, false).kind, 'stop', 'a stop is not held up by the check');
  });

  it('applies config changes in the order they arrived, whichever check finishes first, and only after the start config\'s', () => {
    const integration = new Integration(config, undefined, T0);
    const first = integration.beginConfigChange();
    const second = integration.beginConfigChange();
    assert.equal(integration.configChangeDue(first), false, 'the start config is not checked yet');
    integration.configChecked(config);
    assert.equal(integration.configChangeDue(second), false, 'the second waits for the first, even if its check finished first');
    assert.equal(integration.configChangeDue(first), true);
    integration.endConfigChange();
    assert.equal(integration.configChangeDue(second), true);
  });

  it('drops unchecked notifications beyond the queue\'s bound for a full reconcile from the feed', () => {
    const integration = settled();
    for (let i = 0; i <= MAX_PENDING_CHANGES; i += 1) integration.receive(upsert(`bk-${i}`, 1));
    assert.equal(integration.status(T0).pendingChanges, 0, 'dropped, not kept without bound');
    assert.equal(integration.nextStep(T0, true, false).kind, 'reconcile');
    assert.equal(integration.beginReconcile(T0).input.mode, 'full');
  });
});
