import { DateTime } from 'luxon';
import { startMicrosoftEmulator, type GraphEvent, type MicrosoftEmulator } from '../../src/emulator';
import { trustCertificateAuthority } from '../../src/net/trust';
import type { SyncDeps } from '../../src/reconcile/mailbox-session';
import { reconcileIntegration, type ReconcileOptions } from '../../src/reconcile/reconcile';
import type { ReconcileResult, SyncCursor } from '../../src/reconcile/summary';
import { TokenProvider } from '../../src/outlook/token';
import { MemorySecretStore } from '../../src/secrets/store';
import { MARKER_PROPERTY_IDS } from '../../src/sync/marker';
import type { SourceEvent } from '../../src/sync/model';
import { integrationConfigSchema, type IntegrationConfig, type IntegrationConfigInput } from '../../src/sync/integration-config';

/**
 * The world the end-to-end sync tests run in: the Microsoft emulator over HTTPS with one tenant,
 * a consented app and a secret in a memory store, plus helpers to read a mailbox's owned events
 * in a shape that can be compared with the feed.
 */
export const TENANT = '7a1b2c3d-0000-4000-8000-0000000000aa';
export const DOMAIN = 'cantinaoro.onmicrosoft.com';
export const CLIENT_ID = 'c0ffee00-0000-4000-8000-000000000001';
export const NO_CONSENT_CLIENT_ID = 'c0ffee00-0000-4000-8000-000000000002';
export const SECRET_REF = 'cantina-oro-graph';
export const WRONG_SECRET_REF = 'cantina-oro-wrong';
const SECRET = 'emulator-secret-value';

export interface SyncWorld {
  emu: MicrosoftEmulator;
  /** Deps of one sync (a worker's: one token provider for the world). */
  deps(): SyncDeps;
  /** A new mailbox (its own calendar, throttling budget and delta state). */
  addMailbox(localPart: string): string;
  close(): Promise<void>;
}

export async function startSyncWorld(): Promise<SyncWorld> {
  const emu = await startMicrosoftEmulator();
  trustCertificateAuthority(emu.caPem);
  emu.addTenant({ id: TENANT, domain: DOMAIN });
  emu.addApp({ tenantId: TENANT, clientId: CLIENT_ID, secrets: [{ value: SECRET }], roles: ['Calendars.ReadWrite'] });
  emu.addApp({ tenantId: TENANT, clientId: NO_CONSENT_CLIENT_ID, secrets: [{ value: SECRET }], roles: [] });
  const secrets = new MemorySecretStore().set(SECRET_REF, SECRET).set(WRONG_SECRET_REF, 'not-the-secret');
  const endpoints = { authorityHost: emu.baseUrl, graphBaseUrl: emu.baseUrl };
  // One provider for the whole world, as in a worker: tokens come from MSAL's cache after the first.
  const tokens = new TokenProvider(endpoints);
  return {
    emu,
    deps: () => ({ secrets, endpoints, tokens, pause: async () => undefined }),
    addMailbox: (localPart) => emu.addUser({ tenantId: TENANT, userPrincipalName: `${localPart}@${DOMAIN}` }).userPrincipalName,
    close: () => emu.close(),
  };
}

export function configFor(input: Pick<IntegrationConfigInput, 'customerId' | 'mailbox' | 'feedUrl'> & Partial<IntegrationConfigInput>): IntegrationConfig {
  return integrationConfigSchema.parse({ tenantId: TENANT, clientId: CLIENT_ID, secretRef: SECRET_REF, ...input });
}

/**
 * Every HTTP request the emulator received, whatever its kind: Graph requests (a $batch counts
 * once) and every Entra endpoint MSAL may call.
 */
export function emulatorHttpRequests(counts: Record<string, number>): number {
  return ['graph', 'token', 'openid-configuration', 'instance-discovery', 'jwks'].reduce((sum, kind) => sum + (counts[kind] ?? 0), 0);
}

/** Graph writes (top-level or inside $batch) the emulator received. */
export function graphWrites(counts: Record<string, number>): number {
  return (counts['POST events'] ?? 0) + (counts['PATCH event'] ?? 0) + (counts['DELETE event'] ?? 0);
}

/** An owned event as compared with the feed: instants in UTC (ms precision), dates for all-day events. */
export interface EventView {
  sourceId: string;
  subject: string;
  start: string;
  end: string;
  /** The zone the event was written in (Graph's originalStartTimeZone / originalEndTimeZone). */
  timeZones: string;
  allDay: boolean;
  location: string;
  body: string;
}

const markerValue = (event: GraphEvent, id: string) =>
  (event.singleValueExtendedProperties as { id: string; value: string }[] | undefined)?.find((p) => p.id.toLowerCase() === id.toLowerCase())?.value;

const utcInstant = (dateTime: string) => DateTime.fromISO(dateTime.slice(0, 23), { zone: 'UTC' }).toISO();

function viewOf(event: GraphEvent, sourceId: string): EventView {
  const allDay = event.isAllDay === true;
  const time = (t: unknown) => {
    const { dateTime } = t as { dateTime: string };
    return allDay ? dateTime.slice(0, 10) : utcInstant(dateTime)!;
  };
  return {
    sourceId,
    subject: String(event.subject),
    start: time(event.start),
    end: time(event.end),
    timeZones: `${event.originalStartTimeZone}/${event.originalEndTimeZone}`,
    allDay,
    location: String((event.location as { displayName?: string }).displayName ?? ''),
    // The text of the stored body (the emulator's full body is HTML; bodies here are shorter than the preview).
    body: String(event.bodyPreview),
  };
}

/** The mailbox's events owned by this customer, by source id then start. Duplicates show as repeated ids. */
export function ownedEvents(emu: MicrosoftEmulator, mailbox: string, customerId: string): EventView[] {
  return emu
    .events(mailbox)
    .filter((e) => markerValue(e, MARKER_PROPERTY_IDS.integration) === customerId)
    .map((e) => viewOf(e, markerValue(e, MARKER_PROPERTY_IDS.eventId)!))
    .sort((a, b) => a.sourceId.localeCompare(b.sourceId) || a.start.localeCompare(b.start));
}

/** The graph id of the owned event mirroring a source event. */
export function graphIdOf(emu: MicrosoftEmulator, mailbox: string, sourceId: string): string {
  const event = emu.events(mailbox).find((e) => markerValue(e, MARKER_PROPERTY_IDS.eventId) === sourceId);
  if (!event) throw new Error(`no owned event for ${sourceId}`);
  return String(event.id);
}

/**
 * What the mailbox must hold for a source event with the default mapping options (subject = title,
 * body = description): written independently of the mapping code, from the event's own times.
 */
export function expectedView(event: SourceEvent, windowsZone = 'W. Europe Standard Time'): EventView {
  const time = (t: SourceEvent['start']) =>
    t.kind === 'date' ? t.date : DateTime.fromISO(t.dateTime, { zone: t.timeZone }).toUTC().toISO()!;
  return {
    sourceId: event.id,
    subject: event.title,
    start: time(event.start),
    end: time(event.end),
    timeZones: `${windowsZone}/${windowsZone}`,
    allDay: event.allDay,
    location: event.location ?? '',
    body: event.description ?? '',
  };
}

export const byView = (a: EventView, b: EventView) => a.sourceId.localeCompare(b.sourceId) || a.start.localeCompare(b.start);

/**
 * Runs a reconcile the way the integration workflow's activity does under Temporal: a transient
 * failure is retried (bounded); a configuration error is thrown.
 */
export async function reconcileWithRetries(
  config: IntegrationConfig,
  cursor: SyncCursor | null,
  options: ReconcileOptions,
  deps: SyncDeps,
  maxAttempts = 20,
): Promise<ReconcileResult & { attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { ...(await reconcileIntegration(config, cursor, options, deps)), attempts: attempt };
    } catch (err) {
      if (!(err as { transient?: boolean }).transient || attempt >= maxAttempts) throw err;
    }
  }
}
