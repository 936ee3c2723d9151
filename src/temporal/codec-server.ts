import type { Server } from 'node:http';
import express from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';

/**
 * Temporal's codec server protocol (POST /encode, /decode with base64 JSON payloads), so that the
 * Temporal UI can show encrypted payloads to the engineers whose browser reaches this port. Bind
 * it to loopback or an internal network only: it decrypts for whoever asks.
 */
type JsonPayload = { metadata?: Record<string, string>; data?: string };

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: p.data === undefined ? undefined : Buffer.from(p.data, 'base64'),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: p.data ? Buffer.from(p.data).toString('base64') : undefined,
});

export function startCodecServer(codec: PayloadCodec, options: { port: number; allowedOrigin: string }): Promise<Server> {
  const app = express();
  app.use((req, res, next) => {
    res.header('Access-Control-Allow-Origin', options.allowedOrigin);
    res.header('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.header('Access-Control-Allow-Headers', 'X-Namespace, Content-Type');
    res.header('Access-Control-Allow-Credentials', 'true');
    if (req.method === 'OPTIONS') return void res.sendStatus(204);
    next();
  });
  app.use(express.json({ limit: '4mb' }));
  for (const action of ['encode', 'decode'] as const) {
    app.post(`/${action}`, async (req, res) => {
      try {
        const payloads = ((req.body as { payloads?: JsonPayload[] }).payloads ?? []).map(fromJson);
        res.json({ payloads: (await codec[action](payloads)).map(toJson) });
      } catch (err) {
        res.status(400).json({ error: (err as Error).message });
      }
    });
  }
  return new Promise((resolve, reject) => {
    const server = app.listen(options.port, '127.0.0.1', () => resolve(server));
    server.once('error', reject);
  });
}
