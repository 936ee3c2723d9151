/**
 * Splits a feed's text into its parts in one linear pass over the lines, before any value is
 * parsed: the calendar's X-WR-TIMEZONE, each VTIMEZONE and each VEVENT as its own small text.
 * Each VEVENT is then parsed on its own, so a broken line or a missing END harms one booking, not
 * the feed. Only a body that is not iCalendar at all is FEED_INVALID; a calendar without its
 * END:VCALENDAR was cut short, and is refused rather than read as a feed that lost its tail (which
 * would delete the lost bookings).
 */
import { FeedError } from './errors';
import { unescapeText } from './ical-text';
import type { SkipCode } from './skip-codes';

export interface EventBlock {
  /** The VEVENT's lines (CRLF-joined, still folded), BEGIN and END included. */
  text: string;
  /** The UID as written on its line, unfolded and unescaped; undefined when the block has none. */
  uid?: string;
  /** Set when the block is structurally broken and cannot be parsed at all. */
  broken?: SkipCode;
}

export interface ScannedFeed {
  calendarTimeZone?: string;
  timezones: string[];
  events: EventBlock[];
}

const BEGIN_OR_END = /^(BEGIN|END):([A-Za-z0-9-]+)[ \t]*$/i;
const NOT_ICALENDAR = 'the response is not an iCalendar document (no BEGIN:VCALENDAR); check that the URL is the WineAround iCal export';

/** The value of the first unfolded property `name` among lines (at nesting depth 0 of a block). */
function propertyValue(lines: string[], from: number, to: number, name: string): string | undefined {
  const head = new RegExp(`^${name}(?:;[^:]*)?:`, 'i');
  let depth = 0;
  for (let i = from; i < to; i++) {
    const marker = BEGIN_OR_END.exec(lines[i]);
    if (marker) depth += marker[1].toUpperCase() === 'BEGIN' ? 1 : -1;
    else if (depth === 0 && head.test(lines[i])) {
      let value = lines[i].slice(lines[i].search(/:/) + 1);
      for (let j = i + 1; j < to && /^[ \t]/.test(lines[j]); j++) value += lines[j].slice(1);
      return value;
    }
  }
  return undefined;
}

export function scanFeed(text: string): ScannedFeed {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  let i = 0;
  while (i < lines.length && lines[i].trim() === '') i++;
  if (!/^BEGIN:VCALENDAR[ \t]*$/i.test(lines[i] ?? '')) throw new FeedError('FEED_INVALID', NOT_ICALENDAR);
  i++;
  const result: ScannedFeed = { timezones: [], events: [] };
  const topLevel: string[] = [];

  for (; i < lines.length; i++) {
    const marker = BEGIN_OR_END.exec(lines[i]);
    if (!marker) {
      topLevel.push(lines[i]);
      continue;
    }
    const [, verb, rawName] = marker;
    const name = rawName.toUpperCase();
    if (verb.toUpperCase() === 'END') {
      if (name === 'VCALENDAR') break;
      continue; // a stray END at top level: ignore it
    }
    // A component: its lines up to its matching END. VEVENT and VTIMEZONE never nest in one
    // another, so meeting one of them (or END:VCALENDAR) first means this one was not closed.
    const start = i;
    let depth = 0;
    let closed = false;
    for (i = start + 1; i < lines.length; i++) {
      const inner = BEGIN_OR_END.exec(lines[i]);
      if (!inner) continue;
      const innerName = inner[2].toUpperCase();
      const begins = inner[1].toUpperCase() === 'BEGIN';
      if ((begins && (innerName === 'VEVENT' || innerName === 'VTIMEZONE')) || (!begins && innerName === 'VCALENDAR')) break;
      if (begins) depth++;
      else if (depth > 0) depth--;
      else if (innerName === name) {
        closed = true;
        break;
      }
    }
    const end = closed ? i + 1 : i;
    if (name === 'VEVENT') {
      const raw = propertyValue(lines, start + 1, closed ? i : end, 'UID');
      const uid = raw === undefined ? undefined : unescapeText(raw).trim() || undefined;
      result.events.push({ text: lines.slice(start, end).join('\r\n'), uid, ...(!closed && { broken: 'MISSING_END' as const }) });
    } else if (name === 'VTIMEZONE' && closed) {
      result.timezones.push(lines.slice(start, end).join('\r\n'));
    }
    if (!closed) i--; // re-read the line that ended the unclosed component at top level
  }
  if (i >= lines.length) {
    throw new FeedError('FEED_TRUNCATED', 'the feed ends without END:VCALENDAR: it was cut short; will retry');
  }
  const zone = propertyValue(topLevel, 0, topLevel.length, 'X-WR-TIMEZONE');
  if (zone !== undefined && unescapeText(zone).trim() !== '') result.calendarTimeZone = unescapeText(zone).trim();
  return result;
}
