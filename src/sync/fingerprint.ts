/**
 * Content fingerprints that survive a round trip through Graph.
 *
 * The fingerprint covers what a person can visibly change and Graph returns faithfully: subject,
 * start/end (instants for timed events, dates for all-day ones), isAllDay, location, showAs and
 * categories. It is computed the same way for a payload we send (Windows zone names, whole
 * seconds) and for an event read back (`Prefer: outlook.timezone="UTC"`, 7 fractional digits), so
 * "read-back fingerprint ≠ stored fingerprint" means a person edited the event.
 *
 * The body is excluded: Graph rewrites body content (HTML wrapping, line endings), so it cannot be
 * compared. The body and reminder still matter for change detection on *our* side, so the stored
 * content hash is `${fingerprint}.${digest of body and reminder}`: a change in the source's
 * description or guest details updates the event, and tampering is judged on the fingerprint part.
 */
import { digest } from './digest';
import type { GraphDateTimeTimeZone, GraphEventPayload, GraphEventRead } from './graph-event';
import { ianaZoneOf, wallTimeIn } from './time';

function instant(time: GraphDateTimeTimeZone | null | undefined): string | null {
  if (!time) return null;
  const zone = ianaZoneOf(time.timeZone);
  const dt = zone ? wallTimeIn(time.dateTime, zone) : undefined;
  // An unreadable time cannot equal anything we wrote: fingerprint its raw text so it reads as changed.
  return dt ? dt.toUTC().toISO() : `${time.dateTime} ${time.timeZone}`;
}

/** Graph returns all-day events as midnight-to-midnight in whatever zone was asked for: the date part is the truth. */
const date = (time: GraphDateTimeTimeZone | null | undefined) => (time ? time.dateTime.slice(0, 10) : null);

export function fingerprintGraphEvent(event: GraphEventRead): string {
  const allDay = event.isAllDay === true;
  return digest([
    event.subject ?? '',
    allDay,
    allDay ? date(event.start) : instant(event.start),
    allDay ? date(event.end) : instant(event.end),
    event.location?.displayName ?? '',
    event.showAs ?? '',
    [...(event.categories ?? [])].sort(),
  ]);
}

/** The content hash stored in the marker for a payload: fingerprint plus body and reminder. */
export function contentHash(payload: Omit<GraphEventPayload, 'singleValueExtendedProperties'>): string {
  const rest = digest([payload.body.content, payload.isReminderOn, payload.reminderMinutesBeforeStart ?? null]);
  return `${fingerprintGraphEvent(payload)}.${rest}`;
}

/** The fingerprint part of a stored content hash, to compare with a read-back fingerprint. */
export function fingerprintOfHash(hash: string): string {
  return hash.split('.')[0];
}
