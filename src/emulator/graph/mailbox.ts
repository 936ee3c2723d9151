import { randomBytes } from 'node:crypto';
import { badRequest, itemNotFound } from './errors';
import { applyEventInput } from './event-input';
import { StoredEvent } from './event-model';

/** Outlook-style ids: URL-safe base64 with padding. https://learn.microsoft.com/graph/outlook-immutable-id */
const newItemId = (): string => `AAMkA${randomBytes(105).toString('base64url')}=`;
const newChangeKey = (): string => randomBytes(24).toString('base64');

/** Graph's UTC timestamps carry 7 fractional digits: 2017-04-15T03:00:50.7579581Z. */
const graphTimestamp = (): string => new Date().toISOString().replace(/Z$/, '0000Z');

export interface Change { id: string; event?: StoredEvent }

/**
 * The documented answers to an expired delta token (graph-facts §3.5; https://learn.microsoft.com/graph/delta-query-overview ,
 * https://learn.microsoft.com/graph/errors): 410 with code syncStateNotFound (as Outlook spells it)
 * or SyncStateNotFound, 410 resyncRequired, or 410 Gone with a Location header to start over from.
 */
export const DELTA_EXPIRY_SHAPES = ['syncStateNotFound', 'SyncStateNotFound', 'resyncRequired', 'gone-with-location'] as const;
export type DeltaExpiryShape = (typeof DELTA_EXPIRY_SHAPES)[number];

/** One mailbox's default calendar: events, deletion tombstones and a change sequence for delta. */
export class Mailbox {
  private readonly events = new Map<string, StoredEvent>();
  private readonly tombstones = new Map<string, number>();
  private sequence = 0;
  /** Bumped to invalidate every outstanding delta token (Outlook evicts sync state). */
  deltaGeneration = 0;
  /** How an invalidated token is answered (see DeltaExpiryShape). */
  deltaExpiryShape: DeltaExpiryShape = 'syncStateNotFound';

  get currentSeq(): number {
    return this.sequence;
  }

  list(): StoredEvent[] {
    return [...this.events.values()].sort((a, b) => a.startEpoch - b.startEpoch || a.createdDateTime.localeCompare(b.createdDateTime));
  }

  get(id: string): StoredEvent {
    if (!/^[A-Za-z0-9_\-+/]{20,}=*$/.test(id)) throw badRequest('Id is malformed.', 'ErrorInvalidIdMalformed');
    const event = this.events.get(id);
    if (!event) throw itemNotFound();
    return event;
  }

  /**
   * Creates an event; a repeated transactionId returns the live event created first instead of a
   * duplicate. https://learn.microsoft.com/graph/api/resources/event (transactionId)
   */
  create(input: unknown): StoredEvent {
    const transactionId = (input as { transactionId?: unknown } | null)?.transactionId;
    if (typeof transactionId === 'string') {
      const existing = [...this.events.values()].find((e) => e.transactionId === transactionId);
      if (existing) return existing;
    }
    const content = applyEventInput(input, undefined);
    const now = graphTimestamp();
    const event: StoredEvent = {
      ...content,
      id: newItemId(),
      iCalUId: `040000008200E00074C5B7101A82E008${randomBytes(40).toString('hex').toUpperCase()}`,
      changeKey: newChangeKey(),
      createdDateTime: now,
      lastModifiedDateTime: now,
      ...(typeof transactionId === 'string' ? { transactionId } : {}),
      seq: ++this.sequence,
    };
    this.events.set(event.id, event);
    return event;
  }

  update(id: string, patch: unknown): StoredEvent {
    const current = this.get(id);
    const content = applyEventInput(patch, current);
    const updated: StoredEvent = {
      ...current,
      ...content,
      changeKey: newChangeKey(),
      lastModifiedDateTime: graphTimestamp(),
      seq: ++this.sequence,
    };
    this.events.set(id, updated);
    return updated;
  }

  delete(id: string): void {
    this.get(id);
    this.events.delete(id);
    this.tombstones.set(id, ++this.sequence);
  }

  /** Live events and deletions with since < seq <= upto, in sequence order. */
  changes(since: number, upto: number, includeDeletions: boolean): Array<Change & { seq: number }> {
    const live = [...this.events.values()].filter((e) => e.seq > since && e.seq <= upto).map((e) => ({ id: e.id, event: e, seq: e.seq }));
    const gone = includeDeletions
      ? [...this.tombstones].filter(([, seq]) => seq > since && seq <= upto).map(([id, seq]) => ({ id, seq }))
      : [];
    return [...live, ...gone].sort((a, b) => a.seq - b.seq);
  }
}

