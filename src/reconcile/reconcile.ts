import { fetchFeed, type FeedResult } from '../winearound/feed';
import { planInPool } from '../winearound/parse-pool';
import type { SyncWindow } from '../winearound/ical-parse';
import { DeltaExpiredError, type OwnedEventRead } from '../outlook/calendar';
import { classifyError } from '../outlook/errors';
import { parseMappingOptions, toOwnedEvent } from '../sync/mapping';
import { instantOf } from '../sync/time';
import type { MappingOptions } from '../sync/model';
import { plan, type OwnedEvent, type Plan } from '../sync/planner';
import type { IntegrationConfig } from '../sync/integration-config';
import { applyPlan, type ApplyOutcome } from './apply-plan';
import { openMailboxSession, type MailboxSession, type SyncDeps } from './mailbox-session';
import { SKIPPED_BOOKINGS_LISTED, type ReconcileResult, type SyncCursor, type SyncSummary } from './summary';

/**
 * Reconcile = the WineAround feed (desired) against the owned Outlook events (actual) inside the
 * window → a plan → applied. The cheap path first: a 304 from the feed and an empty delta of the
 * mailbox prove nothing changed on either side, in two requests whatever the calendar's size.
 */

const DAY = 86_400_000;
const seconds = (ms: number) => Math.floor(ms / 1000);
type FeedContent = Extract<FeedResult, { notModified: false }>;

export function syncWindow(config: Pick<IntegrationConfig, 'windowPastDays' | 'windowFutureDays'>, now: Date): SyncWindow {
  // Whole UTC days, so the window (and the delta link opened for it) changes once a day.
  const today = Math.floor(now.getTime() / DAY) * DAY;
  return { start: new Date(today - config.windowPastDays * DAY), end: new Date(today + (config.windowFutureDays + 1) * DAY) };
}

function inWindow(event: OwnedEvent & { startUtc?: number; endUtc?: number }, window: SyncWindow): boolean {
  return event.startUtc === undefined || event.endUtc === undefined
    || (event.startUtc < window.end.getTime() && event.endUtc > window.start.getTime());
}

function countSkipped(p: Plan, outcome: ApplyOutcome | undefined, feedSkipped: number): Record<string, number> {
  const skipped: Record<string, number> = {};
  const add = (reason: string, n = 1) => { if (n) skipped[reason] = (skipped[reason] ?? 0) + n; };
  for (const s of p.skipped) add(s.reason);
  add('rejected-by-graph', outcome?.rejected ?? 0);
  add('invalid-in-feed', feedSkipped);
  if (p.guard) add('guard-withheld-delete', p.guard.wouldDelete);
  return skipped;
}

export interface ReconcileOptions {
  /** auto: take the cheap path when it proves nothing changed; full: always list and compare. */
  mode: 'auto' | 'full';
  /** Apply deletions the safety guard would hold back (an operator's decision). */
  force?: boolean;
  /** Deletes WineAround signalled recently (eventId → version): a feed still listing them lags. */
  recentDeletes?: Record<string, number>;
  /** Upserts WineAround signalled recently (eventId → version): a feed not listing them yet lags. */
  recentUpserts?: Record<string, number>;
  /** Where a failed attempt of this reconcile got to (its last heartbeat): the retry does only what was left. */
  resume?: ReconcileProgress;
  now?: Date;
}

/**
 * A full pass's progress, heartbeated as it applies its plan: the writes not yet confirmed (by
 * WineAround id), the feed they were planned from and the delta link opened before the listing.
 * Small (ids only) and free of guest data.
 */
export interface ReconcileProgress {
  feedHash: string;
  deltaLink: string;
  mailbox: string;
  windowStart: string;
  windowEnd: string;
  pending: string[];
}

/** Beyond this many unconfirmed writes a retry simply lists again (keeps heartbeat details small). */
const MAX_PROGRESS_IDS = 2000;

export function isReconcileProgress(value: unknown): value is ReconcileProgress {
  const p = value as Partial<ReconcileProgress> | null;
  return typeof p?.feedHash === 'string' && typeof p.deltaLink === 'string' && typeof p.mailbox === 'string'
    && typeof p.windowStart === 'string' && typeof p.windowEnd === 'string'
    && Array.isArray(p.pending) && p.pending.every((id) => typeof id === 'string');
}

export async function reconcileIntegration(
  config: IntegrationConfig,
  cursor: SyncCursor | null,
  options: ReconcileOptions,
  deps: SyncDeps,
): Promise<ReconcileResult> {
  const startedAt = Date.now();
  const now = options.now ?? new Date();
  const window = syncWindow(config, now);
  const windowStart = window.start.toISOString();
  const windowEnd = window.end.toISOString();
  const session = await openMailboxSession(config, deps);
  try {
    return await run(session);
  } catch (err) {
    throw session.classify(err);
  }

  async function run({ calendar, requests }: MailboxSession): Promise<ReconcileResult> {
    const summaryOf = (kind: SyncSummary['kind'], rest: Partial<SyncSummary> = {}): SyncSummary => ({
      kind, at: now.toISOString(), durationMs: Date.now() - startedAt, created: 0, updated: 0, deleted: 0, unchanged: 0,
      skipped: {}, requests, ...rest,
    });
    const readFeed = async (conditional: boolean): Promise<FeedResult> => {
      requests.feed += 1;
      deps.heartbeat?.();
      return fetchFeed({
        url: config.feedUrl, window, defaultTimeZone: config.timeZone, signal: deps.signal, metrics: deps.metrics,
        maxBytes: deps.feed?.maxBytes,
        parse: { budgetMs: deps.feed?.parseBudgetMs, heartbeat: deps.heartbeat },
        ...(conditional && { etag: cursor?.feedEtag, lastModified: cursor?.feedLastModified }),
      });
    };

    // A delta link belongs to one mailbox and one window: anything else starts from a new baseline.
    const sameScope = cursor?.windowStart === windowStart && cursor.windowEnd === windowEnd && cursor.mailbox === config.mailbox;
    const resume = options.resume;
    const resumable = resume !== undefined && resume.pending.length > 0
      && resume.windowStart === windowStart && resume.windowEnd === windowEnd && resume.mailbox === config.mailbox;
    const fresh = !resumable && mode() === 'auto' && sameScope && cursor?.deltaLink && !cursor.dirty;
    let deltaLink = sameScope ? cursor?.deltaLink : undefined;
    let feed = await readFeed(Boolean(fresh));
    let advanced = false;
    // A retry of a pass that got as far as writing: the same feed means the same plan, so only the
    // writes it had not confirmed are looked up and planned again (cost ∝ the work left, no listing).
    const mapping = parseMappingOptions({ ...config.mapping, timeZone: config.timeZone });
    if (resumable && !feed.notModified && feed.feedHash === resume.feedHash) return resumePass(resume, feed, mapping);

    if (fresh && deltaLink && (feed.notModified || feed.feedHash === cursor?.feedHash)) {
      try {
        const delta = await calendar.readDelta({ deltaLink });
        deltaLink = delta.deltaLink;
        advanced = true;
        if (delta.items.length === 0) {
          // The same feed still holds the same unreadable bookings: keep them in view.
          const unreadable = cursor?.unreadable;
          const still = unreadable && { skipped: { 'invalid-in-feed': unreadable.count }, skippedBookings: unreadable.listed };
          return { summary: summaryOf('incremental', still), cursor: { ...cursor, ...validators(feed), deltaLink } };
        }
        // Someone changed the calendar: compare everything (a person's own events cost one pass, no write).
      } catch (err) {
        if (!(err instanceof DeltaExpiredError)) throw err;
        deltaLink = undefined;
      }
    }
    if (feed.notModified) feed = await readFeed(false);
    if (feed.notModified) throw classifyError(new Error('The feed answered 304 to an unconditional request.'));

    // Bring the delta link up to now *before* listing (or open one): the delta read after the
    // writes then holds only our writes and edits a person makes while this pass runs.
    if (deltaLink && !advanced) {
      try {
        deltaLink = (await calendar.readDelta({ deltaLink })).deltaLink;
      } catch (err) {
        if (!(err instanceof DeltaExpiredError)) throw err;
        deltaLink = undefined;
      }
    }
    deltaLink ??= (await calendar.readDelta({ start: window.start.toISOString(), end: window.end.toISOString() })).deltaLink;
    const { desired, lagged, compare, unreadable, caughtUp } = basisOf(feed);
    const { actual, tooNew } = compare(await calendar.listOwned());
    // Off the event loop, like the parse: planning thousands of events is seconds of CPU.
    const p = await planInPool({
      customerId: config.customerId, desired, actual, options: mapping,
      guard: { maxDeleteShare: config.maxDeleteShare, force: options.force },
      keep: unreadable,
    }, { heartbeat: deps.heartbeat });
    const progress = tracker(feed, deltaLink, p);
    const outcome = await applyPlan(calendar, p, progress);

    // Advance the delta past our own writes; anything else in it is a concurrent edit by a person.
    // Events held back as newer than the feed are looked at again next time.
    let dirty = outcome.vanished || Boolean(p.guard) || tooNew > 0;
    try {
      const delta = await calendar.readDelta({ deltaLink });
      deltaLink = delta.deltaLink;
      dirty ||= delta.items.some((item) => !isOwnWrite(item, outcome));
    } catch (err) {
      if (!(err instanceof DeltaExpiredError)) throw err;
      // Expired while we wrote: the next pass starts over with a full comparison.
      deltaLink = undefined;
      dirty = true;
    }

    return {
      summary: summaryOf('full', {
        created: outcome.created,
        updated: outcome.updated,
        deleted: outcome.deleted,
        unchanged: p.unchanged,
        skipped: { ...countSkipped(p, outcome, feed.skipped.length), ...(lagged && { 'deleted-by-newer-signal': lagged }), ...(tooNew && { 'newer-than-feed': tooNew }) },
        ...(feed.skipped.length > 0 && { skippedBookings: feed.skipped.slice(0, SKIPPED_BOOKINGS_LISTED) }),
        guard: p.guard?.message,
        sourceEvents: feed.events.length,
        durationMs: Date.now() - startedAt,
      }),
      cursor: {
        ...validators(feed), feedHash: feed.feedHash, deltaLink, mailbox: config.mailbox, windowStart, windowEnd,
        lastFullAt: now.toISOString(), dirty,
        ...(feed.skipped.length > 0 && { unreadable: { count: feed.skipped.length, listed: feed.skipped.slice(0, SKIPPED_BOOKINGS_LISTED) } }),
      },
      caughtUp,
    };
  }

  /**
   * What the feed asks for, and how to read the owned events against it. The feed may lag
   * WineAround's signals (a cache): a booking deleted by a newer signal stays deleted, and an owned
   * event a signal wrote (after the feed's Last-Modified, or not listed by the feed yet) is kept.
   */
  function basisOf(feed: FeedContent) {
    const deletedLater = (e: { id: string; version: number }) => {
      const deleted = options.recentDeletes?.[e.id.split('#')[0]] ?? options.recentDeletes?.[e.id];
      return deleted !== undefined && seconds(e.version) <= seconds(deleted);
    };
    const desired = feed.events.filter((e) => !deletedLater(e));
    const desiredIds = new Set(desired.map((e) => e.id));
    // The feed's own Last-Modified dates its content; without one, only signalled upserts are held back.
    const feedMadeAt = feed.lastModified ? Date.parse(feed.lastModified) : Number.POSITIVE_INFINITY;
    // A booking the feed lists but could not read is kept as it is in Outlook: never changed or deleted.
    const unreadable = feed.skipped.flatMap((s) => (s.uid ? [s.uid] : []));
    // A feed dated after a signal has seen it: a booking it no longer lists was cancelled since
    // (its notice may have been lost), so that signal protects nothing any more.
    const seenByFeed = (version: number) => Number.isFinite(feedMadeAt) && seconds(feedMadeAt) > seconds(version);
    const signalled = (o: { sourceId: string; version: number }) => {
      const version = options.recentUpserts?.[o.sourceId.split('#')[0]];
      return version !== undefined && seconds(o.version) <= seconds(version) && !seenByFeed(version);
    };
    const caughtUp = Object.entries(options.recentUpserts ?? {})
      .filter(([id, version]) => seenByFeed(version) || desired.some((e) => e.id.split('#')[0] === id && seconds(e.version) >= seconds(version)))
      .map(([id]) => id);
    const compare = (events: OwnedEventRead[]) => {
      // Past bookings outside the window stay as history; a booking still in the feed is ours wherever
      // a person dragged it, or the plan would create a second copy.
      const owned = events
        .map((e) => {
          const o = toOwnedEvent(e);
          return o && { ...o, ...utcBounds(e) };
        })
        .filter((o): o is NonNullable<typeof o> => o !== undefined && (inWindow(o, window) || desiredIds.has(o.sourceId)));
      const actual = owned.filter((o) => desiredIds.has(o.sourceId) || !(seconds(o.version) > seconds(feedMadeAt) || signalled(o)));
      return { actual, tooNew: owned.length - actual.length };
    };
    return { desired, lagged: feed.events.length - desired.length, compare, unreadable, caughtUp };
  }

  /** Heartbeats the writes of a plan not yet confirmed, as batches complete. */
  function tracker(feed: FeedContent, deltaLink: string, p: Plan): ((done: string[]) => void) | undefined {
    if (!deps.progress || !feed.feedHash) return undefined;
    const pending = new Set([...p.creates, ...p.updates, ...p.deletes].map((item) => item.sourceId));
    if (pending.size === 0 || pending.size > MAX_PROGRESS_IDS) return undefined;
    const report = () => deps.progress!({ feedHash: feed.feedHash!, deltaLink, mailbox: config.mailbox, windowStart, windowEnd, pending: [...pending] });
    report();
    return (done) => {
      for (const id of done) pending.delete(id);
      report();
    };
  }

  /** The rest of a failed attempt's plan: look up the unconfirmed ids, plan them against the same feed, write. */
  async function resumePass(resume: ReconcileProgress, feed: FeedContent, mapping: MappingOptions): Promise<ReconcileResult> {
    const { calendar, requests } = session;
    const ids = new Set(resume.pending);
    const { desired: all, compare, unreadable } = basisOf(feed);
    const found = await calendar.findBySource([...ids]);
    // An id Graph refused to look up is left alone (absent from `found`), never created blindly.
    const desired = all.filter((e) => found.has(e.id));
    const { actual, tooNew } = compare([...found.values()].flat());
    // The failed attempt's plan already passed the safety guard on the whole calendar.
    const p = plan({ customerId: config.customerId, desired, actual, options: mapping, guard: { force: true }, keep: unreadable });
    const outcome = await applyPlan(calendar, p, tracker(feed, resume.deltaLink, p));
    // The delta since the link holds both attempts' writes, which can no longer be told from a
    // person's edits: the link is kept unread (no request now, to a mailbox that was throttling)
    // and the next scheduled pass compares everything, advancing it first.
    const deltaLink = resume.deltaLink;
    return {
      summary: {
        kind: 'full', resumed: true, at: now.toISOString(), durationMs: Date.now() - startedAt,
        created: outcome.created, updated: outcome.updated, deleted: outcome.deleted, unchanged: p.unchanged,
        skipped: { ...countSkipped(p, outcome, 0), ...(tooNew && { 'newer-than-feed': tooNew }) },
        requests, sourceEvents: feed.events.length,
      },
      cursor: {
        ...validators(feed), feedHash: feed.feedHash, deltaLink, mailbox: config.mailbox, windowStart, windowEnd,
        lastFullAt: now.toISOString(), dirty: true,
      },
    };
  }

  function mode(): ReconcileOptions['mode'] {
    const lastFull = cursor?.lastFullAt ? Date.parse(cursor.lastFullAt) : 0;
    return options.mode === 'auto' && now.getTime() - lastFull < config.fullReconcileEveryMs ? 'auto' : 'full';
  }

  function validators(feed: FeedResult): Pick<SyncCursor, 'feedEtag' | 'feedLastModified'> {
    return feed.notModified
      ? { feedEtag: cursor?.feedEtag, feedLastModified: cursor?.feedLastModified }
      : { feedEtag: feed.etag, feedLastModified: feed.lastModified };
  }
}

function isOwnWrite(item: { id: string; changeKey?: string; removed: boolean }, outcome: ApplyOutcome): boolean {
  if (item.removed) return outcome.deletedIds.has(item.id);
  return outcome.written.has(item.id) && outcome.written.get(item.id) === item.changeKey;
}

/** Start and end instants of an event read in UTC, for the window test. */
function utcBounds(e: { start?: { dateTime: string; timeZone: string } | null; end?: { dateTime: string; timeZone: string } | null }) {
  const at = (t?: { dateTime: string; timeZone: string } | null) =>
    t ? instantOf({ kind: 'dateTime', dateTime: t.dateTime.slice(0, 19), timeZone: 'UTC' }, 'UTC').toMillis() : undefined;
  return { startUtc: at(e.start), endUtc: at(e.end) };
}
