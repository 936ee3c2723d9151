import { activityInfo, ApplicationFailure, cancellationSignal, heartbeat, sleep } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import type { DiagnosisReport } from '../diagnosis/report';
import { diagnoseSetup } from '../diagnosis/diagnose';
import { classifyError } from '../outlook/errors';
import type { MicrosoftEndpoints } from '../outlook/endpoints';
import { TokenProvider } from '../outlook/token';
import { applyEventChanges } from '../reconcile/apply-changes';
import type { SyncDeps } from '../reconcile/mailbox-session';
import { isReconcileProgress, reconcileIntegration, type ReconcileProgress } from '../reconcile/reconcile';
import type { ReconcileResult, SyncCursor, SyncSummary } from '../reconcile/summary';
import type { SecretStore } from '../secrets/store';
import type { EventChange } from '../winearound/notification';
import type { IntegrationConfig } from '../workflows/integration-config';

/**
 * The integration's side effects, each a Temporal activity: thin adapters from the workflow to the
 * sync engine that turn its classified errors into retry decisions. Configuration errors are
 * non-retryable (the workflow shows needs_attention); transient ones retry, after Graph's
 * Retry-After when it gave one.
 */

export interface ActivityDeps {
  secrets: SecretStore;
  endpoints: MicrosoftEndpoints;
}

/** Graph asks for waits of seconds to minutes; never let one Retry-After park an integration for long. */
const MAX_RETRY_DELAY_MS = 5 * 60_000;

function toFailure(err: unknown): ApplicationFailure {
  const e = classifyError(err);
  return ApplicationFailure.create({
    message: e.message,
    type: e.code,
    nonRetryable: !e.transient,
    // retryAfterMs: the server's requested wait, for the workflow's own hold of pending changes.
    details: [{ code: e.code, advice: e.advice, ...(e.retryAfterMs !== undefined && { retryAfterMs: Math.min(e.retryAfterMs, MAX_RETRY_DELAY_MS) }) }],
    nextRetryDelay: e.retryAfterMs !== undefined ? Math.min(e.retryAfterMs, MAX_RETRY_DELAY_MS) : undefined,
    // A customer's broken setup is an expected outcome, reported by the workflow, not a worker fault.
    category: e.transient ? undefined : ApplicationFailureCategory.BENIGN,
  });
}

export function createActivities(deps: ActivityDeps) {
  // One token cache for the worker's life: tokens are reused across activities until near expiry.
  const tokens = new TokenProvider(deps.endpoints);
  const syncDeps = (): SyncDeps => {
    // Every heartbeat repeats the latest progress: Temporal keeps only the last details.
    let details: ReconcileProgress | undefined;
    return {
      secrets: deps.secrets,
      endpoints: deps.endpoints,
      tokens,
      heartbeat: () => heartbeat(details),
      progress: (progress) => {
        details = progress;
        heartbeat(details);
      },
      pause: (ms) => sleep(ms),
      signal: cancellationSignal(),
    };
  };
  /** A cancelled attempt reports its cancellation (not a classified failure), so Temporal sees it as such. */
  const failure = (err: unknown): unknown => {
    const signal = cancellationSignal();
    return signal.aborted ? (signal.reason ?? err) : toFailure(err);
  };

  return {
    async reconcile(input: {
      config: IntegrationConfig; cursor: SyncCursor | null; mode: 'auto' | 'full'; force?: boolean;
      /** Deletes signalled recently: eventId → version. */
      recentDeletes?: Record<string, number>;
    }): Promise<ReconcileResult> {
      try {
        // A retry after a failure compares in full (the failed attempt may have written part of its
        // plan), or, when that attempt got as far as writing, does only the writes it had left.
        const { attempt, heartbeatDetails } = activityInfo();
        const mode = attempt > 1 ? 'full' : input.mode;
        const resume = attempt > 1 && isReconcileProgress(heartbeatDetails) ? heartbeatDetails : undefined;
        return await reconcileIntegration(input.config, input.cursor, { mode, force: input.force, recentDeletes: input.recentDeletes, resume }, syncDeps());
      } catch (err) {
        throw failure(err);
      }
    },

    async applyChanges(input: { config: IntegrationConfig; changes: EventChange[] }): Promise<SyncSummary> {
      try {
        return await applyEventChanges(input.config, input.changes, syncDeps());
      } catch (err) {
        throw failure(err);
      }
    },

    async diagnose(input: { config: IntegrationConfig }): Promise<DiagnosisReport> {
      return diagnoseSetup(input.config, { secrets: deps.secrets, endpoints: deps.endpoints, tokens });
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
