/**
 * Benchmark of the reconcile against the local emulators (a benchmark, not a test): for calendars
 * of 1,000 and 5,000 bookings, the HTTP requests and wall time of the initial sync, of a no-change
 * reconcile, of the periodic full pass and of a reconcile after a few changes, against the lower
 * bound of ceil(N/20) JSON batches for N writes.
 *
 * Then the feed alone for 5,000, 20,000 and 50,000 bookings: fetch + parse in the parse pool,
 * with the main thread's event-loop delay while it runs (the parse must stay off that loop).
 *
 *   npm run bench [-- --out bench.json] [-- --sizes 1000,5000] [-- --feed-sizes 5000,20000,50000]
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Command, InvalidArgumentError } from 'commander';
import { trustCertificateAuthority } from '../src/net/trust';
import { BATCH_SIZE } from '../src/outlook/calendar';
import { TokenProvider } from '../src/outlook/token';
import type { SyncDeps } from '../src/reconcile/mailbox-session';
import { reconcileIntegration, type ReconcileOptions } from '../src/reconcile/reconcile';
import type { SyncCursor, SyncSummary } from '../src/reconcile/summary';
import { MemorySecretStore } from '../src/secrets/store';
import { fetchFeed } from '../src/winearound/feed';
import { startFeedEmulator, type FeedEmulator } from '../src/winearound/feed-emulator';
import { closeParsePool } from '../src/winearound/parse-pool';
import { startEmulatorThread, type ThreadedEmulator } from './emulator-thread';
import { sampleBookings } from '../src/winearound/sample-bookings';
import { integrationConfigSchema, type IntegrationConfig } from '../src/sync/integration-config';

const TENANT = 'b3e1c0de-0000-4000-8000-00000000be70';
const CLIENT_ID = 'b3e1c0de-0000-4000-8000-0000000000a1';
const SECRET_REF = 'bench-graph';
const SECRET = 'bench-secret-value';
const DAY = 86_400_000;
/** Bookings start this long before "now" so that 5,000 of them (4 a day) fit the largest window. */
const BOOKINGS_FROM_DAYS_AGO = 200;
const WINDOW = { windowPastDays: 365, windowFutureDays: 1096 };
const CHANGED_BOOKINGS = 10;
/** Outlook allows 10,000 requests per 10 minutes per app and mailbox; raised so the bench measures the sync, not the throttle. */
const BENCH_REQUESTS_PER_WINDOW = 1_000_000;

interface Figures {
  events: number;
  scenario: string;
  /** HTTP requests to Graph (a $batch counts once). */
  graphRequests: number;
  batches: number;
  /** ceil(writes / 20): the fewest $batch requests that can carry the writes. */
  writeBatchLowerBound: number;
  listPages: number;
  deltaPages: number;
  /** HTTP requests to Entra (token, discovery). */
  tokenRequests: number;
  feedRequests: number;
  created: number;
  updated: number;
  deleted: number;
  wallMs: number;
  /** The main thread's event-loop delay during the reconcile, ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/** The main thread's event-loop delay while `work` runs: a blocked loop stalls every integration's heartbeats and signals. */
async function withLoopDelay<T>(work: () => Promise<T>): Promise<{ result: T; p99Ms: number; maxMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    const result = await work();
    return { result, p99Ms: Math.round(histogram.percentile(99) / 1e6), maxMs: Math.round(histogram.max / 1e6) };
  } finally {
    histogram.disable();
  }
}

interface Scenario {
  name: string;
  mode: ReconcileOptions['mode'];
  /** Changes the feed before the reconcile runs. */
  prepare?: (feed: FeedEmulator) => void;
}

const SCENARIOS: Scenario[] = [
  { name: 'initial sync', mode: 'auto' },
  { name: 'no change', mode: 'auto' },
  { name: 'periodic full pass, no change', mode: 'full' },
  {
    name: `${CHANGED_BOOKINGS} bookings changed`,
    mode: 'auto',
    prepare: (feed) => {
      for (const booking of feed.bookings().slice(0, CHANGED_BOOKINGS)) {
        feed.upsert({ ...booking, title: `${booking.title} (spostata)`, version: booking.version + 60_000 });
      }
    },
  },
];

const ENTRA_KINDS = ['token', 'openid-configuration', 'instance-discovery', 'jwks'];

async function benchSize(emu: ThreadedEmulator, deps: (scope: string) => SyncDeps, events: number): Promise<Figures[]> {
  const now = new Date();
  const feed = await startFeedEmulator({ bookings: sampleBookings(new Date(now.getTime() - BOOKINGS_FROM_DAYS_AGO * DAY), events) });
  const customerId = `bench-${events}`;
  const mailbox = (await emu.call<{ userPrincipalName: string }>('addUser', { tenantId: TENANT, userPrincipalName: `${customerId}@bench.onmicrosoft.com` })).userPrincipalName;
  const config: IntegrationConfig = integrationConfigSchema.parse({
    customerId, tenantId: TENANT, clientId: CLIENT_ID, secretRef: SECRET_REF, mailbox, feedUrl: feed.url(customerId), ...WINDOW,
  });
  const figures: Figures[] = [];
  let cursor: SyncCursor | null = null;
  try {
    for (const scenario of SCENARIOS) {
      scenario.prepare?.(feed);
      await emu.call('resetCounters');
      const feedBefore = feed.requests;
      const started = performance.now();
      const { result, p99Ms, maxMs } = await withLoopDelay(() => reconcileIntegration(config, cursor, { mode: scenario.mode, now }, deps(`${customerId}-${scenario.name}`)));
      const wallMs = Math.round(performance.now() - started);
      cursor = result.cursor;
      checkCoverage(result.summary, events);
      const counts = await emu.call<Record<string, number>>('requests');
      const writes = result.summary.created + result.summary.updated + result.summary.deleted;
      figures.push({
        events,
        scenario: scenario.name,
        graphRequests: counts.graph ?? 0,
        batches: counts.batch ?? 0,
        writeBatchLowerBound: Math.ceil(writes / BATCH_SIZE),
        listPages: counts['GET events'] ?? 0,
        deltaPages: counts['GET delta'] ?? 0,
        tokenRequests: ENTRA_KINDS.reduce((sum, kind) => sum + (counts[kind] ?? 0), 0),
        feedRequests: feed.requests - feedBefore,
        created: result.summary.created,
        updated: result.summary.updated,
        deleted: result.summary.deleted,
        wallMs,
        loopDelayP99Ms: p99Ms,
        loopDelayMaxMs: maxMs,
      });
    }
  } finally {
    await feed.close();
  }
  return figures;
}

/** A full pass must have seen every booking, or the window is wrong and the figures measure less. */
function checkCoverage(summary: SyncSummary, events: number): void {
  if (summary.sourceEvents !== undefined && summary.sourceEvents !== events) {
    throw new Error(`the sync window covered ${summary.sourceEvents} of ${events} bookings; widen WINDOW`);
  }
}

function table(rows: Figures[]): string {
  const columns: [string, (f: Figures) => string | number][] = [
    ['events', (f) => f.events.toLocaleString('en')],
    ['scenario', (f) => f.scenario],
    ['Graph HTTP', (f) => f.graphRequests],
    ['$batch', (f) => f.batches],
    ['lower bound', (f) => f.writeBatchLowerBound],
    ['list pages', (f) => f.listPages],
    ['delta pages', (f) => f.deltaPages],
    ['token HTTP', (f) => f.tokenRequests],
    ['feed HTTP', (f) => f.feedRequests],
    ['created/updated/deleted', (f) => `${f.created}/${f.updated}/${f.deleted}`],
    ['wall ms', (f) => f.wallMs],
    ['loop delay p99/max ms', (f) => `${f.loopDelayP99Ms}/${f.loopDelayMaxMs}`],
  ];
  const cells = [columns.map(([title]) => title), ...rows.map((row) => columns.map(([, value]) => String(value(row))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  const render = (line: string[]) => `| ${line.map((cell, i) => (i === 1 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
  return [render(cells[0]), `|${widths.map((w, i) => (i === 1 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...cells.slice(1).map(render)].join('\n');
}

function sizesUpTo(max: number) {
  return (value: string): number[] => {
    const sizes = value.split(',').map(Number);
    if (!sizes.every((n) => Number.isSafeInteger(n) && n > 0 && n <= max)) {
      throw new InvalidArgumentError(`expected comma-separated booking counts between 1 and ${max}, e.g. 1000,5000`);
    }
    return sizes;
  };
}

interface FeedFigures {
  bookings: number;
  bytes: number;
  /** Fetch + parse in the parse pool, ms. */
  wallMs: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/** The feed alone: fetch and parse (in the pool) of feeds of growing size; linear cost, and a main loop that stays free. */
async function benchFeed(bookings: number): Promise<FeedFigures> {
  const now = new Date();
  const feed = await startFeedEmulator({ bookings: sampleBookings(new Date(now.getTime() - BOOKINGS_FROM_DAYS_AGO * DAY), bookings) });
  try {
    const window = { start: new Date(now.getTime() - 400 * DAY), end: new Date(now.getTime() + 40 * 366 * DAY) };
    const started = performance.now();
    const { result, p99Ms, maxMs } = await withLoopDelay(() =>
      fetchFeed({ url: feed.url('bench-feed'), window, defaultTimeZone: 'Europe/Rome', timeoutMs: 120_000, maxBytes: 64 * 1024 * 1024, parse: { budgetMs: 600_000 } }));
    const wallMs = Math.round(performance.now() - started);
    if (result.notModified || result.events.length !== bookings) throw new Error(`the feed bench parsed ${result.notModified ? 'nothing' : result.events.length} of ${bookings} bookings`);
    const bytes = Buffer.byteLength((await (await fetch(feed.url('bench-feed'))).text()));
    return { bookings, bytes, wallMs, loopDelayP99Ms: p99Ms, loopDelayMaxMs: maxMs };
  } finally {
    await feed.close();
  }
}

function feedTable(rows: FeedFigures[]): string {
  const base = rows[0];
  const lines = rows.map((r) => `| ${r.bookings.toLocaleString('en').padStart(8)} | ${(r.bytes / 1e6).toFixed(1).padStart(6)} MB | ${String(r.wallMs).padStart(8)} | ${(r.wallMs / base.wallMs).toFixed(1).padStart(5)}× for ${(r.bookings / base.bookings).toFixed(0).padStart(2)}× | ${`${r.loopDelayP99Ms}/${r.loopDelayMaxMs}`.padStart(21)} |`);
  return ['| bookings |    feed   |  wall ms | time vs first size  | loop delay p99/max ms |', '|---------:|----------:|---------:|--------------------:|----------------------:|', ...lines].join('\n');
}

async function main(): Promise<void> {
  const options = new Command('reconcile-bench')
    .description('Benchmark the reconcile against the local Microsoft and WineAround emulators.')
    .option('--out <file>', 'also write the figures as JSON to this file')
    .option('--sizes <list>', 'calendar sizes to reconcile', sizesUpTo(50_000), [1000, 5000])
    .option('--feed-sizes <list>', 'feed sizes to fetch and parse', sizesUpTo(100_000), [5000, 20_000, 50_000])
    .parse()
    .opts<{ out?: string; sizes: number[]; feedSizes: number[] }>();

  const emu = await startEmulatorThread();
  try {
    trustCertificateAuthority(emu.caPem);
    await emu.call('addTenant', { id: TENANT, domain: 'bench.onmicrosoft.com' });
    await emu.call('addApp', { tenantId: TENANT, clientId: CLIENT_ID, secrets: [{ value: SECRET }], roles: ['Calendars.ReadWrite'] });
    await emu.call('setThrottling', { requestsPerWindow: BENCH_REQUESTS_PER_WINDOW });
    const endpoints = { authorityHost: emu.baseUrl, graphBaseUrl: emu.baseUrl };
    const secrets = new MemorySecretStore().set(SECRET_REF, SECRET);
    const tokens = new TokenProvider(endpoints);
    const deps = (_attempt: string): SyncDeps => ({ secrets, endpoints, tokens });

    const results: Figures[] = [];
    for (const size of options.sizes) results.push(...(await benchSize(emu, deps, size)));
    const feedResults: FeedFigures[] = [];
    for (const size of options.feedSizes) feedResults.push(await benchFeed(size));

    const note =
      `Emulator throttling: ${BENCH_REQUESTS_PER_WINDOW.toLocaleString('en')} requests per 10 min per app and mailbox ` +
      '(Outlook: 10,000), 4 concurrent kept; so the figures measure the sync, not the throttle.';
    console.log(`${table(results)}\n\n${note}\nlower bound = ceil(writes / ${BATCH_SIZE}) $batch requests; Node ${process.version}.`);
    console.log(`\nFeed fetch + parse (parse pool; loop delay = main thread, monitorEventLoopDelay at 10 ms):\n${feedTable(feedResults)}`);
    if (options.out) {
      const report = { generatedAt: new Date().toISOString(), node: process.version, throttling: { requestsPerWindow: BENCH_REQUESTS_PER_WINDOW, concurrentPerMailbox: 4 }, results, feed: feedResults };
      writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
      console.log(`Figures written to ${options.out}`);
    }
  } finally {
    await emu.close();
    await closeParsePool();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
