import { GraphHttpError, badRequest } from './errors';
import { renderEvent } from './event-view';
import { DEFAULT_PAGE_SIZE } from './odata-query';
import { preferenceHeaders } from './prefer';
import { overlaps, timeWindow, viewOf } from './handlers';
import { GraphResult, MailboxCall } from './call';

/**
 * calendarView delta: the first round returns every event in the window, paged with
 * @odata.nextLink ($skiptoken), ending in @odata.deltaLink ($deltatoken); a deltaLink round
 * returns only changes since, deletions and events changed outside the window as
 * {id, "@removed": {reason: "deleted"}}. $select/$expand/$filter/$orderby are not supported.
 * https://learn.microsoft.com/graph/api/event-delta , https://learn.microsoft.com/graph/delta-query-events
 */
interface DeltaState {
  /** Mailbox deltaGeneration the token belongs to. */
  g: number;
  /** Window. */
  s: number;
  e: number;
  /** Changes after this sequence number belong to this round (0 = initial round). */
  since: number;
  /** Round snapshot: changes up to this sequence number. */
  upto: number;
  /** Paging cursor inside the round. */
  after: number;
}

const encode = (state: Partial<DeltaState>): string => Buffer.from(JSON.stringify(state)).toString('base64url');

function decode(token: string): DeltaState {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as DeltaState;
  } catch {
    throw badRequest('The delta or skip token is malformed; follow @odata.nextLink / @odata.deltaLink verbatim.');
  }
}

export function calendarViewDelta(mc: MailboxCall): GraphResult {
  const { query } = mc.call;
  for (const option of ['$select', '$expand', '$filter', '$orderby', '$search']) {
    if (query.has(option)) throw badRequest(`The query option '${option}' is not supported with delta on calendarView.`);
  }
  const mailbox = mc.user.mailbox;
  const state = roundState(mc);
  if (state.g !== mailbox.deltaGeneration) throw expired(mc, state);
  const initial = state.since === 0;
  const window = { start: state.s, end: state.e };
  const entries = mailbox
    .changes(state.after, state.upto, !initial)
    .filter((c) => !initial || (c.event && overlaps(c.event, window)));
  const pageSize = mc.prefs.maxPageSize ?? DEFAULT_PAGE_SIZE;
  const page = entries.slice(0, pageSize);
  const view = viewOf(mc);
  const body: Record<string, unknown> = {
    '@odata.context': `${mc.ctx.baseUrl}/v1.0/$metadata#Collection(event)`,
    value: page.map((c) =>
      c.event && overlaps(c.event, window)
        ? { '@odata.type': '#microsoft.graph.event', ...renderEvent(c.event, view) }
        : { '@odata.type': '#microsoft.graph.event', id: c.id, '@removed': { reason: 'deleted' } }),
  };
  const link = `${mc.ctx.baseUrl}/v1.0${mc.call.path}`;
  if (entries.length > pageSize) {
    body['@odata.nextLink'] = `${link}?$skiptoken=${encode({ ...state, after: page[page.length - 1].seq })}`;
  } else {
    body['@odata.deltaLink'] = `${link}?$deltatoken=${encode({ g: state.g, s: state.s, e: state.e, since: state.upto })}`;
  }
  return { status: 200, headers: preferenceHeaders(mc.prefs), body };
}

function expired(mc: MailboxCall, state: DeltaState): GraphHttpError {
  const shape = mc.user.mailbox.deltaExpiryShape;
  switch (shape) {
    case 'resyncRequired':
      return new GraphHttpError(410, 'resyncRequired', 'The delta token is no longer valid, and the app must reset the sync state.');
    case 'gone-with-location': {
      const restart = new URLSearchParams({ startDateTime: new Date(state.s).toISOString(), endDateTime: new Date(state.e).toISOString() });
      return new GraphHttpError(410, 'resyncRequired', 'The delta token is no longer valid; start over from the Location.',
        { Location: `${mc.ctx.baseUrl}/v1.0${mc.call.path}?${restart.toString()}` });
    }
    default:
      return new GraphHttpError(410, shape, 'The sync state generation is not found. The delta token is expired and data must be synchronized again.');
  }
}

function roundState(mc: MailboxCall): DeltaState {
  const { query } = mc.call;
  const mailbox = mc.user.mailbox;
  const skip = query.get('$skiptoken');
  if (skip) return decode(skip);
  const delta = query.get('$deltatoken');
  if (delta) {
    const token = decode(delta);
    // A round that finds nothing new keeps since > 0 so later rounds stay incremental.
    const since = Math.max(token.since, 1);
    return { ...token, since, upto: mailbox.currentSeq, after: token.since };
  }
  const window = timeWindow(query);
  return { g: mailbox.deltaGeneration, s: window.start, e: window.end, since: 0, upto: mailbox.currentSeq, after: 0 };
}
