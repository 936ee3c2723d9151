// npm run test:cluster: the production topology on this machine (src/cluster): PostgreSQL, the
// Temporal server on it, the Temporal UI and two worker processes, against the Microsoft and
// WineAround emulators. Kills a worker mid-sync and restarts the server, then checks the
// calendars, the runs, PostgreSQL's tables and the workers' metrics and health endpoints.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { startCluster, type Cluster, type ClusterWorker } from '../../src/cluster/cluster';
import { notifyEventChanged, startIntegration, syncNow } from '../../src/ops/integrations';
import { secretEnvName } from '../../src/secrets/store';
import { dataConverterFor } from '../../src/temporal/encryption';
import type { FeedBooking } from '../../src/winearound/ical-write';
import { integrationWorkflowId } from '../../src/workflows/messages';
import { metricValue } from '../support/prometheus-text';
import { calendarOf, eventually, expectedCalendar, SECRET, startWorld, type World } from '../integration/world';

const TASK_QUEUE = 'wa-outlook-sync';
const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
const CUSTOMERS = ['cantina-a', 'cantina-b', 'cantina-c', 'cantina-d', 'cantina-e', 'cantina-f'];

const metric = metricValue;
const sorted = (calendar: Map<string, string>) => JSON.stringify([...calendar].sort(([a], [b]) => a.localeCompare(b)));
const sameCalendar = (a: Map<string, string>, b: Map<string, string>) => sorted(a) === sorted(b);
const scrape = async (worker: ClusterWorker) => (await fetch(`${worker.opsUrl}/metrics`)).text();
const status = async (url: string) => (await fetch(url)).status;
const pidOf = (identity: string | null | undefined) => Number(String(identity).split('@')[0]);

/** The WineAround change for a booking, as its backend would send it. */
function changeOf(customerId: string, { id, version, cancelled: _cancelled, ...event }: FeedBooking) {
  return { customerId, eventId: id, operation: 'upsert' as const, version, event };
}

describe('production topology: Temporal on PostgreSQL, two workers (npm run test:cluster)', function () {
  this.timeout(600_000);
  let world: World;
  let folder: string;
  let cluster: Cluster;
  let client: Client;
  let baseline: string[];

  /** Changes one booking in the feed and signals it to every integration, as WineAround does. */
  async function changeBooking(customers: string[], suffix: string): Promise<void> {
    const [first] = world.feed.bookings();
    const changed = { ...first, title: `${first.title.replace(/ \(.*\)$/, '')} (${suffix})`, version: Date.now() };
    world.feed.upsert(changed);
    for (const customer of customers) await notifyEventChanged(client, TASK_QUEUE, changeOf(customer, changed));
  }

  async function activityIdentities(customer: string): Promise<{ identity: string; attempt: number }[]> {
    const history = await client.workflow.getHandle(integrationWorkflowId(customer)).fetchHistory();
    return history.events!.flatMap((e) => (e.activityTaskStartedEventAttributes
      ? [{ identity: String(e.activityTaskStartedEventAttributes.identity), attempt: e.activityTaskStartedEventAttributes.attempt ?? 1 }]
      : []));
  }

  before(async () => {
    world = await startWorld(40);
    folder = mkdtempSync(join(tmpdir(), 'wa-cluster-'));
    chmodSync(folder, 0o755); // PostgreSQL runs as its own user inside it
    const payloadKey = randomBytes(32).toString('base64');
    cluster = await startCluster({
      folder, workers: 2, workerLogsToFiles: true,
      workerEnv: {
        MS_AUTHORITY_HOST: world.microsoft.baseUrl, MS_GRAPH_BASE_URL: world.microsoft.baseUrl, WA_EXTRA_CA_FILE: world.caFile,
        [secretEnvName('good')]: SECRET, WA_PAYLOAD_KEY: payloadKey, LOG_LEVEL: 'warn',
      },
    });
    client = new Client({
      connection: await Connection.connect({ address: cluster.server.address }),
      dataConverter: dataConverterFor({ current: { id: 'k1', key: payloadKey } }),
    });
    baseline = await Promise.all(cluster.workers.map(scrape));
  });

  after(async () => {
    await client?.connection.close();
    await cluster?.stop();
    await world?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('runs the server on PostgreSQL with the UI, and two workers that report ready', async () => {
    assert.ok(cluster.ui, 'the Temporal UI server was built and started');
    assert.equal(await status(`${cluster.ui.url}/namespaces/default/workflows`), 200);
    for (const worker of cluster.workers) {
      assert.deepEqual(await (await fetch(`${worker.opsUrl}/readyz`)).json(), { status: 'ready', worker: 'RUNNING', temporal: 'serving' });
      assert.equal(await status(`${worker.opsUrl}/healthz`), 200);
    }
  });

  it('spreads six integrations over the two workers; every calendar exact, throttling included', async () => {
    // Graph throttles the first $batch calls: the in-call retry waits its Retry-After.
    world.microsoft.injectFault({ match: { path: /\$batch/ }, kind: '429', retryAfterSeconds: 1, times: 2 });
    for (const customer of CUSTOMERS) await startIntegration(client, TASK_QUEUE, world.settings(customer));
    await Promise.all(CUSTOMERS.map((customer) => syncNow(client, customer)));
    await changeBooking(CUSTOMERS, 'spostata');
    for (const customer of CUSTOMERS) {
      await eventually(() => calendarOf(world, customer), (calendar) => sameCalendar(calendar, expectedCalendar(world)), 60_000);
      assert.deepEqual(calendarOf(world, customer), expectedCalendar(world));
    }
    const pids = new Set<number>();
    for (const customer of CUSTOMERS) for (const { identity } of await activityIdentities(customer)) pids.add(pidOf(identity));
    assert.deepEqual([...pids].sort(), cluster.workers.map((w) => w.process.pid).sort(), 'activities ran on both workers');
  });

  it('exposes the service\'s and the Temporal SDK\'s metrics, and they moved', async () => {
    const [before1, before2] = baseline;
    const [after1, after2] = await Promise.all(cluster.workers.map(scrape));
    const moved = (name: string, labels: Record<string, string> = {}) =>
      metric(after1, name, labels) + metric(after2, name, labels) - metric(before1, name, labels) - metric(before2, name, labels);
    assert.ok(moved('wa_syncs_total', { kind: 'full', outcome: 'ok' }) >= CUSTOMERS.length, 'full syncs counted');
    assert.ok(moved('wa_syncs_total', { kind: 'changes', outcome: 'ok' }) >= 1, 'signalled changes counted');
    assert.ok(moved('wa_sync_duration_seconds_count', { kind: 'full' }) >= CUSTOMERS.length);
    assert.ok(moved('wa_graph_requests_total', { status: '200' }) > 0, 'Graph answers counted by status');
    assert.equal(moved('wa_graph_throttled_total', { status: '429' }), 2, 'both throttled answers counted');
    assert.ok(moved('wa_graph_throttle_wait_seconds_total', { where: 'request' }) >= 1.5, 'the waits after them (Retry-After 1 s each)');
    assert.ok(moved('wa_feed_fetches_total', { outcome: 'modified' }) >= CUSTOMERS.length, 'feed fetches by outcome');
    assert.ok(moved('wa_token_acquisitions_total', { source: 'endpoint' }) >= 1, 'token requests to Entra');
    assert.ok(moved('wa_token_acquisitions_total', { source: 'cache' }) >= 1, 'tokens from the cache');
    assert.ok(moved('wa_change_apply_latency_seconds_count') >= CUSTOMERS.length, 'one latency per applied change');
    // Every worker reports the same visibility count, refreshed at most every 10 s (a cache for scrapers).
    for (const worker of cluster.workers) {
      await eventually(async () => metric(await scrape(worker), 'wa_integrations', { state: 'running' }), (n) => n === CUSTOMERS.length);
    }
    assert.ok(moved('temporal_activity_execution_latency_count') > 0, "the SDK's own metrics are relayed");
    assert.ok(moved('temporal_workflow_task_execution_latency_count') > 0);
  });

  it('goes on in the other worker after one is SIGKILLed mid-sync: calendars exact, no duplicate', async () => {
    const customer = 'cantina-kill';
    // Slow $batch answers, so that the kill lands while the first sync of a new integration writes.
    world.microsoft.injectFault({ match: { path: /\$batch/ }, kind: 'slow', delayMs: 3000, times: 2 });
    await startIntegration(client, TASK_QUEUE, world.settings(customer));
    const handle = client.workflow.getHandle(integrationWorkflowId(customer));
    const running = await eventually(
      async () => (await handle.describe()).raw.pendingActivities?.find((a) => a.state === STARTED && a.lastWorkerIdentity),
      (activity) => activity !== undefined,
      120_000,
    );
    const victim = cluster.workers.find((w) => w.process.pid === pidOf(running!.lastWorkerIdentity))!;
    const survivor = cluster.workers.find((w) => w !== victim)!;
    assert.ok(victim, `the activity runs on one of the cluster's workers (${running!.lastWorkerIdentity})`);
    victim.process.child.kill('SIGKILL');
    await new Promise((r) => victim.process.child.once('exit', r));
    world.microsoft.clearFaults();

    // The killed attempt times out on its heartbeat and is retried by the survivor.
    await syncNow(client, customer);
    assert.deepEqual(calendarOf(world, customer), expectedCalendar(world));
    const retried = (await activityIdentities(customer)).find((a) => a.attempt > 1);
    assert.ok(retried, 'the interrupted activity was retried');
    assert.equal(pidOf(retried.identity), survivor.process.pid);

    // Integrations whose workflows lived on the killed worker go on too.
    const all = [...CUSTOMERS, customer];
    await changeBooking(all, 'dopo il crash');
    for (const c of all) {
      await eventually(() => calendarOf(world, c), (calendar) => sameCalendar(calendar, expectedCalendar(world)), 120_000);
    }
    await assert.rejects(fetch(`${victim.opsUrl}/healthz`), 'the killed worker no longer answers');
    cluster.workers.splice(cluster.workers.indexOf(victim), 1);
  });

  it('loses nothing when the Temporal server restarts: same runs, readiness follows the server', async () => {
    const all = [...CUSTOMERS, 'cantina-kill'];
    const runIds = await Promise.all(all.map(async (c) => (await client.workflow.getHandle(integrationWorkflowId(c)).describe()).runId));
    const [worker] = cluster.workers;
    await cluster.server.stop();
    const down = await eventually(() => fetch(`${worker.opsUrl}/readyz`).then((r) => r.json() as Promise<{ status: string; reason?: string }>), (r) => r.status !== 'ready', 60_000);
    assert.match(String(down.reason), /Temporal frontend/);
    assert.equal(await status(`${worker.opsUrl}/healthz`), 200, 'alive while the server is away');
    const [first] = world.feed.bookings();
    world.feed.upsert({ ...first, title: `${first.title.replace(/ \(.*\)$/, '')} (mentre il server era fermo)`, version: Date.now() });
    await cluster.server.start();
    await eventually(() => status(`${worker.opsUrl}/readyz`), (s) => s === 200, 120_000);

    for (const [i, customer] of all.entries()) {
      const description = await client.workflow.getHandle(integrationWorkflowId(customer)).describe();
      assert.equal(description.runId, runIds[i], `${customer}: the same run`);
      assert.equal(description.status.name, 'RUNNING');
      await syncNow(client, customer);
      assert.deepEqual(calendarOf(world, customer), expectedCalendar(world));
    }
  });

  it('starts a worker on another port when the one it was given is taken meanwhile', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '0.0.0.0', resolve));
    const taken = (squatter.address() as AddressInfo).port;
    try {
      const worker = await cluster.startWorker({ port: taken });
      assert.notEqual(new URL(worker.opsUrl).port, String(taken));
      assert.equal((await fetch(`${worker.opsUrl}/readyz`)).status, 200);
      await worker.process.stop();
      cluster.workers.splice(cluster.workers.indexOf(worker), 1);
    } finally {
      squatter.close();
    }
  });

  it('keeps the histories in PostgreSQL', () => {
    const ids = [...CUSTOMERS, 'cantina-kill'].map((c) => `'${integrationWorkflowId(c)}'`).join(',');
    const [executions] = cluster.pg.query(`select count(*) from current_executions where workflow_id in (${ids})`, 'temporal');
    assert.equal(Number(executions), CUSTOMERS.length + 1);
    const [historyNodes] = cluster.pg.query('select count(*) from history_node', 'temporal');
    assert.ok(Number(historyNodes) > CUSTOMERS.length, `history nodes: ${historyNodes}`);
    const [visible] = cluster.pg.query(`select count(*) from executions_visibility where workflow_id in (${ids}) and status = 1`, 'temporal_visibility');
    assert.equal(Number(visible), CUSTOMERS.length + 1, 'visibility rows of the running integrations');
  });
});
