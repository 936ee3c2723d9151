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
import { unescapeText } from './ical-text';
import { scanFeed, type EventBlock } from './ical-scan';
import { BookingSkip, type SkipCode, type SkippedBooking } from './skip-codes';
import { spendStep, withStepBudget } from './step-budget';

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
  limits?: Partial<BookingLimits>;
}

export interface ParsedFeed {
  events: SourceEvent[];
  skipped: SkippedBooking[];
}

/** Bounds of the work spent on one booking (a series, or a single event). */
export interface BookingLimits {
  /** Iteration steps of the recurrence engine (each candidate date it looks at). */
  steps: number;
  /** Wall-clock milliseconds. */
  ms: number;
  /** Occurrences of one series inside the window. */
  occurrences: number;
}

/**
 * A daily series started 80 years before the window takes ~30,000 steps; a rule that finds no
 * date, or an hourly one from decades ago, spends the budget and is skipped (SERIES_BUDGET), its
 * Outlook events kept as they are. Steps decide in practice; the time bound is a backstop,
 * generous so that a loaded machine does not skip a booking that fits its steps.
 */
export const DEFAULT_BOOKING_LIMITS: BookingLimits = { steps: 100_000, ms: 2_000, occurrences: 2_000 };

/** A boundary as luxon sees it: a calendar date, or an instant carrying the zone to display it in. */
type Point = { kind: 'date'; date: DateTime /* midnight UTC of the date */ } | { kind: 'dateTime'; dt: DateTime };

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

/** toPoint, or BookingSkip(code) when the value does not denote a real date or time (month 13, year 0…). */
function validPoint(time: IcalTime, tzidParam: unknown, calendarZone: string, code: SkipCode): Point {
  const point = toPoint(time, tzidParam, calendarZone);
  if (!(point.kind === 'date' ? point.date : point.dt).isValid) throw new BookingSkip(code);
  return point;
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

/** Reads property values; ical.js parses a value when first read and throws plain errors: each becomes the booking's code. */
function valuesOf(comp: IcalComponent, name: string, code: SkipCode): unknown[] {
  try {
    return comp.getAllProperties(name).flatMap((p) => p.getValues());
  } catch {
    throw new BookingSkip(code);
  }
}

const RAW_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})Z?)?$/;

/**
 * ical.js reads "2027032XT1000" as 2 March and month 13 as January next year: a value is taken
 * only when the Time it made has exactly the fields written.
 */
function writtenAsIs(raw: unknown, time: IcalTime): boolean {
  const m = typeof raw === 'string' ? RAW_TIME.exec(raw) : null;
  if (!m) return false;
  const [, year, month, day, hour = '0', minute = '0', second = '0'] = m;
  return Number(year) === time.year && Number(month) === time.month && Number(day) === time.day
    && (time.isDate || (Number(hour) === time.hour && Number(minute) === time.minute && Number(second) === time.second));
}

type IcalProperty = InstanceType<typeof ICAL.Property>;

/** Every value of every `name` property that is a date or date-time (periods pass through); BookingSkip(code) for any other. */
function timeValues(comp: IcalComponent, name: string, code: SkipCode): { prop: IcalProperty; value: IcalTime | InstanceType<typeof ICAL.Period> }[] {
  const out: { prop: IcalProperty; value: IcalTime | InstanceType<typeof ICAL.Period> }[] = [];
  let props: IcalProperty[];
  try {
    props = comp.getAllProperties(name);
    for (const prop of props) {
      const raws = (prop.jCal as unknown[]).slice(3);
      prop.getValues().forEach((value, i) => {
        if (value instanceof ICAL.Period) out.push({ prop, value });
        else if (value instanceof ICAL.Time && writtenAsIs(raws[i], value)) out.push({ prop, value });
        else throw new BookingSkip(code);
      });
    }
  } catch {
    throw new BookingSkip(code);
  }
  return out;
}

type TimeName = 'dtstart' | 'dtend' | 'recurrence-id';
const TIME_CODES: Record<TimeName, SkipCode> = { dtstart: 'INVALID_DTSTART', dtend: 'INVALID_DTEND', 'recurrence-id': 'INVALID_RECURRENCE_ID' };

/** The property as a Point; undefined when absent; BookingSkip when present but unreadable. */
function timeProperty(comp: IcalComponent, name: TimeName, calendarZone: string): Point | undefined {
  const code = TIME_CODES[name];
  const [first] = timeValues(comp, name, code);
  if (!first) return undefined;
  if (!(first.value instanceof ICAL.Time)) throw new BookingSkip(code);
  return validPoint(first.value, first.prop.getParameter('tzid'), calendarZone, code);
}

/** A component's own times, read once. */
interface Times {
  dtstart: Point;
  dtend?: Point;
  duration?: IcalDuration;
}

function timesOf(comp: IcalComponent, calendarZone: string): Times {
  const dtstart = timeProperty(comp, 'dtstart', calendarZone);
  if (!dtstart) throw new BookingSkip('INVALID_DTSTART');
  const dtend = timeProperty(comp, 'dtend', calendarZone);
  const [duration] = valuesOf(comp, 'duration', 'INVALID_DURATION');
  if (duration !== undefined && !(duration instanceof ICAL.Duration)) throw new BookingSkip('INVALID_DURATION');
  if (dtend && dtend.kind !== dtstart.kind) throw new BookingSkip('MIXED_DATE_KINDS');
  return { dtstart, dtend, duration };
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
 * The end of an occurrence starting at `start` (RFC 5545 §3.6.1): DTEND shifted by the
 * occurrence's offset from DTSTART; else DTSTART + DURATION; else one day for a date, zero length
 * for a date-time.
 */
function endOf({ dtstart, dtend, duration }: Times, start: Point): Point {
  if (dtend) {
    if (start.kind !== dtstart.kind) throw new BookingSkip('MIXED_DATE_KINDS');
    if (dtend.kind === 'date' && start.kind === 'date' && dtstart.kind === 'date') {
      return { kind: 'date', date: start.date.plus(dtend.date.diff(dtstart.date, 'days')) };
    }
    if (dtend.kind === 'dateTime' && start.kind === 'dateTime' && dtstart.kind === 'dateTime') {
      return { kind: 'dateTime', dt: start.dt.plus(dtend.dt.diff(dtstart.dt)).setZone(dtend.dt.zone) };
    }
  }
  if (duration) return plusDuration(start, duration);
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
  const name = comp.hasProperty('last-modified') ? 'last-modified' : 'dtstamp';
  const [first] = timeValues(comp, name, 'INVALID_LAST_MODIFIED');
  if (first === undefined) return 0;
  const ms = first.value instanceof ICAL.Time ? first.value.toUnixTime() * 1000 : Number.NaN;
  if (!Number.isFinite(ms)) throw new BookingSkip('INVALID_LAST_MODIFIED');
  return ms;
}

const isCancelled = (comp: IcalComponent) => String(comp.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED';

interface Builder {
  calendarZone: string;
  windowStart: number;
  windowEnd: number;
  limits: BookingLimits;
  out: SourceEvent[];
}

/** Adds the occurrence of `comp` starting at `start` when it overlaps the window. */
function addOccurrence(b: Builder, comp: IcalComponent, times: Times, id: string, start: Point, version: number): void {
  if (isCancelled(comp)) return;
  const end = endOf(times, start);
  const startMs = instantOfPoint(start, b.calendarZone);
  const endMs = instantOfPoint(end, b.calendarZone);
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) throw new BookingSkip(Number.isFinite(startMs) ? 'INVALID_DTEND' : 'INVALID_DTSTART');
  if (endMs < startMs || (start.kind === 'date' && endMs === startMs)) throw new BookingSkip('ENDS_BEFORE_START');
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

/** Reads every value the recurrence engine will read, so that a bad one is named by its own code. */
function checkRecurrenceValues(comp: IcalComponent): void {
  for (const rule of valuesOf(comp, 'rrule', 'INVALID_RRULE')) if (!(rule instanceof ICAL.Recur)) throw new BookingSkip('INVALID_RRULE');
  timeValues(comp, 'rdate', 'INVALID_RDATE');
  for (const { value } of timeValues(comp, 'exdate', 'INVALID_EXDATE')) if (!(value instanceof ICAL.Time)) throw new BookingSkip('INVALID_EXDATE');
}

/** The recurrence engine's own errors (rule parts it rejects, loops it detects) are the rule's fault. */
function ruleStep<T>(step: () => T): T {
  try {
    return step();
  } catch (err) {
    throw err instanceof BookingSkip ? err : new BookingSkip('INVALID_RRULE');
  }
}

function expandSeries(b: Builder, uid: string, master: IcalComponent, exceptions: IcalComponent[]): void {
  checkRecurrenceValues(master);
  const masterTimes = timesOf(master, b.calendarZone);
  const masterVersion = versionOf(master);
  const masterTzid = master.getFirstProperty('dtstart')!.getParameter('tzid');
  // An exception may move an occurrence from after the window into it: iterate at least up to the last one.
  let stopAt = b.windowEnd;
  const overrides = new Map<IcalComponent, { times: Times; version: number }>();
  for (const e of exceptions) {
    const recurrenceId = timeProperty(e, 'recurrence-id', b.calendarZone)!;
    stopAt = Math.max(stopAt, instantOfPoint(recurrenceId, b.calendarZone) + 1);
    overrides.set(e, { times: timesOf(e, b.calendarZone), version: Math.max(masterVersion, versionOf(e)) });
  }
  const event: IcalEvent = ruleStep(() => {
    const made = new ICAL.Event(master);
    for (const exception of exceptions) made.relateException(exception);
    return made;
  });
  const iterator = ruleStep(() => event.iterator());
  let inWindow = 0;
  for (;;) {
    spendStep();
    const next = ruleStep(() => iterator.next());
    if (!next) return;
    const recurrenceId = validPoint(next, masterTzid, b.calendarZone, 'INVALID_RRULE');
    if (instantOfPoint(recurrenceId, b.calendarZone) >= stopAt) return;
    const details = ruleStep(() => event.getOccurrenceDetails(next));
    const id = `${uid}#${recurrenceKey(recurrenceId)}`;
    const before = b.out.length;
    const override = details.item && details.item !== event ? overrides.get(details.item.component) : undefined;
    if (override) {
      addOccurrence(b, details.item.component, override.times, id, override.times.dtstart, override.version);
    } else {
      addOccurrence(b, master, masterTimes, id, recurrenceId, masterVersion);
    }
    if (b.out.length > before && ++inWindow > b.limits.occurrences) throw new BookingSkip('SERIES_TOO_MANY');
  }
}

/** The copy a feed listing one UID twice means: the newest (LAST-MODIFIED), the first among equals. */
function newestOf(comps: IcalComponent[]): IcalComponent {
  return comps.reduce((best, c) => (versionOf(c) > versionOf(best) ? c : best));
}

function addUid(b: Builder, uid: string, comps: IcalComponent[]): void {
  const masters = comps.filter((c) => !c.hasProperty('recurrence-id'));
  const overrides = comps.filter((c) => c.hasProperty('recurrence-id'));
  const master = masters.length > 0 ? newestOf(masters) : undefined;
  if (master && isCancelled(master)) return;
  if (master && (master.hasProperty('rrule') || master.hasProperty('rdate'))) {
    expandSeries(b, uid, master, overrides);
    return;
  }
  if (master) {
    const times = timesOf(master, b.calendarZone);
    addOccurrence(b, master, times, uid, times.dtstart, versionOf(master));
    return;
  }
  // Overrides whose series master is not in the feed: each is a standalone occurrence.
  for (const override of overrides) {
    const id = `${uid}#${recurrenceKey(timeProperty(override, 'recurrence-id', b.calendarZone)!)}`;
    const times = timesOf(override, b.calendarZone);
    addOccurrence(b, override, times, id, times.dtstart, versionOf(override));
  }
}

type ZoneLookup = (tzid: string) => InstanceType<typeof ICAL.Timezone> | null;

/**
 * The feed's VTIMEZONEs, each parsed once, behind a stand-in calendar that every VEVENT is
 * parented to. ical.js resolves a TZID through the root's getTimeZoneByID, which scans every
 * sibling component of the real calendar when the zone is not cached (each TZID without a
 * VTIMEZONE, on every lookup): a map lookup here keeps parsing linear in the feed's size.
 */
function zonesCalendar(timezones: string[]): IcalComponent {
  const zones = new Map<string, InstanceType<typeof ICAL.Timezone>>();
  for (const text of timezones) {
    try {
      const component = new ICAL.Component(ICAL.parse(text) as unknown as unknown[]);
      const tzid = component.getFirstPropertyValue('tzid');
      if (typeof tzid === 'string' && !zones.has(tzid)) zones.set(tzid, new ICAL.Timezone({ component, tzid }));
    } catch {
      // An unreadable VTIMEZONE counts as absent: its TZID falls back like any undefined one.
    }
  }
  const calendar = new ICAL.Component('vcalendar');
  const lookup: ZoneLookup = (tzid) => zones.get(tzid) ?? null;
  (calendar as unknown as { getTimeZoneByID: ZoneLookup }).getTimeZoneByID = lookup;
  return calendar;
}

/** One VEVENT block as a component of the stand-in calendar; BookingSkip when its text cannot be parsed. */
function componentOf(block: EventBlock, calendar: IcalComponent): IcalComponent {
  if (block.broken) throw new BookingSkip(block.broken);
  let jcal: unknown;
  try {
    jcal = ICAL.parse(block.text);
  } catch {
    throw new BookingSkip(codeOfBadLine(block.text));
  }
  if (!Array.isArray(jcal) || jcal[0] !== 'vevent') throw new BookingSkip('BAD_LINE');
  return new ICAL.Component(jcal, calendar);
}

/** ical.js checks some values (RRULE, DURATION…) while parsing: find the line it refused, to name the property. */
const PROPERTY_CODES: Record<string, SkipCode> = {
  DTSTART: 'INVALID_DTSTART', DTEND: 'INVALID_DTEND', DURATION: 'INVALID_DURATION', 'RECURRENCE-ID': 'INVALID_RECURRENCE_ID',
  'LAST-MODIFIED': 'INVALID_LAST_MODIFIED', DTSTAMP: 'INVALID_LAST_MODIFIED', RRULE: 'INVALID_RRULE', RDATE: 'INVALID_RDATE', EXDATE: 'INVALID_EXDATE',
};

function codeOfBadLine(text: string): SkipCode {
  for (const line of text.replace(/\r?\n[ \t]/g, '').split(/\r?\n|\r/)) {
    if (/^(BEGIN|END):/i.test(line) || line.trim() === '') continue;
    try {
      ICAL.parse.property(line);
    } catch {
      return PROPERTY_CODES[(/^[A-Za-z0-9-]+/.exec(line)?.[0] ?? '').toUpperCase()] ?? 'BAD_LINE';
    }
  }
  return 'BAD_LINE';
}

const byText = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/**
 * Parses a feed's text into the SourceEvents overlapping the window (sorted by id) and the
 * bookings it skipped (sorted by UID). Throws FeedError only for the feed as a whole:
 * FEED_INVALID (not iCalendar at all) or FEED_TRUNCATED (no END:VCALENDAR).
 */
export function parseIcalFeed(text: string, options: ParseOptions): ParsedFeed {
  const feed = scanFeed(text);
  const calendar = zonesCalendar(feed.timezones);
  const b: Builder = {
    calendarZone: (feed.calendarTimeZone && ianaZoneOf(feed.calendarTimeZone)) ?? options.defaultTimeZone,
    windowStart: options.window.start.getTime(),
    windowEnd: options.window.end.getTime(),
    limits: { ...DEFAULT_BOOKING_LIMITS, ...options.limits },
    out: [],
  };
  const byUid = new Map<string, EventBlock[]>();
  const skipped: SkippedBooking[] = [];
  for (const block of feed.events) {
    if (block.uid === undefined) skipped.push({ code: block.broken ?? 'NO_UID' });
    else byUid.set(block.uid, [...(byUid.get(block.uid) ?? []), block]);
  }
  for (const [uid, blocks] of byUid) {
    const before = b.out.length;
    try {
      withStepBudget(b.limits.steps, b.limits.ms, () => addUid(b, uid, blocks.map((block) => componentOf(block, calendar))));
    } catch (err) {
      // Whatever went wrong is confined to this booking: drop its partial output and report it.
      b.out.length = before;
      skipped.push({ uid, code: err instanceof BookingSkip ? err.code : 'UNREADABLE' });
    }
  }
  const events = b.out.sort((x, y) => byText(x.id, y.id));
  return { events, skipped: skipped.sort((x, y) => byText(x.uid ?? '', y.uid ?? '') || byText(x.code, y.code)) };
}
