import type { BatchRequest, MailboxCalendar } from '../outlook/calendar';
import { classifyGraphStatus } from '../outlook/errors';
import type { Plan } from '../sync/planner';

/** What applying a plan did, and what it wrote (to tell our own writes from a person's in the delta). */
export interface ApplyOutcome {
  created: number;
  updated: number;
  deleted: number;
  /** Items Graph refused as invalid (HTTP 400/422): counted and skipped, never fatal for the others. */
  rejected: number;
  /** graph id → change key of every event we created or updated. */
  written: Map<string, string | undefined>;
  deletedIds: Set<string>;
  /** An event vanished between listing and writing (a person deleted it): the next pass must be full. */
  vanished: boolean;
}

const REJECTED = new Set([400, 409, 412, 422]);

/**
 * Applies creates, updates and deletes as JSON batches. A create carries the planner's
 * transactionId, fixed per (customer, event, version): any later attempt to create the same
 * version, from a retry or from another activity (after a schedule-to-close timeout, or alongside
 * an abandoned attempt whose last request still landed), is de-duplicated by Graph.
 */
export async function applyPlan(calendar: MailboxCalendar, plan: Plan, onApplied?: (sourceIds: string[]) => void): Promise<ApplyOutcome> {
  const kinds: ('create' | 'update' | 'delete')[] = [];
  const sourceIds = [...plan.creates, ...plan.updates, ...plan.deletes].map((item) => item.sourceId);
  const requests: BatchRequest[] = [];
  const graphIds: (string | undefined)[] = [];
  for (const c of plan.creates) {
    kinds.push('create');
    graphIds.push(undefined);
    requests.push({ method: 'POST', url: `${calendar.base}/events`, body: { ...c.payload, transactionId: c.transactionId } });
  }
  for (const u of plan.updates) {
    kinds.push('update');
    graphIds.push(u.graphId);
    requests.push({ method: 'PATCH', url: calendar.eventUrl(u.graphId), body: u.payload });
  }
  for (const d of plan.deletes) {
    kinds.push('delete');
    graphIds.push(d.graphId);
    requests.push({ method: 'DELETE', url: calendar.eventUrl(d.graphId) });
  }

  const outcome: ApplyOutcome = { created: 0, updated: 0, deleted: 0, rejected: 0, written: new Map(), deletedIds: new Set(), vanished: false };
  const results = await calendar.execute(requests, onApplied && ((done) => onApplied(done.map((i) => sourceIds[i]))));
  results.forEach((result, i) => {
    const kind = kinds[i];
    const ok = result.status >= 200 && result.status < 300;
    if (kind === 'delete' && (ok || result.status === 404)) {
      // Already gone is done: deleting is idempotent.
      outcome.deleted += 1;
      outcome.deletedIds.add(graphIds[i]!);
    } else if (ok) {
      outcome[kind === 'create' ? 'created' : 'updated'] += 1;
      outcome.written.set(String(result.body?.id ?? graphIds[i]), result.body?.changeKey);
    } else if (kind === 'update' && result.status === 404 && result.body?.error?.code === 'ErrorItemNotFound') {
      outcome.vanished = true;
    } else if (REJECTED.has(result.status)) {
      outcome.rejected += 1;
    } else {
      throw classifyGraphStatus(result.status, result.body?.error?.code, result.body?.error?.message ?? '');
    }
  });
  return outcome;
}
