/** The subset of the Graph event resource this service writes and reads back. */
import type { MappingOptions } from './model';

export interface GraphDateTimeTimeZone {
  /** Wall time without offset; Graph answers with 7 fractional digits ("2027-03-28T08:00:00.0000000"). */
  dateTime: string;
  /** A Windows zone name, "UTC", or an IANA name. */
  timeZone: string;
}

export interface GraphExtendedProperty {
  id: string;
  value: string;
}

export type ShowAs = MappingOptions['showAs'];

/** The body of a create (POST) or update (PATCH). Deliberately has no `attendees`: Outlook would e-mail them. */
export interface GraphEventPayload {
  subject: string;
  body: { contentType: 'text'; content: string };
  start: GraphDateTimeTimeZone;
  end: GraphDateTimeTimeZone;
  isAllDay: boolean;
  location: { displayName: string };
  categories: string[];
  showAs: ShowAs;
  isReminderOn: boolean;
  reminderMinutesBeforeStart?: number;
  singleValueExtendedProperties: GraphExtendedProperty[];
}

/** An event as a Graph GET/list returns it (only the fields the fingerprint and the marker need). */
export interface GraphEventRead {
  id?: string;
  subject?: string | null;
  start?: GraphDateTimeTimeZone | null;
  end?: GraphDateTimeTimeZone | null;
  isAllDay?: boolean | null;
  location?: { displayName?: string | null } | null;
  categories?: string[] | null;
  showAs?: string | null;
  singleValueExtendedProperties?: GraphExtendedProperty[] | null;
}
