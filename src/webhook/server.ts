import type { Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import type pino from 'pino';
import { notifyEventChanged, OpsError } from '../ops/integrations';
import { ValidationError } from '../sync/validation';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verify } from './signature';

/**
 * POST /webhooks/winearound: a signed change notification from WineAround becomes an
 * `eventChanged` signal. 202 once signalled; 401 bad or stale signature; 400 invalid JSON or
 * notification (the message names the field); 404 no integration for the customer; 503 Temporal
 * unreachable (WineAround retries).
 */
export interface WebhookOptions {
  client: Client;
  taskQueue: string;
  secret: string;
  port: number;
  host?: string;
  logger: pino.Logger;
}

export function createWebhookApp({ client, taskQueue, secret, logger }: Omit<WebhookOptions, 'port' | 'host'>): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => { res.json({ ok: true }); });
  app.post('/webhooks/winearound', express.raw({ type: '*/*', limit: '256kb' }), async (req: Request, res: Response) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const check = verify(secret, { signature: req.get(SIGNATURE_HEADER), timestamp: req.get(TIMESTAMP_HEADER) }, raw, Math.floor(Date.now() / 1000));
    if (!check.ok) {
      logger.warn({ reason: check.reason }, 'Webhook rejected');
      res.status(401).json({ error: 'unauthorized', message: check.reason });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      res.status(400).json({ error: 'invalid_json', message: 'the body is not JSON' });
      return;
    }
    try {
      const change = await notifyEventChanged(client, taskQueue, body);
      res.status(202).json({ accepted: true, customerId: change.customerId, eventId: change.eventId, version: change.version });
    } catch (err) {
      if (err instanceof ValidationError) {
        res.status(400).json({ error: 'invalid_notification', message: err.message });
      } else if (err instanceof OpsError) {
        res.status(404).json({ error: 'unknown_customer', message: err.message });
      } else {
        logger.error({ err }, 'Webhook could not signal the integration');
        res.status(503).json({ error: 'unavailable', message: 'could not reach the integration; retry later' });
      }
    }
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
