import type { EventChange } from '../winearound/notification';

/**
 * The signalled changes of one integration: the queue waiting to be applied, the batch being
 * applied, the newest version applied per event, and recent signalled deletes (tombstones) and
 * upserts that a lagging feed must not undo. Plain code with no Temporal import, so that the
 * ordering rules are tested without a server; the workflow owns one and carries its snapshot
 * across continue-as-new.
 *
 * The one rule: a change is applied only if its version is newer than every version already
 * queued, in flight or applied for that event. Nothing ever lowers a remembered version.
 */

/** Remembered applied versions, so that a late, older signal never overwrites a newer change. */
const APPLIED_VERSIONS_KEPT = 1000;
/**
 * Recent signalled deletes and upserts, handed to each reconcile: a feed cache that lags
 * WineAround must neither bring back a deleted booking nor remove one a signal just created.
 * A day covers any sane feed cache for deletes. An upsert's protection ends as soon as the feed
 * lists it or is dated after it; for a feed without Last-Modified, after an hour: a booking
 * such a feed still does not list by then was cancelled, and its notice lost.
 */
const RECENT_KEPT = 500;
const TOMBSTONE_TTL_MS = 24 * 60 * 60_000;
const UPSERT_TTL_MS = 60 * 60_000;
/**
 * Beyond this many queued changes (a long pause or outage), the queue is dropped for a full
 * reconcile from the feed, WineAround's source of truth: the queue must fit in one payload.
 */
export const MAX_PENDING_CHANGES = 1000;
export const MAX_PENDING_BYTES = 1_000_000;

/** Plain JSON, carried by continue-as-new. */
export interface LedgerSnapshot {
  pending: EventChange[];
  appliedVersions: [string, number][];
  /** Deletes applied from signals: [eventId, version, applied at (ms)]. */
  tombstones?: [string, number, number][];
  /** Upserts applied from signals that the feed has not listed yet: [eventId, version, applied at (ms)]. */
  signalledUpserts?: [string, number, number][];
}

export type Offer = 'queued' | 'stale' | 'overflow';

type Recent = Map<string, { version: number; at: number }>;

export class ChangeLedger {
  private readonly pending = new Map<string, EventChange>();
  private readonly bytes = new Map<string, number>();
  private totalBytes = 0;
  private readonly inFlight = new Map<string, EventChange>();
  private readonly applied: Map<string, number>;
  private readonly tombstones: Recent;
  private readonly upserts: Recent;

  constructor(snapshot?: Partial<LedgerSnapshot>) {
    this.applied = new Map(snapshot?.appliedVersions ?? []);
    this.tombstones = recentFrom(snapshot?.tombstones);
    this.upserts = recentFrom(snapshot?.signalledUpserts);
    for (const change of snapshot?.pending ?? []) this.offer(change);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** The newest version known for an event, wherever it is: queued, being applied, or applied. */
  private newest(eventId: string): number | undefined {
    const versions = [this.applied.get(eventId), this.inFlight.get(eventId)?.version, this.pending.get(eventId)?.version]
      .filter((v): v is number => v !== undefined);
    return versions.length ? Math.max(...versions) : undefined;
  }

  /** Queues a change unless a newer or equal version is known; `overflow` dropped the whole queue. */
  offer(change: EventChange): Offer {
    const newest = this.newest(change.eventId);
    if (newest !== undefined && change.version <= newest) return 'stale';
    this.unqueue(change.eventId);
    this.pending.set(change.eventId, change);
    const bytes = JSON.stringify(change).length;
    this.bytes.set(change.eventId, bytes);
    this.totalBytes += bytes;
    if (this.pending.size > MAX_PENDING_CHANGES || this.totalBytes > MAX_PENDING_BYTES) {
      this.dropQueue();
      return 'overflow';
    }
    return 'queued';
  }

  /** Forgets the queue (a full reconcile from the feed replaces it). The batch in flight stays. */
  dropQueue(): void {
    this.pending.clear();
    this.bytes.clear();
    this.totalBytes = 0;
  }

  /** Moves up to `max` queued changes, oldest first, into flight. One batch at a time. */
  take(max: number): EventChange[] {
    if (this.inFlight.size) throw new Error('A batch is already being applied.');
    const batch = [...this.pending.values()].slice(0, max);
    for (const change of batch) {
      this.unqueue(change.eventId);
      this.inFlight.set(change.eventId, change);
    }
    return batch;
  }

  /** The batch in flight was applied. */
  settle(now: number): void {
    for (const change of this.inFlight.values()) {
      const id = change.eventId;
      if (change.version >= (this.applied.get(id) ?? Number.NEGATIVE_INFINITY)) {
        this.applied.delete(id); // re-inserted last: the oldest entries are forgotten first
        this.applied.set(id, change.version);
      }
      const other = change.operation === 'delete' ? this.upserts : this.tombstones;
      const mine = change.operation === 'delete' ? this.tombstones : this.upserts;
      if ((other.get(id)?.version ?? Number.NEGATIVE_INFINITY) < change.version) other.delete(id);
      if ((mine.get(id)?.version ?? Number.NEGATIVE_INFINITY) < change.version) {
        mine.delete(id);
        mine.set(id, { version: change.version, at: now });
      }
    }
    this.inFlight.clear();
    for (const key of this.applied.keys()) {
      if (this.applied.size <= APPLIED_VERSIONS_KEPT) break;
      this.applied.delete(key);
    }
    this.prune(now);
  }

  /** The batch in flight failed: its changes queue again, unless a newer version arrived meanwhile. */
  giveBack(): Offer {
    const batch = [...this.inFlight.values()];
    this.inFlight.clear();
    let outcome: Offer = 'stale';
    for (const change of batch) {
      const result = this.offer(change);
      if (result === 'overflow') return result;
      if (result === 'queued') outcome = result;
    }
    return outcome;
  }

  /** Signalled deletes a feed may still list, and signalled upserts it may not list yet: eventId → version. */
  recent(now: number): { deletes: Record<string, number>; upserts: Record<string, number> } {
    this.prune(now);
    const plain = (m: Recent) => Object.fromEntries([...m].map(([id, { version }]) => [id, version]));
    return { deletes: plain(this.tombstones), upserts: plain(this.upserts) };
  }

  /** The feed now lists these upserts at their signalled version or newer: it has caught up. */
  caughtUp(eventIds: readonly string[]): void {
    for (const id of eventIds) this.upserts.delete(id);
  }

  /** The newest version applied per event (the last 1,000). */
  appliedVersions(): [string, number][] {
    return [...this.applied];
  }

  /** The batch in flight is carried too: a hand-off happens only between activities, but be safe. */
  snapshot(): LedgerSnapshot {
    const triples = (m: Recent) => [...m].map(([id, { version, at }]) => [id, version, at] as [string, number, number]);
    return {
      pending: [...this.inFlight.values(), ...this.pending.values()],
      appliedVersions: this.appliedVersions(),
      tombstones: triples(this.tombstones),
      signalledUpserts: triples(this.upserts),
    };
  }

  private unqueue(eventId: string): void {
    this.pending.delete(eventId);
    this.totalBytes -= this.bytes.get(eventId) ?? 0;
    this.bytes.delete(eventId);
  }

  private prune(now: number): void {
    for (const [recent, ttl] of [[this.tombstones, TOMBSTONE_TTL_MS], [this.upserts, UPSERT_TTL_MS]] as const) {
      for (const [id, { at }] of recent) {
        if (recent.size <= RECENT_KEPT && now - at < ttl) break;
        recent.delete(id);
      }
    }
  }
}

function recentFrom(triples?: [string, number, number][]): Recent {
  return new Map((triples ?? []).map(([id, version, at]) => [id, { version, at }]));
}
