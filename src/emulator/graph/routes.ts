import { getApplication } from './applications';
import { calendarViewDelta } from './delta';
import {
  createEvent, deleteEvent, getCalendar, getEvent, getUser, listCalendarPermissions, listCalendarView, listEvents, updateEvent,
} from './handlers';
import { ApplicationCall, GraphResult, MailboxCall } from './call';

interface RouteShape {
  /**
   * Literal segments match case-insensitively (Graph paths are case-insensitive); ':x' captures a
   * segment; a RegExp must match the whole segment and its named groups are captured.
   */
  patterns: (string | RegExp)[][];
  /** Counter kind, e.g. 'events' -> 'POST events'. */
  kind: string;
}

/** 'directory' = a user object read; 'mailbox' = calendar data; 'application' = an app registration read. */
export type Route = RouteShape & (
  | { access: 'directory' | 'mailbox'; methods: Record<string, (mc: MailboxCall) => GraphResult> }
  | { access: 'application'; methods: Record<string, (ac: ApplicationCall) => GraphResult> }
);

const userPath = (...rest: string[]): string[] => ['users', ':user', ...rest];

const ROUTES: Route[] = [
  { patterns: [userPath()], kind: 'user', access: 'directory', methods: { GET: getUser } },
  { patterns: [userPath('calendar')], kind: 'calendar', access: 'mailbox', methods: { GET: getCalendar } },
  {
    patterns: [userPath('calendar', 'calendarPermissions')], kind: 'calendarPermissions', access: 'mailbox',
    methods: { GET: listCalendarPermissions },
  },
  {
    patterns: [userPath('events'), userPath('calendar', 'events')], kind: 'events', access: 'mailbox',
    methods: { GET: listEvents, POST: createEvent },
  },
  {
    patterns: [userPath('events', ':event'), userPath('calendar', 'events', ':event')], kind: 'event', access: 'mailbox',
    methods: { GET: getEvent, PATCH: updateEvent, DELETE: deleteEvent },
  },
  {
    patterns: [userPath('calendarView'), userPath('calendar', 'calendarView')], kind: 'calendarView', access: 'mailbox',
    methods: { GET: listCalendarView },
  },
  { patterns: [userPath('calendarView', 'delta')], kind: 'delta', access: 'mailbox', methods: { GET: calendarViewDelta } },
  // Alternate-key addressing by client id (https://learn.microsoft.com/graph/api/application-get).
  { patterns: [[/^applications\(appId='(?<appId>[^']+)'\)$/i]], kind: 'application', access: 'application', methods: { GET: getApplication } },
];

export interface RouteMatch { route: Route; params: Record<string, string> }

export function matchRoute(path: string): RouteMatch | undefined {
  const segments = path.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  for (const route of ROUTES) {
    for (const pattern of route.patterns) {
      const params = matchSegments(pattern, segments);
      if (params) return { route, params };
    }
  }
  return undefined;
}

function matchSegments(pattern: (string | RegExp)[], segments: string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i += 1) {
    const part = pattern[i];
    if (part instanceof RegExp) {
      const match = part.exec(segments[i]);
      if (!match) return undefined;
      Object.assign(params, match.groups);
    } else if (part.startsWith(':')) params[part.slice(1)] = segments[i];
    else if (part.toLowerCase() !== segments[i].toLowerCase()) return undefined;
  }
  return params;
}
