/**
 * The change notification WineAround sends when a booking changes. Validated here, in workflow
 * code as well as at the webhook, so this module stays deterministic and free of Node APIs.
 * Error messages name the field and the fix, and never echo guest data.
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
  .transform((zone) => canonicalZone(zone) as string);

const eventTimeSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({
      kind: z.literal('dateTime'),
      dateTime: z
        .string({ error: 'expected a local wall time "YYYY-MM-DDTHH:mm:ss"' })
        .refine((v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(v) && wallTimeIn(v, 'UTC') !== undefined, {
          message: 'expected a local wall time "YYYY-MM-DDTHH:mm:ss" without offset (the zone goes in timeZone)',
        }),
      timeZone: zoneSchema,
    }),
    z.object({
      kind: z.literal('date'),
      date: z.string({ error: 'expected a date "YYYY-MM-DD"' }).refine(isDate, 'expected a valid date "YYYY-MM-DD"'),
    }),
  ],
  { error: EVENT_TIME_SHAPE },
);

const optionalText = z.string({ error: 'expected a string (or omit the field)' }).optional();

const guestSchema = z.object({
  name: optionalText,
  email: optionalText,
  phone: optionalText,
  partySize: z.number({ error: 'expected a positive integer' }).int('expected a positive integer').positive('expected a positive integer').optional(),
  language: optionalText,
  notes: optionalText,
});

const eventSchema = z
  .object({
    title: z.string({ error: 'expected the booking title as a string' }).trim().min(1, 'must not be empty'),
    description: optionalText,
    location: optionalText,
    start: eventTimeSchema,
    end: eventTimeSchema,
    allDay: z.boolean({ error: 'expected true or false (or omit it: dates mean all-day)' }).optional(),
    categories: z.array(z.string({ error: 'expected a string' }), { error: 'expected an array of strings' }).optional(),
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
    customerId: z.string({ error: 'expected the WineAround customer id as a string' }).trim().min(1, 'must not be empty'),
    eventId: z.string({ error: 'expected the WineAround event id as a string' }).trim().min(1, 'must not be empty').max(255, 'at most 255 characters'),
    operation: z.enum(['upsert', 'delete'], { error: 'expected "upsert" or "delete"' }),
    version: z
      .number({ error: "expected a positive integer: the booking's updatedAt in milliseconds since the epoch" })
      .int("expected a positive integer: the booking's updatedAt in milliseconds since the epoch")
      .positive("expected a positive integer: the booking's updatedAt in milliseconds since the epoch")
      .max(Number.MAX_SAFE_INTEGER, 'expected milliseconds since the epoch'),
    event: eventSchema.optional(),
  })
  .superRefine((n, ctx) => {
    if (n.operation === 'upsert' && !n.event) {
      ctx.addIssue({ code: 'custom', path: ['event'], message: 'required when operation is "upsert": send the booking\'s fields' });
    }
  });

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
