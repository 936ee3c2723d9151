import type { FaultSpec, GraphEvent } from '../src/emulator';
import { notifyEventChanged, startIntegration } from '../src/ops/integrations';
import { MARKER_PROPERTY_IDS } from '../src/sync/marker';
import { sign, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../src/webhook/signature';
import type { FeedBooking } from '../src/winearound/ical-write';
import { runChecks, type CheckResult, type OwnEventRecord } from './checks';
import { makeSchedule, type BookingAction, type FaultAction, type PersonAction } from './schedule';
import { integrationSettings, startStack, WEBHOOK_SECRET, type Stack } from './stack';

/**
 * Runs the chaos soak: starts the stack and one integration per customer, plays the seeded
 * schedule (booking churn, people in the mailboxes, faults), stops the faults, lets one reconcile
 * interval pass, then checks the outcome until it holds or the settle deadline passes.
 */
export interface SoakOptions {
  customers: number;
  minutes: number;
  seed: number;
  /** The integrations' reconcile interval (short, so that one passes soon after the faults stop). */
  reconcileIntervalMs?: number;
  /** After the first check, how long convergence may take before the soak fails. */
  settleMs?: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  seed: number;
  customers: number;
  minutes: number;
  scheduleDigest: string;
  actions: number;
  injected: Record<string, number>;
  skipped: Record<string, number>;
  /** What happened on its own: e.g. the worker exiting (started while the server was down) and restarted. */
  observed: Record<string, number>;
  checks: CheckResult[];
  /** ms from the faults stopping to all checks passing (undefined: they never all passed). */
  convergedAfterMs?: number;
  ok: boolean;
  workerLog: string;
}

const DAY = 86_400_000;
const TITLES = ['Degustazione Classica', 'Visita in cantina', 'Pranzo in vigna', 'Tour Barolo', 'Aperitivo al tramonto'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const customerId = (c: number) => `soak-cantina-${c}`;

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const intervalMs = options.reconcileIntervalMs ?? 30_000;
  const durationMs = Math.round(options.minutes * 60_000);
  const schedule = makeSchedule({ seed: options.seed, customers: options.customers, durationMs, initialBookings: 12 });
  log(`soak: seed ${options.seed}, ${options.customers} customers, ${options.minutes} min of chaos, ${schedule.actions.length} actions, schedule ${schedule.digest}`);

  const stack = await startStack(options.customers);
  let passed = false;
  const injected: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  const count = (bag: Record<string, number>, key: string) => { bag[key] = (bag[key] ?? 0) + 1; };
  try {
    // Requests overlap as at Microsoft (the 4-per-mailbox limit bites), and tokens live 5-6 min,
    // so MSAL renews one every few seconds to a minute, in the middle of syncs.
    stack.microsoft.setLatency({ medianMs: 25, p99Ms: 300, seed: options.seed });
    stack.microsoft.setTokenLifetime({ minSeconds: 305, maxSeconds: 360 });

    let lastVersion = 0;
    const nextVersion = () => {
      lastVersion = Math.max(Math.ceil(Date.now() / 1000) * 1000, lastVersion + 1000);
      return lastVersion;
    };
    const bookings = schedule.initialIds.map(() => new Map<string, FeedBooking>());
    const lastNotice = schedule.initialIds.map(() => new Map<string, unknown>());
    const ownEvents: OwnEventRecord[][] = schedule.initialIds.map(() => []);
    const versionBase = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
    schedule.initialIds.forEach((ids, c) => ids.forEach((id, i) => {
      const booking = bookingFor(id, versionBase + i * 1000, i * 7919);
      bookings[c].set(id, booking);
      stack.feeds[c].upsert(booking);
    }));
    for (let c = 0; c < options.customers; c++) {
      await startIntegration(stack.client, stack.taskQueue, integrationSettings(stack, c, intervalMs));
    }

    const deliveries = new Set<Promise<void>>();
    const deliveryErrors: string[] = [];
    const deliver = (c: number, notice: unknown, via: 'webhook' | 'signal') => {
      const p = deliverUntilAccepted(stack, notice, via)
        .catch((err: Error) => void deliveryErrors.push(`${customerId(c)}: ${err.message}`))
        .finally(() => deliveries.delete(p));
      deliveries.add(p);
      count(injected, `notify-${via}`);
    };

    const onBooking = (a: BookingAction) => {
      const version = nextVersion();
      const previous = bookings[a.customer].get(a.booking);
      const booking: FeedBooking = a.kind === 'cancel'
        ? { ...previous!, version, cancelled: true }
        : bookingFor(a.booking, version, a.variant);
      bookings[a.customer].set(a.booking, booking);
      stack.feeds[a.customer].upsert(booking);
      count(injected, `booking-${a.kind}`);
      const notice = a.kind === 'cancel'
        ? { customerId: customerId(a.customer), eventId: a.booking, operation: 'delete', version }
        : { customerId: customerId(a.customer), eventId: a.booking, operation: 'upsert', version, event: eventOf(booking) };
      const older = lastNotice[a.customer].get(a.booking);
      lastNotice[a.customer].set(a.booking, notice);
      if (a.via === 'none') return void count(injected, 'notify-missed');
      deliver(a.customer, notice, a.via);
      if (a.duplicate) { deliver(a.customer, notice, a.via); count(injected, 'notify-duplicate'); }
      if (a.lateOlder && older) { deliver(a.customer, older, a.via === 'webhook' ? 'signal' : 'webhook'); count(injected, 'notify-late-older'); }
    };

    const onPerson = (a: PersonAction) => {
      const mailbox = stack.mailboxes[a.customer];
      const own = ownEvents[a.customer];
      try {
        if (a.kind === 'own-create') {
          const day = new Date(Date.now() + (1 + (a.variant % 40)) * DAY).toISOString().slice(0, 10);
          const event = stack.microsoft.personCreateEvent(mailbox, {
            subject: `Riunione staff ${a.target}`,
            start: { dateTime: `${day}T08:00:00`, timeZone: 'W. Europe Standard Time' },
            end: { dateTime: `${day}T08:45:00`, timeZone: 'W. Europe Standard Time' },
          });
          own.push({ id: String(event.id), changeKey: String(event.changeKey), subject: String(event.subject) });
        } else if (a.kind === 'own-edit') {
          const record = own[Number(a.target)];
          const event = stack.microsoft.personUpdateEvent(mailbox, record.id, { subject: `${record.subject.split(' (')[0]} (v${a.variant % 100})` });
          Object.assign(record, { changeKey: String(event.changeKey), subject: String(event.subject) });
        } else {
          const event = serviceEvent(stack.microsoft.events(mailbox), customerId(a.customer), a.target);
          if (!event) return void count(skipped, `person-${a.kind} (no event yet)`);
          if (a.kind === 'delete-service') stack.microsoft.personDeleteEvent(mailbox, String(event.id));
          else if (a.kind === 'edit-service') stack.microsoft.personUpdateEvent(mailbox, String(event.id), { subject: `${String(event.subject)} (edited by staff)` });
          else stack.microsoft.personUpdateEvent(mailbox, String(event.id), { start: shift(event.start, 3_600_000), end: shift(event.end, 3_600_000) });
        }
        count(injected, `person-${a.kind}`);
      } catch (err) {
        count(skipped, `person-${a.kind} (${(err as Error).message.slice(0, 40)})`);
      }
    };

    // Windowed emulator faults: the active ones are re-installed whenever one ends.
    const active = new Set<FaultSpec>();
    const reinstall = () => {
      stack.microsoft.clearFaults();
      for (const spec of active) stack.microsoft.injectFault(spec);
    };
    const feedFaults = stack.feeds.map(() => 0);
    const background = new Set<Promise<void>>();
    const later = (ms: number, fn: () => Promise<void> | void) => {
      const p = sleep(ms).then(fn).finally(() => background.delete(p));
      background.add(p);
    };
    const onFault = async (a: FaultAction) => {
      const users = /^\/v1\.0\/users\//;
      const graph: Partial<Record<FaultAction['fault'], FaultSpec>> = {
        'graph-429-storm': { match: { path: users }, kind: '429', every: 3, times: Infinity, retryAfterSeconds: a.retryAfterSeconds },
        'graph-503': { match: { path: users }, kind: '503', every: 5, times: Infinity, retryAfterSeconds: a.retryAfterSeconds },
        'graph-504': { match: { path: users }, kind: '504', every: 6, times: Infinity },
        'graph-slow': { match: { path: users }, kind: 'slow', every: 3, times: Infinity, delayMs: 3000 },
        'graph-drop': { match: { path: /^\/v1\.0\// }, kind: 'drop', every: 8, times: Infinity },
        'graph-lost-response': { match: { path: /^\/v1\.0\//, method: 'POST' }, kind: 'lost-response', every: 4, times: Infinity },
        'token-outage': { match: { tokenEndpoint: true }, kind: '503', times: Infinity, retryAfterSeconds: a.retryAfterSeconds },
      };
      const spec = graph[a.fault];
      if (spec) {
        active.add(spec);
        reinstall();
        later(a.durationMs, () => { active.delete(spec); reinstall(); });
      } else if (a.fault === 'feed-500' || a.fault === 'feed-garbage') {
        feedFaults[a.customer] += 1;
        stack.feeds[a.customer].setFault(a.fault === 'feed-500' ? '500' : 'garbage');
        later(a.durationMs, () => {
          if (--feedFaults[a.customer] === 0) stack.feeds[a.customer].setFault(null);
        });
      } else if (a.fault === 'delta-expired') {
        stack.microsoft.expireDeltaTokens(stack.mailboxes[a.customer], a.deltaShape);
      } else if (a.fault === 'worker-kill') {
        if (!(await stack.killWorker())) return void count(skipped, a.fault);
        later(a.durationMs, () => stack.startWorker());
      } else if (a.fault === 'server-restart') {
        if (!stack.serverRunning()) return void count(skipped, a.fault);
        await stack.stopServer();
        later(a.durationMs, () => stack.startServer());
      }
      count(injected, a.fault);
    };

    const started = Date.now();
    const faultWork = new Set<Promise<void>>();
    for (const action of schedule.actions) {
      const wait = started + action.at - Date.now();
      if (wait > 0) await sleep(wait);
      if (action.kind === 'fault') {
        const p = onFault(action).finally(() => faultWork.delete(p));
        faultWork.add(p);
      } else if ('booking' in action) onBooking(action);
      else onPerson(action);
    }
    const remaining = started + durationMs - Date.now();
    if (remaining > 0) await sleep(remaining);

    // The faults stop: windows close, processes come back.
    await Promise.all(faultWork);
    active.clear();
    reinstall();
    for (const feed of stack.feeds) feed.setFault(null);
    await Promise.all(background);
    if (!stack.serverRunning()) await stack.startServer();
    if (!stack.workerRunning()) stack.startWorker();
    await Promise.all(deliveries);
    const stoppedAt = Date.now();
    log(`soak: faults stopped; waiting one reconcile interval (${intervalMs / 1000} s), then checking`);
    await sleep(intervalMs);

    const settleMs = options.settleMs ?? 4 * intervalMs;
    let checks: CheckResult[] = [];
    let convergedAfterMs: number | undefined;
    for (;;) {
      checks = [
        { name: 'every notification accepted (webhook 202 / signal)', ok: deliveryErrors.length === 0, detail: deliveryErrors.slice(0, 3).join('; ') },
        ...(await runChecks({ stack, bookings, ownEvents, stoppedAt, customerId })),
      ];
      if (checks.every((c) => c.ok)) {
        convergedAfterMs = Date.now() - stoppedAt;
        break;
      }
      if (Date.now() - stoppedAt > intervalMs + settleMs) break;
      await sleep(2000);
    }
    passed = convergedAfterMs !== undefined;
    return {
      seed: options.seed, customers: options.customers, minutes: options.minutes, scheduleDigest: schedule.digest,
      actions: schedule.actions.length, injected, skipped, observed: { 'worker exited and was restarted': stack.workerRestarts },
      checks, convergedAfterMs, ok: convergedAfterMs !== undefined,
      workerLog: stack.workerLog,
    };
  } finally {
    await stack.close({ keepLog: !passed });
  }
}

/** A booking in Europe/Rome, on one of the next 60 days, at a slot drawn from `variant`. */
function bookingFor(id: string, version: number, variant: number): FeedBooking {
  const day = new Date(Date.now() + (1 + (variant % 60)) * DAY).toISOString().slice(0, 10);
  const hour = 9 + (variant % 9);
  const at = (h: number, m: number) => `${day}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00`;
  return {
    id, version, title: `${TITLES[variant % TITLES.length]} ${id.slice(-4)}.${variant % 1000}`,
    description: `Prenotazione ${id}`, location: 'Cantina',
    start: { kind: 'dateTime', dateTime: at(hour, 0), timeZone: 'Europe/Rome' },
    end: { kind: 'dateTime', dateTime: at(hour + 1, 30), timeZone: 'Europe/Rome' },
    allDay: false,
  };
}

function eventOf(booking: FeedBooking) {
  const { id: _id, version: _version, cancelled: _cancelled, ...event } = booking;
  return event;
}

/** WineAround's delivery: retried until accepted (the webhook answers 503 while Temporal is down). */
async function deliverUntilAccepted(stack: Stack, notice: unknown, via: 'webhook' | 'signal'): Promise<void> {
  for (let attempt = 1; attempt <= 600; attempt++) {
    try {
      if (via === 'signal') {
        await notifyEventChanged(stack.client, stack.taskQueue, notice);
        return;
      }
      const raw = JSON.stringify(notice);
      const timestamp = Math.floor(Date.now() / 1000);
      const response = await fetch(stack.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: sign(WEBHOOK_SECRET, timestamp, raw) },
        body: raw,
        signal: AbortSignal.timeout(15_000),
      });
      if (response.status === 202) return;
      if (response.status !== 503) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
    } catch (err) {
      if ((err as Error).message.startsWith('webhook answered')) throw err;
    }
    await sleep(1000);
  }
  throw new Error('a notification was never accepted');
}

function serviceEvent(events: GraphEvent[], customer: string, bookingId: string): GraphEvent | undefined {
  const prop = (e: GraphEvent, id: string) =>
    (e.singleValueExtendedProperties as { id: string; value: string }[] | undefined)?.find((p) => p.id.toLowerCase() === id.toLowerCase())?.value;
  return events.find((e) => prop(e, MARKER_PROPERTY_IDS.integration) === customer && prop(e, MARKER_PROPERTY_IDS.eventId) === bookingId);
}

function shift(time: unknown, ms: number) {
  const { dateTime } = time as { dateTime: string };
  const at = new Date(`${dateTime.slice(0, 19)}Z`).getTime() + ms;
  return { dateTime: new Date(at).toISOString().slice(0, 19), timeZone: 'UTC' };
}
