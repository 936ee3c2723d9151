import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { TypedSearchAttributes } from '@temporalio/common';
import {
  configPatchSchema,
  describeIssues,
  integrationConfigSchema,
  type ConfigPatch,
  type IntegrationConfig,
  type IntegrationConfigInput,
  redactUrl,
} from '../sync/integration-config';
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
import { LIVE_STATES, type IntegrationStatus } from '../workflows/status';
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
export async function onIntegration<T>(customerId: string, action: () => Promise<T>): Promise<T> {
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
      workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
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
    workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
  });
  return parsed;
}

export interface IntegrationListing {
  customerId: string;
  state: string;
  /** The last error's code, from the WaErrorCode search attribute (absent: none, or not published by this workflow version). */
  errorCode?: string;
  workflowId: string;
  startTime: Date;
  /** From the status query, when details were asked for; absent when no worker answered. */
  status?: IntegrationStatus;
  /** Why the status query failed (e.g. no worker polling the task queue). */
  statusError?: string;
}

/** Which integrations: by state, by error code, and/or a Temporal visibility query (ANDed). */
export interface IntegrationFilter {
  state?: string;
  errorCode?: string;
  /** e.g. `WaCustomerId STARTS_WITH "cantina-"`; see Temporal's list filter syntax. */
  query?: string;
}

const quoted = (value: string) => `"${value.replace(/["\\]/g, '')}"`;

/** The visibility query for running integrations matching the filter. */
export function visibilityQuery(filter: IntegrationFilter = {}): string {
  const clauses = [`${customerIdKey.name} IS NOT NULL`, 'ExecutionStatus = "Running"'];
  if (filter.state) clauses.push(`${integrationStatusKey.name} = ${quoted(filter.state)}`);
  if (filter.errorCode) clauses.push(`${errorCodeKey.name} = ${quoted(filter.errorCode)}`);
  if (filter.query?.trim()) clauses.push(`(${filter.query.trim()})`);
  return clauses.join(' AND ');
}

/** A visibility error (unknown attribute, bad syntax) as an answer naming the filter. */
async function onVisibility<T>(filter: IntegrationFilter, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    const e = err as { code?: number; details?: string; message?: string };
    if (e.code === 3 /* INVALID_ARGUMENT */) {
      throw new OpsError(`The server refused the filter (${visibilityQuery(filter)}): ${e.details ?? e.message}. Check --query's syntax and that the search attributes are registered (the worker's dev server does it; see docs/deployment.md).`);
    }
    throw err;
  }
}

export interface IntegrationPage {
  integrations: IntegrationListing[];
  /** Pass to the next call for the following page; absent on the last page. */
  nextPageToken?: string;
}

/**
 * One page of integrations, from Temporal visibility only (search attributes): it answers at once
 * however many integrations there are and whether or not workers are busy. Ordered by the
 * server (most recently started first).
 */
export async function listIntegrationPage(client: Client, filter: IntegrationFilter = {}, page: { pageSize?: number; nextPageToken?: string } = {}): Promise<IntegrationPage> {
  const response = await onVisibility(filter, () => client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    query: visibilityQuery(filter),
    pageSize: page.pageSize ?? PAGE_SIZE.screen,
    nextPageToken: page.nextPageToken ? Buffer.from(page.nextPageToken, 'base64') : undefined,
  }));
  const integrations = await Promise.all((response.executions ?? []).map(async (raw) => {
    const execution = await executionInfoFromRaw(raw, client.options.loadedDataConverter, raw, client.options.namespace);
    const attributes = execution.typedSearchAttributes;
    return {
      customerId: attributes.get(customerIdKey) ?? execution.workflowId,
      state: attributes.get(integrationStatusKey) ?? 'unknown',
      errorCode: attributes.get(errorCodeKey) || undefined,
      workflowId: execution.workflowId,
      startTime: execution.startTime,
    };
  }));
  const token = response.nextPageToken?.length ? Buffer.from(response.nextPageToken).toString('base64') : undefined;
  return { integrations, nextPageToken: token };
}

/**
 * Integrations per page, by use. A person reads a screenful: the dev server's visibility store
 * reads and converts each row through its one SQLite connection, so a page of 100 costs ~5× a
 * page of 20 and, behind a fleet's start-up wave, up to 1.5 s (docs/benchmark.md). Reading every
 * integration (bulk operations, `list --all`) wants few requests instead.
 */
export const PAGE_SIZE = { screen: 25, all: 500 } as const;

/** Every integration matching the filter, page by page. */
export async function* allIntegrations(client: Client, filter: IntegrationFilter = {}, pageSize: number = PAGE_SIZE.all): AsyncGenerator<IntegrationListing> {
  let nextPageToken: string | undefined;
  do {
    const page = await listIntegrationPage(client, filter, { pageSize, nextPageToken });
    yield* page.integrations;
    nextPageToken = page.nextPageToken;
  } while (nextPageToken);
}

/** How many integrations match, in total and per state (one count request per state: visibility groups by ExecutionStatus only). */
export async function countIntegrations(client: Client, filter: IntegrationFilter = {}): Promise<{ total: number; byState: Record<string, number> }> {
  const count = async (f: IntegrationFilter) => Number((await onVisibility(f, () => client.workflow.count(visibilityQuery(f)))).count);
  const [total, ...perState] = await Promise.all([count(filter), ...LIVE_STATES.map((state) => count({ ...filter, state }))]);
  return { total, byState: Object.fromEntries(LIVE_STATES.map((state, i) => [state, perState[i]])) };
}

/** Adds each integration's status query answer, a few at a time, each bounded so that a listing never hangs on a busy worker. */
export async function addStatuses(client: Client, listings: IntegrationListing[], options: { concurrency?: number; deadlineMs?: number } = {}): Promise<void> {
  let next = 0;
  const work = async () => {
    while (next < listings.length) {
      const l = listings[next++];
      try {
        // Without a worker a query waits ~30 s: a listing should not.
        l.status = await client.connection.withDeadline(Date.now() + (options.deadlineMs ?? 5_000), () => handleFor(client, l.customerId).query(statusQuery));
      } catch (err) {
        l.statusError = (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 20 }, work));
}

/** All integrations matching the filter, sorted by customer; with `details`, each one's status query answer too. */
export async function listIntegrations(client: Client, filter: IntegrationFilter = {}, options: { details?: boolean } = { details: true }): Promise<IntegrationListing[]> {
  const listings: IntegrationListing[] = [];
  for await (const l of allIntegrations(client, filter)) listings.push(l);
  if (options.details) await addStatuses(client, listings);
  return listings.sort((a, b) => a.customerId.localeCompare(b.customerId));
}

/**
 * A starved worker (a CPU-bound host carrying a fleet) can take more than the default 10 s over a
 * task that replays a long history; the timeout would then evict and replay it again, for ever.
 */
const WORKFLOW_TASK_TIMEOUT = '30 seconds';

/** The Temporal UI's summary and details of an integration: who and where, never a secret or the feed's token. */
function describeIntegration(config: IntegrationConfig): { staticSummary: string; staticDetails: string } {
  const minutes = Math.round(config.reconcileIntervalMs / 60_000);
  return {
    staticSummary: `WineAround → Outlook for ${config.customerId}: ${config.mailbox}`,
    staticDetails: [
      `**Customer** \`${config.customerId}\``,
      '', // a list needs a blank line before it, or the UI's Markdown runs it into one paragraph
      `- mailbox: \`${config.mailbox}\``,
      `- tenant: \`${config.tenantId}\`, app: \`${config.clientId}\`, secret reference: \`${config.secretRef}\``,
      `- feed: ${redactUrl(config.feedUrl)}`,
      `- reconcile every ${minutes} min, window ${config.windowPastDays} days back to ${config.windowFutureDays} ahead, time zone ${config.timeZone}`,
    ].join('\n'),
  };
}

export interface BulkOutcome {
  customerId: string;
  ok: boolean;
  error?: string;
}

/**
 * Applies one operation to every integration matching the filter, a few at a time, and reports
 * each outcome. The matching set is read first (visibility), so integrations whose state the
 * operation changes are neither skipped nor visited twice.
 */
export async function forEachIntegration(
  client: Client,
  filter: IntegrationFilter,
  operation: (customerId: string) => Promise<unknown>,
  options: { concurrency?: number; onOutcome?: (outcome: BulkOutcome) => void } = {},
): Promise<BulkOutcome[]> {
  const customers: string[] = [];
  for await (const l of allIntegrations(client, filter)) customers.push(l.customerId);
  const outcomes: BulkOutcome[] = [];
  let next = 0;
  const work = async () => {
    while (next < customers.length) {
      const customerId = customers[next++];
      let outcome: BulkOutcome;
      try {
        await operation(customerId);
        outcome = { customerId, ok: true };
      } catch (err) {
        outcome = { customerId, ok: false, error: (err as Error).message };
      }
      outcomes.push(outcome);
      options.onOutcome?.(outcome);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 10 }, work));
  return outcomes;
}
