import type { GraphEvent } from '../src/emulator';
import { getStatus } from '../src/ops/integrations';
import { MARKER_PROPERTY_IDS } from '../src/sync/marker';
import type { FeedBooking } from '../src/winearound/ical-write';
import { integrationWorkflowId } from '../src/workflows/messages';
import type { Stack } from './stack';

/** What the soak demands once the faults stopped and a reconcile interval passed. */
export interface CheckResult { name: string; ok: boolean; detail: string }

export interface OwnEventRecord { id: string; changeKey: string; subject: string }

interface CheckInput {
  stack: Stack;
  bookings: Map<string, FeedBooking>[];
  ownEvents: OwnEventRecord[][];
  stoppedAt: number;
  customerId: (c: number) => string;
}

const seconds = (ms: number) => Math.floor(ms / 1000);
const prop = (e: GraphEvent, id: string) =>
  (e.singleValueExtendedProperties as { id: string; value: string }[] | undefined)?.find((p) => p.id.toLowerCase() === id.toLowerCase())?.value;
/** A wall time in Europe/Rome as a UTC instant (ms), via the offset Intl reports for that moment. */
function romeInstant(dateTime: string): number {
  const asUtc = Date.parse(`${dateTime}Z`);
  const offset = (at: number) => {
    const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Rome', timeZoneName: 'longOffset' }).formatToParts(new Date(at));
    const m = /GMT([+-])(\d\d):(\d\d)/.exec(parts.find((p) => p.type === 'timeZoneName')?.value ?? '');
    return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000 : 0;
  };
  return asUtc - offset(asUtc - offset(asUtc));
}
const graphInstant = (t: unknown) => Date.parse(`${(t as { dateTime: string }).dateTime.slice(0, 23)}Z`);

export async function runChecks({ stack, bookings, ownEvents, stoppedAt, customerId }: CheckInput): Promise<CheckResult[]> {
  const mismatches: string[] = [];
  const duplicates: string[] = [];
  const stale: string[] = [];
  const touched: string[] = [];
  const workflows: string[] = [];
  let owned = 0;
  let expectedTotal = 0;
  for (let c = 0; c < bookings.length; c++) {
    const events = stack.microsoft.events(stack.mailboxes[c]);
    const mine = events.filter((e) => prop(e, MARKER_PROPERTY_IDS.integration) === customerId(c));
    owned += mine.length;
    const bySource = new Map<string, GraphEvent[]>();
    for (const e of mine) {
      const id = prop(e, MARKER_PROPERTY_IDS.eventId) ?? '?';
      bySource.set(id, [...(bySource.get(id) ?? []), e]);
    }
    for (const [id, copies] of bySource) if (copies.length > 1) duplicates.push(`${customerId(c)}/${id} ×${copies.length}`);
    const expected = [...bookings[c].values()].filter((b) => !b.cancelled);
    expectedTotal += expected.length;
    for (const b of expected) {
      const event = bySource.get(b.id)?.[0];
      if (!event) { mismatches.push(`${customerId(c)}/${b.id} missing`); continue; }
      const start = b.start.kind === 'dateTime' ? romeInstant(b.start.dateTime) : NaN;
      const end = b.end.kind === 'dateTime' ? romeInstant(b.end.dateTime) : NaN;
      if (event.subject !== b.title || graphInstant(event.start) !== start || graphInstant(event.end) !== end) {
        mismatches.push(`${customerId(c)}/${b.id} differs (${String(event.subject)} vs ${b.title})`);
      }
      if (seconds(Number(prop(event, MARKER_PROPERTY_IDS.version))) !== seconds(b.version)) stale.push(`${customerId(c)}/${b.id}`);
    }
    for (const id of bySource.keys()) {
      const b = bookings[c].get(id);
      if (!b || b.cancelled) mismatches.push(`${customerId(c)}/${id} should not be there${b?.cancelled ? ' (cancelled)' : ''}`);
    }
    for (const own of ownEvents[c]) {
      const now = events.find((e) => e.id === own.id);
      if (!now) touched.push(`${customerId(c)}: "${own.subject}" deleted`);
      else if (now.changeKey !== own.changeKey || now.subject !== own.subject) touched.push(`${customerId(c)}: "${own.subject}" changed`);
      else if (prop(now, MARKER_PROPERTY_IDS.integration) !== undefined) touched.push(`${customerId(c)}: "${own.subject}" marked`);
    }
    try {
      const description = await stack.client.workflow.getHandle(integrationWorkflowId(customerId(c))).describe();
      const status = await getStatus(stack.client, customerId(c));
      const synced = status.lastSuccessAt ? Date.parse(status.lastSuccessAt) : 0;
      const problems = [
        description.status.name !== 'RUNNING' && `workflow ${description.status.name}`,
        status.state !== 'running' && `state ${status.state}`,
        status.pendingChanges > 0 && `${status.pendingChanges} pending`,
        synced < stoppedAt && 'no successful sync since the faults stopped',
        status.lastError && Date.parse(status.lastError.at) > synced && `last error ${status.lastError.code}`,
      ].filter(Boolean);
      if (problems.length) workflows.push(`${customerId(c)}: ${problems.join(', ')}`);
    } catch (err) {
      workflows.push(`${customerId(c)}: ${(err as Error).message.slice(0, 120)}`);
    }
  }
  const summary = (items: string[]) => (items.length ? `${items.length}: ${items.slice(0, 5).join('; ')}${items.length > 5 ? '; …' : ''}` : '');
  const people = ownEvents.reduce((n, own) => n + own.length, 0);
  return [
    { name: 'each mailbox equals its feed exactly', ok: mismatches.length === 0, detail: summary(mismatches) || `${expectedTotal} bookings, ${owned} owned events` },
    { name: 'no duplicate event', ok: duplicates.length === 0, detail: summary(duplicates) },
    { name: "every person's own event untouched", ok: touched.length === 0, detail: summary(touched) || `${people} own events` },
    { name: 'every booking at its newest version', ok: stale.length === 0, detail: summary(stale) },
    { name: 'no workflow failed or stuck', ok: workflows.length === 0, detail: summary(workflows) },
  ];
}
