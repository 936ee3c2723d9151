/**
 * Time-zone arithmetic shared by the feed parser, the notification schema and the mapping.
 * All IANA-local ⇄ UTC conversion goes through luxon (which uses the platform's tz database), so
 * DST transitions are handled by a maintained library rather than by offset math here.
 */
import { DateTime } from 'luxon';
import { findIana, findWindows } from 'windows-iana';
import type { EventTime } from './model';

const WALL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const canonicalZones = new Map<string, string | undefined>();

/** The canonical spelling of an IANA zone name (e.g. "europe/rome" → "Europe/Rome"), or undefined if unknown. */
export function canonicalZone(name: string): string | undefined {
  // Cached: building an Intl.DateTimeFormat per call was nearly half of a large feed's parse time.
  if (!canonicalZones.has(name)) {
    try {
      canonicalZones.set(name, new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone);
    } catch {
      canonicalZones.set(name, undefined);
    }
  }
  return canonicalZones.get(name);
}

/** True for a valid calendar date written YYYY-MM-DD. */
export function isDate(value: string): boolean {
  return DATE.test(value) && DateTime.fromISO(value, { zone: 'UTC' }).isValid;
}

/**
 * A wall time "YYYY-MM-DDTHH:mm[:ss[.fffffff]]" in a zone, as a luxon DateTime; undefined if the text
 * or the zone is invalid. Accepts Graph's 7 fractional digits (truncated to milliseconds).
 */
export function wallTimeIn(dateTime: string, zone: string): DateTime | undefined {
  const m = WALL_TIME.exec(dateTime);
  if (!m) return undefined;
  const [, year, month, day, hour, minute, second = '0', fraction = ''] = m;
  const dt = DateTime.fromObject(
    {
      year: Number(year),
      month: Number(month),
      day: Number(day),
      hour: Number(hour),
      minute: Number(minute),
      second: Number(second),
      millisecond: Number(fraction.padEnd(3, '0').slice(0, 3)),
    },
    { zone },
  );
  return dt.isValid ? dt : undefined;
}

/** Formats a DateTime as the wall time "YYYY-MM-DDTHH:mm:ss" of its own zone. */
export function formatWallTime(dt: DateTime): string {
  return dt.toFormat("yyyy-MM-dd'T'HH:mm:ss");
}

/**
 * The instant an EventTime denotes. Dates (all-day) have no zone of their own: they start at
 * midnight in `dateZone`, the customer's calendar zone.
 */
export function instantOf(time: EventTime, dateZone: string): DateTime {
  const dt =
    time.kind === 'date'
      ? DateTime.fromISO(time.date, { zone: dateZone })
      : wallTimeIn(time.dateTime, time.timeZone);
  if (!dt || !dt.isValid) throw new Error(`invalid event time ${JSON.stringify(time)}`);
  return dt;
}

/** The Windows zone name Graph accepts for an IANA zone, or undefined when windows-iana has no mapping. */
export function windowsZoneOf(ianaZone: string): string | undefined {
  return findWindows(ianaZone)[0];
}

const ianaZones = new Map<string, string | undefined>();

/** The IANA zone for an IANA, "UTC" or Windows zone name (as Graph and Outlook-made feeds use), or undefined. */
export function ianaZoneOf(zone: string): string | undefined {
  // Cached: windows-iana's lookup scans its table, and the planner asks once per owned event.
  if (!ianaZones.has(zone)) ianaZones.set(zone, canonicalZone(zone) ?? findIana(zone)[0]);
  return ianaZones.get(zone);
}
