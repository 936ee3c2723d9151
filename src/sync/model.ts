/**
 * The domain model shared by the WineAround source, the mapping, the planner and the Outlook
 * writer. Plain JSON data only: values of these types may cross Temporal activity boundaries.
 */

/** A point in time as WineAround gives it: a local wall time in an IANA zone, or a date (all-day). */
export type EventTime =
  | { kind: 'dateTime'; dateTime: string /* YYYY-MM-DDTHH:mm:ss, local wall time */; timeZone: string /* IANA, e.g. Europe/Rome */ }
  | { kind: 'date'; date: string /* YYYY-MM-DD */ };

/** Guest details of a booking. Personal data: never logged, never in workflow history unencrypted. */
export interface Guest {
  name?: string;
  email?: string;
  phone?: string;
  partySize?: number;
  language?: string;
  notes?: string;
}

/**
 * One booking occurrence as WineAround publishes it. Recurring series are expanded into one
 * SourceEvent per occurrence inside the sync window, each with its own stable id.
 */
export interface SourceEvent {
  /** Stable WineAround id: the iCal UID, or `${UID}#${RECURRENCE-ID as UTC basic format}` for an occurrence of a series. */
  id: string;
  /** Monotonic version, milliseconds since the epoch of the last change (LAST-MODIFIED / updatedAt). */
  version: number;
  title: string;
  description?: string;
  location?: string;
  start: EventTime;
  /** Exclusive end; for all-day events the day after the last day. */
  end: EventTime;
  allDay: boolean;
  categories?: string[];
  guest?: Guest;
}

/** Per-customer mapping choices, with defaults in mapping options parsing. */
export interface MappingOptions {
  /** e.g. "{title}" or "{title} – {guestName} ({partySize})". */
  subjectTemplate: string;
  /** Whether guest details (name, phone, e-mail, party size, language, notes) go into the event body. */
  includeGuestDetails: boolean;
  reminderMinutes: number | null;
  showAs: 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere';
  categories: string[];
  /** The customer's IANA zone: all-day events are written midnight-to-midnight in it, floating feed times are read in it. */
  timeZone: string;
}
