import { timingSafeEqual, createHash } from 'node:crypto';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';

/**
 * Temporal's codec server protocol (POST …/encode, …/decode with base64 JSON payloads), so that the
 * Temporal UI can show encrypted payloads. It decrypts with the production key, so it answers only:
 * - a request carrying the token: `Authorization: Bearer <token>`, or the token as the URL's first
 *   path segment (`http://host:8234/<token>/decode`). The protocol looks only at the URL's last
 *   segment, so a UI given the endpoint `http://host:8234/<token>` (the dev server's
 *   --ui-codec-endpoint, the UI's codec settings, TEMPORAL_CODEC_ENDPOINT) sends it on every call;
 * - from an allowed Origin when the request has one (a browser's), else 403;
 * and listens on loopback unless told otherwise. No token configured = the server does not start.
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

export interface CodecServerOptions {
  port: number;
  /** Shared secret the callers present (at least 32 characters). */
  token: string;
  /** Browser origins allowed to call (the Temporal UI's), exact scheme://host:port. */
  allowedOrigins: string[];
  /** Default 127.0.0.1. */
  host?: string;
}

/** Constant-time comparison of digests, so neither length nor content leaks through timing. */
function sameToken(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function startCodecServer(codec: PayloadCodec, options: CodecServerOptions): Promise<Server> {
  if (!options.token || options.token.length < 32) throw new Error('the codec server needs a token of at least 32 characters (WA_CODEC_TOKEN)');
  const app = express();
  app.disable('x-powered-by');
  app.use((req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (!options.allowedOrigins.includes(origin)) return void res.status(403).json({ error: 'origin not allowed (WA_CODEC_CORS_ORIGIN)' });
      res.header('Access-Control-Allow-Origin', origin);
      res.header('Vary', 'Origin');
      res.header('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.header('Access-Control-Allow-Headers', 'X-Namespace, Content-Type, Authorization');
      res.header('Access-Control-Allow-Credentials', 'true');
    }
    // Preflights carry no credentials by design (Fetch standard); the POST that follows must.
    if (req.method === 'OPTIONS') return void res.sendStatus(204);
    next();
  });
  app.use(express.json({ limit: '4mb' }));
  for (const action of ['encode', 'decode'] as const) {
    app.post([`/${action}`, `/:token/${action}`], async (req, res) => {
      const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const pathToken = typeof req.params.token === 'string' ? req.params.token : undefined;
      if (!sameToken(bearer, options.token) && !sameToken(pathToken, options.token)) {
        return void res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'codec token missing or wrong' });
      }
      try {
        const payloads = ((req.body as { payloads?: JsonPayload[] }).payloads ?? []).map(fromJson);
        res.json({ payloads: (await codec[action](payloads)).map(toJson) });
      } catch (err) {
        res.status(400).json({ error: (err as Error).message });
      }
    });
  }
  return new Promise((resolve, reject) => {
    const server = app.listen(options.port, options.host ?? '127.0.0.1', () => resolve(server));
    server.once('error', reject);
  });
}
