import { parseMappingOptions, toOwnedEvent } from '../sync/mapping';
import { plan, type Plan } from '../sync/planner';
import { toSourceEvent, type EventChange } from '../winearound/notification';
import type { IntegrationConfig } from '../sync/integration-config';
import { applyPlan } from './apply-plan';
import { openMailboxSession, type SyncDeps } from './mailbox-session';
import type { SyncSummary } from './summary';

/**
 * Applies single-event changes signalled by WineAround: one batched lookup of the events by their
 * WineAround id, then one batched write. The planner decides per event, so the rules are the
 * reconcile's: no duplicate, no overwrite of a newer version, no touching of foreign events.
 */
export async function applyEventChanges(config: IntegrationConfig, changes: EventChange[], deps: SyncDeps): Promise<SyncSummary> {
  const startedAt = Date.now();
  const session = await openMailboxSession(config, deps);
  try {
    const mapping = parseMappingOptions({ ...config.mapping, timeZone: config.timeZone });
    const found = await session.calendar.findBySource(changes.map((c) => c.eventId));
    const merged: Plan = { creates: [], updates: [], deletes: [], unchanged: 0, skipped: [], kept: 0 };
    let rejectedLookups = 0;
    for (const change of changes) {
      const copies = found.get(change.eventId);
      if (!copies) {
        // Dropped, not retried: one bad change must not hold back the others.
        rejectedLookups += 1;
        continue;
      }
      const owned = copies.map(toOwnedEvent).filter((o) => o !== undefined);
      // A delete older than what Outlook holds is stale: that copy stays.
      const newer = change.operation === 'delete' ? owned.filter((o) => o.version > change.version) : [];
      if (newer.length) merged.skipped.push({ sourceId: change.eventId, reason: 'stale' });
      const p = plan({
        customerId: config.customerId,
        desired: change.operation === 'upsert' ? [toSourceEvent(change)] : [],
        actual: owned.filter((o) => !newer.includes(o)),
        options: mapping,
        // A signalled delete is deliberate: the mass-delete guard protects against broken feeds only.
        guard: { force: true },
      });
      merged.creates.push(...p.creates);
      merged.updates.push(...p.updates);
      merged.deletes.push(...p.deletes);
      merged.skipped.push(...p.skipped);
      merged.unchanged += p.unchanged;
    }
    const outcome = await applyPlan(session.calendar, merged);
    const skipped: Record<string, number> = {};
    for (const s of merged.skipped) skipped[s.reason] = (skipped[s.reason] ?? 0) + 1;
    if (outcome.rejected + rejectedLookups) skipped['rejected-by-graph'] = outcome.rejected + rejectedLookups;
    return {
      kind: 'changes',
      at: new Date(startedAt).toISOString(),
      durationMs: Date.now() - startedAt,
      created: outcome.created,
      updated: outcome.updated,
      deleted: outcome.deleted,
      unchanged: merged.unchanged,
      skipped,
      requests: session.requests,
    };
  } catch (err) {
    throw session.classify(err);
  }
}
