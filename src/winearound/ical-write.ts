/**
 * Bookings → an iCalendar feed as WineAround publishes it (used by the feed emulator). Built with
 * ical.js's component API so escaping and folding follow RFC 5545. Times in Europe/Rome are written
 * with TZID and its VTIMEZONE; any other zone is written in UTC, as RFC 5545 requires a VTIMEZONE
 * for every TZID and Europe/Rome is the only one this emulator ships.
 */
import ICAL from 'ical.js';
import type { EventTime, SourceEvent } from '../sync/model';
import { instantOf } from '../sync/time';
import { escapeText } from './ical-text';

/** A booking as the emulator holds it: a source event that may be cancelled (kept in the feed as STATUS:CANCELLED). */
export type FeedBooking = SourceEvent & { cancelled?: boolean };

const FEED_ZONE = 'Europe/Rome';

export const EUROPE_ROME_VTIMEZONE = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Rome',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'TZNAME:CEST',
  'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'TZNAME:CET',
  'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
].join('\r\n');

type IcalComponent = InstanceType<typeof ICAL.Component>;

function addTime(vevent: IcalComponent, name: 'dtstart' | 'dtend', time: EventTime): void {
  if (time.kind === 'date') {
    vevent.addPropertyWithValue(name, ICAL.Time.fromDateString(time.date));
    return;
  }
  if (time.timeZone === FEED_ZONE) {
    vevent.addPropertyWithValue(name, ICAL.Time.fromDateTimeString(time.dateTime)).setParameter('tzid', FEED_ZONE);
    return;
  }
  const utc = instantOf(time, FEED_ZONE).toUTC();
  vevent.addPropertyWithValue(name, ICAL.Time.fromJSDate(utc.toJSDate(), true));
}

function utcTime(ms: number) {
  return ICAL.Time.fromJSDate(new Date(ms), true);
}

function addX(vevent: IcalComponent, name: string, value: string | number | undefined): void {
  if (value === undefined || value === '') return;
  vevent.addPropertyWithValue(name, escapeText(String(value)));
}

function toVevent(booking: FeedBooking): IcalComponent {
  const vevent = new ICAL.Component('vevent');
  vevent.addPropertyWithValue('uid', booking.id);
  vevent.addPropertyWithValue('dtstamp', utcTime(booking.version));
  vevent.addPropertyWithValue('last-modified', utcTime(booking.version));
  vevent.addPropertyWithValue('summary', booking.title);
  if (booking.description) vevent.addPropertyWithValue('description', booking.description);
  if (booking.location) vevent.addPropertyWithValue('location', booking.location);
  addTime(vevent, 'dtstart', booking.start);
  addTime(vevent, 'dtend', booking.end);
  if (booking.categories?.length) vevent.addProperty(new ICAL.Property('categories')).setValues(booking.categories);
  vevent.addPropertyWithValue('status', booking.cancelled ? 'CANCELLED' : 'CONFIRMED');
  addX(vevent, 'x-wa-guest-name', booking.guest?.name);
  addX(vevent, 'x-wa-guest-phone', booking.guest?.phone);
  addX(vevent, 'x-wa-guest-email', booking.guest?.email);
  addX(vevent, 'x-wa-party-size', booking.guest?.partySize);
  addX(vevent, 'x-wa-language', booking.guest?.language);
  return vevent;
}

/** The feed text for a set of bookings, events sorted by id so equal sets give byte-equal feeds. */
export function writeIcalFeed(bookings: FeedBooking[], calendarName: string): string {
  const calendar = new ICAL.Component('vcalendar');
  calendar.addPropertyWithValue('prodid', '-//WineAround//Booking feed//EN');
  calendar.addPropertyWithValue('version', '2.0');
  calendar.addPropertyWithValue('calscale', 'GREGORIAN');
  calendar.addPropertyWithValue('x-wr-calname', escapeText(calendarName));
  calendar.addPropertyWithValue('x-wr-timezone', FEED_ZONE);
  calendar.addSubcomponent(new ICAL.Component(ICAL.parse(EUROPE_ROME_VTIMEZONE)));
  const sorted = [...bookings].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const booking of sorted) calendar.addSubcomponent(toVevent(booking));
  return `${calendar.toString()}\r\n`;
}
