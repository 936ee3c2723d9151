/**
 * iCalendar text → SourceEvents inside a window. Pure (no I/O, no clock).
 *
 * Parsing is ical.js (RFC 5545 parser + recurrence engine); all zone arithmetic is luxon. Times keep
 * the zone the feed gives them (an IANA TZID, UTC, or the calendar zone for floating times), so
 * Outlook shows "10:00 Europe/Rome" rather than a UTC instant. Recurring series are expanded into
 * one SourceEvent per occurrence inside the window (see docs/source-and-mapping.md for why).
 */
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import type { EventTime, Guest, SourceEvent } from '../sync/model';
import { formatWallTime, ianaZoneOf } from '../sync/time';
import { FeedError } from './errors';
import { unescapeText } from './ical-text';

type IcalComponent = InstanceType<typeof ICAL.Component>;
type IcalTime = InstanceType<typeof ICAL.Time>;
type IcalEvent = InstanceType<typeof ICAL.Event>;
type IcalDuration = InstanceType<typeof ICAL.Duration>;

export interface SyncWindow {
  start: Date;
  end: Date;
}

export interface ParseOptions {
  window: SyncWindow;
  /** IANA zone for floating times when the feed has no X-WR-TIMEZONE; also where all-day dates begin. */
  defaultTimeZone: string;
}

/** An event the feed lists but that cannot be synced; reported by UID and reason only (no guest data). */
export interface SkippedFeedEvent {
  uid?: string;
  reason: string;
}

export interface ParsedFeed {
  events: SourceEvent[];
  skipped: SkippedFeedEvent[];
}

/** Bounds the work of one series whose rule starts long before the window (or never ends). */
const MAX_OCCURRENCES_PER_SERIES = 50_000;

/** A boundary as luxon sees it: a calendar date, or an instant carrying the zone to display it in. */
type Point = { kind: 'date'; date: DateTime /* midnight UTC of the date */ } | { kind: 'dateTime'; dt: DateTime };

class InvalidEvent extends Error {}

function toPoint(time: IcalTime, tzidParam: unknown, calendarZone: string): Point {
  if (time.isDate) return { kind: 'date', date: DateTime.utc(time.year, time.month, time.day) };
  const fields = { year: time.year, month: time.month, day: time.day, hour: time.hour, minute: time.minute, second: time.second };
  if (time.zone === ICAL.Timezone.utcTimezone || time.zone?.tzid === 'UTC') {
    return { kind: 'dateTime', dt: DateTime.fromObject(fields, { zone: 'UTC' }) };
  }
  const tzid = typeof tzidParam === 'string' ? tzidParam : undefined;
  const iana = tzid === undefined ? calendarZone : ianaZoneOf(tzid);
  if (iana) return { kind: 'dateTime', dt: DateTime.fromObject(fields, { zone: iana }) };
  // A custom TZID with its own VTIMEZONE: let ical.js apply that definition and keep the UTC instant.
  if (time.zone?.component) {
    const utc = time.convertToZone(ICAL.Timezone.utcTimezone);
    const utcFields = { year: utc.year, month: utc.month, day: utc.day, hour: utc.hour, minute: utc.minute, second: utc.second };
    return { kind: 'dateTime', dt: DateTime.fromObject(utcFields, { zone: 'UTC' }) };
  }
  // RFC 5545 requires a VTIMEZONE for every TZID; without one, the calendar's zone is the best guess.
  return { kind: 'dateTime', dt: DateTime.fromObject(fields, { zone: calendarZone }) };
}

function toEventTime(point: Point): EventTime {
  return point.kind === 'date'
    ? { kind: 'date', date: point.date.toISODate()! }
    : { kind: 'dateTime', dateTime: formatWallTime(point.dt), timeZone: point.dt.zoneName! };
}

function instantOfPoint(point: Point, calendarZone: string): number {
  return point.kind === 'date'
    ? DateTime.fromObject({ year: point.date.year, month: point.date.month, day: point.date.day }, { zone: calendarZone }).toMillis()
    : point.dt.toMillis();
}

/** Occurrence id suffix: the RECURRENCE-ID in UTC basic format (20260412T080000Z), or the date (20260412). */
function recurrenceKey(point: Point): string {
  return point.kind === 'date' ? point.date.toFormat('yyyyMMdd') : point.dt.toUTC().toFormat("yyyyMMdd'T'HHmmss'Z'");
}

function timeProperty(comp: IcalComponent, name: 'dtstart' | 'dtend' | 'recurrence-id', calendarZone: string): Point | undefined {
  const prop = comp.getFirstProperty(name);
  const value = prop?.getFirstValue();
  if (!prop || !(value instanceof ICAL.Time)) return undefined;
  return toPoint(value, prop.getParameter('tzid'), calendarZone);
}

/** RFC 5545 §3.3.6: weeks and days are nominal (wall-clock days), hours/minutes/seconds exact. */
function plusDuration(point: Point, duration: IcalDuration): Point {
  const sign = duration.isNegative ? -1 : 1;
  const nominal = { weeks: sign * duration.weeks, days: sign * duration.days };
  if (point.kind === 'date') return { kind: 'date', date: point.date.plus(nominal) };
  const exact = { hours: sign * duration.hours, minutes: sign * duration.minutes, seconds: sign * duration.seconds };
  return { kind: 'dateTime', dt: point.dt.plus(nominal).plus(exact) };
}

/**
 * The end of an occurrence of `comp` starting at `start` (RFC 5545 §3.6.1): DTEND shifted by the
 * occurrence's offset from DTSTART; else DTSTART + DURATION; else one day for a date, zero length
 * for a date-time.
 */
function endOf(comp: IcalComponent, start: Point, calendarZone: string): Point {
  const dtstart = timeProperty(comp, 'dtstart', calendarZone)!;
  const dtend = timeProperty(comp, 'dtend', calendarZone);
  if (dtend) {
    if (dtend.kind !== dtstart.kind || start.kind !== dtstart.kind) throw new InvalidEvent('DTSTART and DTEND mix a date with a date-time');
    if (dtend.kind === 'date' && start.kind === 'date' && dtstart.kind === 'date') {
      return { kind: 'date', date: start.date.plus(dtend.date.diff(dtstart.date, 'days')) };
    }
    if (dtend.kind === 'dateTime' && start.kind === 'dateTime' && dtstart.kind === 'dateTime') {
      return { kind: 'dateTime', dt: start.dt.plus(dtend.dt.diff(dtstart.dt)).setZone(dtend.dt.zone) };
    }
  }
  const duration = comp.getFirstPropertyValue('duration');
  if (duration instanceof ICAL.Duration) return plusDuration(start, duration);
  return start.kind === 'date' ? { kind: 'date', date: start.date.plus({ days: 1 }) } : start;
}

function xText(comp: IcalComponent, name: string): string | undefined {
  const prop = comp.getFirstProperty(name);
  const value = prop?.getFirstValue();
  // With VALUE=TEXT ical.js has unescaped it already; otherwise the value is raw.
  const raw = typeof value === 'string' ? value : '';
  const text = (prop?.type === 'text' ? raw : unescapeText(raw)).trim();
  return text === '' ? undefined : text;
}

function guestOf(comp: IcalComponent): Guest | undefined {
  const partySize = Number(xText(comp, 'x-wa-party-size'));
  const guest: Guest = {
    name: xText(comp, 'x-wa-guest-name'),
    email: xText(comp, 'x-wa-guest-email'),
    phone: xText(comp, 'x-wa-guest-phone'),
    partySize: Number.isInteger(partySize) && partySize > 0 ? partySize : undefined,
    language: xText(comp, 'x-wa-language'),
  };
  const present = Object.fromEntries(Object.entries(guest).filter(([, v]) => v !== undefined)) as Guest;
  return Object.keys(present).length > 0 ? present : undefined;
}

function textOf(comp: IcalComponent, name: string): string | undefined {
  const value = comp.getFirstPropertyValue(name);
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function categoriesOf(comp: IcalComponent): string[] | undefined {
  const all = comp
    .getAllProperties('categories')
    .flatMap((p) => p.getValues())
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  return all.length > 0 ? [...new Set(all)] : undefined;
}

/** LAST-MODIFIED, else DTSTAMP (equivalent to it in a feed without METHOD, RFC 5545 §3.8.7.2), in ms; 0 if neither. */
function versionOf(comp: IcalComponent): number {
  const value = comp.getFirstPropertyValue('last-modified') ?? comp.getFirstPropertyValue('dtstamp');
  return value instanceof ICAL.Time ? value.toUnixTime() * 1000 : 0;
}

const isCancelled = (comp: IcalComponent) => String(comp.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED';

interface Builder {
  calendarZone: string;
  windowStart: number;
  windowEnd: number;
  out: SourceEvent[];
}

/** Adds the occurrence of `comp` starting at `start` when it overlaps the window. */
function addOccurrence(b: Builder, comp: IcalComponent, id: string, start: Point, version: number): void {
  if (isCancelled(comp)) return;
  const end = endOf(comp, start, b.calendarZone);
  const startMs = instantOfPoint(start, b.calendarZone);
  const endMs = instantOfPoint(end, b.calendarZone);
  if (endMs < startMs || (start.kind === 'date' && endMs === startMs)) throw new InvalidEvent('the event ends before it starts');
  // Zero-length events count as lasting 1 ms so that one starting inside the window is kept.
  if (!(startMs < b.windowEnd && Math.max(endMs, startMs + 1) > b.windowStart)) return;
  const event: SourceEvent = {
    id,
    version,
    title: textOf(comp, 'summary') ?? '',
    description: textOf(comp, 'description'),
    location: textOf(comp, 'location'),
    start: toEventTime(start),
    end: toEventTime(end),
    allDay: start.kind === 'date',
    categories: categoriesOf(comp),
    guest: guestOf(comp),
  };
  b.out.push(Object.fromEntries(Object.entries(event).filter(([, v]) => v !== undefined)) as unknown as SourceEvent);
}

function expandSeries(b: Builder, uid: string, master: IcalComponent, exceptions: IcalComponent[]): void {
  const event: IcalEvent = new ICAL.Event(master);
  for (const exception of exceptions) event.relateException(exception);
  const masterVersion = versionOf(master);
  const masterTzid = master.getFirstProperty('dtstart')!.getParameter('tzid');
  // An exception may move an occurrence from after the window into it: iterate at least up to the last one.
  const lastException = Math.max(...exceptions.map((e) => instantOfPoint(timeProperty(e, 'recurrence-id', b.calendarZone)!, b.calendarZone)));
  const stopAt = Math.max(b.windowEnd, lastException + 1);
  const iterator = event.iterator();
  for (let n = 0; n < MAX_OCCURRENCES_PER_SERIES; n++) {
    const next = iterator.next();
    if (!next) return;
    const recurrenceId = toPoint(next, masterTzid, b.calendarZone);
    if (instantOfPoint(recurrenceId, b.calendarZone) >= stopAt) return;
    const details = event.getOccurrenceDetails(next);
    const id = `${uid}#${recurrenceKey(recurrenceId)}`;
    if (details.item && details.item !== event) {
      const override = details.item.component;
      const start = timeProperty(override, 'dtstart', b.calendarZone)!;
      addOccurrence(b, override, id, start, Math.max(masterVersion, versionOf(override)));
    } else {
      addOccurrence(b, master, id, recurrenceId, masterVersion);
    }
  }
}

function addUid(b: Builder, uid: string, comps: IcalComponent[]): void {
  const master = comps.find((c) => !c.hasProperty('recurrence-id'));
  const overrides = comps.filter((c) => c.hasProperty('recurrence-id'));
  if (master && isCancelled(master)) return;
  for (const comp of comps) {
    if (!timeProperty(comp, 'dtstart', b.calendarZone)) throw new InvalidEvent('DTSTART is missing or invalid');
  }
  if (master && (master.hasProperty('rrule') || master.hasProperty('rdate'))) {
    expandSeries(b, uid, master, overrides);
    return;
  }
  if (master) {
    addOccurrence(b, master, uid, timeProperty(master, 'dtstart', b.calendarZone)!, versionOf(master));
    return;
  }
  // Overrides whose series master is not in the feed: each is a standalone occurrence.
  for (const override of overrides) {
    const id = `${uid}#${recurrenceKey(timeProperty(override, 'recurrence-id', b.calendarZone)!)}`;
    addOccurrence(b, override, id, timeProperty(override, 'dtstart', b.calendarZone)!, versionOf(override));
  }
}

function parseCalendar(text: string): IcalComponent {
  let root: IcalComponent;
  try {
    const jcal = ICAL.parse(text);
    root = new ICAL.Component(Array.isArray(jcal[0]) ? jcal[0] : jcal);
  } catch {
    // The parser quotes the offending line, which may hold guest data: keep only the verdict.
    throw new FeedError('FEED_INVALID', 'the feed is not valid iCalendar (a line could not be parsed); check that the URL is the WineAround iCal export');
  }
  if (root.name !== 'vcalendar') {
    throw new FeedError('FEED_INVALID', `the feed is not an iCalendar VCALENDAR (found "${root.name}"); check that the URL is the WineAround iCal export`);
  }
  return root;
}

/** Parses a feed's text into the SourceEvents overlapping the window, sorted by id. Throws FeedError FEED_INVALID. */
export function parseIcalFeed(text: string, options: ParseOptions): ParsedFeed {
  if (!/^\s*BEGIN:VCALENDAR/i.test(text)) {
    throw new FeedError('FEED_INVALID', 'the response is not an iCalendar document (no BEGIN:VCALENDAR); check that the URL is the WineAround iCal export');
  }
  const calendar = parseCalendar(text);
  const declared = textOf(calendar, 'x-wr-timezone');
  const b: Builder = {
    calendarZone: (declared && ianaZoneOf(declared)) ?? options.defaultTimeZone,
    windowStart: options.window.start.getTime(),
    windowEnd: options.window.end.getTime(),
    out: [],
  };
  const byUid = new Map<string, IcalComponent[]>();
  const skipped: SkippedFeedEvent[] = [];
  for (const comp of calendar.getAllSubcomponents('vevent')) {
    const uid = textOf(comp, 'uid');
    if (!uid) {
      skipped.push({ reason: 'UID is missing' });
      continue;
    }
    byUid.set(uid, [...(byUid.get(uid) ?? []), comp]);
  }
  for (const [uid, comps] of byUid) {
    const before = b.out.length;
    try {
      addUid(b, uid, comps);
    } catch (err) {
      if (!(err instanceof InvalidEvent)) throw err;
      b.out.length = before;
      skipped.push({ uid, reason: err.message });
    }
  }
  const events = b.out.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return { events, skipped };
}
