/**
 * The change notification WineAround sends when a booking changes. Validated here, at the
 * webhook and by the workflow's check step (a local activity: src/activities/checks.ts).
 * Error messages name the field and the fix, and never echo guest data. The descriptions and
 * patterns below are the published JSON Schema too (src/webhook/openapi.ts, docs/webhook.md).
 */
import { z } from 'zod';
import type { SourceEvent } from '../sync/model';
import { canonicalZone, isDate, wallTimeIn } from '../sync/time';
import { parseOrThrow } from '../sync/validation';

const ROOT = 'eventChanged';
const EVENT_TIME_SHAPE = "expected {kind:'dateTime', dateTime, timeZone} or {kind:'date', date}";

const zoneSchema = z
  .string({ error: 'expected an IANA time zone name such as "Europe/Rome"' })
  .refine((zone) => canonicalZone(zone) !== undefined, 'expected an IANA time zone name such as "Europe/Rome"')
  .transform((zone) => canonicalZone(zone) as string)
  .meta({ description: 'IANA time zone of the wall time, e.g. "Europe/Rome" (spelling is canonicalised; Windows names are refused)', examples: ['Europe/Rome'] });

const WALL_TIME_MESSAGE = 'expected a local wall time "YYYY-MM-DDTHH:mm:ss" without offset (the zone goes in timeZone)';

const eventTimeSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({
      kind: z.literal('dateTime').meta({ description: 'a timed start or end' }),
      dateTime: z
        .string({ error: 'expected a local wall time "YYYY-MM-DDTHH:mm:ss"' })
        // The pattern is published in the JSON Schema; the refinement adds what a pattern cannot (a real date and time).
        .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/, { message: WALL_TIME_MESSAGE, abort: true })
        .refine((v) => wallTimeIn(v, 'UTC') !== undefined, { message: WALL_TIME_MESSAGE })
        .meta({ description: 'local wall time in timeZone, without offset', examples: ['2027-04-10T10:30:00'] }),
      timeZone: zoneSchema,
    }).meta({ title: 'Timed', description: 'a moment: wall time plus IANA zone' }),
    z.object({
      kind: z.literal('date').meta({ description: 'an all-day start or end' }),
      date: z
        .string({ error: 'expected a date "YYYY-MM-DD"' })
        .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'expected a valid date "YYYY-MM-DD"', abort: true })
        .refine(isDate, 'expected a valid date "YYYY-MM-DD"')
        .meta({ description: 'calendar date, no zone (all-day)', examples: ['2027-09-20'] }),
    }).meta({ title: 'AllDay', description: 'a calendar date, for all-day bookings' }),
  ],
  { error: EVENT_TIME_SHAPE },
);

const optionalText = (description: string) => z.string({ error: 'expected a string (or omit the field)' }).optional().meta({ description });

const guestSchema = z
  .object({
    name: optionalText("the guest's name"),
    email: optionalText("the guest's e-mail address (never used to send anything)"),
    phone: optionalText("the guest's phone number"),
    partySize: z
      .number({ error: 'expected a positive integer' })
      .int('expected a positive integer')
      .positive('expected a positive integer')
      .optional()
      .meta({ description: 'how many people the booking is for' }),
    language: optionalText('language the guest asked for, e.g. "it" or "en"'),
    notes: optionalText("the guest's notes, e.g. allergies"),
  })
  .meta({
    description:
      'Personal data. Encrypted in Temporal, never logged or echoed in errors; shown in the Outlook event body only when the ' +
      "customer turned on guest details (--guest-details), and in the subject only through the customer's subject template.",
  });

const eventSchema = z
  .object({
    title: z.string({ error: 'expected the booking title as a string' }).trim().min(1, 'must not be empty').meta({ description: "the booking's title: the Outlook subject (through the customer's subject template)" }),
    description: optionalText('text for the Outlook event body'),
    location: optionalText("the Outlook event's location"),
    start: eventTimeSchema.meta({ description: 'when the booking starts' }),
    end: eventTimeSchema.meta({
      description: 'when it ends: after start, the same kind as start; for all-day bookings the day AFTER the last day (exclusive)',
    }),
    allDay: z.boolean({ error: 'expected true or false (or omit it: dates mean all-day)' }).optional().meta({ description: 'optional: must be true exactly when start and end are dates' }),
    categories: z
      .array(z.string({ error: 'expected a string' }), { error: 'expected an array of strings' })
      .optional()
      .meta({ description: "Outlook categories, added to the integration's own" }),
    guest: guestSchema.optional(),
  })
  .superRefine((event, ctx) => {
    if (event.start.kind !== event.end.kind) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be the same kind as start (both dateTime, or both date for all-day)' });
      return;
    }
    if (event.allDay !== undefined && event.allDay !== (event.start.kind === 'date')) {
      ctx.addIssue({ code: 'custom', path: ['allDay'], message: "must be true exactly when start and end are {kind:'date'}" });
    }
    const ms = (t: typeof event.start) => (t.kind === 'date' ? t.date : wallTimeIn(t.dateTime, t.timeZone)?.toMillis());
    const [start, end] = [ms(event.start), ms(event.end)];
    // Zod runs this refinement even when a time failed its own check; that failure is already reported.
    if (start === undefined || end === undefined) return;
    if (!(end > start)) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after start (for all-day events: the day after the last day)' });
    }
  });

const notificationSchema = z
  .object({
    customerId: z
      .string({ error: 'expected the WineAround customer id as a string' })
      .trim()
      .min(1, 'must not be empty')
      .meta({ description: 'the WineAround customer (winery) whose integration the change is for' }),
    eventId: z
      .string({ error: 'expected the WineAround event id as a string' })
      .trim()
      .min(1, 'must not be empty')
      .max(255, 'at most 255 characters')
      .meta({ description: "the booking's stable WineAround id (the UID in the iCal feed)" }),
    operation: z
      .enum(['upsert', 'delete'], { error: 'expected "upsert" or "delete"' })
      .meta({ description: 'upsert: the booking exists with these fields (create or update); delete: it is cancelled or removed' }),
    version: z
      .number({ error: "expected a positive integer: the booking's updatedAt in milliseconds since the epoch" })
      .int("expected a positive integer: the booking's updatedAt in milliseconds since the epoch")
      .positive("expected a positive integer: the booking's updatedAt in milliseconds since the epoch")
      .max(Number.MAX_SAFE_INTEGER, 'expected milliseconds since the epoch')
      .meta({
        description:
          "the booking's updatedAt in milliseconds since the epoch; grows with every change. The highest version wins; " +
          'an equal or lower one than already received is ignored.',
        examples: [1807091400000],
      }),
    event: eventSchema.optional().meta({ description: 'the booking; required for upsert. Leave it out of a delete (one sent is still validated, then ignored)' }),
  })
  // What the refinement below checks, for JSON Schema readers (zod cannot export a refinement).
  .meta({ if: { properties: { operation: { const: 'upsert' } } }, then: { required: ['event'] } })
  .superRefine((n, ctx) => {
    if (n.operation === 'upsert' && !n.event) {
      ctx.addIssue({ code: 'custom', path: ['event'], message: 'required when operation is "upsert": send the booking\'s fields' });
    }
  });

/** The notification as JSON Schema (draft 2020-12): what a sender may send, for the published contract. */
export function notificationJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(notificationSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}

type Notification = z.output<typeof notificationSchema>;
export type EventFields = Omit<SourceEvent, 'id' | 'version'>;
export type EventUpsert = Pick<Notification, 'customerId' | 'eventId' | 'version'> & { operation: 'upsert'; event: EventFields };
export type EventDelete = Pick<Notification, 'customerId' | 'eventId' | 'version'> & { operation: 'delete' };
export type EventChange = EventUpsert | EventDelete;

/** allDay follows from the kind of start and end; a declared one was checked to agree. */
function fieldsOf({ allDay: _declared, ...fields }: z.output<typeof eventSchema>): EventFields {
  return { ...fields, allDay: fields.start.kind === 'date' };
}

/** Validates a notification; throws ValidationError naming each failing field ("eventChanged.event.start: …"). */
export function parseNotification(input: unknown): EventChange {
  const n = parseOrThrow(notificationSchema, input, ROOT);
  const base = { customerId: n.customerId, eventId: n.eventId, version: n.version };
  if (n.operation === 'delete') return { ...base, operation: 'delete' };
  return { ...base, operation: 'upsert', event: fieldsOf(n.event!) };
}

/** Validates the fields of one booking (as in an upsert's `event`) under another root name, e.g. for the feed emulator's admin API. */
export function parseEventFields(input: unknown, root: string): EventFields {
  return fieldsOf(parseOrThrow(eventSchema, input, root));
}

/** The SourceEvent an upsert describes. */
export function toSourceEvent(change: EventUpsert): SourceEvent {
  return { id: change.eventId, version: change.version, ...change.event };
}
