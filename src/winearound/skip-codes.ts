/**
 * Why one booking of a feed was skipped. A skipped booking harms only itself: the rest of the feed
 * syncs, and its existing Outlook events are kept exactly as they are (never changed or deleted
 * for being unreadable). Reported as UID + code only: never the booking's text or guest data.
 * Documented in docs/source-and-mapping.md and docs/operations.md.
 */
export const SKIP_CODES = [
  'NO_UID', // the VEVENT has no UID: it cannot be tracked
  'BAD_LINE', // a line of the VEVENT is not an iCalendar content line
  'MISSING_END', // the VEVENT is not closed by END:VEVENT
  'INVALID_DTSTART', // DTSTART missing or not a date / date-time
  'INVALID_DTEND',
  'INVALID_DURATION',
  'INVALID_RECURRENCE_ID',
  'INVALID_LAST_MODIFIED', // LAST-MODIFIED (or DTSTAMP, its stand-in) unreadable
  'INVALID_RRULE', // unreadable rule, or rule parts the recurrence engine rejects
  'INVALID_RDATE',
  'INVALID_EXDATE',
  'MIXED_DATE_KINDS', // DTSTART and DTEND (or an override) mix a date with a date-time
  'ENDS_BEFORE_START',
  'SERIES_BUDGET', // the series did not reach the window within its iteration/time budget
  'SERIES_TOO_MANY', // the series has more occurrences in the window than the cap
  'UNREADABLE', // any other error confined to this booking
] as const;

export type SkipCode = (typeof SKIP_CODES)[number];

/** A booking the feed lists but that cannot be synced. */
export interface SkippedBooking {
  /** The VEVENT's UID (absent only for NO_UID, and for blocks too broken to show one). */
  uid?: string;
  code: SkipCode;
}

/** Thrown inside the parse of one booking; caught per booking. */
export class BookingSkip extends Error {
  constructor(readonly code: SkipCode) {
    super(code);
  }
}
