/** How the emulator stores an event: instants in epoch ms plus the zones the writer used. */

export interface DateTimeTimeZone { dateTime: string; timeZone: string }
export interface ExtendedProperty { id: string; value: string }

/** The properties a client (or a person in Outlook) can write. */
export interface EventContent {
  subject: string;
  body: { contentType: 'text' | 'html'; content: string };
  start: DateTimeTimeZone;
  end: DateTimeTimeZone;
  startEpoch: number;
  endEpoch: number;
  isAllDay: boolean;
  location: Record<string, unknown>;
  locations: Record<string, unknown>[];
  categories: string[];
  showAs: string;
  sensitivity: string;
  importance: string;
  isReminderOn: boolean;
  reminderMinutesBeforeStart: number;
  responseRequested: boolean;
  attendees: Record<string, unknown>[];
  extendedProperties: ExtendedProperty[];
}

export interface StoredEvent extends EventContent {
  id: string;
  iCalUId: string;
  changeKey: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  transactionId?: string;
  /** Mailbox change sequence of the last write; drives delta queries. */
  seq: number;
}

/**
 * Extended property identity: type and GUID compare case-insensitively, the name part
 * case-sensitively. https://learn.microsoft.com/graph/api/resources/extended-properties-overview
 */
const PROPERTY_ID = /^(\w+) \{([0-9a-fA-F-]{36})\} (Name|Id) (.+)$/i;
const PROPTAG_ID = /^(\w+) (0x[0-9a-fA-F]+)$/;

export function extendedPropertyKey(id: string): string | undefined {
  const named = PROPERTY_ID.exec(id.trim());
  if (named) return `${named[1].toLowerCase()} ${named[2].toLowerCase()} ${named[3].toLowerCase()} ${named[4]}`;
  const tagged = PROPTAG_ID.exec(id.trim());
  return tagged ? `${tagged[1].toLowerCase()} ${tagged[2].toLowerCase()}` : undefined;
}
