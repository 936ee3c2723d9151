import { badRequest, GraphHttpError } from './errors';
import { renderEvent, ViewOptions } from './event-view';
import { StoredEvent } from './event-model';
import { DEFAULT_PAGE_SIZE, EventQuery, parseEventQuery } from './odata-query';
import { preferenceHeaders } from './prefer';
import { GraphResult, MailboxCall } from './call';

/**
 * Event, calendar and user handlers.
 * https://learn.microsoft.com/graph/api/resources/event (list, create, get, update, delete)
 * https://learn.microsoft.com/graph/api/user-list-calendarview
 */

const MAX_PAGE_SIZE = 1000;
const json = (status: number, body: unknown, headers: Record<string, string> = {}): GraphResult => ({ status, headers, body });

export function viewOf(mc: MailboxCall, query?: EventQuery): ViewOptions {
  return {
    owner: { name: mc.user.displayName, address: mc.user.userPrincipalName },
    timeZone: mc.prefs.timeZone,
    bodyType: mc.prefs.bodyType,
    select: query?.select,
    expandKeys: query?.expandKeys,
  };
}

const contextUrl = (mc: MailboxCall, suffix: string): string =>
  `${mc.ctx.baseUrl}/v1.0/$metadata#users('${encodeURIComponent(mc.params.user)}')/${suffix}`;

export function getUser(mc: MailboxCall): GraphResult {
  const u = mc.user;
  return json(200, {
    '@odata.context': `${mc.ctx.baseUrl}/v1.0/$metadata#users/$entity`,
    businessPhones: [], displayName: u.displayName, givenName: null, jobTitle: null,
    mail: u.hasMailbox ? u.userPrincipalName : null, mobilePhone: null, officeLocation: null,
    preferredLanguage: null, surname: null, userPrincipalName: u.userPrincipalName, id: u.id,
  });
}

export function getCalendar(mc: MailboxCall): GraphResult {
  return json(200, {
    '@odata.context': contextUrl(mc, 'calendar/$entity'),
    id: `AAMkA${Buffer.from(mc.user.id).toString('base64url')}AAA=`, name: 'Calendar', color: 'auto', hexColor: '',
    isDefaultCalendar: true, changeKey: 'AAAAAA==', canShare: true, canViewPrivateItems: true, canEdit: true,
    allowedOnlineMeetingProviders: ['teamsForBusiness'], defaultOnlineMeetingProvider: 'teamsForBusiness',
    isTallyingResponses: true, isRemovable: false,
    owner: { name: mc.user.displayName, address: mc.user.userPrincipalName },
  });
}

/** https://learn.microsoft.com/graph/api/calendar-list-calendarpermissions */
export function listCalendarPermissions(mc: MailboxCall): GraphResult {
  const allowedRoles = ['none', 'freeBusyRead', 'limitedRead', 'read', 'write', 'delegateWithoutPrivateEventAccess', 'delegateWithPrivateEventAccess'];
  const organization = {
    id: 'RGVmYXVsdA==', isRemovable: false, isInsideOrganization: true, role: 'freeBusyRead',
    allowedRoles: allowedRoles.slice(0, 5), emailAddress: { name: 'My Organization' },
  };
  const shared = mc.user.calendarPermissions.map((p) => ({
    id: Buffer.from(p.emailAddress.address).toString('base64'), isRemovable: true, isInsideOrganization: true,
    role: p.role, allowedRoles, emailAddress: { ...p.emailAddress },
  }));
  return json(200, { '@odata.context': contextUrl(mc, "calendar/calendarPermissions"), value: [organization, ...shared] });
}

function pageOf(mc: MailboxCall, events: StoredEvent[], query: EventQuery, collection: string): GraphResult {
  const matching = query.filter ? events.filter(query.filter) : events;
  const top = Math.min(query.top ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const view = viewOf(mc, query);
  const body: Record<string, unknown> = {
    '@odata.context': contextUrl(mc, query.select ? `${collection}(${[...query.select].join(',')})` : collection),
    value: matching.slice(query.skip, query.skip + top).map((e) => renderEvent(e, view)),
  };
  if (query.skip + top < matching.length) {
    const next = new URLSearchParams(mc.call.query);
    next.set('$top', String(top));
    next.set('$skip', String(query.skip + top));
    body['@odata.nextLink'] = `${mc.ctx.baseUrl}/v1.0${mc.call.path}?${next.toString()}`;
  }
  return json(200, body, preferenceHeaders(mc.prefs));
}

export function listEvents(mc: MailboxCall): GraphResult {
  return pageOf(mc, mc.user.mailbox.list(), parseEventQuery(mc.call.query), 'events');
}

/** Case-insensitive lookup of a query parameter (startDateTime / startdatetime). */
function queryValue(query: URLSearchParams, name: string): string | undefined {
  for (const [key, value] of query) if (key.toLowerCase() === name.toLowerCase()) return value;
  return undefined;
}

/** ISO 8601 with an optional offset; no offset = UTC (user-list-calendarview). */
function parseRangeBound(value: string): number {
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : `${value}Z`;
  const epoch = Date.parse(withZone);
  if (Number.isNaN(epoch)) throw badRequest(`'${value}' is not a valid ISO 8601 date and time.`, 'ErrorInvalidParameter');
  return epoch;
}

export function timeWindow(query: URLSearchParams): { start: number; end: number } {
  const start = queryValue(query, 'startDateTime');
  const end = queryValue(query, 'endDateTime');
  if (!start || !end) {
    throw badRequest('This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.', 'ErrorInvalidParameter');
  }
  return { start: parseRangeBound(start), end: parseRangeBound(end) };
}

export function overlaps(event: StoredEvent, window: { start: number; end: number }): boolean {
  if (event.startEpoch === event.endEpoch) return event.startEpoch >= window.start && event.startEpoch < window.end;
  return event.startEpoch < window.end && event.endEpoch > window.start;
}

export function listCalendarView(mc: MailboxCall): GraphResult {
  const window = timeWindow(mc.call.query);
  const events = mc.user.mailbox.list().filter((e) => overlaps(e, window));
  return pageOf(mc, events, parseEventQuery(mc.call.query), 'calendarView');
}

export function createEvent(mc: MailboxCall): GraphResult {
  const event = mc.user.mailbox.create(mc.call.body);
  const body = { '@odata.context': contextUrl(mc, 'events/$entity'), ...renderEvent(event, viewOf(mc)) };
  return json(201, body, preferenceHeaders(mc.prefs));
}

export function getEvent(mc: MailboxCall): GraphResult {
  const query = parseEventQuery(mc.call.query);
  const event = renderEvent(mc.user.mailbox.get(mc.params.event), viewOf(mc, query));
  return json(200, { '@odata.context': contextUrl(mc, 'events/$entity'), ...event }, preferenceHeaders(mc.prefs));
}

/** Stale If-Match -> 412 ErrorIrresolvableConflict (observed, graph-facts §3.2). */
export function updateEvent(mc: MailboxCall): GraphResult {
  const ifMatch = mc.call.headers['if-match'];
  if (ifMatch && ifMatch !== '*') {
    const current = mc.user.mailbox.get(mc.params.event);
    if (ifMatch !== `W/"${current.changeKey}"` && ifMatch !== current.changeKey) {
      throw new GraphHttpError(412, 'ErrorIrresolvableConflict',
        'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.');
    }
  }
  const event = mc.user.mailbox.update(mc.params.event, mc.call.body);
  return json(200, { '@odata.context': contextUrl(mc, 'events/$entity'), ...renderEvent(event, viewOf(mc)) }, preferenceHeaders(mc.prefs));
}

export function deleteEvent(mc: MailboxCall): GraphResult {
  mc.user.mailbox.delete(mc.params.event);
  return { status: 204, headers: {} };
}
