import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  CancellationScope,
  CancelledFailure,
  TemporalFailure,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CheckActivities, CheckedChange } from '../activities/checks';
import type { EventChange } from '../winearound/notification';
import type { IntegrationConfig, IntegrationConfigInput } from '../sync/integration-config';
import { describeDetails } from './integration-details';
import { Integration, type CarriedState, type StepFailure } from './integration-model';
import {
  eventChangedSignal,
  pauseSignal,
  resumeSignal,
  statusQuery,
  stopSignal,
  syncNowUpdate,
  updateConfigUpdate,
  type SyncNowOptions,
} from './messages';
import { customerIdKey, errorCodeKey, integrationStatusKey } from './search-attributes';
import type { IntegrationStatus } from './status';

export type { CarriedState } from './integration-model';
export { MAX_PENDING_CHANGES } from './change-ledger';

/**
 * One customer integration, alive for as long as the customer uses it: applies WineAround's
 * event changes as they are signalled, reconciles the whole window on an interval, and holds in
 * `needs_attention` (never failing) while the customer's setup is broken. The rules live in
 * `Integration` (integration-model.ts); this function only wires the messages to it, runs the
 * activity each step asks for, and waits. All I/O is in activities, and so is validation
 * (src/activities/checks.ts): the bundle each cached workflow instantiates holds no schema library.
 */

const { reconcile, applyChanges } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  // Bounded so that a long outage returns control to the loop (which records it and tries again
  // next cycle) instead of blocking signals behind one endless activity.
  scheduleToCloseTimeout: '15 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes' },
});

// The fast path for a small batch: once, inside the workflow task that took the signal in (no
// trip through the server before the write): the notifications checked and written by one local
// activity, or a checked batch written. A failure falls back to the usual steps (a verdict on a
// checked batch is final); a repeat is safe (creates carry a transactionId, updates and deletes are
// idempotent). Short: the workflow task stays open meanwhile, and signals arriving then wait in the
// server's buffer (past 100 of them the server fails the task and it is retried: slower, nothing lost).
const { applyChanges: applyChangesNow, checkAndApplyChanges } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '3 seconds',
  retry: { maximumAttempts: 1 },
});

const { diagnose } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3 },
});

// Validation: pure and quick, retried only if no worker could run it (e.g. during a deployment).
const { checkConfig, checkConfigPatch, checkChanges } = proxyLocalActivities<CheckActivities>({
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});

export interface IntegrationInput {
  config: IntegrationConfigInput;
  carried?: CarriedState;
}

export async function integrationWorkflow(input: IntegrationInput): Promise<IntegrationStatus> {
  // Handlers are wired before anything awaits: every message of the first activation meets them.
  const integration = new Integration(input.config as IntegrationConfig, input.carried, Date.now());

  // What the UI and `wa-outlook list` show: search attributes and the current details, kept in step.
  let published = '';
  const publish = () => {
    if (integration.needsConfigCheck) return; // nothing to show from settings not yet known to be valid
    const { customerId } = integration.config;
    const state = integration.state;
    const errorCode = integration.lastError?.code ?? '';
    if (published !== `${state}|${errorCode}`) {
      if (published && !published.startsWith(`${state}|`)) log.info('Integration state changed', { from: published.split('|')[0], to: state });
      published = `${state}|${errorCode}`;
      upsertSearchAttributes([
        { key: customerIdKey, value: customerId },
        { key: integrationStatusKey, value: state },
        { key: errorCodeKey, value: errorCode || null },
      ]);
    }
    setCurrentDetails(describeDetails(integration.status(Date.now())));
  };
  /** Runs a handler's change, then publishes what it changed. */
  const then = <T>(result: T): T => {
    publish();
    return result;
  };

  setHandler(statusQuery, () => integration.status(Date.now()));

  setHandler(eventChangedSignal, (raw) => then(integration.receive(raw)));
  setHandler(pauseSignal, () => then(integration.pause()));
  setHandler(resumeSignal, () => then(integration.resume(Date.now())));
  setHandler(stopSignal, () => then(integration.stop()));

  setHandler(
    syncNowUpdate,
    async (options: SyncNowOptions) => {
      const ticket = integration.requestSync(Boolean(options?.force));
      await condition(() => integration.syncAnswer(ticket).done);
      const answer = integration.syncAnswer(ticket);
      if ('cancelled' in answer) {
        throw answer.cancelled === 'STOPPING'
          ? ApplicationFailure.nonRetryable('The integration is stopping; nothing was synced.', 'STOPPING')
          : ApplicationFailure.nonRetryable('The integration was paused before the sync ran; resume it first.', 'PAUSED');
      }
      if ('error' in answer) throw ApplicationFailure.nonRetryable(answer.error.message, answer.error.code, answer.error);
      if (!answer.done) throw new Error('unreachable: waited for the answer');
      return answer.summary;
    },
    { validator: (_options: SyncNowOptions) => integration.checkSyncAccepted() },
  );

  setHandler(
    updateConfigUpdate,
    async (patch) => {
      const turn = integration.beginConfigChange();
      const verdict = await checked(checkConfigPatch(patch)).then((changes) => ({ changes }), (error: unknown) => ({ error }));
      // In arrival order, and on top of the start config once that is checked (a change may come with the first task).
      await condition(() => integration.configChangeDue(turn));
      integration.endConfigChange();
      if ('error' in verdict) throw verdict.error;
      const { changes } = verdict;
      const status = integration.updateConfig(changes, Date.now());
      log.info('Integration config updated', { fields: Object.keys(changes) });
      return then(status);
    },
    {
      validator: (patch) => {
        if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw new Error('Invalid config change: expected an object of the fields to change');
        integration.checkConfigAccepted();
      },
    },
  );

  const runDiagnosis = async () => {
    try {
      integration.diagnosed(await diagnose.executeWithOptions({ summary: "diagnose the customer's setup" }, [{ config: integration.config }]));
    } catch (err) {
      integration.diagnosed(undefined);
      log.warn('Diagnosis could not run', { error: (err as Error).message });
    }
  };

  /** A failed write: the changes are held (or given back), and a new problem with the setup is diagnosed. */
  const writeFailed = async (err: unknown) => {
    if (integration.applyFailed(describeFailure(err), Date.now())) await runDiagnosis();
  };

  const checkStep = async () => {
    if (integration.needsConfigCheck) {
      try {
        integration.configChecked(await checked(checkConfig(integration.config)));
      } catch (err) {
        if (err instanceof ApplicationFailure) throw err; // the verdict: INVALID_CONFIG ends the integration
        log.warn('Could not check the settings; trying again', { error: (err as Error).message });
        integration.configCheckFailed(Date.now());
      }
      return;
    }
    const { raws, fast } = integration.beginCheck();
    const reportRejected = (verdicts: CheckedChange[]) => {
      for (const v of verdicts) {
        // Reported (status, log) and dropped: a malformed notification must never harm the integration.
        if ('rejected' in v) log.warn('Rejected an eventChanged signal', { reason: v.rejected });
      }
    };
    if (fast) {
      try {
        const summary = `check and apply ${raws.length} notification${raws.length === 1 ? '' : 's'}`;
        const answer = await checkAndApplyChanges.executeWithOptions({ summary }, [{ raws, fast }]);
        reportRejected(answer.verdicts);
        integration.checkedAndApplied(answer.verdicts, answer.summary, Date.now());
      } catch (err) {
        if (isCancellation(err)) throw err;
        integration.fastFailed(raws);
        // A verdict (the customer's setup refuses the write) is final: the changes wait for the fix.
        if (isVerdict(err)) await writeFailed(err);
        else log.warn('The fast path could not apply the changes; the usual steps take them', { error: (err as Error).message });
      }
      return;
    }
    try {
      const verdicts = await checkChanges(raws);
      reportRejected(verdicts);
      integration.checked(verdicts, Date.now());
    } catch (err) {
      log.warn('Could not check the notifications; they wait', { error: (err as Error).message });
      integration.checkFailed(raws, Date.now());
    }
  };

  const applyStep = async () => {
    const { config, changes, local } = integration.beginApply();
    const options = { summary: describeChanges(changes) };
    const input: Parameters<Activities['applyChanges']> = [{ config, changes }];
    const durably = () => applyChanges.executeWithOptions(options, input);
    const fallBack = (err: unknown) => {
      if (isVerdict(err) || isCancellation(err)) throw err;
      log.warn('The fast path could not apply the changes; the durable activity takes them', { error: (err as Error).message });
      return durably();
    };
    try {
      const summary = local ? await applyChangesNow.executeWithOptions(options, input).catch(fallBack) : await durably();
      integration.applied(summary, Date.now());
    } catch (err) {
      await writeFailed(err);
    }
  };

  const reconcileStep = async () => {
    const run = integration.beginReconcile(Date.now());
    const what = run.input.mode === 'full' ? 'full pass' : 'incremental (feed validators + mailbox delta)';
    try {
      const result = await reconcile.executeWithOptions({ summary: `reconcile: ${what}` }, [run.input]);
      integration.reconciled(run, result, Date.now());
    } catch (err) {
      if (integration.reconcileFailed(run, describeFailure(err))) await runDiagnosis();
    } finally {
      integration.endReconcile(run, Date.now());
    }
  };

  /**
   * One timer per wake-up time, kept while that time stands: a signal that wakes the loop early
   * does not cancel and restart it (two history events per change saved).
   */
  let timer: { until: number; fired: boolean; scope: CancellationScope } | undefined;
  const armTimer = (until: number, reason: string) => {
    if (timer && timer.until === until && !timer.fired) return timer;
    timer?.scope.cancel();
    const armed = { until, fired: false, scope: new CancellationScope() };
    armed.scope.run(() => sleep(Math.max(1, until - Date.now()), { summary: reason })).then(
      () => (armed.fired = true),
      () => undefined, // cancelled: the wake-up time moved
    );
    return (timer = armed);
  };

  publish();
  for (;;) {
    const decide = () => integration.nextStep(Date.now(), allHandlersFinished(), workflowInfo().continueAsNewSuggested);
    const step = decide();
    if (step.kind === 'stop' || step.kind === 'hand-off') break;
    if (step.kind === 'wait') {
      const armed = step.until === undefined ? undefined : armTimer(step.until, step.reason);
      await condition(() => armed?.fired === true || decide().kind !== 'wait');
      continue;
    }
    if (step.kind === 'check') await checkStep();
    else if (step.kind === 'apply') await applyStep();
    else await reconcileStep();
    publish();
  }

  timer?.scope.cancel();
  if (integration.state !== 'stopping') {
    log.info('Continuing as new', { historyLength: workflowInfo().historyLength, pending: integration.ledger.pendingCount });
    await continueAsNew<typeof integrationWorkflow>({ config: integration.config, carried: integration.carry() });
  }
  await condition(allHandlersFinished);
  integration.state = 'stopped';
  publish();
  return integration.status(Date.now());
}

/** A check's answer, or its verdict as the workflow's own failure (INVALID_CONFIG naming each field). */
async function checked<T>(check: Promise<T>): Promise<T> {
  try {
    return await check;
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.nonRetryable) throw ApplicationFailure.nonRetryable(cause.message, cause.type);
    throw err;
  }
}

/** A non-retryable failure: the customer's setup refuses the step, and trying elsewhere gives the same answer. */
function isVerdict(err: unknown): boolean {
  const cause = stepFailureCause(err);
  return cause instanceof ApplicationFailure && cause.nonRetryable === true;
}

/**
 * What a step's activity threw. An activity's failure wraps it; a local activity's may arrive bare
 * (an ApplicationFailure as thrown, and on replay a timeout as read back from its marker).
 */
function stepFailureCause(err: unknown): Error | undefined {
  if (err instanceof ActivityFailure) return err.cause;
  if (err instanceof TemporalFailure) return err;
  return undefined;
}

/** What an applyChanges step does, for the UI's timeline: counts only, never booking fields. */
function describeChanges(changes: EventChange[]): string {
  const deletes = changes.filter((c) => c.operation === 'delete').length;
  const upserts = changes.length - deletes;
  const parts = [upserts && `${upserts} upsert${upserts === 1 ? '' : 's'}`, deletes && `${deletes} delete${deletes === 1 ? '' : 's'}`].filter(Boolean);
  return `apply ${changes.length} change${changes.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

function describeFailure(err: unknown): StepFailure {
  const at = new Date(Date.now()).toISOString();
  // An activity's failure (a cancelled one included, as before the fast path), or a local one's bare failure.
  if (err instanceof ActivityFailure || (err instanceof TemporalFailure && !(err instanceof CancelledFailure))) {
    const cause = stepFailureCause(err);
    if (cause instanceof ApplicationFailure) {
      const details = (cause.details?.[0] ?? {}) as { advice?: string; retryAfterMs?: number };
      const retryAfterMs = typeof details.retryAfterMs === 'number' ? details.retryAfterMs : undefined;
      return cause.nonRetryable
        ? { error: { code: cause.type ?? 'CONFIGURATION', message: cause.message, advice: details.advice, at } }
        : { error: { code: 'UNAVAILABLE', message: cause.message, advice: details.advice, at }, retryAfterMs };
    }
    // Ran out of time retrying: the last attempt's error says why.
    const last = cause?.cause;
    if (last instanceof ApplicationFailure) {
      const details = (last.details?.[0] ?? {}) as { retryAfterMs?: number };
      return { error: { code: 'UNAVAILABLE', message: last.message, at }, retryAfterMs: typeof details.retryAfterMs === 'number' ? details.retryAfterMs : undefined };
    }
    return { error: { code: 'TIMEOUT', message: cause?.message ?? err.message, at } };
  }
  throw err;
}
