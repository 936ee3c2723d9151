import { ApplicationFailure } from '@temporalio/activity';
import {
  configPatchSchema, describeIssues, integrationConfigSchema, type ConfigChanges, type IntegrationConfig,
} from '../sync/integration-config';
import { parseNotification, type EventChange } from '../winearound/notification';
import type { SyncSummary } from '../reconcile/summary';
import { fastBatch, type FastApply } from '../workflows/integration-model';

/**
 * What reaches an integration workflow from outside (its input, config patches, WineAround's
 * notifications) is validated here, as local activities, by the same schemas as at the edges.
 * The schemas (zod, luxon and the time zone tables: two thirds of the bundle) thus stay out of
 * the workflow bundle, which every cached workflow instantiates: less memory and CPU per
 * workflow, and no second definition of "valid" inside the workflow. Pure, fast, never retried
 * for a verdict: an invalid input is an answer, not a failure.
 */

export type CheckedChange = { change: EventChange } | { rejected: string };

export function checkChange(raw: unknown): CheckedChange {
  try {
    return { change: parseNotification(raw) };
  } catch (err) {
    return { rejected: (err as Error).message };
  }
}

export const checkActivities = {
  /** The integration's settings with defaults filled in; INVALID_CONFIG names each bad field. */
  async checkConfig(input: unknown): Promise<IntegrationConfig> {
    const parsed = integrationConfigSchema.safeParse(input);
    if (!parsed.success) throw ApplicationFailure.nonRetryable(`Invalid integration config: ${describeIssues(parsed.error, 'config')}`, 'INVALID_CONFIG');
    return parsed.data;
  },

  async checkConfigPatch(patch: unknown): Promise<ConfigChanges> {
    const parsed = configPatchSchema.safeParse(patch);
    if (!parsed.success) throw ApplicationFailure.nonRetryable(`Invalid config change: ${describeIssues(parsed.error, 'config')}`, 'INVALID_CONFIG');
    return parsed.data;
  },

  /** One verdict per notification, in order; a rejection's reason names the field, never guest data. */
  async checkChanges(raws: unknown[]): Promise<CheckedChange[]> {
    return raws.map(checkChange);
  },
};

export type CheckActivities = typeof checkActivities;

export interface FastAnswer {
  verdicts: CheckedChange[];
  /** Absent when no notification made a change to write. */
  summary?: SyncSummary;
}

/**
 * The fast path's one local activity: checks the notifications, then writes the batch they make
 * (the ledger's rule, `fastBatch`) with `apply`, the applyChanges activity's own function.
 */
export function checkAndApplyWith(apply: (input: { config: IntegrationConfig; changes: EventChange[] }) => Promise<SyncSummary>) {
  return async function checkAndApplyChanges(input: { raws: unknown[]; fast: FastApply }): Promise<FastAnswer> {
    const verdicts = input.raws.map(checkChange);
    const changes = fastBatch(verdicts, input.fast);
    return changes.length ? { verdicts, summary: await apply({ config: input.fast.config, changes }) } : { verdicts };
  };
}
