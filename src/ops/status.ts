import { isGrpcCancelledError, isGrpcDeadlineError, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { isBusyWorkflowQuery } from '../temporal/retries';
import { integrationWorkflowId } from '../workflows/messages';
import { errorCodeKey, integrationStatusKey } from '../workflows/search-attributes';
import type { IntegrationStatus } from '../workflows/status';
import { getStatus, onIntegration, OpsError } from './integrations';

/**
 * Where an integration stands as the Temporal server knows it, without its worker: the state and
 * error code the workflow last published, and what is waiting (a workflow task nobody has taken,
 * activities retrying).
 */
export interface ServerView {
  customerId: string;
  /** The workflow execution's status: RUNNING, or how it ended (FAILED, TERMINATED, …). */
  execution: string;
  state: string;
  errorCode?: string;
  runStartedAt: Date;
  historyLength: number;
  /** A workflow task scheduled and not yet completed: the worker is busy, or none is polling. */
  workflowTaskWaitingSince?: Date;
  activities: { type: string; state: string; attempt: number; nextAttemptAt?: Date }[];
}

export type StatusAnswer =
  | { from: 'worker'; status: IntegrationStatus }
  | { from: 'server'; view: ServerView; why: string };

const SERVER_VIEW_TIMEOUT_MS = 5_000;

/** How long `wa-outlook status` lets the worker answer before it answers from the server. */
export const STATUS_QUERY_TIMEOUT_MS = 500;

/**
 * The status query, bounded. A query waits behind the workflow's pending tasks (seconds in a
 * fleet's start-up wave) and for ever without a worker; past the timeout, or if the query fails,
 * the server's own view answers instead, which needs no worker.
 */
export async function statusWithin(client: Client, customerId: string, queryTimeoutMs = STATUS_QUERY_TIMEOUT_MS): Promise<StatusAnswer> {
  const deadline = Date.now() + queryTimeoutMs;
  try {
    return { from: 'worker', status: await client.connection.withDeadline(deadline, () => getStatus(client, customerId)) };
  } catch (err) {
    if (err instanceof OpsError) throw err; // no such integration
    // Also when the server refuses the query (e.g. its workflow task failed meanwhile): the view needs no worker.
    // At the deadline the server may reset the stream first: the client then sees CANCELLED ("Call
    // cancelled", seen in CI), not DEADLINE_EXCEEDED. Nothing here cancels a call otherwise.
    const cause = ((err as Error).cause ?? err) as { code?: number; details?: string; message: string };
    const why = isGrpcDeadlineError(err) || isGrpcCancelledError(err) || Date.now() >= deadline
      ? `its worker did not answer within ${queryTimeoutMs} ms`
      : isBusyWorkflowQuery({ code: cause.code ?? 0, details: cause.details ?? '' })
        ? 'its workflow is busy with another query (Temporal holds one at a time)'
        : `the status query failed: ${cause.message}`;
    return { from: 'server', view: await serverView(client, customerId), why };
  }
}

export async function serverView(client: Client, customerId: string): Promise<ServerView> {
  const described = await onIntegration(customerId, () => client.connection.withDeadline(
    Date.now() + SERVER_VIEW_TIMEOUT_MS, () => client.workflow.getHandle(integrationWorkflowId(customerId)).describe()));
  const { raw, typedSearchAttributes: attributes } = described;
  const time = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
    t?.seconds == null ? undefined : new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6));
  return {
    customerId,
    execution: described.status.name,
    state: attributes.get(integrationStatusKey) ?? 'unknown',
    errorCode: attributes.get(errorCodeKey) || undefined,
    runStartedAt: described.startTime,
    historyLength: described.historyLength,
    workflowTaskWaitingSince: time(raw.pendingWorkflowTask?.scheduledTime),
    activities: (raw.pendingActivities ?? []).map((a) => ({
      type: a.activityType?.name ?? '?',
      state: (temporal.api.enums.v1.PendingActivityState[a.state ?? 0] ?? 'unknown').replace(/^PENDING_ACTIVITY_STATE_/, '').toLowerCase(),
      attempt: a.attempt ?? 1,
      nextAttemptAt: time(a.nextAttemptScheduleTime),
    })),
  };
}
