/**
 * SourceEvent → Graph event payload for POST/PATCH. Pure. Never sets attendees: Outlook would
 * e-mail invitations to guests and staff. Guest details go into the body only when the customer
 * chooses so.
 */
import { contentHash, fingerprintGraphEvent } from './fingerprint';
import type { GraphDateTimeTimeZone, GraphEventPayload, GraphEventRead } from './graph-event';
import { markerProperties, readMarker } from './marker';
import type { EventTime, MappingOptions, SourceEvent } from './model';
import type { OwnedEvent } from './planner';
import { formatWallTime, instantOf, windowsZoneOf } from './time';
import { SUBJECT_FIELDS } from './mapping-options';

export { fingerprintGraphEvent, contentHash, fingerprintOfHash } from './fingerprint';
export { MARKER_PROPERTY_IDS, MARKER_PROPERTY_SET, markerExpand, ownedEventsFilter } from './marker';
export { parseMappingOptions } from './mapping-options';

function renderSubject(event: SourceEvent, template: string): string {
  const values: Record<(typeof SUBJECT_FIELDS)[number], string> = {
    title: event.title,
    guestName: event.guest?.name ?? '',
    partySize: event.guest?.partySize === undefined ? '' : String(event.guest.partySize),
    language: event.guest?.language ?? '',
  };
  return (
    template
      .replace(/\{(\w+)\}/g, (_, field: keyof typeof values) => values[field])
      // "{title} – {guestName} ({partySize}, {language})" must not leave "– (, )" behind when fields are empty.
      .replace(/([([])[\s,;:|]+/g, '$1')
      .replace(/[\s,;:|]+([)\]])/g, '$1')
      .replace(/\(\)|\[\]/g, '')
      .replace(/\s+/g, ' ')
      .replace(/^[\s\-–—|,;:]+|[\s\-–—|,;:]+$/g, '')
  );
}

function renderBody(event: SourceEvent, includeGuestDetails: boolean): string {
  const parts = [event.description ?? ''];
  const guest = event.guest;
  if (includeGuestDetails && guest) {
    const lines = [
      ['Guest', guest.name],
      ['Phone', guest.phone],
      ['E-mail', guest.email],
      ['Party size', guest.partySize],
      ['Language', guest.language],
      ['Notes', guest.notes],
    ]
      .filter(([, value]) => value !== undefined && value !== '')
      .map(([label, value]) => `${label}: ${value}`);
    parts.push(lines.join('\n'));
  }
  return parts.filter((p) => p !== '').join('\n\n');
}

/** A timed boundary in a zone Graph accepts: the Windows name, or UTC when windows-iana has no mapping. */
function graphTime(time: EventTime, customerZone: string): GraphDateTimeTimeZone {
  if (time.kind === 'date') return graphTime({ kind: 'dateTime', dateTime: `${time.date}T00:00:00`, timeZone: customerZone }, customerZone);
  const windowsZone = windowsZoneOf(time.timeZone);
  if (windowsZone) return { dateTime: time.dateTime, timeZone: windowsZone };
  return { dateTime: formatWallTime(instantOf(time, customerZone).toUTC()), timeZone: 'UTC' };
}

/** An all-day boundary: midnight of its date in the customer's zone (Graph requires both ends at midnight in one zone). */
function graphDate(time: EventTime, customerZone: string): GraphDateTimeTimeZone {
  const date = time.kind === 'date' ? time.date : instantOf(time, customerZone).setZone(customerZone).toISODate();
  return { dateTime: `${date}T00:00:00`, timeZone: windowsZoneOf(customerZone) ?? 'UTC' };
}

export function mapEvent(event: SourceEvent, options: MappingOptions, customerId: string): GraphEventPayload {
  const boundary = event.allDay ? graphDate : graphTime;
  const start = boundary(event.start, options.timeZone);
  const end = boundary(event.end, options.timeZone);
  const content = {
    subject: renderSubject(event, options.subjectTemplate),
    body: { contentType: 'text' as const, content: renderBody(event, options.includeGuestDetails) },
    start,
    end,
    isAllDay: event.allDay,
    location: { displayName: event.location ?? '' },
    categories: [...new Set([...options.categories, ...(event.categories ?? [])])],
    showAs: options.showAs,
    isReminderOn: options.reminderMinutes !== null,
    ...(options.reminderMinutes !== null && { reminderMinutesBeforeStart: options.reminderMinutes }),
  };
  return {
    ...content,
    singleValueExtendedProperties: markerProperties({
      customerId,
      sourceId: event.id,
      contentHash: contentHash(content),
      version: event.version,
    }),
  };
}

/**
 * An event read back from Graph (listed with `ownedEventsFilter` and `markerExpand`) as the planner
 * sees it; undefined for an event without a marker, which the service never touches.
 */
export function toOwnedEvent(event: GraphEventRead & { id: string }): OwnedEvent | undefined {
  const marker = readMarker(event);
  if (!marker) return undefined;
  return {
    graphId: event.id,
    sourceId: marker.sourceId,
    hash: marker.contentHash ?? '',
    version: marker.version ?? 0,
    fingerprint: fingerprintGraphEvent(event),
  };
}
