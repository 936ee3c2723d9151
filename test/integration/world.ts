import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMicrosoftEmulator, type MicrosoftEmulator } from '../../src/emulator';
import { trustCertificateAuthority } from '../../src/net/trust';
import { MemorySecretStore } from '../../src/secrets/store';
import { sign, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../src/webhook/signature';
import { startFeedEmulator, type FeedEmulator } from '../../src/winearound/feed-emulator';
import { sampleBookings } from '../../src/winearound/sample-bookings';
import { MARKER_PROPERTY_IDS } from '../../src/sync/marker';
import type { IntegrationConfigInput } from '../../src/sync/integration-config';

/** Microsoft (emulated), a WineAround feed (emulated) and a customer's setup, for end-to-end tests. */
export const TENANT = '0b5c7a3e-1f2d-4e6a-8b9c-0d1e2f3a4b5c';
export const CLIENT = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';
export const SECRET = 'e2e-client-secret-Value~do-not-log';
export const MAILBOX = 'calendario@cantina-e2e.onmicrosoft.com';

export interface World {
  microsoft: MicrosoftEmulator;
  feed: FeedEmulator;
  secrets: MemorySecretStore;
  caFile: string;
  endpoints: { authorityHost: string; graphBaseUrl: string };
  settings(customerId: string, extra?: Partial<IntegrationConfigInput>): IntegrationConfigInput;
  close(): Promise<void>;
}

export async function startWorld(bookingCount = 12): Promise<World> {
  const microsoft = await startMicrosoftEmulator();
  trustCertificateAuthority(microsoft.caPem);
  const caDir = mkdtempSync(join(tmpdir(), 'wa-e2e-'));
  const caFile = join(caDir, 'ca.pem');
  writeFileSync(caFile, microsoft.caPem);
  microsoft.addTenant({ id: TENANT, domain: 'cantina-e2e.onmicrosoft.com' });
  microsoft.addApp({ tenantId: TENANT, clientId: CLIENT, secrets: [{ value: SECRET }], roles: ['Calendars.ReadWrite'] });
  microsoft.addUser({ tenantId: TENANT, userPrincipalName: MAILBOX });
  const feed = await startFeedEmulator({ bookings: sampleBookings(new Date(), bookingCount) });
  const secrets = new MemorySecretStore().set('good', SECRET).set('wrong', 'not-the-secret');
  return {
    microsoft,
    feed,
    secrets,
    caFile,
    endpoints: { authorityHost: microsoft.baseUrl, graphBaseUrl: microsoft.baseUrl },
    settings: (customerId, extra = {}) => ({
      customerId, tenantId: TENANT, clientId: CLIENT, secretRef: 'good', mailbox: MAILBOX,
      feedUrl: feed.url(customerId), reconcileIntervalMs: 3_600_000, attentionRecheckMs: 3_600_000, ...extra,
    }),
    close: async () => {
      await feed.close();
      await microsoft.close();
      rmSync(caDir, { recursive: true, force: true });
    },
  };
}

/** The mailbox's events owned by one customer, by WineAround id. */
export function ownedEvents(world: World, customerId: string) {
  const prop = (e: { singleValueExtendedProperties?: { id: string; value: string }[] }, id: string) =>
    e.singleValueExtendedProperties?.find((p) => p.id.toLowerCase() === id.toLowerCase())?.value;
  return world.microsoft
    .events(MAILBOX)
    .filter((e) => prop(e, MARKER_PROPERTY_IDS.integration) === customerId)
    .map((e) => ({ graphId: e.id, sourceId: prop(e, MARKER_PROPERTY_IDS.eventId)!, subject: e.subject, version: Number(prop(e, MARKER_PROPERTY_IDS.version)) }));
}

/** The feed's live (not cancelled) bookings as the calendar should show them: id → title. */
export function expectedCalendar(world: World): Map<string, string> {
  return new Map(world.feed.bookings().filter((b) => !b.cancelled).map((b) => [b.id, b.title]));
}

export function calendarOf(world: World, customerId: string): Map<string, string> {
  const owned = ownedEvents(world, customerId);
  const ids = owned.map((e) => e.sourceId);
  if (new Set(ids).size !== ids.length) throw new Error(`duplicate owned events: ${ids.length - new Set(ids).size}`);
  return new Map(owned.map((e) => [e.sourceId, String(e.subject)]));
}

/** Waits for an asynchronous effect (a signal applied by the worker), up to a deadline. */
export async function eventually<T>(probe: () => T | Promise<T>, accept: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A probe may fail until the state exists (e.g. a query before the workflow's first task).
    const outcome = await Promise.resolve().then(probe).then((value) => ({ value }), (error: unknown) => ({ error }));
    if ('value' in outcome && accept(outcome.value)) return outcome.value;
    if (Date.now() > deadline) {
      const last = 'value' in outcome ? JSON.stringify(outcome.value)?.slice(0, 500) : String(outcome.error);
      throw new Error(`condition not reached within ${timeoutMs} ms; last: ${last}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function signedRequest(secret: string, body: unknown, timestamp = Math.floor(Date.now() / 1000)) {
  const raw = JSON.stringify(body);
  return { method: 'POST', headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: sign(secret, timestamp, raw) }, body: raw };
}
