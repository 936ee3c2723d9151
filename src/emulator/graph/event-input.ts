import { badRequest, GraphHttpError } from './errors';
import { EventContent, extendedPropertyKey, ExtendedProperty, DateTimeTimeZone } from './event-model';
import { isMidnight, parseWallTime, resolveTimeZone, wallTimeToEpoch } from './time-zones';

/**
 * Validates a POST/PATCH event body the way Graph does and merges it onto the current content.
 * https://learn.microsoft.com/graph/api/resources/event , .../api/user-post-events , .../api/event-update
 */

const ENUMS: Record<string, { type: string; values: string[] }> = {
  showAs: { type: 'freeBusyStatus', values: ['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown'] },
  sensitivity: { type: 'sensitivity', values: ['normal', 'personal', 'private', 'confidential'] },
  importance: { type: 'importance', values: ['low', 'normal', 'high'] },
};

/** Server-managed properties: accepted in a body (clients echo them) and ignored. */
const READ_ONLY = new Set([
  'id', 'changeKey', 'createdDateTime', 'lastModifiedDateTime', 'iCalUId', 'uid', 'type', 'webLink',
  'bodyPreview', 'organizer', 'isOrganizer', 'isCancelled', 'seriesMasterId', 'responseStatus',
  'hasAttachments', 'originalStartTimeZone', 'originalEndTimeZone', 'isDraft', 'onlineMeeting',
  'onlineMeetingUrl', 'recurrence', 'hideAttendees', 'allowNewTimeProposals', 'isOnlineMeeting',
  'onlineMeetingProvider', 'cancelledOccurrences', 'occurrenceId',
]);

const WRITABLE = new Set([
  'subject', 'body', 'start', 'end', 'isAllDay', 'location', 'locations', 'categories', 'showAs',
  'sensitivity', 'importance', 'isReminderOn', 'reminderMinutesBeforeStart', 'responseRequested',
  'attendees', 'transactionId', 'singleValueExtendedProperties',
]);

const DEFAULTS: Omit<EventContent, 'start' | 'end' | 'startEpoch' | 'endEpoch'> = {
  subject: '', body: { contentType: 'text', content: '' }, isAllDay: false,
  location: { displayName: '', locationType: 'default', uniqueIdType: 'unknown', address: {}, coordinates: {} },
  locations: [], categories: [], showAs: 'busy', sensitivity: 'normal', importance: 'normal',
  isReminderOn: true, reminderMinutesBeforeStart: 15, responseRequested: true, attendees: [],
  extendedProperties: [],
};

const requestBodyRead = (message: string): GraphHttpError => badRequest(message, 'RequestBodyRead');

export function applyEventInput(input: unknown, current: EventContent | undefined): EventContent {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw requestBodyRead('Empty Payload. JSON content expected.');
  }
  const body = input as Record<string, unknown>;
  for (const key of Object.keys(body)) {
    if (key.includes('@odata.') || READ_ONLY.has(key) || WRITABLE.has(key)) continue;
    throw requestBodyRead(
      `The property '${key}' does not exist on type 'microsoft.graph.event'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
    );
  }
  if (!current && (body.start === undefined || body.end === undefined)) {
    // Emulator wording: Graph's exact message for a create without start/end is not documented.
    throw badRequest('An event needs both start and end (dateTimeTimeZone).', 'ErrorInvalidRequest');
  }
  const next: EventContent = { ...DEFAULTS, ...(current ?? ({} as EventContent)) };
  if (body.subject !== undefined) next.subject = stringProperty(body.subject, 'subject');
  if (body.body !== undefined) next.body = itemBody(body.body);
  for (const [key, spec] of Object.entries(ENUMS)) {
    const value = body[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !spec.values.includes(value)) {
      throw requestBodyRead(`Cannot convert the literal '${String(value)}' to the expected type 'microsoft.graph.${spec.type}'.`);
    }
    (next as unknown as Record<string, unknown>)[key] = value;
  }
  for (const key of ['isAllDay', 'isReminderOn', 'responseRequested'] as const) {
    if (body[key] === undefined) continue;
    if (typeof body[key] !== 'boolean') throw requestBodyRead(`Cannot convert a primitive value to the expected type 'Edm.Boolean' for '${key}'.`);
    next[key] = body[key] as boolean;
  }
  if (body.reminderMinutesBeforeStart !== undefined) {
    if (!Number.isInteger(body.reminderMinutesBeforeStart)) throw requestBodyRead("Cannot convert a primitive value to the expected type 'Edm.Int32' for 'reminderMinutesBeforeStart'.");
    next.reminderMinutesBeforeStart = body.reminderMinutesBeforeStart as number;
  }
  if (body.categories !== undefined) {
    if (!Array.isArray(body.categories) || body.categories.some((c) => typeof c !== 'string')) throw requestBodyRead("'categories' must be an array of strings.");
    next.categories = [...(body.categories as string[])];
  }
  if (body.location !== undefined) {
    next.location = { ...DEFAULTS.location, ...objectProperty(body.location, 'location') };
    // Setting location replaces locations[] (event resource docs).
    next.locations = next.location.displayName ? [next.location] : [];
  }
  if (body.locations !== undefined) {
    if (!Array.isArray(body.locations)) throw requestBodyRead("'locations' must be an array.");
    next.locations = body.locations.map((l) => objectProperty(l, 'locations[]'));
  }
  if (body.attendees !== undefined) {
    if (!Array.isArray(body.attendees)) throw requestBodyRead("'attendees' must be an array.");
    next.attendees = body.attendees.map((a) => objectProperty(a, 'attendees[]'));
  }
  if (body.singleValueExtendedProperties !== undefined) {
    next.extendedProperties = mergeExtendedProperties(next.extendedProperties, body.singleValueExtendedProperties);
  }
  if (body.start !== undefined) next.start = dateTimeTimeZone(body.start, 'start');
  if (body.end !== undefined) next.end = dateTimeTimeZone(body.end, 'end');
  return withTimes(next);
}

function stringProperty(value: unknown, name: string): string {
  if (typeof value !== 'string') throw requestBodyRead(`Cannot convert a primitive value to the expected type 'Edm.String' for '${name}'.`);
  return value;
}

function objectProperty(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw requestBodyRead(`'${name}' must be an object.`);
  return { ...(value as Record<string, unknown>) };
}

function itemBody(value: unknown): EventContent['body'] {
  const body = objectProperty(value, 'body');
  const contentType = String(body.contentType ?? 'text').toLowerCase();
  if (contentType !== 'text' && contentType !== 'html') {
    throw requestBodyRead(`Cannot convert the literal '${String(body.contentType)}' to the expected type 'microsoft.graph.bodyType'.`);
  }
  return { contentType, content: body.content === undefined ? '' : stringProperty(body.content, 'body.content') };
}

function timeZoneNotSupported(zone: string): GraphHttpError {
  return badRequest(
    `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${zone}'.`,
    'TimeZoneNotSupportedException',
  );
}

function dateTimeTimeZone(value: unknown, name: string): DateTimeTimeZone {
  const v = objectProperty(value, name);
  const zone = typeof v.timeZone === 'string' ? v.timeZone : '';
  if (!resolveTimeZone(zone)) throw timeZoneNotSupported(zone);
  if (typeof v.dateTime !== 'string' || !parseWallTime(v.dateTime)) {
    throw requestBodyRead(`'${name}.dateTime' must be a local date and time without offset, e.g. 2024-05-01T10:00:00.`);
  }
  return { dateTime: v.dateTime, timeZone: zone };
}

/** Resolves start/end to instants and applies the all-day and ordering rules. */
function withTimes(next: EventContent): EventContent {
  const startWall = parseWallTime(next.start.dateTime)!;
  const endWall = parseWallTime(next.end.dateTime)!;
  const startEpoch = wallTimeToEpoch(startWall, resolveTimeZone(next.start.timeZone)!);
  const endEpoch = wallTimeToEpoch(endWall, resolveTimeZone(next.end.timeZone)!);
  if (next.isAllDay) {
    // All-day: midnight boundaries in one zone, at least one day; Graph answers
    // ErrorPropertyValidationFailure (observed: microsoft-graph-docs#7919).
    const valid = isMidnight(startWall) && isMidnight(endWall) && next.start.timeZone === next.end.timeZone && endEpoch > startEpoch;
    if (!valid) throw badRequest('At least one property failed validation.', 'ErrorPropertyValidationFailure');
  } else if (endEpoch < startEpoch) {
    throw badRequest('The end date occurs before the start date.', 'ErrorCalendarEndDateIsEarlierThanStartDate');
  }
  return { ...next, startEpoch, endEpoch };
}

function mergeExtendedProperties(current: ExtendedProperty[], value: unknown): ExtendedProperty[] {
  if (!Array.isArray(value)) throw requestBodyRead("'singleValueExtendedProperties' must be an array.");
  const merged = new Map(current.map((p) => [extendedPropertyKey(p.id)!, p]));
  for (const item of value) {
    const prop = objectProperty(item, 'singleValueExtendedProperties[]');
    const key = typeof prop.id === 'string' ? extendedPropertyKey(prop.id) : undefined;
    if (!key) {
      throw badRequest(`The extended property id '${String(prop.id)}' is not valid; use '{type} {guid} Name {name}'.`, 'ErrorInvalidProperty');
    }
    merged.set(key, { id: prop.id as string, value: prop.value === null || prop.value === undefined ? '' : String(prop.value) });
  }
  return [...merged.values()];
}
