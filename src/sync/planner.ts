/**
 * The planner: desired source events vs the owned Outlook events → creates, updates, deletes.
 * Pure and deterministic (same input, same plan, items sorted by source id); all I/O lives in the
 * writer around it.
 */
import { digest } from './digest';
import { fingerprintOfHash } from './fingerprint';
import type { GraphEventPayload } from './graph-event';
import { mapEvent } from './mapping';
import { readMarker } from './marker';
import type { MappingOptions, SourceEvent } from './model';

/** An owned Outlook event as the writer lists it: its marker plus a fingerprint of its current content. */
export interface OwnedEvent {
  graphId: string;
  /** WineAroundEventId marker; an item without one is not ours and is ignored. */
  sourceId: string;
  /** WineAroundContentHash marker: what we last wrote. */
  hash: string;
  /** WineAroundVersion marker: the source version we last wrote. */
  version: number;
  /** fingerprintGraphEvent() of the content as read back now. */
  fingerprint: string;
}

export interface GuardOptions {
  /** Refuse deletions above this share of the owned events (default 0.5)… */
  maxDeleteShare?: number;
  /** …when they are also more than this many (default 5). */
  minDeletesForGuard?: number;
  /** Operator override: apply the deletions even though the guard would refuse them. */
  force?: boolean;
}

export interface PlanInput {
  customerId: string;
  desired: SourceEvent[];
  actual: OwnedEvent[];
  options: MappingOptions;
  guard?: GuardOptions;
  /**
   * Bookings (UIDs) the feed lists but could not read: their owned events, occurrences of a
   * series included (id `UID#…`), are kept exactly as they are, never updated or deleted.
   */
  keep?: Iterable<string>;
}

export interface PlannedCreate {
  sourceId: string;
  payload: GraphEventPayload;
  /** Graph de-duplicates a retried POST carrying the same transactionId. */
  transactionId: string;
}
export interface PlannedUpdate {
  graphId: string;
  sourceId: string;
  payload: GraphEventPayload;
  /** changed: the source changed; tampered: a person edited the event in Outlook. */
  reason: 'changed' | 'tampered';
}
export interface PlannedDelete {
  graphId: string;
  sourceId: string;
  /** removed: no longer in the source; duplicate: a second copy of one source event (e.g. a lost create response). */
  reason: 'removed' | 'duplicate';
}
export interface Skipped {
  sourceId: string;
  /** stale: Outlook holds a newer version than the source offers; duplicate: the source lists the id twice. */
  reason: 'stale' | 'duplicate';
}
export interface GuardReport {
  tripped: true;
  reason: 'empty-source' | 'mass-delete';
  message: string;
  wouldDelete: number;
  total: number;
}
export interface Plan {
  creates: PlannedCreate[];
  updates: PlannedUpdate[];
  deletes: PlannedDelete[];
  unchanged: number;
  skipped: Skipped[];
  /** Owned events left untouched because their booking is in `keep`. */
  kept: number;
  guard?: GuardReport;
}

/** The booking an event id belongs to: an occurrence of a series is `UID#recurrence`. */
export const bookingOf = (sourceId: string) => sourceId.split('#')[0];

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Deterministic per (customer, source event, version): a retry of the same create is de-duplicated, a new version is not. */
export function transactionIdFor(customerId: string, sourceId: string, version: number): string {
  return `wa-${digest([customerId, sourceId, version])}`;
}

/**
 * Versions are compared in whole seconds: iCal timestamps (LAST-MODIFIED) have second precision
 * while notifications carry milliseconds, and the feed's copy of an update must not look older
 * than the notification that announced it.
 */
const olderThan = (a: number, b: number) => Math.floor(a / 1000) < Math.floor(b / 1000);

/** Among copies of one source event keep the untampered, newest, then lowest graph id; the rest are duplicates. */
function keeperFirst(copies: OwnedEvent[]): OwnedEvent[] {
  const intact = (e: OwnedEvent) => (e.fingerprint === fingerprintOfHash(e.hash) ? 0 : 1);
  return [...copies].sort((a, b) => intact(a) - intact(b) || b.version - a.version || byText(a.graphId, b.graphId));
}

/** Among source events with one id (a broken feed) keep the newest. */
function newestFirst(events: SourceEvent[]): SourceEvent[] {
  return [...events].sort((a, b) => b.version - a.version);
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return new Map([...groups].sort(([a], [b]) => byText(a, b)));
}

function guardFor(plan: Plan, desiredCount: number, ownedCount: number, options: GuardOptions): GuardReport | undefined {
  const { maxDeleteShare = 0.5, minDeletesForGuard = 5, force = false } = options;
  const wouldDelete = plan.deletes.filter((d) => d.reason === 'removed').length;
  if (force || wouldDelete === 0) return undefined;
  if (desiredCount === 0) {
    return {
      tripped: true,
      reason: 'empty-source',
      message: `the source has no events but ${ownedCount} owned events exist; deletions withheld (wa-outlook sync-now --force applies them)`,
      wouldDelete,
      total: ownedCount,
    };
  }
  if (wouldDelete > minDeletesForGuard && wouldDelete / ownedCount > maxDeleteShare) {
    return {
      tripped: true,
      reason: 'mass-delete',
      message:
        `the plan would delete ${wouldDelete} of ${ownedCount} owned events, more than ` +
        `${Math.round(maxDeleteShare * 100)}%; deletions withheld (wa-outlook sync-now --force applies them)`,
      wouldDelete,
      total: ownedCount,
    };
  }
  return undefined;
}

export function plan(input: PlanInput): Plan {
  const { customerId, options } = input;
  const result: Plan = { creates: [], updates: [], deletes: [], unchanged: 0, skipped: [], kept: 0 };
  const keep = new Set(input.keep);
  const kept = (sourceId: string) => keep.has(bookingOf(sourceId)) || keep.has(sourceId);
  const ours = input.actual.filter((e) => typeof e.sourceId === 'string' && e.sourceId !== '');
  const owned = groupBy(ours.filter((e) => !kept(e.sourceId)), (e) => e.sourceId);
  result.kept = ours.length - [...owned.values()].reduce((n, copies) => n + copies.length, 0);
  const desired = groupBy(input.desired.filter((e) => !kept(e.id)), (e) => e.id);

  for (const [sourceId, events] of desired) {
    const [event, ...repeats] = newestFirst(events);
    result.skipped.push(...repeats.map(() => ({ sourceId, reason: 'duplicate' as const })));
    const copies = keeperFirst(owned.get(sourceId) ?? []);
    const [kept, ...duplicates] = copies;
    for (const d of duplicates) result.deletes.push({ graphId: d.graphId, sourceId, reason: 'duplicate' });

    if (!kept) {
      const payload = mapEvent(event, options, customerId);
      result.creates.push({ sourceId, payload, transactionId: transactionIdFor(customerId, sourceId, event.version) });
      continue;
    }
    // Restoring an edited event must not lower the version marker below what is stored.
    const payload = mapEvent({ ...event, version: Math.max(event.version, kept.version) }, options, customerId);
    const hash = readMarker(payload)?.contentHash;
    if (hash !== kept.hash) {
      if (olderThan(event.version, kept.version)) result.skipped.push({ sourceId, reason: 'stale' });
      else result.updates.push({ graphId: kept.graphId, sourceId, payload, reason: 'changed' });
    } else if (kept.fingerprint !== fingerprintOfHash(kept.hash)) {
      result.updates.push({ graphId: kept.graphId, sourceId, payload, reason: 'tampered' });
    } else {
      result.unchanged += 1;
    }
  }

  for (const [sourceId, copies] of owned) {
    if (desired.has(sourceId)) continue;
    for (const copy of keeperFirst(copies)) result.deletes.push({ graphId: copy.graphId, sourceId, reason: 'removed' });
  }
  result.deletes.sort((a, b) => byText(a.sourceId, b.sourceId) || byText(a.graphId, b.graphId));

  const guard = guardFor(result, desired.size, owned.size, input.guard ?? {});
  if (guard) {
    // Duplicate copies are still removed: deleting them never takes a booking off the calendar.
    result.deletes = result.deletes.filter((d) => d.reason === 'duplicate');
    result.guard = guard;
  }
  return result;
}
