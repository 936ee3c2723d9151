import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DiagnosisReport } from '../diagnosis/report';
import type { SyncCursor, SyncSummary } from '../reconcile/summary';
import { parseNotification, type EventChange } from '../winearound/notification';
import {
  configPatchSchema,
  describeIssues,
  integrationConfigSchema,
  redactUrl,
  type IntegrationConfig,
  type IntegrationConfigInput,
} from './integration-config';
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
import { customerIdKey, integrationStatusKey } from './search-attributes';
import type { IntegrationError, IntegrationState, IntegrationStatus } from './status';

/**
 * One customer integration, alive for as long as the customer uses it: applies WineAround's
 * event changes as they are signalled, reconciles the whole window on an interval, and holds in
 * `needs_attention` (never failing) while the customer's setup is broken. All I/O is in activities.
 */

const { reconcile, applyChanges } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  // Bounded so that a long outage returns control to the loop (which records it and tries again
  // next cycle) instead of blocking signals behind one endless activity.
  scheduleToCloseTimeout: '15 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes' },
});

const { diagnose } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3 },
});

/** Keeps each run's history well under Temporal's limits even if the server never suggests continue-as-new. */
export const MAX_CYCLES_PER_RUN = 200;
/** Remembered applied versions, so that a late, older signal never overwrites a newer change. */
const APPLIED_VERSIONS_KEPT = 1000;
/** After a transient failure, pending changes wait this long (or for the next reconcile). */
const PENDING_RETRY_MS = 60_000;
/** Changes per applyChanges call: keeps each activity input (guest data included) far below Temporal's payload limit. */
const CHANGES_PER_APPLY = 100;
/**
 * Recently signalled deletes, handed to each reconcile so that a feed still listing the booking
 * (a cache lagging WineAround) does not bring it back. A day covers any sane feed cache.
 */
const TOMBSTONES_KEPT = 200;
const TOMBSTONE_TTL_MS = 24 * 60 * 60_000;
/**
 * Beyond this many queued changes (a long pause or outage), the queue is dropped for a full
 * reconcile from the feed, WineAround's source of truth: the queue must fit in one payload.
 */
export const MAX_PENDING_CHANGES = 1000;
const MAX_PENDING_BYTES = 1_000_000;
const CURSOR_KEYS = ['tenantId', 'clientId', 'mailbox', 'feedUrl', 'windowPastDays', 'windowFutureDays', 'timeZone'] as const;

/** State handed from one run to the next by continue-as-new. Plain JSON. */
export interface CarriedState {
  state: 'running' | 'paused' | 'needs_attention';
  pending: EventChange[];
  cursor: SyncCursor | null;
  appliedVersions: [string, number][];
  /** Deletes applied from signals: [eventId, version, applied at (ms)]. */
  tombstones?: [string, number, number][];
  lastSuccessAt?: string;
  lastSummary?: SyncSummary;
  lastError?: IntegrationError;
  diagnosis?: DiagnosisReport;
  rejectedSignals: number;
  lastRejectedSignal?: string;
  nextRunAt?: number;
  fullResyncNeeded?: boolean;
  recheckRequested?: boolean;
}

export interface IntegrationInput {
  config: IntegrationConfigInput;
  carried?: CarriedState;
}

type Outcome = { ok: true } | { ok: false; error: IntegrationError };

export async function integrationWorkflow(input: IntegrationInput): Promise<IntegrationStatus> {
  const parsed = integrationConfigSchema.safeParse(input.config);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`Invalid integration config: ${describeIssues(parsed.error, 'config')}`, 'INVALID_CONFIG');
  }
  let config: IntegrationConfig = parsed.data;
  const carried = input.carried;
  const now = () => new Date(Date.now()).toISOString();

  let state: IntegrationState = carried?.state ?? 'running';
  const pending = new Map<string, EventChange>();
  const appliedVersions = new Map<string, number>(carried?.appliedVersions ?? []);
  const tombstones = new Map<string, [version: number, at: number]>((carried?.tombstones ?? []).map(([id, v, at]) => [id, [v, at]]));
  let cursor: SyncCursor | null = carried?.cursor ?? null;
  let lastSuccessAt = carried?.lastSuccessAt;
  let lastSummary = carried?.lastSummary;
  let lastError = carried?.lastError;
  let diagnosis = carried?.diagnosis;
  let rejectedSignals = carried?.rejectedSignals ?? 0;
  let lastRejectedSignal = carried?.lastRejectedSignal;
  let nextRunAt = carried?.nextRunAt ?? Date.now();
  let pendingHeldUntil = 0;
  let fullResyncNeeded = carried?.fullResyncNeeded ?? false;
  let stopRequested = false;
  let recheckRequested = carried?.recheckRequested ?? false;
  /** Bumped by every config change and queue overflow: a reconcile begun before one must not settle it. */
  let configGeneration = 0;
  let resyncGeneration = 0;
  /** The newest syncNow ticket whose reconcile has started (a pause can no longer cancel it). */
  let syncStarted = 0;
  /** Serialized size of the queued changes, kept below one payload. */
  const pendingBytes = new Map<string, number>();
  let pendingTotalBytes = 0;
  let runCycles = 0;
  let syncRequested = 0;
  let syncServed = 0;
  /** An operator asked to apply deletions the safety guard would hold back. */
  let forceRequested = false;
  let lastOutcome: Outcome = { ok: true };

  const setState = (next: IntegrationState) => {
    if (next !== state) log.info('Integration state changed', { from: state, to: next });
    state = next;
    upsertSearchAttributes([
      { key: customerIdKey, value: config.customerId },
      { key: integrationStatusKey, value: state },
    ]);
  };

  const statusView = (): IntegrationStatus => ({
    customerId: config.customerId,
    state,
    tenantId: config.tenantId,
    clientId: config.clientId,
    mailbox: config.mailbox,
    secretRef: config.secretRef,
    feed: redactUrl(config.feedUrl),
    reconcileIntervalMs: config.reconcileIntervalMs,
    lastSuccessAt,
    lastSummary,
    lastError,
    diagnosis,
    pendingChanges: pending.size,
    rejectedSignals,
    lastRejectedSignal,
    nextRunAt: state === 'paused' || state === 'stopped' ? undefined : new Date(nextRunAt).toISOString(),
    runCycles,
  });

  /** Newest version wins; a version at or below one already applied is stale. */
  const enqueue = (change: EventChange) => {
    const applied = appliedVersions.get(change.eventId);
    const queued = pending.get(change.eventId);
    if (applied !== undefined && change.version <= applied) return;
    if (queued && change.version <= queued.version) return;
    pending.set(change.eventId, change);
    const bytes = JSON.stringify(change).length;
    pendingTotalBytes += bytes - (pendingBytes.get(change.eventId) ?? 0);
    pendingBytes.set(change.eventId, bytes);
    if (pending.size > MAX_PENDING_CHANGES || pendingTotalBytes > MAX_PENDING_BYTES) {
      log.warn('Too many queued changes: replacing them with a full reconcile', { queued: pending.size });
      pending.clear();
      pendingBytes.clear();
      pendingTotalBytes = 0;
      fullResyncNeeded = true;
      resyncGeneration += 1;
    }
  };

  for (const change of carried?.pending ?? []) enqueue(change);

  const dequeue = (eventId: string) => {
    pending.delete(eventId);
    pendingTotalBytes -= pendingBytes.get(eventId) ?? 0;
    pendingBytes.delete(eventId);
  };

  const pruneTombstones = () => {
    for (const [id, [, at]] of tombstones) {
      if (tombstones.size <= TOMBSTONES_KEPT && Date.now() - at < TOMBSTONE_TTL_MS) break;
      tombstones.delete(id);
    }
  };

  const rememberApplied = (changes: EventChange[]) => {
    for (const c of changes) {
      appliedVersions.delete(c.eventId);
      appliedVersions.set(c.eventId, c.version);
      tombstones.delete(c.eventId);
      if (c.operation === 'delete') tombstones.set(c.eventId, [c.version, Date.now()]);
    }
    pruneTombstones();
    for (const key of appliedVersions.keys()) {
      if (appliedVersions.size <= APPLIED_VERSIONS_KEPT) break;
      appliedVersions.delete(key);
    }
  };

  setHandler(statusQuery, statusView);

  setHandler(eventChangedSignal, (raw) => {
    try {
      const change = parseNotification(raw);
      if (change.customerId !== config.customerId) {
        throw new Error(`eventChanged.customerId: "${change.customerId}" is not this integration's customer ("${config.customerId}"); send it to wa-outlook/${change.customerId}`);
      }
      enqueue(change);
    } catch (err) {
      // Reported and dropped: a malformed notification must never harm the integration.
      rejectedSignals += 1;
      lastRejectedSignal = `${now()} ${(err as Error).message}`;
      log.warn('Rejected an eventChanged signal', { reason: (err as Error).message });
    }
  });

  setHandler(pauseSignal, () => {
    if (state === 'running' || state === 'needs_attention') setState('paused');
    forceRequested = false; // a force is an answer to one sync, not a standing order
  });

  setHandler(resumeSignal, () => {
    if (state !== 'paused') return;
    setState(lastError && isConfigError(lastError) ? 'needs_attention' : 'running');
    nextRunAt = Date.now();
  });

  setHandler(stopSignal, () => {
    stopRequested = true;
    setState('stopping');
  });

  setHandler(
    syncNowUpdate,
    async (options: SyncNowOptions) => {
      const ticket = ++syncRequested;
      if (options?.force) forceRequested = true;
      const cancelled = () => stopRequested || (state === 'paused' && syncStarted < ticket);
      await condition(() => syncServed >= ticket || cancelled());
      if (syncServed < ticket) {
        forceRequested = false;
        throw stopRequested
          ? ApplicationFailure.nonRetryable('The integration is stopping; nothing was synced.', 'STOPPING')
          : ApplicationFailure.nonRetryable('The integration was paused before the sync ran; resume it first.', 'PAUSED');
      }
      if (!lastOutcome.ok) throw ApplicationFailure.nonRetryable(lastOutcome.error.message, lastOutcome.error.code, lastOutcome.error);
      return lastSummary as SyncSummary;
    },
    {
      validator: (_options: SyncNowOptions) => {
        if (stopRequested) throw new Error('The integration is stopping.');
        if (state === 'paused') throw new Error('The integration is paused; resume it first (wa-outlook resume).');
      },
    },
  );

  setHandler(
    updateConfigUpdate,
    (patch) => {
      const changes = configPatchSchema.parse(patch);
      config = { ...config, ...changes, mapping: { ...config.mapping, ...changes.mapping } };
      // The cursor belongs to one mailbox, app and window: start over from a full pass.
      if (CURSOR_KEYS.some((key) => key in changes)) cursor = null;
      configGeneration += 1;
      // A fixed setup should be noticed at once, not at the next slow re-check.
      recheckRequested = true;
      pendingHeldUntil = 0;
      log.info('Integration config updated', { fields: Object.keys(patch) });
      return statusView();
    },
    {
      validator: (patch) => {
        const result = configPatchSchema.safeParse(patch);
        if (!result.success) throw new Error(`Invalid config change: ${describeIssues(result.error, 'config')}`);
        if (stopRequested) throw new Error('The integration is stopping.');
      },
    },
  );

  const runDiagnosis = async () => {
    try {
      diagnosis = await diagnose({ config });
    } catch (err) {
      diagnosis = undefined; // an old report next to a new error would mislead
      log.warn('Diagnosis could not run', { error: (err as Error).message });
    }
  };

  const recordFailure = async (err: unknown, setupChanged: boolean): Promise<IntegrationError> => {
    const error = describeFailure(err, now());
    const known = lastError?.code === error.code && state === 'needs_attention';
    lastError = error;
    lastOutcome = { ok: false, error };
    if (isConfigError(error) && !stopRequested) {
      if (state !== 'needs_attention' && state !== 'paused') setState('needs_attention');
      // The diagnosis writes a probe event: run it for a new problem or a changed setup, not every re-check.
      if ((!known || setupChanged) && state !== 'paused') await runDiagnosis();
    }
    return error;
  };

  const applyPending = async () => {
    const batch = [...pending.values()].slice(0, CHANGES_PER_APPLY);
    for (const change of batch) dequeue(change.eventId);
    try {
      lastSummary = await applyChanges({ config, changes: batch });
      rememberApplied(batch);
      lastOutcome = { ok: true };
      pendingHeldUntil = 0;
    } catch (err) {
      for (const change of batch) enqueue(change);
      await recordFailure(err, false);
      pendingHeldUntil = Date.now() + PENDING_RETRY_MS;
      if (state === 'running') nextRunAt = Math.min(nextRunAt, pendingHeldUntil);
    }
  };

  const runReconcile = async () => {
    const ticket = syncRequested;
    const setupChanged = recheckRequested;
    const full = syncServed < ticket || recheckRequested || fullResyncNeeded;
    const force = forceRequested;
    const generation = configGeneration;
    const resyncAsked = resyncGeneration;
    recheckRequested = false;
    forceRequested = false;
    syncStarted = ticket;
    pruneTombstones();
    try {
      const recentDeletes = Object.fromEntries([...tombstones].map(([id, [version]]) => [id, version]));
      const result = await reconcile({ config, cursor, mode: full ? 'full' : 'auto', force, recentDeletes });
      // A config change while it ran made its cursor obsolete: the next pass starts over.
      cursor = generation === configGeneration ? result.cursor : null;
      lastSummary = result.summary;
      lastSuccessAt = now();
      lastError = undefined;
      diagnosis = undefined;
      lastOutcome = { ok: true };
      pendingHeldUntil = 0;
      if (resyncAsked === resyncGeneration) fullResyncNeeded = false;
      if (state === 'needs_attention') setState('running');
    } catch (err) {
      await recordFailure(err, setupChanged);
    } finally {
      syncServed = ticket;
      nextRunAt = Date.now() + (state === 'needs_attention' ? config.attentionRecheckMs : config.reconcileIntervalMs);
      // Changes held back after a failure keep their own, earlier retry time.
      if (state === 'running' && pending.size && pendingHeldUntil > Date.now()) nextRunAt = Math.min(nextRunAt, pendingHeldUntil);
    }
  };

  const isPaused = () => state === 'paused';
  const resyncDue = () => fullResyncNeeded && state === 'running';
  const pendingReady = () => state === 'running' && pending.size > 0 && Date.now() >= pendingHeldUntil;
  const hasWork = () =>
    state !== 'paused' && (pendingReady() || syncRequested > syncServed || recheckRequested || resyncDue() || Date.now() >= nextRunAt);
  const handOffDue = () => workflowInfo().continueAsNewSuggested || runCycles >= MAX_CYCLES_PER_RUN;
  // Pending changes travel with the hand-off; a waiting syncNow is served first (its handler is unfinished).
  const readyToHandOff = () => handOffDue() && allHandlersFinished();

  setState(state);
  for (;;) {
    const wake = () => stopRequested || hasWork() || readyToHandOff();
    if (state === 'paused') await condition(wake);
    else await condition(wake, Math.max(0, nextRunAt - Date.now()));
    if (stopRequested || readyToHandOff()) break;
    if (state === 'paused') continue;
    runCycles += 1;
    // Drain every change received so far: a syncNow then answers only after they are applied.
    while (pendingReady() && !stopRequested && !handOffDue()) await applyPending();
    if (stopRequested) break;
    // Handlers may have paused the integration while the changes were applied.
    if (isPaused() || (syncRequested <= syncServed && !recheckRequested && !resyncDue() && Date.now() < nextRunAt)) continue;
    await runReconcile();
  }

  if (!stopRequested) {
    const handOver: CarriedState = {
      state: state as CarriedState['state'],
      pending: [...pending.values()],
      cursor,
      appliedVersions: [...appliedVersions.entries()],
      tombstones: [...tombstones].map(([id, [version, at]]) => [id, version, at]),
      lastSuccessAt,
      lastSummary,
      lastError,
      diagnosis,
      rejectedSignals,
      lastRejectedSignal,
      nextRunAt,
      fullResyncNeeded,
      recheckRequested,
    };
    log.info('Continuing as new', { historyLength: workflowInfo().historyLength, pending: pending.size });
    await continueAsNew<typeof integrationWorkflow>({ config, carried: handOver });
  }
  await condition(allHandlersFinished);
  setState('stopped');
  return statusView();
}

/** Configuration errors are the activities' non-retryable failures: the customer must fix something. */
function isConfigError(error: IntegrationError): boolean {
  return !['UNAVAILABLE', 'TIMEOUT', 'TRANSIENT'].includes(error.code);
}

function describeFailure(err: unknown, at: string): IntegrationError {
  if (err instanceof ActivityFailure) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      const details = (cause.details?.[0] ?? {}) as { advice?: string };
      return cause.nonRetryable
        ? { code: cause.type ?? 'CONFIGURATION', message: cause.message, advice: details.advice, at }
        : { code: 'UNAVAILABLE', message: cause.message, advice: details.advice, at };
    }
    // Ran out of time retrying: the last attempt's error says why.
    const last = cause?.cause;
    if (last instanceof ApplicationFailure) return { code: 'UNAVAILABLE', message: last.message, at };
    return { code: 'TIMEOUT', message: cause?.message ?? err.message, at };
  }
  throw err;
}
