import { activityInfo, ApplicationFailure, cancellationSignal, heartbeat, sleep } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import type { DiagnosisReport } from '../diagnosis/report';
import { checkActivities, checkAndApplyWith } from './checks';
import { diagnoseSetup } from '../diagnosis/diagnose';
import { noMetrics, type MetricsRecorder, type SyncKind } from '../metrics/recorder';
import { classifyError } from '../outlook/errors';
import type { MicrosoftEndpoints } from '../outlook/endpoints';
import { TokenProvider } from '../outlook/token';
import { applyEventChanges } from '../reconcile/apply-changes';
import type { FeedLimits, SyncDeps } from '../reconcile/mailbox-session';
import { isReconcileProgress, reconcileIntegration, type ReconcileProgress } from '../reconcile/reconcile';
import type { ReconcileResult, SyncCursor, SyncSummary } from '../reconcile/summary';
import type { SecretStore } from '../secrets/store';
import type { EventChange } from '../winearound/notification';
import type { IntegrationConfig } from '../sync/integration-config';

/**
 * The integration's side effects, each a Temporal activity: thin adapters from the workflow to the
 * sync engine that turn its classified errors into retry decisions. Configuration errors are
 * non-retryable (the workflow shows needs_attention); transient ones retry, after Graph's
 * Retry-After when it gave one.
 */

export interface ActivityDeps {
  secrets: SecretStore;
  endpoints: MicrosoftEndpoints;
  /** Feed size cap and parse budget (WA_FEED_MAX_BYTES, WA_FEED_PARSE_BUDGET_MS); defaults when absent. */
  feed?: FeedLimits;
  metrics?: MetricsRecorder;
  /** WineAround's multi-tenant app (WA_APP_CLIENT_ID): for it, a missing app is missing consent (sync and diagnosis). */
  multiTenantAppId?: string;
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

/** A change's version is the booking's updatedAt; anything else (older than a day, or ahead) is not a time to measure from. */
const MAX_MEASURED_LATENCY_MS = 24 * 3600_000;

export function createActivities(deps: ActivityDeps) {
  const metrics = deps.metrics ?? noMetrics;
  // One token cache for the worker's life: tokens are reused across activities until near expiry.
  const tokens = new TokenProvider(deps.endpoints, metrics, deps.multiTenantAppId);
  const syncDeps = (): SyncDeps => {
    // Every heartbeat repeats the latest progress: Temporal keeps only the last details.
    let details: ReconcileProgress | undefined;
    // A local activity (the fast path of a small change batch) has no heartbeat: it lives inside a workflow task.
    const beat = activityInfo().isLocal ? () => undefined : () => heartbeat(details);
    return {
      secrets: deps.secrets,
      endpoints: deps.endpoints,
      tokens,
      heartbeat: beat,
      progress: (progress) => {
        details = progress;
        beat();
      },
      // Only waits between throttled $batch rounds come here.
      pause: (ms) => {
        metrics.throttleWaited('batch', ms);
        return sleep(ms);
      },
      signal: cancellationSignal(),
      feed: deps.feed,
      metrics,
    };
  };
  /** A cancelled attempt reports its cancellation (not a classified failure), so Temporal sees it as such. */
  const failure = (err: unknown): unknown => {
    const signal = cancellationSignal();
    return signal.aborted ? (signal.reason ?? err) : toFailure(err);
  };

  /** Runs one sync, counting it by kind and outcome, and turns its error into a Temporal failure. */
  async function counted<T extends { kind: SyncKind }>(kind: SyncKind, sync: () => Promise<T>): Promise<T> {
    const startedAt = Date.now();
    try {
      const result = await sync();
      metrics.syncFinished(result.kind, 'ok', Date.now() - startedAt);
      return result;
    } catch (err) {
      const thrown = failure(err);
      const outcome = cancellationSignal().aborted ? 'cancelled' : thrown instanceof ApplicationFailure && thrown.nonRetryable ? 'config' : 'transient';
      metrics.syncFinished(kind, outcome, Date.now() - startedAt);
      throw thrown;
    }
  }

  async function applyChanges(input: { config: IntegrationConfig; changes: EventChange[] }): Promise<SyncSummary> {
    const summary = await counted('changes', () => applyEventChanges(input.config, input.changes, syncDeps()));
    const appliedAt = Date.now();
    for (const change of input.changes) {
      const latency = appliedAt - change.version;
      if (latency >= 0 && latency < MAX_MEASURED_LATENCY_MS) metrics.changeApplied(latency);
    }
    return summary;
  }

  return {
    ...checkActivities,
    async reconcile(input: {
      config: IntegrationConfig; cursor: SyncCursor | null; mode: 'auto' | 'full'; force?: boolean;
      /** Deletes and upserts signalled recently: eventId → version. */
      recentDeletes?: Record<string, number>;
      recentUpserts?: Record<string, number>;
    }): Promise<ReconcileResult> {
      // A retry after a failure compares in full (the failed attempt may have written part of its
      // plan), or, when that attempt got as far as writing, does only the writes it had left.
      const { attempt, heartbeatDetails } = activityInfo();
      const mode = attempt > 1 ? 'full' : input.mode;
      const resume = attempt > 1 && isReconcileProgress(heartbeatDetails) ? heartbeatDetails : undefined;
      const result = await counted(mode === 'full' ? 'full' : 'incremental', async () => {
        const options = { mode, force: input.force, recentDeletes: input.recentDeletes, recentUpserts: input.recentUpserts, resume };
        const r = await reconcileIntegration(input.config, input.cursor, options, syncDeps());
        return { kind: r.summary.kind, r };
      });
      return result.r;
    },

    applyChanges,
    checkAndApplyChanges: checkAndApplyWith(applyChanges),

    async diagnose(input: { config: IntegrationConfig }): Promise<DiagnosisReport> {
      return diagnoseSetup(input.config, { secrets: deps.secrets, endpoints: deps.endpoints, tokens, multiTenantAppId: deps.multiTenantAppId });
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
