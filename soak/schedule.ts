import { createHash } from 'node:crypto';
import { DELTA_EXPIRY_SHAPES, type DeltaExpiryShape } from '../src/emulator/graph/mailbox';
import { seededRandom } from '../src/emulator/latency';

/**
 * The chaos soak's plan: a list of timed actions drawn from a seed alone (no clock, no I/O), so the
 * same seed, customers and minutes always give the same schedule (its digest is printed).
 */

export type Via = 'webhook' | 'signal';

export type BookingAction = {
  at: number;
  kind: 'create' | 'change' | 'cancel';
  customer: number;
  booking: string;
  /** How WineAround tells us: a signed webhook, a signal, or not at all (the reconcile must find it). */
  via: Via | 'none';
  /** The notification is sent twice. */
  duplicate: boolean;
  /** After this change's notification, the previous version's notification arrives again (late, older). */
  lateOlder: boolean;
  /** Seeds the booking's new title and slot. */
  variant: number;
};

export type PersonAction = {
  at: number;
  kind: 'own-create' | 'own-edit' | 'edit-service' | 'move-service' | 'delete-service';
  customer: number;
  /** The booking whose event a person touches (service events), or the index of one of their own. */
  target: string;
  variant: number;
};

export const FAULTS = [
  'graph-429-storm', 'graph-503', 'graph-504', 'graph-slow', 'graph-drop', 'graph-lost-response',
  'token-outage', 'feed-500', 'feed-garbage', 'delta-expired', 'worker-kill', 'server-restart',
] as const;
export type FaultName = (typeof FAULTS)[number];

export type FaultAction = {
  at: number;
  kind: 'fault';
  fault: FaultName;
  /** How long the fault lasts (ms): a window for the storms, the downtime for kills and restarts. */
  durationMs: number;
  /** The customer whose feed or mailbox it hits (feed and delta faults). */
  customer: number;
  /** Retry-After for 429/503/token faults, in seconds (fractions included, as Graph sends in batches). */
  retryAfterSeconds: number;
  /** How an expired delta link is answered (delta-expired). */
  deltaShape: DeltaExpiryShape;
};

export type Action = BookingAction | PersonAction | FaultAction;

export interface ScheduleOptions {
  seed: number;
  customers: number;
  /** Length of the chaos phase. */
  durationMs: number;
  /** Bookings each feed starts with. */
  initialBookings: number;
}

export interface Schedule {
  actions: Action[];
  /** sha256 of the actions, short: equal digests = equal schedules. */
  digest: string;
  initialIds: string[][];
}

export const bookingId = (customer: number, n: number) => `soak-${customer}-${String(n).padStart(4, '0')}`;

export function makeSchedule(options: ScheduleOptions): Schedule {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const between = (lo: number, hi: number) => lo + random() * (hi - lo);
  const chance = (p: number) => random() < p;
  const actions: Action[] = [];
  const initialIds: string[][] = [];
  const end = options.durationMs;

  for (let c = 0; c < options.customers; c++) {
    const live = Array.from({ length: options.initialBookings }, (_, i) => bookingId(c, i + 1));
    initialIds.push([...live]);
    let next = options.initialBookings + 1;
    let ownEvents = 0;
    // Booking churn: one change every 2-7 s per customer.
    for (let at = between(1000, 4000); at < end; at += between(2000, 7000)) {
      const kind = live.length < 3 ? 'create' : pick(['create', 'change', 'change', 'change', 'cancel'] as const);
      const booking = kind === 'create' ? bookingId(c, next++) : pick(live);
      if (kind === 'create') live.push(booking);
      if (kind === 'cancel') live.splice(live.indexOf(booking), 1);
      const via = chance(0.1) ? 'none' : pick(['webhook', 'signal'] as const);
      actions.push({
        at: Math.round(at), kind, customer: c, booking, via, duplicate: chance(0.2),
        lateOlder: kind === 'change' && chance(0.25), variant: Math.floor(random() * 1e6),
      });
    }
    // People in the mailbox: their own events, and edits, moves, deletions of the service's.
    for (let at = between(3000, 8000); at < end; at += between(6000, 15000)) {
      const kind = ownEvents === 0 ? 'own-create' : pick(['own-create', 'own-edit', 'edit-service', 'move-service', 'delete-service'] as const);
      const target = kind === 'own-create' ? String(ownEvents++) : kind === 'own-edit' ? String(Math.floor(random() * ownEvents)) : pick(live);
      actions.push({ at: Math.round(at), kind, customer: c, target, variant: Math.floor(random() * 1e6) });
    }
  }

  // Faults, one every 4-9 s, spread over the whole chaos phase; each kind at least once when time allows.
  const order: FaultName[] = [...FAULTS];
  for (let at = between(2000, 5000), i = 0; at < end - 3000; at += between(4000, 9000), i++) {
    const fault = i < order.length ? order.splice(Math.floor(random() * order.length), 1)[0] : pick(FAULTS);
    const durationMs = Math.round(
      fault === 'worker-kill' ? between(2000, 8000)
        : fault === 'server-restart' ? between(1000, 4000)
          : between(8000, 25000));
    actions.push({
      at: Math.round(at), kind: 'fault', fault, durationMs: Math.min(durationMs, end - Math.round(at)),
      customer: Math.floor(random() * options.customers),
      retryAfterSeconds: Math.round(between(0.2, 3) * 10) / 10,
      deltaShape: pick(DELTA_EXPIRY_SHAPES),
    });
  }

  actions.sort((a, b) => a.at - b.at);
  const digest = createHash('sha256').update(JSON.stringify(actions)).digest('hex').slice(0, 16);
  return { actions, digest, initialIds };
}
