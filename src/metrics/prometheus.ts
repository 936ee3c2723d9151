import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricsRecorder } from './recorder';

/**
 * The service's Prometheus metrics (prom-client), all prefixed `wa_`. Label values are few and
 * fixed (kinds, outcomes, status codes, states): never a customer id, which would grow without bound.
 */

export type StateCounts = Record<string, number>;

export interface PrometheusMetrics extends MetricsRecorder {
  registry: Registry;
}

export interface PrometheusMetricsOptions {
  /** Integrations by state, asked on each scrape (e.g. from Temporal visibility); a failure leaves the gauge empty. */
  integrationStates?: () => Promise<StateCounts>;
}

export function createPrometheusMetrics(options: PrometheusMetricsOptions = {}): PrometheusMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const syncs = new Counter({
    name: 'wa_syncs_total', help: 'Syncs finished (activity attempts), by kind (full, incremental, changes) and outcome (ok, transient, config, cancelled)',
    labelNames: ['kind', 'outcome'] as const, registers,
  });
  const syncSeconds = new Histogram({
    name: 'wa_sync_duration_seconds', help: 'Duration of one sync (activity attempt), by kind',
    labelNames: ['kind'] as const, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300], registers,
  });
  const graph = new Counter({
    name: 'wa_graph_requests_total', help: 'HTTP answers from Microsoft Graph by status code (network: no answer), retries included',
    labelNames: ['status'] as const, registers,
  });
  const throttled = new Counter({
    name: 'wa_graph_throttled_total', help: 'Graph answers asking to slow down (HTTP 429, 503, 504), by status',
    labelNames: ['status'] as const, registers,
  });
  const throttleWait = new Counter({
    name: 'wa_graph_throttle_wait_seconds_total', help: 'Time spent waiting after throttling before asking again: inside a call (request) or between $batch rounds (batch)',
    labelNames: ['where'] as const, registers,
  });
  const changeLatency = new Histogram({
    name: 'wa_change_apply_latency_seconds', help: 'From a signalled change (its version: the booking\'s updatedAt in WineAround) to its write in Outlook',
    buckets: [0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300, 900], registers,
  });
  const feed = new Counter({
    name: 'wa_feed_fetches_total', help: 'WineAround feed fetches by outcome: modified, not_modified, or the error code (FEED_TIMEOUT, FEED_NOT_FOUND, …)',
    labelNames: ['outcome'] as const, registers,
  });
  const tokens = new Counter({
    name: 'wa_token_acquisitions_total', help: 'Access tokens acquired by source: cache (MSAL\'s in-memory cache), endpoint (a request to Entra), error',
    labelNames: ['source'] as const, registers,
  });
  const { integrationStates } = options;
  if (integrationStates) {
    new Gauge({
      name: 'wa_integrations', help: 'Integrations by state (running, paused, needs_attention, stopping), from Temporal visibility; every worker reports the same count',
      labelNames: ['state'] as const, registers,
      async collect() {
        this.reset();
        try {
          for (const [state, count] of Object.entries(await integrationStates())) this.set({ state }, count);
        } catch {
          // Temporal unreachable: no sample rather than a wrong zero; readiness reports the outage.
        }
      },
    });
  }

  return {
    registry,
    graphResponse: (status) => {
      graph.inc({ status: String(status) });
      if (status === 429 || status === 503 || status === 504) throttled.inc({ status: String(status) });
    },
    throttleWaited: (where, ms) => throttleWait.inc({ where }, ms / 1000),
    feedFetched: (outcome) => feed.inc({ outcome }),
    tokenAcquired: (source) => tokens.inc({ source }),
    syncFinished: (kind, outcome, durationMs) => {
      syncs.inc({ kind, outcome });
      syncSeconds.observe({ kind }, durationMs / 1000);
    },
    changeApplied: (latencyMs) => changeLatency.observe(latencyMs / 1000),
  };
}
