import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * The worker's operations endpoint: GET /metrics (the service's metrics, then the Temporal SDK's,
 * relayed from its own exporter so that Prometheus scrapes one target), GET /healthz (liveness:
 * the worker has not failed or stopped) and GET /readyz (readiness: the worker polls and the
 * Temporal frontend answers its health check).
 */

export interface OpsServerOptions {
  port: number;
  host?: string;
  registry: Registry;
  /** The Temporal SDK's Prometheus exporter (Runtime telemetry), e.g. http://127.0.0.1:PORT/metrics. */
  sdkMetricsUrl?: string;
  /** The worker's state (Worker.getState()). */
  workerState: () => string;
  /** Resolves when the Temporal frontend answers; rejects otherwise. */
  temporalHealthy: () => Promise<void>;
}

const DEAD_STATES = new Set(['FAILED', 'STOPPED']);
const CHECK_TIMEOUT_MS = 3000;

async function sdkMetrics(url: string | undefined): Promise<string> {
  if (!url) return '';
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
    return response.ok ? await response.text() : '';
  } catch {
    return '';
  }
}

function withTimeout(check: Promise<void>): Promise<void> {
  return Promise.race([
    check,
    new Promise<void>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS).unref()),
  ]);
}

export async function startOpsServer(options: OpsServerOptions): Promise<Server> {
  const server = createServer(async (req, res) => {
    const reply = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, JSON.stringify({ error: 'GET only' }));
    try {
      if (path === '/metrics') {
        const [own, sdk] = await Promise.all([options.registry.metrics(), sdkMetrics(options.sdkMetricsUrl)]);
        return reply(200, `${own}\n${sdk}`, options.registry.contentType);
      }
      const worker = options.workerState();
      if (path === '/healthz') {
        const alive = !DEAD_STATES.has(worker);
        return reply(alive ? 200 : 503, JSON.stringify({ status: alive ? 'alive' : 'dead', worker }));
      }
      if (path === '/readyz') {
        if (worker !== 'RUNNING') return reply(503, JSON.stringify({ status: 'not ready', worker, reason: `worker is ${worker}` }));
        try {
          await withTimeout(options.temporalHealthy());
        } catch (err) {
          return reply(503, JSON.stringify({ status: 'not ready', worker, reason: `Temporal frontend: ${(err as Error).message}` }));
        }
        return reply(200, JSON.stringify({ status: 'ready', worker, temporal: 'serving' }));
      }
      return reply(404, JSON.stringify({ error: 'not found: GET /metrics, /healthz or /readyz' }));
    } catch (err) {
      return reply(500, JSON.stringify({ error: (err as Error).message }));
    }
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolveListen());
  });
  return server;
}
