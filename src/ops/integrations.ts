import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import {
  configPatchSchema,
  describeIssues,
  integrationConfigSchema,
  type ConfigPatch,
  type IntegrationConfig,
  type IntegrationConfigInput,
  redactUrl,
} from '../workflows/integration-config';
import type { integrationWorkflow } from '../workflows/integration';
import {
  eventChangedSignal,
  integrationWorkflowId,
  pauseSignal,
  resumeSignal,
  statusQuery,
  stopSignal,
  syncNowUpdate,
  updateConfigUpdate,
} from '../workflows/messages';
import { customerIdKey, errorCodeKey, integrationStatusKey } from '../workflows/search-attributes';
import type { IntegrationStatus } from '../workflows/status';
import type { SyncSummary } from '../reconcile/summary';
import { parseNotification, type EventChange } from '../winearound/notification';

/** Operations on customer integrations, shared by the ops CLI, the webhook and WineAround's backend. */

export class OpsError extends Error {
  override name = 'OpsError';
}

export function validateConfig(input: IntegrationConfigInput): IntegrationConfig {
  const parsed = integrationConfigSchema.safeParse(input);
  if (!parsed.success) throw new OpsError(`Invalid integration settings: ${describeIssues(parsed.error, 'config')}`);
  return parsed.data;
}

function handleFor(client: Client, customerId: string): WorkflowHandle<typeof integrationWorkflow> {
  return client.workflow.getHandle<typeof integrationWorkflow>(integrationWorkflowId(customerId));
}

/** Turns "workflow not found" and failed updates into answers an operator understands. */
async function onIntegration<T>(customerId: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause as { type?: string; message?: string } | undefined;
      throw new OpsError(`${cause?.type ? `${cause.type}: ` : ''}${cause?.message ?? err.message}`);
    }
    if (err instanceof WorkflowNotFoundError || (err as Error)?.name === 'WorkflowNotFoundError') {
      throw new OpsError(`No running integration for customer "${customerId}" (workflow ${integrationWorkflowId(customerId)}). Start it with: wa-outlook start ${customerId} …`);
    }
    throw err;
  }
}

export async function startIntegration(client: Client, taskQueue: string, input: IntegrationConfigInput): Promise<string> {
  const config = validateConfig(input);
  const workflowId = integrationWorkflowId(config.customerId);
  try {
    await client.workflow.start<typeof integrationWorkflow>('integrationWorkflow', {
      workflowId,
      taskQueue,
      args: [{ config: input }],
      typedSearchAttributes: new TypedSearchAttributes([
        { key: customerIdKey, value: config.customerId },
        { key: integrationStatusKey, value: 'running' },
      ]),
      ...describeIntegration(config),
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new OpsError(`The integration for customer "${config.customerId}" is already running (workflow ${workflowId}). Use "wa-outlook status ${config.customerId}", or "update-config" to change its settings.`);
    }
    throw err;
  }
  return workflowId;
}

export function getStatus(client: Client, customerId: string): Promise<IntegrationStatus> {
  return onIntegration(customerId, () => handleFor(client, customerId).query(statusQuery));
}

export async function stopIntegration(client: Client, customerId: string, wait = true): Promise<IntegrationStatus | undefined> {
  const handle = handleFor(client, customerId);
  await onIntegration(customerId, () => handle.signal(stopSignal));
  return wait ? handle.result() : undefined;
}

export function pauseIntegration(client: Client, customerId: string): Promise<void> {
  return onIntegration(customerId, () => handleFor(client, customerId).signal(pauseSignal));
}

export function resumeIntegration(client: Client, customerId: string): Promise<void> {
  return onIntegration(customerId, () => handleFor(client, customerId).signal(resumeSignal));
}

/** `force` applies deletions that the safety guard held back (after checking the feed really changed). */
export function syncNow(client: Client, customerId: string, options: { force?: boolean } = {}): Promise<SyncSummary> {
  return onIntegration(customerId, () => handleFor(client, customerId).executeUpdate(syncNowUpdate, { args: [{ force: options.force ?? false }] }));
}

export function updateConfig(client: Client, customerId: string, patch: ConfigPatch): Promise<IntegrationStatus> {
  const parsed = configPatchSchema.safeParse(patch);
  if (!parsed.success) throw new OpsError(`Invalid settings: ${describeIssues(parsed.error, 'config')}`);
  return onIntegration(customerId, () => handleFor(client, customerId).executeUpdate(updateConfigUpdate, { args: [patch] }));
}

/**
 * What WineAround's backend calls when a booking changes. The change is validated here first, so
 * the caller gets the error; with `startWith`, an integration that is not running yet is started
 * with that config (signal-with-start), otherwise an unknown customer is an error.
 */
export async function notifyEventChanged(
  client: Client,
  taskQueue: string,
  change: unknown,
  startWith?: IntegrationConfigInput,
): Promise<EventChange> {
  const parsed = parseNotification(change);
  if (!startWith) {
    await onIntegration(parsed.customerId, () => handleFor(client, parsed.customerId).signal(eventChangedSignal, parsed));
    return parsed;
  }
  const config = validateConfig(startWith);
  if (config.customerId !== parsed.customerId) {
    throw new OpsError(`The change is for customer "${parsed.customerId}" but startWith is for "${config.customerId}".`);
  }
  await client.workflow.signalWithStart<typeof integrationWorkflow, [unknown]>('integrationWorkflow', {
    workflowId: integrationWorkflowId(config.customerId),
    taskQueue,
    args: [{ config: startWith }],
    signal: eventChangedSignal,
    signalArgs: [parsed],
    typedSearchAttributes: new TypedSearchAttributes([
      { key: customerIdKey, value: config.customerId },
      { key: integrationStatusKey, value: 'running' },
    ]),
    ...describeIntegration(config),
  });
  return parsed;
}

export interface IntegrationListing {
  customerId: string;
  state: string;
  /** The last error's code (search attribute WaErrorCode), if any. */
  errorCode?: string;
  workflowId: string;
  startTime: Date;
  /** From the status query; absent when no worker answered. */
  status?: IntegrationStatus;
  /** Why the status query failed (e.g. no worker polling the task queue). */
  statusError?: string;
}

/** All integrations, from the search attributes; each one's details from its status query. */
export async function listIntegrations(client: Client, filter: { state?: string; errorCode?: string } = {}): Promise<IntegrationListing[]> {
  const clauses = [`${customerIdKey.name} IS NOT NULL`, 'ExecutionStatus = "Running"'];
  if (filter.state) clauses.push(`${integrationStatusKey.name} = "${filter.state.replace(/"/g, '')}"`);
  if (filter.errorCode) clauses.push(`${errorCodeKey.name} = "${filter.errorCode.replace(/"/g, '')}"`);
  const listings: IntegrationListing[] = [];
  for await (const execution of client.workflow.list({ query: clauses.join(' AND ') })) {
    const customerId = execution.typedSearchAttributes.get(customerIdKey) ?? execution.workflowId;
    listings.push({
      customerId,
      state: execution.typedSearchAttributes.get(integrationStatusKey) ?? 'unknown',
      errorCode: execution.typedSearchAttributes.get(errorCodeKey),
      workflowId: execution.workflowId,
      startTime: execution.startTime,
    });
  }
  await Promise.all(
    listings.map(async (l) => {
      try {
        // Without a worker a query waits ~30 s: a listing should not.
        l.status = await client.connection.withDeadline(Date.now() + 5_000, () => handleFor(client, l.customerId).query(statusQuery));
      } catch (err) {
        l.statusError = (err as Error).message;
      }
    }),
  );
  return listings.sort((a, b) => a.customerId.localeCompare(b.customerId));
}

/** The Temporal UI's summary and details of an integration: who and where, never a secret or the feed's token. */
function describeIntegration(config: IntegrationConfig): { staticSummary: string; staticDetails: string } {
  const minutes = Math.round(config.reconcileIntervalMs / 60_000);
  return {
    staticSummary: `WineAround → Outlook for ${config.customerId}: ${config.mailbox}`,
    staticDetails: [
      `**Customer** \`${config.customerId}\``,
      `- mailbox: \`${config.mailbox}\``,
      `- tenant: \`${config.tenantId}\`, app: \`${config.clientId}\`, secret reference: \`${config.secretRef}\``,
      `- feed: ${redactUrl(config.feedUrl)}`,
      `- reconcile every ${minutes} min, window ${config.windowPastDays} days back to ${config.windowFutureDays} ahead, time zone ${config.timeZone}`,
    ].join('\n'),
  };
}
