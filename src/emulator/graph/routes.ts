import { calendarViewDelta } from './delta';
import {
  createEvent, deleteEvent, getCalendar, getEvent, getUser, listCalendarPermissions, listCalendarView, listEvents, updateEvent,
} from './handlers';
import { GraphResult, MailboxCall } from './call';

type Handler = (mc: MailboxCall) => GraphResult;

interface Route {
  /** Literal segments match case-insensitively (Graph paths are case-insensitive); ':x' captures. */
  patterns: string[][];
  /** Counter kind, e.g. 'events' -> 'POST events'. */
  kind: string;
  /** 'directory' = a user object read; 'mailbox' = calendar data. */
  access: 'directory' | 'mailbox';
  methods: Record<string, Handler>;
}

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
];

export interface RouteMatch { route: Route; params: Record<string, string>; handler?: Handler }

export function matchRoute(method: string, path: string): RouteMatch | undefined {
  const segments = path.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  for (const route of ROUTES) {
    for (const pattern of route.patterns) {
      const params = matchSegments(pattern, segments);
      if (params) return { route, params, handler: route.methods[method.toUpperCase()] };
    }
  }
  return undefined;
}

function matchSegments(pattern: string[], segments: string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i += 1) {
    if (pattern[i].startsWith(':')) params[pattern[i].slice(1)] = segments[i];
    else if (pattern[i].toLowerCase() !== segments[i].toLowerCase()) return undefined;
  }
  return params;
}
