/**
 * The documented notifications: the single source of the examples in the OpenAPI document and in
 * docs/webhook.md (`npm run contract` writes both; a test sends each through the real webhook).
 */
export const NOTIFICATION_EXAMPLES = {
  timed: {
    summary: 'A tasting booked (or changed) for 10:30–12:00 in Rome, with guest details',
    value: {
      customerId: 'cantina-rossi',
      eventId: 'wa-bk-20931',
      operation: 'upsert',
      version: 1807091400000,
      event: {
        title: 'Degustazione Riserva',
        description: 'Booking WA-BK-20931, paid online',
        location: 'Sala delle botti',
        start: { kind: 'dateTime', dateTime: '2027-04-10T10:30:00', timeZone: 'Europe/Rome' },
        end: { kind: 'dateTime', dateTime: '2027-04-10T12:00:00', timeZone: 'Europe/Rome' },
        categories: ['Degustazione'],
        guest: { name: 'Anna Keller', email: 'anna.keller@example.com', phone: '+49 170 1234567', partySize: 4, language: 'de', notes: 'one guest is vegetarian' },
      },
    },
  },
  allDay: {
    summary: 'An all-day booking over two days (20 and 21 September): the end date is the day after the last day',
    value: {
      customerId: 'cantina-rossi',
      eventId: 'wa-bk-20950',
      operation: 'upsert',
      version: 1807177800000,
      event: {
        title: 'Vendemmia con noi',
        start: { kind: 'date', date: '2027-09-20' },
        end: { kind: 'date', date: '2027-09-22' },
      },
    },
  },
  delete: {
    summary: 'The tasting cancelled: a delete carries only the ids and the new version',
    value: { customerId: 'cantina-rossi', eventId: 'wa-bk-20931', operation: 'delete', version: 1807264200000 },
  },
} as const;

export type NotificationExampleName = keyof typeof NOTIFICATION_EXAMPLES;

/** A fixed signing example, so that an implementation can check its signature byte for byte. */
export const SIGNING_EXAMPLE = {
  secret: 'example-webhook-secret-0123456789',
  timestamp: 1807091460,
  example: 'timed' as NotificationExampleName,
};
