import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createPrometheusMetrics } from '../../src/metrics/prometheus';
import { startOpsServer } from '../../src/metrics/server';
import { TokenProvider } from '../../src/outlook/token';
import { reconcileIntegration } from '../../src/reconcile/reconcile';
import { startFeedEmulator, type FeedEmulator } from '../../src/winearound/feed-emulator';
import { sampleBookings } from '../../src/winearound/sample-bookings';
import { configFor, startSyncWorld, type SyncWorld } from '../reconcile/world';
import { metricValue } from '../support/prometheus-text';

const listen = async (server: Server) => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
};

describe('metrics: counted where the I/O happens (real Graph client, MSAL, feed fetch)', () => {
  let world: SyncWorld;
  let feed: FeedEmulator;
  before(async () => {
    world = await startSyncWorld();
    feed = await startFeedEmulator({ bookings: sampleBookings(new Date(), 6) });
  });
  after(async () => {
    await feed.close();
    await world.close();
  });

  it('counts Graph answers by status, throttling and the wait, feed fetches by outcome, token sources', async () => {
    const metrics = createPrometheusMetrics();
    const endpoints = { authorityHost: world.emu.baseUrl, graphBaseUrl: world.emu.baseUrl };
    const deps = { ...world.deps(), tokens: new TokenProvider(endpoints, metrics), metrics };
    const config = configFor({ customerId: 'metrics', mailbox: world.addMailbox('metrics'), feedUrl: feed.url('metrics') });
    world.emu.injectFault({ match: { path: /\$batch/ }, kind: '429', retryAfterSeconds: 1, times: 1 });
    const first = await reconcileIntegration(config, null, { mode: 'full' }, deps);
    await reconcileIntegration(config, first.cursor, { mode: 'auto' }, deps);

    const text = await metrics.registry.metrics();
    assert.equal(metricValue(text, 'wa_graph_throttled_total', { status: '429' }), 1);
    assert.ok(metricValue(text, 'wa_graph_throttle_wait_seconds_total', { where: 'request' }) >= 0.9, 'waited its Retry-After of 1 s');
    assert.equal(metricValue(text, 'wa_graph_requests_total', { status: '429' }), 1);
    assert.ok(metricValue(text, 'wa_graph_requests_total', { status: '200' }) >= 2);
    assert.equal(metricValue(text, 'wa_feed_fetches_total', { outcome: 'modified' }), 1);
    assert.equal(metricValue(text, 'wa_feed_fetches_total', { outcome: 'not_modified' }), 1, 'the second pass got a 304');
    assert.equal(metricValue(text, 'wa_token_acquisitions_total', { source: 'endpoint' }), 1);
    assert.ok(metricValue(text, 'wa_token_acquisitions_total', { source: 'cache' }) >= 1);
  });

  it('counts a failed feed fetch by its error code, and a token failure', async () => {
    const metrics = createPrometheusMetrics();
    const endpoints = { authorityHost: world.emu.baseUrl, graphBaseUrl: world.emu.baseUrl };
    const deps = { ...world.deps(), tokens: new TokenProvider(endpoints, metrics), metrics };
    const mailbox = world.addMailbox('metrics-errors');
    await assert.rejects(reconcileIntegration(configFor({ customerId: 'm2', mailbox, feedUrl: `${feed.baseUrl}/feeds/unknown.ics` }), null, { mode: 'full' }, deps));
    await assert.rejects(reconcileIntegration(configFor({ customerId: 'm3', mailbox, feedUrl: feed.url('m3'), secretRef: 'cantina-oro-wrong' }), null, { mode: 'full' }, deps));
    const text = await metrics.registry.metrics();
    assert.equal(metricValue(text, 'wa_feed_fetches_total', { outcome: 'FEED_NOT_FOUND' }), 1, 'the unknown feed');
    assert.equal(metricValue(text, 'wa_token_acquisitions_total', { source: 'error' }), 1, 'the wrong secret');
  });
});

describe('the worker\'s operations endpoint: /metrics, /healthz, /readyz', () => {
  let sdk: Server;
  let ops: Server;
  let base: string;
  let state = 'RUNNING';
  let temporalUp = true;
  before(async () => {
    sdk = createServer((_req, res) => res.end('# TYPE temporal_request counter\ntemporal_request{operation="Check"} 3\n'));
    const sdkUrl = await listen(sdk);
    const metrics = createPrometheusMetrics({ integrationStates: async () => ({ running: 4, needs_attention: 1 }) });
    metrics.syncFinished('full', 'ok', 1200);
    ops = await startOpsServer({
      port: 0, host: '127.0.0.1', registry: metrics.registry, sdkMetricsUrl: `${sdkUrl}/metrics`,
      workerState: () => state,
      temporalHealthy: async () => { if (!temporalUp) throw new Error('connection refused'); },
    });
    base = `http://127.0.0.1:${(ops.address() as { port: number }).port}`;
  });
  after(() => {
    ops.close();
    sdk.close();
  });

  it('serves the service\'s series and relays the SDK\'s', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.equal(metricValue(text, 'wa_syncs_total', { kind: 'full', outcome: 'ok' }), 1);
    assert.equal(metricValue(text, 'wa_integrations', { state: 'needs_attention' }), 1);
    assert.equal(metricValue(text, 'temporal_request', { operation: 'Check' }), 3);
  });

  it('is ready only while the worker runs and Temporal answers; alive unless the worker failed', async () => {
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    temporalUp = false;
    const down = await fetch(`${base}/readyz`);
    assert.equal(down.status, 503);
    assert.match(((await down.json()) as { reason: string }).reason, /Temporal frontend: connection refused/);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    temporalUp = true;
    state = 'DRAINING';
    assert.equal((await fetch(`${base}/readyz`)).status, 503);
    state = 'FAILED';
    assert.equal((await fetch(`${base}/healthz`)).status, 503);
    assert.equal((await fetch(`${base}/nothing`)).status, 404);
  });
});
