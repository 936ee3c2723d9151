import type { DiagnosisReport } from '../diagnosis/report';
import type { ReconcileResult, SyncCursor, SyncSummary } from '../reconcile/summary';
import type { CheckedChange } from '../activities/checks';
import type { EventChange } from '../winearound/notification';
import { ChangeLedger, MAX_PENDING_BYTES, MAX_PENDING_CHANGES, type LedgerSnapshot } from './change-ledger';
import type { ConfigChanges, IntegrationConfig } from '../sync/integration-config';
import { redactUrl } from '../sync/redact';
import type { IntegrationError, IntegrationState, IntegrationStatus } from './status';

/**
 * One customer integration's state and rules, as a plain class: the workflow's handlers call it,
 * and the workflow's loop asks it for the next step and reports each step's outcome. No Temporal
 * import and no clock of its own (times are passed in), so every rule is tested without a server.
 */

/** Activity steps per run before continue-as-new, even if the server never suggests it. */
export const MAX_STEPS_PER_RUN = 300;
/** Changes per applyChanges call: keeps each activity input (guest data included) far below Temporal's payload limit. */
export const CHANGES_PER_APPLY = 100;
/**
 * A batch up to this size (one Graph lookup batch and one write batch) is applied first as a
 * local activity, inside the workflow task that took its signal in: no trip through the server
 * before the write. When nothing else is queued, the notifications are checked and applied by
 * that one local activity (the fast path); larger batches, and every batch after a failed step
 * or a failed fast try, take the usual steps: check, then the durable apply.
 */
export const LOCAL_APPLY_MAX = 20;
/** After a transient failure, changes wait this long unless the server said how long. */
const PENDING_RETRY_MS = 60_000;
/** A change to any of these makes the cursor (delta link, feed validators) meaningless. */
const CURSOR_KEYS = ['tenantId', 'clientId', 'mailbox', 'feedUrl', 'windowPastDays', 'windowFutureDays', 'timeZone'] as const;

/** State handed from one run to the next by continue-as-new. Plain JSON. */
export interface CarriedState extends LedgerSnapshot {
  state: 'running' | 'paused' | 'needs_attention';
  /** Notifications received but not yet checked (the check was failing when the run ended). */
  unchecked?: unknown[];
  cursor: SyncCursor | null;
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

/** The fast path's input: what the one-step check and apply needs to pick the batch `checked` and `beginApply` would. */
export interface FastApply {
  config: IntegrationConfig;
  /** The ledger's applied versions: a notification at or below one is stale. */
  known: [string, number][];
}

/** Why a checked notification is not for this integration: invalid, or another customer's (reported, never applied). */
function rejection(verdict: CheckedChange, customerId: string): string | undefined {
  if ('rejected' in verdict) return verdict.rejected;
  const theirs = verdict.change.customerId;
  return theirs === customerId ? undefined
    : `eventChanged.customerId: "${theirs}" is not this integration's customer ("${customerId}"); send it to wa-outlook/${theirs}`;
}

/**
 * The batch the fast path writes: what `checked` would queue from these verdicts on a ledger with
 * nothing queued, and `beginApply` would then take. The ledger's own rule, run where the check is.
 */
export function fastBatch(verdicts: CheckedChange[], { config, known }: FastApply): EventChange[] {
  const ledger = new ChangeLedger({ appliedVersions: known });
  for (const verdict of verdicts) if ('change' in verdict && rejection(verdict, config.customerId) === undefined) ledger.offer(verdict.change);
  return ledger.take(CHANGES_PER_APPLY);
}

export type Step =
  | { kind: 'stop' }
  | { kind: 'hand-off' }
  /** Validate, as a local activity, the config of a new integration or the notifications received since the last check. */
  | { kind: 'check' }
  | { kind: 'apply' }
  | { kind: 'reconcile' }
  /** Nothing to do before `until` (none: until a message arrives); `reason` says what the wait is for. */
  | { kind: 'wait'; until?: number; reason: string };

/** A failed step, as the workflow read it from the activity's failure. */
export interface StepFailure {
  error: IntegrationError;
  /** The server's own wait (Retry-After), when the failure carried one. */
  retryAfterMs?: number;
}

export interface ReconcileRun {
  ticket: number;
  setupChanged: boolean;
  generation: number;
  resyncAsked: number;
  input: {
    config: IntegrationConfig;
    cursor: SyncCursor | null;
    mode: 'auto' | 'full';
    force: boolean;
    recentDeletes: Record<string, number>;
    recentUpserts: Record<string, number>;
  };
}

export type SyncAnswer =
  | { done: false }
  | { done: true; summary: SyncSummary }
  | { done: true; error: IntegrationError }
  | { done: true; cancelled: 'PAUSED' | 'STOPPING' };

/** Configuration errors are the activities' non-retryable failures: the customer must fix something. */
export function isConfigError(error: IntegrationError): boolean {
  return !['UNAVAILABLE', 'TIMEOUT', 'TRANSIENT'].includes(error.code);
}

export class Integration {
  config: IntegrationConfig;
  state: IntegrationState;
  readonly ledger: ChangeLedger;
  private cursor: SyncCursor | null;
  private lastSuccessAt?: string;
  lastSummary?: SyncSummary;
  lastError?: IntegrationError;
  diagnosis?: DiagnosisReport;
  private rejectedSignals: number;
  private lastRejectedSignal?: string;
  private nextRunAt: number;
  /** Queued changes wait until then after a failed apply. */
  private heldUntil = 0;
  private configUnchecked: boolean;
  /** Notifications as received, waiting for their check; their size, bounded like the queue's. */
  private unchecked: unknown[];
  private uncheckedBytes = 0;
  /** Notifications taken by the check step in flight: still pending to whoever asks for status. */
  private inCheck = 0;
  private configChangesTaken = 0;
  private configChangesDone = 0;
  /** Unchecked notifications wait until then after a failed check. */
  private checkHeldUntil = 0;
  private fullResyncNeeded: boolean;
  private recheckRequested: boolean;
  private stopRequested = false;
  /** Bumped by every config change and queue overflow: a reconcile begun before one must not settle it. */
  private configGeneration = 0;
  private resyncGeneration = 0;
  /** syncNow tickets: requested, started (a pause can no longer cancel it), served. */
  private syncRequested = 0;
  private syncStarted = 0;
  private syncServed = 0;
  /** An operator asked to apply deletions the safety guard would hold back. */
  private forceRequested = false;
  private lastOutcome: { ok: true } | { ok: false; error: IntegrationError } = { ok: true };
  /** The last fast try failed: the next batch takes the usual steps. */
  private fastTryFailed = false;
  steps = 0;

  /**
   * A new integration's config is its input as sent, until the first step checks it (`configChecked`);
   * a carried one was checked by the run that handed it over.
   */
  constructor(config: IntegrationConfig, carried: CarriedState | undefined, now: number) {
    this.config = config;
    this.configUnchecked = !carried;
    this.state = carried?.state ?? 'running';
    this.ledger = new ChangeLedger(carried);
    this.cursor = carried?.cursor ?? null;
    this.lastSuccessAt = carried?.lastSuccessAt;
    this.lastSummary = carried?.lastSummary;
    this.lastError = carried?.lastError;
    this.diagnosis = carried?.diagnosis;
    this.rejectedSignals = carried?.rejectedSignals ?? 0;
    this.lastRejectedSignal = carried?.lastRejectedSignal;
    this.nextRunAt = carried?.nextRunAt ?? now;
    this.fullResyncNeeded = carried?.fullResyncNeeded ?? false;
    this.recheckRequested = carried?.recheckRequested ?? false;
    this.unchecked = [];
    for (const raw of carried?.unchecked ?? []) this.receive(raw);
  }

  // --- Messages -------------------------------------------------------------------------------

  /**
   * A WineAround notification, kept as received until the check step validates it (outside the
   * workflow bundle). Beyond the queue's bounds the unchecked ones are dropped for a full
   * reconcile from the feed, as an overflowing queue is.
   */
  receive(raw: unknown): void {
    const bytes = JSON.stringify(raw ?? null).length;
    if (this.unchecked.length >= MAX_PENDING_CHANGES || this.uncheckedBytes + bytes > MAX_PENDING_BYTES) {
      this.unchecked = [];
      this.uncheckedBytes = 0;
      this.needFullResync();
      return;
    }
    this.unchecked.push(raw);
    this.uncheckedBytes += bytes;
  }

  /**
   * The notifications to check; with `fast`, the check also applies the batch they make, in one
   * local activity: when nothing else is queued, the batch is small and steps are succeeding.
   */
  beginCheck(): { raws: unknown[]; fast?: FastApply } {
    this.steps += 1;
    const taken = this.unchecked;
    this.unchecked = [];
    this.uncheckedBytes = 0;
    this.inCheck = taken.length;
    const fast = this.state === 'running' && this.ledger.pendingCount === 0 && taken.length <= LOCAL_APPLY_MAX && this.lastOutcome.ok && !this.fastTryFailed;
    return fast ? { raws: taken, fast: { config: this.config, known: this.ledger.appliedVersions() } } : { raws: taken };
  }

  /** The fast path's answer: the verdicts as `checked` takes them, then the batch they made (`fastBatch`), written. */
  checkedAndApplied(verdicts: CheckedChange[], summary: SyncSummary | undefined, now: number): void {
    this.checked(verdicts, now);
    // Nothing written, or nothing new to write: anything queued takes the usual step.
    if (!summary || !this.ledger.pendingCount) return;
    this.beginApply();
    this.applied(summary, now);
  }

  /** The fast try failed: its notifications are checked and applied again by the usual steps, at once. */
  fastFailed(taken: unknown[]): void {
    this.inCheck = 0;
    const later = this.unchecked;
    this.unchecked = [];
    this.uncheckedBytes = 0;
    for (const raw of [...taken, ...later]) this.receive(raw);
    this.fastTryFailed = true;
  }

  /** The verdicts, in the order received: valid changes join the ledger; invalid ones are counted, reported and dropped, never harmful. */
  checked(verdicts: CheckedChange[], now: number): void {
    this.inCheck = 0;
    for (const verdict of verdicts) {
      const rejected = rejection(verdict, this.config.customerId);
      if (rejected !== undefined) {
        this.rejectedSignals += 1;
        this.lastRejectedSignal = `${new Date(now).toISOString()} ${rejected}`;
      } else if ('change' in verdict && this.ledger.offer(verdict.change) === 'overflow') {
        this.needFullResync();
      }
    }
  }

  /** The check could not run (no worker has it, or it timed out): the notifications wait and are checked again. */
  checkFailed(taken: unknown[], now: number): void {
    this.inCheck = 0;
    const later = this.unchecked;
    this.unchecked = [];
    this.uncheckedBytes = 0;
    for (const raw of [...taken, ...later]) this.receive(raw);
    this.checkHeldUntil = now + PENDING_RETRY_MS;
  }

  pause(): void {
    if (this.state === 'running' || this.state === 'needs_attention') this.state = 'paused';
    this.forceRequested = false; // a force answers one sync, it is not a standing order
  }

  resume(now: number): void {
    if (this.state !== 'paused') return;
    this.state = this.lastError && isConfigError(this.lastError) ? 'needs_attention' : 'running';
    this.nextRunAt = now;
  }

  stop(): void {
    this.stopRequested = true;
    this.state = 'stopping';
  }

  /** Throws the reason a syncNow cannot be accepted now. */
  checkSyncAccepted(): void {
    if (this.stopRequested) throw new Error('The integration is stopping.');
    if (this.state === 'paused') throw new Error('The integration is paused; resume it first (wa-outlook resume).');
  }

  requestSync(force: boolean): number {
    if (force) this.forceRequested = true;
    return ++this.syncRequested;
  }

  syncAnswer(ticket: number): SyncAnswer {
    if (this.syncServed < ticket) {
      if (this.stopRequested) return this.cancelSync('STOPPING');
      if (this.state === 'paused' && this.syncStarted < ticket) return this.cancelSync('PAUSED');
      return { done: false };
    }
    return this.lastOutcome.ok ? { done: true, summary: this.lastSummary as SyncSummary } : { done: true, error: this.lastOutcome.error };
  }

  private cancelSync(reason: 'PAUSED' | 'STOPPING'): SyncAnswer {
    this.forceRequested = false;
    return { done: true, cancelled: reason };
  }

  /** Throws the reason a config change cannot be accepted (invalid fields are named). */
  checkConfigAccepted(): void {
    if (this.stopRequested) throw new Error('The integration is stopping.');
  }

  /** What the check step must validate first: the config of a new integration. */
  get needsConfigCheck(): boolean {
    return this.configUnchecked;
  }

  /** The check's answer: the config as validated, defaults filled in. */
  configChecked(config: IntegrationConfig): void {
    this.config = config;
    this.configUnchecked = false;
  }

  /** A config change's place in line: changes apply in the order they arrived, whatever order their checks finish in. */
  beginConfigChange(): number {
    return this.configChangesTaken++;
  }

  /** Whether that change may apply now: the ones before it have, and the start config is checked. */
  configChangeDue(turn: number): boolean {
    return turn === this.configChangesDone && !this.configUnchecked;
  }

  endConfigChange(): void {
    this.configChangesDone += 1;
  }

  /** The check could not run (no worker had time for it): the settings are checked again later; only a verdict ends the integration. */
  configCheckFailed(now: number): void {
    this.checkHeldUntil = now + PENDING_RETRY_MS;
  }

  /** A validated patch (the check step's answer). */
  updateConfig(changes: ConfigChanges, now: number): IntegrationStatus {
    this.config = { ...this.config, ...changes, mapping: { ...this.config.mapping, ...changes.mapping } };
    if (CURSOR_KEYS.some((key) => key in changes)) this.cursor = null;
    this.configGeneration += 1;
    // A fixed setup should be noticed at once, not at the next slow re-check.
    this.recheckRequested = true;
    this.heldUntil = 0;
    return this.status(now);
  }

  // --- The loop -------------------------------------------------------------------------------

  /**
   * What the loop does next. Never a step that does nothing: the loop either runs an activity,
   * ends, or waits for a message or a time, so it cannot spin.
   */
  nextStep(now: number, handlersFinished: boolean, handOffSuggested: boolean): Step {
    if (this.stopRequested) return { kind: 'stop' };
    // Notifications are checked even while paused (queued changes stay visible), and before a hand-off.
    if (this.configUnchecked) {
      return now >= this.checkHeldUntil ? { kind: 'check' } : { kind: 'wait', until: this.checkHeldUntil, reason: 'check the settings again' };
    }
    const checkAt = this.unchecked.length ? this.checkHeldUntil : Number.POSITIVE_INFINITY;
    if (now >= checkAt) return { kind: 'check' };
    if (handOffSuggested || this.steps >= MAX_STEPS_PER_RUN) {
      // Pending changes travel with the hand-off; only a syncNow waiting for a pass holds it up.
      if (handlersFinished) return { kind: 'hand-off' };
      if (!this.syncWanted() || this.state === 'paused') return { kind: 'wait', reason: 'let the message handlers finish before continuing as new' };
    }
    if (this.state === 'paused') {
      const reason = 'paused: resume, stop or new changes';
      return Number.isFinite(checkAt) ? { kind: 'wait', until: checkAt, reason } : { kind: 'wait', reason };
    }
    if (this.changesReady(now)) return { kind: 'apply' };
    if (this.syncWanted() || this.recheckRequested || this.resyncDue() || now >= this.nextRunAt) return { kind: 'reconcile' };
    const changesAt = this.state === 'running' && this.ledger.pendingCount ? this.heldUntil : Number.POSITIVE_INFINITY;
    if (Math.min(changesAt, checkAt) < this.nextRunAt) {
      return changesAt <= checkAt
        ? { kind: 'wait', until: changesAt, reason: 'retry the held changes' }
        : { kind: 'wait', until: checkAt, reason: 'check the held notifications again' };
    }
    return {
      kind: 'wait', until: this.nextRunAt,
      reason: this.state === 'needs_attention' ? "re-check the customer's setup" : 'next reconcile',
    };
  }

  private syncWanted(): boolean {
    return this.syncRequested > this.syncServed;
  }

  private resyncDue(): boolean {
    return this.fullResyncNeeded && this.state === 'running';
  }

  private changesReady(now: number): boolean {
    return this.state === 'running' && this.ledger.pendingCount > 0 && now >= this.heldUntil;
  }

  private needFullResync(): void {
    this.fullResyncNeeded = true;
    this.resyncGeneration += 1;
  }

  /** `local`: try the batch once as a local activity before the durable (retried) activity. */
  beginApply(): { config: IntegrationConfig; changes: EventChange[]; local: boolean } {
    this.steps += 1;
    const changes = this.ledger.take(CHANGES_PER_APPLY);
    return { config: this.config, changes, local: changes.length <= LOCAL_APPLY_MAX && this.lastOutcome.ok && !this.fastTryFailed };
  }

  applied(summary: SyncSummary, now: number): void {
    this.ledger.settle(now);
    // The unreadable bookings are the feed's, known from the last reconcile: a change batch keeps them in view.
    const skippedBookings = this.lastSummary?.skippedBookings;
    this.lastSummary = skippedBookings ? { ...summary, skippedBookings } : summary;
    this.lastOutcome = { ok: true };
    this.fastTryFailed = false;
    this.heldUntil = 0;
  }

  /** Returns whether the setup should be diagnosed. */
  applyFailed(failure: StepFailure, now: number): boolean {
    if (this.ledger.giveBack() === 'overflow') this.needFullResync();
    this.heldUntil = now + (failure.retryAfterMs ?? PENDING_RETRY_MS);
    return this.recordFailure(failure.error, false);
  }

  beginReconcile(now: number): ReconcileRun {
    this.steps += 1;
    const ticket = this.syncRequested;
    const recent = this.ledger.recent(now);
    const run: ReconcileRun = {
      ticket,
      setupChanged: this.recheckRequested,
      generation: this.configGeneration,
      resyncAsked: this.resyncGeneration,
      input: {
        config: this.config,
        cursor: this.cursor,
        mode: this.syncServed < ticket || this.recheckRequested || this.fullResyncNeeded ? 'full' : 'auto',
        force: this.forceRequested,
        recentDeletes: recent.deletes,
        recentUpserts: recent.upserts,
      },
    };
    this.recheckRequested = false;
    this.forceRequested = false;
    this.syncStarted = ticket;
    return run;
  }

  reconciled(run: ReconcileRun, result: ReconcileResult, now: number): void {
    // A config change while it ran made its cursor obsolete: the next pass starts over.
    this.cursor = run.generation === this.configGeneration ? result.cursor : null;
    this.ledger.caughtUp(result.caughtUp ?? []);
    this.lastSummary = result.summary;
    this.lastSuccessAt = new Date(now).toISOString();
    this.lastError = undefined;
    this.diagnosis = undefined;
    this.lastOutcome = { ok: true };
    this.fastTryFailed = false;
    this.heldUntil = 0;
    if (run.resyncAsked === this.resyncGeneration) this.fullResyncNeeded = false;
    if (this.state === 'needs_attention') this.state = 'running';
  }

  /** Returns whether the setup should be diagnosed (before `endReconcile`, so that syncNow answers with it). */
  reconcileFailed(run: ReconcileRun, failure: StepFailure): boolean {
    return this.recordFailure(failure.error, run.setupChanged);
  }

  /** The pass and its follow-up (a diagnosis) are over: answer the syncNow calls it served, plan the next. */
  endReconcile(run: ReconcileRun, now: number): void {
    this.syncServed = Math.max(this.syncServed, run.ticket);
    this.nextRunAt = now + (this.state === 'needs_attention' ? this.config.attentionRecheckMs : this.config.reconcileIntervalMs);
  }

  /** The diagnosis writes a probe event: run it for a new problem or a changed setup, not every re-check. */
  private recordFailure(error: IntegrationError, setupChanged: boolean): boolean {
    const known = this.lastError?.code === error.code && this.state === 'needs_attention';
    this.lastError = error;
    this.lastOutcome = { ok: false, error };
    if (!isConfigError(error) || this.stopRequested) return false;
    if (this.state !== 'needs_attention' && this.state !== 'paused') this.state = 'needs_attention';
    return (!known || setupChanged) && this.state !== 'paused';
  }

  diagnosed(report: DiagnosisReport | undefined): void {
    this.diagnosis = report; // none rather than an old report next to a new error
  }

  // --- Views ----------------------------------------------------------------------------------

  status(now: number): IntegrationStatus {
    const step = this.nextStep(now, true, false);
    const nextAt = ['paused', 'stopping', 'stopped'].includes(this.state) ? undefined : step.kind === 'wait' ? step.until : now;
    return {
      customerId: this.config.customerId,
      state: this.state,
      tenantId: this.config.tenantId,
      clientId: this.config.clientId,
      mailbox: this.config.mailbox,
      secretRef: this.config.secretRef,
      feed: redactUrl(this.config.feedUrl),
      reconcileIntervalMs: this.config.reconcileIntervalMs,
      lastSuccessAt: this.lastSuccessAt,
      lastSummary: this.lastSummary,
      lastError: this.lastError,
      diagnosis: this.diagnosis,
      pendingChanges: this.ledger.pendingCount + this.unchecked.length + this.inCheck,
      rejectedSignals: this.rejectedSignals,
      lastRejectedSignal: this.lastRejectedSignal,
      nextRunAt: nextAt === undefined ? undefined : new Date(nextAt).toISOString(),
      runCycles: this.steps,
    };
  }

  carry(): CarriedState {
    return {
      state: this.state as CarriedState['state'],
      ...this.ledger.snapshot(),
      ...(this.unchecked.length && { unchecked: this.unchecked }),
      cursor: this.cursor,
      lastSuccessAt: this.lastSuccessAt,
      lastSummary: this.lastSummary,
      lastError: this.lastError,
      diagnosis: this.diagnosis,
      rejectedSignals: this.rejectedSignals,
      lastRejectedSignal: this.lastRejectedSignal,
      nextRunAt: this.nextRunAt,
      fullResyncNeeded: this.fullResyncNeeded,
      recheckRequested: this.recheckRequested,
    };
  }
}
