import { findIana, findWindows, WINDOWS_TO_IANA_MAP } from 'windows-iana';

/**
 * Graph accepts any Windows time zone name plus the IANA names it documents; the documented IANA
 * list is approximated by "IANA names that map to a Windows zone" (CLDR windowsZones, via
 * windows-iana). https://learn.microsoft.com/graph/api/resources/datetimetimezone
 */
const WINDOWS_NAMES = new Set(WINDOWS_TO_IANA_MAP.map((entry) => entry.windowsName as string));

/** The IANA zone Intl can compute with, or undefined when Graph would reject the name. */
export function resolveTimeZone(name: string): string | undefined {
  if (name === 'UTC' || name === 'Etc/UTC') return 'UTC';
  if (WINDOWS_NAMES.has(name)) return findIana(name)[0];
  if (findWindows(name).length > 0 && isIntlZone(name)) return name;
  return undefined;
}

function isIntlZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

interface WallTime { year: number; month: number; day: number; hour: number; minute: number; second: number; millis: number }

function wallTimeAt(epochMs: number, zone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute,
    second: parts.second, millis: ((epochMs % 1000) + 1000) % 1000,
  };
}

function wallAsUtc(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millis);
}

const WALL_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?$/;

/** Parses Graph's offset-less `dateTime` ("2024-05-01T10:00:00.0000000" or a bare date). */
export function parseWallTime(text: string): WallTime | undefined {
  const match = WALL_TIME.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = ''] = match;
  const wall = {
    year: Number(y), month: Number(mo), day: Number(d), hour: Number(h), minute: Number(mi),
    second: Number(s), millis: Number(frac.padEnd(3, '0').slice(0, 3)),
  };
  const check = new Date(wallAsUtc(wall));
  if (check.getUTCMonth() + 1 !== wall.month || check.getUTCDate() !== wall.day || wall.hour > 23) return undefined;
  return wall;
}

export function isMidnight(wall: WallTime): boolean {
  return wall.hour === 0 && wall.minute === 0 && wall.second === 0 && wall.millis === 0;
}

/** Wall time in an IANA zone -> epoch ms (gaps resolve forward, overlaps to the first instant). */
export function wallTimeToEpoch(wall: WallTime, zone: string): number {
  const naive = wallAsUtc(wall);
  const offset = (at: number): number => wallAsUtc(wallTimeAt(at, zone)) - at;
  const first = naive - offset(naive);
  const second = naive - offset(first);
  return Math.min(first, second);
}

/** Epoch ms -> Graph's response format in a zone: "2024-05-01T10:00:00.0000000". */
export function formatWallTime(epochMs: number, zone: string): string {
  const w = wallTimeAt(epochMs, zone);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}.${pad(w.millis, 3)}0000`;
}

export type { WallTime };
