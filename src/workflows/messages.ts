import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ConfigPatch } from '../sync/integration-config';
import type { IntegrationStatus } from './status';
import type { SyncSummary } from '../reconcile/summary';

/** Message definitions shared by the workflow and its callers (ops CLI, WineAround's backend, webhook). */

/** A booking changed in WineAround. The argument is validated by the workflow's check step; an invalid one is reported and dropped. */
export const eventChangedSignal = defineSignal<[unknown]>('eventChanged');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/** Finish the step in flight, then end. */
export const stopSignal = defineSignal('stop');

/** Run a full reconcile now and answer with its summary; `force` applies deletions the safety guard would hold back. */
export const syncNowUpdate = defineUpdate<SyncSummary, [SyncNowOptions]>('syncNow');

export interface SyncNowOptions {
  force?: boolean;
}
/** Change settings of a running integration, e.g. a rotated secret reference; re-checks the setup at once. */
export const updateConfigUpdate = defineUpdate<IntegrationStatus, [ConfigPatch]>('updateConfig');

export const statusQuery = defineQuery<IntegrationStatus>('status');

export function integrationWorkflowId(customerId: string): string {
  return `wa-outlook/${customerId}`;
}
