import { extendedPropertyKey, StoredEvent } from './event-model';
import { formatWallTime } from './time-zones';

/** Selectable event properties, in the order Graph returns them. https://learn.microsoft.com/graph/api/resources/event */
export const EVENT_PROPERTIES = [
  'id', 'createdDateTime', 'lastModifiedDateTime', 'changeKey', 'categories', 'transactionId',
  'originalStartTimeZone', 'originalEndTimeZone', 'iCalUId', 'uid', 'reminderMinutesBeforeStart', 'isReminderOn',
  'hasAttachments', 'subject', 'bodyPreview', 'importance', 'sensitivity', 'isAllDay', 'isCancelled',
  'isOrganizer', 'responseRequested', 'seriesMasterId', 'showAs', 'type', 'webLink', 'onlineMeetingUrl',
  'isOnlineMeeting', 'onlineMeetingProvider', 'allowNewTimeProposals', 'isDraft', 'hideAttendees',
  'responseStatus', 'body', 'start', 'end', 'location', 'locations', 'recurrence', 'attendees', 'organizer',
  'onlineMeeting',
];

export interface ViewOptions {
  owner: { name: string; address: string };
  /** Response zone: `name` as the client wrote it, `zone` its IANA equivalent. Default UTC. */
  timeZone?: { name: string; zone: string };
  bodyType?: 'text' | 'html';
  select?: Set<string>;
  expandKeys?: string[];
}

const HTML_HEAD = '<html><head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n</head>\r\n<body>\r\n';
const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Graph stores bodies as HTML documents and converts on read; text in, full document out. */
function renderBody(body: StoredEvent['body'], type: 'text' | 'html'): StoredEvent['body'] {
  if (type === 'text') return { contentType: 'text', content: body.contentType === 'text' ? body.content : htmlToText(body.content) };
  if (body.contentType === 'html' && /^\s*<html/i.test(body.content)) return body;
  const inner = body.contentType === 'html' ? body.content : escapeHtml(body.content).replace(/\r?\n/g, '<br>\r\n');
  return { contentType: 'html', content: `${HTML_HEAD}${inner}\r\n</body>\r\n</html>\r\n` };
}

function htmlToText(html: string): string {
  return html
    .replace(/<head[\s\S]*?<\/head>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&nbsp;/g, ' ').replace(/&amp;/g, '&')
    .trim();
}

/** All-day events read back midnight-to-midnight in whatever zone is asked (by design, docs#1802). */
function renderTime(epoch: number, original: StoredEvent['start'], isAllDay: boolean, view: ViewOptions): StoredEvent['start'] {
  const name = view.timeZone?.name ?? 'UTC';
  if (isAllDay) return { dateTime: `${original.dateTime.slice(0, 10)}T00:00:00.0000000`, timeZone: name };
  return { dateTime: formatWallTime(epoch, view.timeZone?.zone ?? 'UTC'), timeZone: name };
}

export function renderEvent(event: StoredEvent, view: ViewOptions): Record<string, unknown> {
  const text = renderBody(event.body, 'text').content;
  const full: Record<string, unknown> = {
    '@odata.etag': `W/"${event.changeKey}"`,
    id: event.id,
    createdDateTime: event.createdDateTime,
    lastModifiedDateTime: event.lastModifiedDateTime,
    changeKey: event.changeKey,
    categories: event.categories,
    ...(event.transactionId !== undefined ? { transactionId: event.transactionId } : {}),
    originalStartTimeZone: event.start.timeZone,
    originalEndTimeZone: event.end.timeZone,
    iCalUId: event.iCalUId,
    uid: event.iCalUId,
    reminderMinutesBeforeStart: event.reminderMinutesBeforeStart,
    isReminderOn: event.isReminderOn,
    hasAttachments: false,
    subject: event.subject,
    bodyPreview: text.slice(0, 255),
    importance: event.importance,
    sensitivity: event.sensitivity,
    isAllDay: event.isAllDay,
    isCancelled: false,
    isOrganizer: true,
    responseRequested: event.responseRequested,
    seriesMasterId: null,
    showAs: event.showAs,
    type: 'singleInstance',
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(event.id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: false,
    onlineMeetingProvider: 'unknown',
    allowNewTimeProposals: true,
    isDraft: false,
    hideAttendees: false,
    responseStatus: { response: 'organizer', time: '0001-01-01T00:00:00Z' },
    body: renderBody(event.body, view.bodyType ?? 'html'),
    start: renderTime(event.startEpoch, event.start, event.isAllDay, view),
    end: renderTime(event.endEpoch, event.end, event.isAllDay, view),
    location: event.location,
    locations: event.locations,
    recurrence: null,
    attendees: event.attendees,
    organizer: { emailAddress: view.owner },
    onlineMeeting: null,
  };
  const shown = view.select
    ? Object.fromEntries(Object.entries(full).filter(([k]) => k === '@odata.etag' || k === 'id' || view.select!.has(k)))
    : full;
  if (view.expandKeys) {
    const props = event.extendedProperties.filter((p) => view.expandKeys!.includes(extendedPropertyKey(p.id)!));
    if (props.length > 0) shown.singleValueExtendedProperties = props.map((p) => ({ ...p }));
  }
  return shown;
}
