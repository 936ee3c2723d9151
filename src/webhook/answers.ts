import { z } from 'zod';
import type { Response } from 'express';

/**
 * Every answer the webhook gives, one definition for the server (which sends them through
 * `answer()`, so it cannot send a body this does not describe) and for the OpenAPI document.
 */
const problem = <const Codes extends readonly [string, ...string[]]>(codes: Codes, description: string) =>
  z
    .object({
      error: z.enum(codes).meta({ description: 'stable code, for programs' }),
      message: z.string().meta({ description: 'what went wrong and how to fix it, for people; never contains guest data' }),
    })
    .meta({ description });

export const ANSWERS = {
  202: {
    description: 'Accepted: the change is recorded durably in the integration (a Temporal signal) and reaches Outlook within seconds. Do not retry.',
    schema: z
      .object({
        accepted: z.literal(true),
        customerId: z.string(),
        eventId: z.string(),
        version: z.number().int(),
      })
      .meta({ description: 'the change as the service understood it' }),
    example: { accepted: true, customerId: 'cantina-rossi', eventId: 'wa-bk-20931', version: 1807091400000 },
  },
  400: {
    description: 'The body could not be read or is not JSON, or it is not a valid notification; the message names each failing field. Fix the sender; retrying the same body fails again.',
    schema: problem(['invalid_json', 'invalid_notification', 'unreadable_body'], 'one line per failing field: "eventChanged.<path>: <what is expected>"'),
    example: { error: 'invalid_notification', message: 'eventChanged.event.end: must be after start (for all-day events: the day after the last day)' },
  },
  401: {
    description: 'Missing, malformed or stale X-WA-Timestamp, or X-WA-Signature does not match. Check the secret and the clock; a retry must be signed anew.',
    schema: problem(['unauthorized'], 'why the signature was refused'),
    example: { error: 'unauthorized', message: 'signature does not match' },
  },
  404: {
    description: 'No integration is running for customerId. Not retried: once the integration starts, its first reconcile reads the booking from the feed.',
    schema: problem(['unknown_customer'], 'names the customer and how to start its integration'),
    example: { error: 'unknown_customer', message: 'No running integration for customer "cantina-rossi" (workflow wa-outlook/cantina-rossi). Start it with: wa-outlook start cantina-rossi …' },
  },
  413: {
    description: 'The body is larger than 256 KiB. A booking never needs that much: shorten the description or notes.',
    schema: problem(['too_large'], 'the limit'),
    example: { error: 'too_large', message: 'the body is larger than 256 KiB' },
  },
  503: {
    description: 'The service could not record the change (Temporal unreachable). Retry with backoff, signing each attempt anew.',
    schema: problem(['unavailable'], 'retry later'),
    example: { error: 'unavailable', message: 'could not reach the integration; retry later' },
  },
} as const;

export type AnswerStatus = keyof typeof ANSWERS;
export type AnswerBody<S extends AnswerStatus> = z.input<(typeof ANSWERS)[S]['schema']>;

/** Sends one of the documented answers. */
export function answer<S extends AnswerStatus>(res: Response, status: S, body: AnswerBody<S>): void {
  res.status(status).json(body);
}

/** The largest body the webhook reads, for express.raw and the documentation. */
export const BODY_LIMIT_BYTES = 256 * 1024;
