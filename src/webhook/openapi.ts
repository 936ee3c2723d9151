import { z } from 'zod';
import { notificationJsonSchema } from '../winearound/notification';
import { ANSWERS, BODY_LIMIT_BYTES, type AnswerStatus } from './answers';
import { NOTIFICATION_EXAMPLES } from './examples';
import { SIGNATURE_HEADER, SIGNATURE_PATTERN, TIMESTAMP_HEADER, TIMESTAMP_PATTERN, TOLERANCE_SECONDS } from './signature';

/**
 * The webhook's OpenAPI 3.1 document, built from the code that serves and validates it: the
 * notification's JSON Schema from its zod schema, the answers from ANSWERS, the header rules from
 * signature.ts. Served at OPENAPI_PATH and committed as docs/webhook.openapi.json (`npm run contract`).
 */
export const WEBHOOK_PATH = '/webhooks/winearound';
export const OPENAPI_PATH = `${WEBHOOK_PATH}/openapi.json`;
/** The contract's own version: bump it when the document changes in a way a sender notices. */
export const CONTRACT_VERSION = '1.0.0';

type Schema = Record<string, unknown>;

/** The parts of an OpenAPI 3.1 document this one uses (swagger-parser checks it against the specification in the tests). */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Schema> };
}

/** JSON Schema as an OpenAPI 3.1 Schema Object: the dialect is the document's, so no `$schema`. */
function schemaObject(jsonSchema: Record<string, unknown>): Schema {
  const { $schema: _dialect, ...schema } = jsonSchema;
  return schema as Schema;
}

/** "x-wa-timestamp" as WineAround's documentation spells it: "X-WA-Timestamp". */
const headerName = (name: string) => `X-WA-${name.slice('x-wa-'.length).replace(/^./, (c) => c.toUpperCase())}`;

export function webhookOpenApiDocument(): OpenApiDocument {
  const responses = Object.fromEntries(
    (Object.keys(ANSWERS).map(Number) as AnswerStatus[]).map((status) => {
      const { description, schema, example } = ANSWERS[status];
      return [String(status), { description, content: { 'application/json': { schema: schemaObject(z.toJSONSchema(schema, { io: 'output' })), example } } }];
    }),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'WineAround → Outlook sync: booking change webhook',
      version: CONTRACT_VERSION,
      description:
        'WineAround tells wa-outlook-sync that a booking changed, was created or was cancelled. Each request is signed: ' +
        `\`${headerName(SIGNATURE_HEADER)}: sha256=<hex HMAC-SHA256(secret, "<${headerName(TIMESTAMP_HEADER)}>.<raw body>")>\`. ` +
        'Answers 503 (and network failures) are retried with backoff, each attempt signed anew; resending a version already ' +
        'sent is harmless. The guide with signing examples is docs/webhook.md in the repository.',
    },
    paths: {
      [WEBHOOK_PATH]: {
        post: {
          operationId: 'notifyBookingChanged',
          summary: 'A booking was created, changed or cancelled',
          parameters: [
            {
              name: headerName(TIMESTAMP_HEADER),
              in: 'header',
              required: true,
              description: `The moment of signing in unix seconds; refused when more than ${TOLERANCE_SECONDS} s from the server's clock (replay protection).`,
              schema: { type: 'string', pattern: TIMESTAMP_PATTERN.source, examples: ['1807091460'] },
            },
            {
              name: headerName(SIGNATURE_HEADER),
              in: 'header',
              required: true,
              description: `"sha256=" and the lower-case hex HMAC-SHA256, keyed with the shared secret, of the timestamp header's value, a ".", and the raw body bytes exactly as sent.`,
              schema: { type: 'string', pattern: SIGNATURE_PATTERN.source },
            },
          ],
          requestBody: {
            required: true,
            description: `The change notification, UTF-8 JSON, at most ${BODY_LIMIT_BYTES / 1024} KiB. Unknown fields are ignored.`,
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/BookingChangeNotification' },
                examples: Object.fromEntries(Object.entries(NOTIFICATION_EXAMPLES).map(([name, { summary, value }]) => [name, { summary, value }])),
              },
            },
          },
          responses,
        },
      },
      [OPENAPI_PATH]: {
        get: {
          operationId: 'getWebhookContract',
          summary: 'This document',
          responses: { '200': { description: 'the OpenAPI document', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
    },
    components: {
      schemas: { BookingChangeNotification: { title: 'BookingChangeNotification', ...schemaObject(notificationJsonSchema()) } },
    },
  };
}
