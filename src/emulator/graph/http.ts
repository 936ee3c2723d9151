import express, { Request, Response } from 'express';
import { EmulatorContext } from '../context';
import { GraphCall } from './call';
import { graphErrorBody } from './errors';
import { executeGraphCall } from './pipeline';

/** Express handler for everything under /v1.0: adapts HTTP to the transport-free pipeline. */
export function graphHandler(ctx: EmulatorContext): express.RequestHandler[] {
  const text = express.text({ type: () => true, limit: '4mb' });
  const handle = async (req: Request, res: Response): Promise<void> => {
    ctx.counters.count('graph');
    const url = new URL(req.originalUrl, ctx.baseUrl);
    let body: unknown;
    const raw = typeof req.body === 'string' ? req.body : '';
    if (raw.trim()) {
      try {
        body = JSON.parse(raw);
      } catch {
        res.status(400).json(graphErrorBody('BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.', req.get('client-request-id')));
        return;
      }
    }
    const call: GraphCall = {
      method: req.method.toUpperCase(),
      path: url.pathname.replace(/^\/v1\.0/i, '') || '/',
      query: url.searchParams,
      headers: req.headers as Record<string, string | undefined>,
      body,
      fate: { drop: false, loseResponse: false },
    };
    const result = await executeGraphCall(ctx, call, false);
    if (call.fate.drop || call.fate.loseResponse) {
      req.socket.destroy();
      return;
    }
    res.status(result.status).set(result.headers);
    if (result.body === undefined) res.end();
    else res.type('application/json').send(JSON.stringify(result.body));
  };
  return [text, handle];
}
