/**
 * The fleet benchmark (a benchmark, not a test): N customers, each with its own tenant, mailbox
 * and feed of 20 bookings, on one or two worker processes (`node lib/src/worker.js`, configured
 * by environment as in production) against a Temporal dev server on SQLite, the Microsoft
 * emulator and the feed emulator, changes arriving through the signed webhook.
 *
 *   npm run bench:fleet -- --customers N [--minutes M] [--workers 1|2] [--latency MEDIAN,P99] [--out FILE]
 *
 * Phases: start-up wave (every integration started at once; time until each first sync is
 * visible; status and list answer times meanwhile, from a process of their own as the CLI's) →
 * steady stream (changes to random bookings of random customers, signal-to-visible latency against
 * a bare MSAL + Graph create in this process) → idle (Graph requests of idle customers, memory once
 * the fleet rests). See docs/benchmark.md.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Command, InvalidArgumentError, Option } from 'commander';
import ms from 'ms';
import { trustCertificateAuthority } from '../src/net/trust';
import { createGraphClient } from '../src/outlook/graph-client';
import { getStatus, startIntegration } from '../src/ops/integrations';
import { startCluster } from '../src/cluster/cluster';
import { freePort, startDevServer } from '../src/temporal/dev-server';
import { dataConverterFor } from '../src/temporal/encryption';
import { sign, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../src/webhook/signature';
import type { FeedBooking } from '../src/winearound/ical-write';
import { integrationWorkflowId } from '../src/workflows/messages';
import { loopDelayMs, type LoopDelayMs } from '../src/worker-stats';
import { analyseHistories, percentile, signalAnatomy, type HistoryFigures, type SignalAnatomy } from './fleet/histories';
import { startOpsProbe } from './fleet/ops-probe';
import { ProcessTrack } from './fleet/processes';
import { refusedBetween, refusedRequests } from './fleet/server-metrics';
import { startWorkerProcess, type WorkerProcess } from './fleet/worker-process';
import { observeWrites, startFleetWorld, type Customer } from './fleet/world';

interface Options {
  customers: number;
  minutes: number;
  workers: number;
  latency?: { medianMs: number; p99Ms: number };
  rate: number;
  interval: number;
  idleMinutes: number;
  bookings: number;
  historyProbes: number;
  probeSignals: number;
  workerNodeArgs: string[];
  workerEnv: Record<string, string>;
  eagerActivities: boolean;
  cluster: boolean;
  out?: string;
}

const positive = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
};

function parseOptions(argv: string[]): Options {
  const program = new Command('bench:fleet')
    .option('--customers <n>', 'integrations in the fleet', (v) => Math.round(positive(v)), 50)
    .option('--minutes <m>', 'length of the steady stream of changes', positive, 2)
    .addOption(new Option('--workers <n>', 'worker processes sharing the task queue').choices(['1', '2']).default('1'))
    .option('--latency <median,p99>', 'emulated Graph latency per request, ms (e.g. 60,400)', (v) => {
      const [medianMs, p99Ms] = v.split(',').map(Number);
      if (!(medianMs > 0 && p99Ms >= medianMs)) throw new InvalidArgumentError('expected MEDIAN,P99 in ms, MEDIAN > 0 and P99 >= MEDIAN, e.g. 60,400');
      return { medianMs, p99Ms };
    })
    .option('--rate <n>', 'changes per second in the steady stream', positive, 2)
    .option('--interval <duration>', 'reconcile interval of every integration', (v) => ms(v as ms.StringValue), ms('15m'))
    .option('--idle-minutes <m>', 'length of the idle phase after the stream', positive, 2)
    .option('--bookings <n>', 'bookings in each customer\'s feed', (v) => Math.round(positive(v)), 20)
    .option('--history-probes <n>', 'customers kept out of the stream, signalled one at a time to count history events', (v) => Math.round(positive(v)), 5)
    .option('--probe-signals <n>', 'signals per history probe customer', (v) => Math.round(positive(v)), 4)
    .option('--worker-node-args <args>', 'node flags for the worker processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"', (v) => v.split(' ').filter(Boolean), [])
    .option('--worker-env <pairs>', 'extra environment for the workers, KEY=VALUE,…', (v) => Object.fromEntries(v.split(',').map((p) => p.split('='))), {})
    .option('--eager-activities', 'turn the dev server\'s eager activity dispatch on (an experiment; off by default, as in Temporal)', false)
    .option('--cluster', 'run on the production topology (the Temporal server on PostgreSQL, as `npm run cluster`) instead of the dev server on SQLite', false)
    .option('--out <file>', 'also write the figures as JSON')
    .parse(argv);
  const o = program.opts();
  return { ...o, workers: Number(o.workers) } as Options;
}

const round = (n: number) => Math.round(n);
const summarize = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50: round(percentile(sorted, 50)), p90: round(percentile(sorted, 90)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? 0) };
};
const log = (message: string) => console.error(`[bench:fleet ${new Date().toISOString().slice(11, 19)}] ${message}`);
const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

/** Runs `task` over `items`, `concurrency` at a time. */
async function eachLimit<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await task(items[next++]);
  }));
}

/**
 * The Temporal service the fleet runs on: the dev server on SQLite (as `npm start`), or with
 * `--cluster` the production topology's (the Temporal server on PostgreSQL, as `npm run cluster`).
 */
async function startTemporal(o: Options, dir: string, tracks: ProcessTrack[]): Promise<{ address: string; namespace: string; metricsUrl: string; stop(): Promise<void> }> {
  if (o.cluster) {
    chmodSync(dir, 0o711); // PostgreSQL runs as its own user and must reach its folder inside (the secrets file stays 0600)
    const cluster = await startCluster({ folder: join(dir, 'cluster'), workers: 0, ui: false, report: log });
    tracks.push(new ProcessTrack('temporal server', cluster.server.process.pid));
    tracks.push(new ProcessTrack('postgresql', cluster.pg.process.pid, true));
    const metricsUrl = `http://127.0.0.1:${cluster.server.ports.metrics}/metrics`;
    return { address: cluster.server.address, namespace: cluster.namespace, metricsUrl, stop: () => cluster.stop() };
  }
  const metricsPort = await freePort();
  const server = await startDevServer({
    port: 0, uiPort: false, dbFile: join(dir, 'temporal.db'), quiet: true, eagerActivities: o.eagerActivities,
    extraArgs: ['--metrics-port', String(metricsPort)],
  });
  if (server.pid) tracks.push(new ProcessTrack('temporal dev server', server.pid));
  return { address: server.address, namespace: 'default', metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, stop: () => server.stop() };
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv);
  const dir = mkdtempSync(join(tmpdir(), 'wa-fleet-'));
  const payloadKey = randomBytes(32).toString('base64');
  const webhookSecret = randomBytes(24).toString('hex');
  const taskQueue = `wa-fleet-${randomBytes(4).toString('hex')}`;
  log(`${o.customers} customers, ${o.workers} worker(s), stream ${o.minutes} min at ${o.rate}/s, idle ${o.idleMinutes} min, interval ${ms(o.interval)}, latency ${o.latency ? `${o.latency.medianMs}/${o.latency.p99Ms} ms` : 'none'}`);

  const world = await startFleetWorld({ customers: o.customers, bookings: o.bookings, intervalMs: o.interval, emulator: o.latency ? { latency: o.latency } : undefined });
  // Outlook's 10,000 requests per 10 minutes per app and mailbox are far from reached; the 4-concurrent limit stays.
  trustCertificateAuthority(world.microsoft.caPem);
  writeFileSync(join(dir, 'ca.pem'), world.microsoft.caPem);
  writeFileSync(join(dir, 'secrets.json'), JSON.stringify(world.secrets), { mode: 0o600 });

  // "Visible": the moment the emulator stores the write.
  const firstSyncAt = new Map<string, number>();
  const created = new Map<string, Set<string>>();
  const waiting = new Map<number, (at: number) => void>();
  const stopObserving = observeWrites((event, customerId, kind) => {
    const at = performance.now();
    if (kind === 'create' && customerId && !firstSyncAt.has(customerId)) {
      const ids = created.get(customerId) ?? new Set<string>();
      ids.add(event.id);
      created.set(customerId, ids);
      if (ids.size >= o.bookings) firstSyncAt.set(customerId, Date.now());
    }
    const tag = /⟦(\d+)⟧/.exec(event.subject)?.[1];
    if (tag) waiting.get(Number(tag))?.(at);
  });

  const tracks: ProcessTrack[] = [new ProcessTrack('bench (emulators)', process.pid)];
  const server = await startTemporal(o, dir, tracks).catch(async (err: unknown) => {
    stopObserving();
    await world.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const workerEnv = {
    TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: server.namespace, TEMPORAL_TASK_QUEUE: taskQueue,
    MS_AUTHORITY_HOST: world.microsoft.baseUrl, MS_GRAPH_BASE_URL: world.microsoft.baseUrl,
    WA_EXTRA_CA_FILE: join(dir, 'ca.pem'), WA_SECRETS_FILE: join(dir, 'secrets.json'),
    WA_WEBHOOK_PORT: '0', WA_WEBHOOK_SECRET: webhookSecret, WA_PAYLOAD_KEY: payloadKey, WA_PAYLOAD_KEY_ID: 'bench',
    WA_STATS_INTERVAL_MS: '1000', WA_DATA_DIR: dir, LOG_LEVEL: 'info', ...o.workerEnv,
  };
  const workers: WorkerProcess[] = [];
  for (let i = 1; i <= o.workers; i++) {
    const worker = await startWorkerProcess(`worker ${i}`, workerEnv, o.workerNodeArgs);
    workers.push(worker);
    tracks.push(new ProcessTrack(worker.name, worker.pid));
  }
  const sampler = setInterval(() => tracks.forEach((t) => t.sample()), 1000);
  tracks.forEach((t) => t.sample());
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace, dataConverter: dataConverterFor({ current: { id: 'bench', key: payloadKey } }) });
  const rssBeforeMb = Object.fromEntries(tracks.map((t) => [t.name, t.lastRssMb()]));

  try {
    // ── Start-up wave ───────────────────────────────────────────────────────────────────────
    const refusedBefore = await refusedRequests(server.metricsUrl);
    const benchLoop = monitorEventLoopDelay({ resolution: 10 });
    benchLoop.enable();
    const waveStart = Date.now();
    /** Customers whose workflow misbehaved (a nondeterministic replay, no status at the end): their histories are kept. */
    const suspects = new Map<string, string>();
    const ops = startOpsProbe({ address: server.address, namespace: server.namespace, payloadKeyId: 'bench', payloadKey });
    await eachLimit(world.customers, 20, async (c) => {
      await startIntegration(client, taskQueue, c.settings);
      ops.started(c.id);
    });
    const startedAllMs = Date.now() - waveStart;
    log(`started ${o.customers} integrations in ${startedAllMs} ms`);
    const waveDeadline = waveStart + Math.max(o.interval, 20 * 60_000);
    while (firstSyncAt.size < o.customers && Date.now() < waveDeadline) {
      await sleep(250);
    }
    const waveEnd = Date.now();
    const opsFigures = await ops.stop();
    for (const [id, why] of Object.entries(opsFigures.suspects)) suspects.set(id, why);
    const refusedInWave = refusedBetween(refusedBefore, await refusedRequests(server.metricsUrl));
    benchLoop.disable();
    const benchLoopDelayMs = loopDelayMs(benchLoop);
    const firstSyncs = [...firstSyncAt.values()].map((t) => t - waveStart);
    log(`first syncs: ${firstSyncAt.size}/${o.customers} in ${waveEnd - waveStart} ms`);
    // The three latest first syncs beyond the interval: their histories show where the time went.
    world.customers.map((c) => [c.id, (firstSyncAt.get(c.id) ?? waveEnd) - waveStart] as const)
      .filter(([, took]) => took > o.interval).sort((a, b) => b[1] - a[1]).slice(0, 3)
      .forEach(([id, took]) => suspects.set(id, `first sync ${Math.round(took / 1000)} s after the wave began, beyond the interval`));

    // ── Steady stream ───────────────────────────────────────────────────────────────────────
    const probeCustomers = world.customers.slice(0, o.historyProbes);
    const streamCustomers = world.customers.slice(o.historyProbes);
    let tag = 0;
    const latencies: number[] = [];
    let lost = 0;
    let webhookErrors = 0;
    let webhookRetries = 0;
    const pendingChanges: Promise<void>[] = [];
    /** WineAround's side: change the booking in the customer's feed, then send the signed notification. */
    const change = async (c: Customer, timeoutMs = 120_000): Promise<{ latency: number; sentAt: number; visibleAt: number } | undefined> => {
      const bookings = c.feed.bookings();
      const booking = bookings[Math.floor(Math.random() * bookings.length)];
      const k = ++tag;
      const next: FeedBooking = { ...booking, title: `${booking.title.replace(/ ⟦\d+⟧$/, '')} ⟦${k}⟧`, version: Math.max(Date.now(), booking.version + 1) };
      c.feed.upsert(next);
      const { id, version, cancelled: _c, ...event } = next;
      const body = JSON.stringify({ customerId: c.id, eventId: id, operation: 'upsert', version, event });
      const visible = new Promise<number | undefined>((resolve) => {
        const timer = setTimeout(() => { waiting.delete(k); resolve(undefined); }, timeoutMs);
        waiting.set(k, (at) => { clearTimeout(timer); waiting.delete(k); resolve(at); });
      });
      const webhook = workers[k % workers.length].webhookUrl;
      const timestamp = Math.floor(Date.now() / 1000);
      const t0 = performance.now();
      const post = () => fetch(webhook, {
        method: 'POST', body,
        headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: sign(webhookSecret, timestamp, body) },
      });
      // As WineAround does: a failed delivery (e.g. a kept-alive connection the server just closed) is sent again.
      const response = await post().catch(() => { webhookRetries += 1; return post(); }).catch(() => undefined);
      if (response?.status !== 202) {
        webhookErrors += 1;
        waiting.delete(k);
        return undefined;
      }
      const at = await visible;
      return at === undefined ? undefined : { latency: at - t0, sentAt: performance.timeOrigin + t0, visibleAt: performance.timeOrigin + at };
    };

    const msal = new ConfidentialClientApplication({
      auth: { clientId: world.bare.clientId, clientSecret: world.bare.secret, authority: `${world.microsoft.baseUrl}/${world.bare.tenantId}`, knownAuthorities: [world.microsoft.authorityHost] },
      system: { loggerOptions: { logLevel: LogLevel.Error, loggerCallback: () => undefined } },
    });
    const graph = createGraphClient({
      graphBaseUrl: world.microsoft.baseUrl,
      getAccessToken: async () => (await msal.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }))!.accessToken,
    });
    const bareMs: number[] = [];
    const bareCreate = async () => {
      const start = new Date(Date.now() + 86_400_000).toISOString().slice(0, 19);
      const t = performance.now();
      await graph.api(`/users/${world.bare.mailbox}/events`).post({
        subject: 'Bare create', start: { dateTime: start, timeZone: 'UTC' }, end: { dateTime: start, timeZone: 'UTC' },
      });
      bareMs.push(performance.now() - t);
    };
    await bareCreate(); // token, discovery: not part of a create
    bareMs.length = 0;

    const streamStart = Date.now();
    const streamEnd = streamStart + o.minutes * 60_000;
    const historyPerSignal: number[] = [];
    const anatomies: SignalAnatomy[] = [];
    const historyProbe = async () => {
      const rounds = probeCustomers.flatMap((c) => Array.from({ length: o.probeSignals }, () => c));
      for (const c of rounds) {
        await sleep(((streamEnd - streamStart) / (rounds.length + 1)) * 0.8);
        const handle = client.workflow.getHandle(integrationWorkflowId(c.id));
        const before = (await handle.describe()).historyLength;
        const seen = await change(c);
        if (seen === undefined) continue;
        // Settled: no activity pending and the history stops growing.
        let last = -1;
        for (;;) {
          const d = await handle.describe();
          if (d.historyLength === last && !d.raw.pendingActivities?.length && !d.raw.pendingWorkflowTask) break;
          last = d.historyLength;
          await sleep(300);
        }
        historyPerSignal.push(last - before);
        const anatomy = signalAnatomy((await handle.fetchHistory()).events ?? [], before, seen.sentAt, seen.visibleAt);
        if (anatomy) anatomies.push(anatomy);
      }
    };
    const probing = historyProbe();
    const bareTimer = setInterval(() => void bareCreate().catch(() => undefined), 500);
    const streamTimer = setInterval(() => {
      const c = streamCustomers[Math.floor(Math.random() * streamCustomers.length)];
      pendingChanges.push(change(c).then((seen) => { if (seen === undefined) lost += 1; else latencies.push(seen.latency); }));
    }, 1000 / o.rate);
    await sleep(streamEnd - Date.now());
    clearInterval(streamTimer);
    clearInterval(bareTimer);
    await Promise.all(pendingChanges);
    await probing;
    const streamDone = Date.now();
    log(`stream: ${latencies.length} changes visible, ${lost} not within 2 min`);

    // ── Idle ────────────────────────────────────────────────────────────────────────────────
    const idleStart = Date.now();
    const requestsBefore = world.microsoft.requests;
    const feedBefore = world.feeds.requests;
    await sleep(o.idleMinutes * 60_000);
    const idleEnd = Date.now();
    const requestsAfter = world.microsoft.requests;
    const idleGraph = (requestsAfter.graph ?? 0) - (requestsBefore.graph ?? 0);
    const idleToken = (requestsAfter.token ?? 0) - (requestsBefore.token ?? 0);
    const idleReconciles = world.feeds.requests - feedBefore;
    const idleHours = (idleEnd - idleStart) / 3_600_000;

    // ── After: every integration's status, and the histories ──────────────────────────────────
    let overdue = 0;
    let withError = 0;
    let unanswered = 0;
    await eachLimit(world.customers, 16, async (c) => {
      try {
        const s = await getStatus(client, c.id);
        if (s.lastError) withError += 1;
        if (s.nextRunAt && Date.parse(s.nextRunAt) < Date.now() - 60_000) overdue += 1;
      } catch (err) {
        unanswered += 1;
        suspects.set(c.id, (err as Error).message);
      }
    });
    for (const [id, why] of suspects) {
      const file = join(tmpdir(), `wa-fleet-suspect-${id}.json`);
      const history = await client.workflow.getHandle(integrationWorkflowId(id)).fetchHistory().catch(() => undefined);
      if (history) writeFileSync(file, historyToJSON(history)); // as `temporal workflow show --output json`: replayable
      log(`${id}: ${why.slice(0, 300)} — history in ${file}`);
    }
    const histories: HistoryFigures = await analyseHistories(client, world.customers.map((c) => integrationWorkflowId(c.id)));

    const phase = (from: number, to: number) => Object.fromEntries(tracks.map((t) => [t.name, { cpuPercent: t.cpuPercent(from, to), peakRssMb: t.peakRssMb(from, to) }]));
    const loopDelay = (w: WorkerProcess, from: number, to: number) => {
      const lines = w.stats.filter((s) => s.at >= from && s.at <= to).map((s) => s.stats.eventLoopDelayMs);
      return { p99: Math.max(0, ...lines.map((l) => l.p99)), max: Math.max(0, ...lines.map((l) => l.max)) };
    };
    const bare = summarize(bareMs);
    const signal = summarize(latencies);
    const figures = {
      run: { at: new Date().toISOString(), node: process.version, ...o, workerEnv: o.workerEnv },
      startup: {
        startedAllMs,
        firstSyncs: { done: firstSyncAt.size, of: o.customers, ...summarize(firstSyncs) },
        withinInterval: firstSyncs.filter((t) => t <= o.interval).length,
        status: { ...summarize(opsFigures.statusMs), failures: opsFigures.statusFailures, errors: opsFigures.statusErrors, fromServer: opsFigures.statusFromServer },
        list: { ...summarize(opsFigures.listMs), failures: opsFigures.listFailures },
        opsProbeLoopDelayMs: opsFigures.loopDelayMs,
        // Requests the server refused with RESOURCE_EXHAUSTED, by operation and cause.
        refused: refusedInWave,
        benchLoopDelayMs,
        firstWorkflowTaskWaitMs: histories.firstTaskWaitMs,
      },
      stream: {
        changes: latencies.length, lost, webhookErrors, webhookRetries,
        signalToVisibleMs: signal,
        bareCreateMs: bare,
        overheadMs: { p50: signal.p50 - bare.p50, p99: signal.p99 - bare.p50 },
        historyEventsPerSignal: historyPerSignal,
        // Medians over the probe signals (sent one at a time, while the stream runs).
        signalAnatomyMs: Object.fromEntries((['toSignal', 'toWorkflowTask', 'workflowTask', 'toStep', 'step'] as const)
          .map((k) => [k, percentile(anatomies.map((a) => a[k]).sort((x, y) => x - y), 50)])),
      },
      idle: {
        minutes: o.idleMinutes,
        reconciles: idleReconciles,
        graphRequests: idleGraph,
        tokenRequests: idleToken,
        graphRequestsPerReconcile: idleReconciles ? Math.round((idleGraph / idleReconciles) * 100) / 100 : 0,
        graphRequestsPerCustomerHour: Math.round((idleGraph / o.customers / idleHours) * 100) / 100,
      },
      processes: Object.fromEntries(tracks.map((t) => [t.name, {
        rssBeforeMb: rssBeforeMb[t.name], peakRssMb: t.peakRssMb(), idleRssMb: t.lastRssMb(idleEnd),
      }])),
      phases: { startup: phase(waveStart, waveEnd), stream: phase(streamStart, streamDone), idle: phase(idleStart, idleEnd) },
      workers: Object.fromEntries(workers.map((w) => [w.name, {
        eventLoopDelayMs: { startup: loopDelay(w, waveStart, waveEnd), stream: loopDelay(w, streamStart, streamDone), idle: loopDelay(w, idleStart, idleEnd) },
        cachedWorkflows: w.stats.at(-1)?.stats.cachedWorkflows,
        warnings: [...w.warningKinds.values()].reduce((a, b) => a + b, 0),
        warningKinds: Object.fromEntries([...w.warningKinds].sort((a, b) => b[1] - a[1])),
      }])),
      histories: { historyLength: histories.historyLength, largestPayload: histories.largestPayload },
      end: { overdue, withError, unanswered },
    };
    if (o.out) writeFileSync(o.out, `${JSON.stringify(figures, null, 2)}\n`);
    console.log(renderTable(figures));
    for (const [name, { warnings, warningKinds }] of Object.entries(figures.workers)) {
      if (!warnings) continue;
      const kinds = Object.entries(warningKinds).slice(0, 8).map(([kind, n]) => `\n  ${n} × ${kind}`).join('');
      log(`${name}: ${warnings} warnings, by kind:${kinds}`);
    }
  } finally {
    clearInterval(sampler);
    stopObserving();
    for (const w of workers) await w.stop();
    await connection.close();
    await server.stop();
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

type Figures = Record<string, any>;

function renderTable(f: Figures): string {
  const rows: [string, string][] = [];
  const add = (k: string, v: unknown) => rows.push([k, String(v)]);
  const pct = (s: { p50: number; p90: number; p99: number; max: number }) => `p50 ${s.p50} · p90 ${s.p90} · p99 ${s.p99} · max ${s.max}`;
  const r = f.run;
  add('run', `${r.customers} customers · ${r.workers} worker(s) · latency ${r.latency ? `${r.latency.medianMs}/${r.latency.p99Ms} ms` : 'none'} · ${r.at}`);
  add('first syncs done', `${f.startup.firstSyncs.done}/${f.startup.firstSyncs.of} (within the interval: ${f.startup.withinInterval})`);
  add('time to first sync, ms', pct(f.startup.firstSyncs));
  add('first workflow task waited, ms', `p50 ${f.startup.firstWorkflowTaskWaitMs.p50} · p90 ${f.startup.firstWorkflowTaskWaitMs.p90} · max ${f.startup.firstWorkflowTaskWaitMs.max}`);
  add('status during start-up, ms', `${pct(f.startup.status)} · failed ${f.startup.status.failures} of ${f.startup.status.count + f.startup.status.failures} · from the server ${Object.values(f.startup.status.fromServer as Record<string, number>).reduce((a, b) => a + b, 0)}`);
  for (const [why, n] of Object.entries(f.startup.status.fromServer)) add('  from the server', `${n} × ${why}`);
  for (const [kind, n] of Object.entries(f.startup.status.errors)) add('  status failure', `${n} × ${kind}`);
  add('list during start-up, ms', `${pct(f.startup.list)} · ${f.startup.list.count} lists, ${f.startup.list.failures} failed`);
  const refused = Object.entries<number>(f.startup.refused).map(([what, n]) => `${n} × ${what}`).join(', ');
  add('  refused by the server', refused || 'none');
  const delay = (d: LoopDelayMs) => `p50 ${d.p50} · p99 ${d.p99} · max ${d.max}`;
  add('  event-loop delay, ms', `the probes' process ${delay(f.startup.opsProbeLoopDelayMs)} · the bench's (emulators) ${delay(f.startup.benchLoopDelayMs)}`);
  add('signal → visible, ms', `${pct(f.stream.signalToVisibleMs)} (${f.stream.changes} changes, ${f.stream.lost} lost)`);
  add('bare MSAL + Graph create, ms', pct(f.stream.bareCreateMs));
  add('overhead over bare p50, ms', `p50 +${f.stream.overheadMs.p50} · p99 +${f.stream.overheadMs.p99}`);
  add('history events per signal', f.stream.historyEventsPerSignal.join(', '));
  const a = f.stream.signalAnatomyMs;
  add('one signal, p50 ms', `webhook→signal ${a.toSignal} · →workflow task ${a.toWorkflowTask} · task→step ${a.workflowTask} · step dispatch ${a.toStep} · step→visible ${a.step}`);
  add('history length (p50 / max)', `${f.histories.historyLength.p50} / ${f.histories.historyLength.max}`);
  add('largest payload', `${f.histories.largestPayload.bytes} B (${f.histories.largestPayload.eventType})`);
  add('idle Graph requests', `${f.idle.graphRequestsPerReconcile} per reconcile · ${f.idle.graphRequestsPerCustomerHour} per customer-hour (${f.idle.reconciles} reconciles in ${f.idle.minutes} min; token ${f.idle.tokenRequests})`);
  for (const [name, p] of Object.entries<Figures>(f.processes)) {
    const cpu = (phase: string) => f.phases[phase][name].cpuPercent;
    add(`${name}`, `RSS ${p.rssBeforeMb} → peak ${p.peakRssMb} → idle ${p.idleRssMb} MB · CPU % start-up ${cpu('startup')} / stream ${cpu('stream')} / idle ${cpu('idle')}`);
  }
  for (const [name, w] of Object.entries<Figures>(f.workers)) {
    const d = w.eventLoopDelayMs;
    add(`${name} event-loop delay, ms`, `p99/max start-up ${d.startup.p99}/${d.startup.max} · stream ${d.stream.p99}/${d.stream.max} · idle ${d.idle.p99}/${d.idle.max} · cached workflows ${w.cachedWorkflows} · warnings ${w.warnings}`);
  }
  add('after', `overdue ${f.end.overdue} · with error ${f.end.withError} · no status ${f.end.unanswered}`);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
