import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import type pino from 'pino';
import { notifyEventChanged, OpsError } from '../ops/integrations';
import { ValidationError } from '../sync/validation';
import { answer, BODY_LIMIT_BYTES } from './answers';
import { OPENAPI_PATH, WEBHOOK_PATH, webhookOpenApiDocument } from './openapi';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verify } from './signature';

/**
 * POST /webhooks/winearound: a signed change notification from WineAround becomes an
 * `eventChanged` signal. 202 once signalled; 401 bad or stale signature; 400 invalid JSON or
 * notification (the message names the field); 404 no integration for the customer; 413 too large;
 * 503 Temporal unreachable (WineAround retries). GET OPENAPI_PATH serves the contract
 * (docs/webhook.md); every answer is one of ANSWERS.
 */
export interface WebhookOptions {
  client: Client;
  taskQueue: string;
  /** Unset: no webhook route (the server then only carries the onboarding pages). */
  secret?: string;
  /** The onboarding pages ("Connect Outlook", src/onboarding), mounted at /onboarding. */
  onboarding?: express.Router;
  port: number;
  host?: string;
  logger: pino.Logger;
}

export function createWebhookApp({ client, taskQueue, secret, onboarding, logger }: Omit<WebhookOptions, 'port' | 'host'>): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => { res.json({ ok: true }); });
  if (onboarding) app.use('/onboarding', onboarding);
  if (secret === undefined) return app;
  const contract = JSON.stringify(webhookOpenApiDocument());
  app.get(OPENAPI_PATH, (_req, res) => { res.type('application/json').send(contract); });
  // Any content type: the signature covers the bytes, whatever the sender labelled them.
  app.post(WEBHOOK_PATH, express.raw({ type: () => true, limit: BODY_LIMIT_BYTES }), async (req: Request, res: Response) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const check = verify(secret, { signature: req.get(SIGNATURE_HEADER), timestamp: req.get(TIMESTAMP_HEADER) }, raw, Math.floor(Date.now() / 1000));
    if (!check.ok) {
      logger.warn({ reason: check.reason }, 'Webhook rejected');
      answer(res, 401, { error: 'unauthorized', message: check.reason });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      answer(res, 400, { error: 'invalid_json', message: 'the body is not JSON' });
      return;
    }
    try {
      const change = await notifyEventChanged(client, taskQueue, body);
      answer(res, 202, { accepted: true, customerId: change.customerId, eventId: change.eventId, version: change.version });
    } catch (err) {
      if (err instanceof ValidationError) {
        answer(res, 400, { error: 'invalid_notification', message: err.message });
      } else if (err instanceof OpsError) {
        answer(res, 404, { error: 'unknown_customer', message: err.message });
      } else {
        logger.error({ err }, 'Webhook could not signal the integration');
        answer(res, 503, { error: 'unavailable', message: 'could not reach the integration; retry later' });
      }
    }
  });
  // Reading the body failed (too large, aborted, bad encoding): a documented answer, not Express's HTML page.
  app.use(WEBHOOK_PATH, (err: { type?: string; message?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    if (err.type === 'entity.too.large') answer(res, 413, { error: 'too_large', message: `the body is larger than ${BODY_LIMIT_BYTES / 1024} KiB` });
    else answer(res, 400, { error: 'unreadable_body', message: `could not read the body: ${err.message ?? 'unknown error'}` });
  });
  return app;
}

export function startWebhookServer(options: WebhookOptions): Promise<Server> {
  const app = createWebhookApp(options);
  return new Promise((resolve, reject) => {
    const server = app.listen(options.port, options.host ?? '127.0.0.1', () => resolve(server));
    server.once('error', reject);
  });
}
