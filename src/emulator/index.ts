import { once } from 'node:events';
import { createServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { EmulatorContext } from './context';
import { extendedPropertyKey, StoredEvent } from './graph/event-model';
import { renderEvent } from './graph/event-view';
import { DELTA_EXPIRY_SHAPES, type DeltaExpiryShape } from './graph/mailbox';
import { DEFAULT_TOKEN_LIFETIME, type TokenLifetime, validateTokenLifetime } from './entra/token';
import { type LatencyModel, validateLatencyModel } from './latency';
import { createHttpApp } from './server';
import { createLoopbackCertificate } from './tls';
import {
  AccessPolicySetup, AppSetup, CalendarPermissionSetup, CertificateSetup, EventInput, FaultSpec, GraphEvent, RbacAssignmentSetup, TenantSetup,
  ThrottlingSettings, UserSetup,
} from './types';

export * from './types';
export type { LatencyModel } from './latency';
export type { TokenLifetime } from './entra/token';
export { DELTA_EXPIRY_SHAPES, type DeltaExpiryShape } from './graph/mailbox';
export { applyDemoSetup, DEMO_SETUP } from './demo-setup';

/** A running local Microsoft Entra + Graph calendar emulator (see docs/emulator.md). */
export interface MicrosoftEmulator {
  /** https://localhost:PORT, no trailing slash. Authority = `${baseUrl}/${tenantId}`; Graph baseUrl = `${baseUrl}/`. */
  readonly baseUrl: string;
  /** PEM of the run-time self-signed certificate (SAN localhost, 127.0.0.1). */
  readonly caPem: string;
  /** For MSAL `knownAuthorities`: 'localhost:PORT'. */
  readonly authorityHost: string;
  close(): Promise<void>;

  addTenant(setup: TenantSetup): void;
  addApp(setup: AppSetup): void;
  /**
   * What an administrator's Accept on the admin-consent page does: the app's service principal in
   * this tenant, granted the registration's requiredRoles. Browsers use GET /{tenant}/v2.0/adminconsent.
   */
  grantAdminConsent(tenantId: string, clientId: string): void;
  /** Entra admin center > Enterprise applications > the app > Delete, in a tenant that consented. */
  deleteServicePrincipal(tenantId: string, clientId: string): void;
  /** Uploads another certificate to an existing app (rotation). */
  addCertificate(tenantId: string, clientId: string, setup: CertificateSetup): void;
  addUser(setup: UserSetup): { id: string; userPrincipalName: string };
  setAccessPolicy(setup: AccessPolicySetup): void;
  /** Exchange RBAC for Applications: a calendar role for the app, scoped to these mailboxes (additive). */
  addRbacAssignment(setup: RbacAssignmentSetup): void;
  setCalendarPermissions(upn: string, permissions: CalendarPermissionSetup[]): void;

  /** The mailbox's events in Graph shape (UTC, HTML body, all extended properties), by start. */
  events(upn: string): GraphEvent[];
  personCreateEvent(upn: string, body: EventInput): GraphEvent;
  personUpdateEvent(upn: string, id: string, patch: EventInput): GraphEvent;
  personDeleteEvent(upn: string, id: string): void;
  /**
   * Makes every outstanding delta/skip token of the mailbox answer 410 in the given documented
   * shape (default syncStateNotFound).
   */
  expireDeltaTokens(upn: string, shape?: DeltaExpiryShape): void;

  /** Requests received per kind (snapshot); see RequestCounters. */
  readonly requests: Record<string, number>;
  resetCounters(): void;
  setThrottling(settings: Partial<ThrottlingSettings>): void;
  /** Back to Outlook's defaults and empty per-mailbox load. */
  resetThrottling(): void;
  injectFault(fault: FaultSpec): void;
  clearFaults(): void;
  /**
   * Per-request latency (log-normal with this median and p99, seeded), or undefined for none.
   * Graph requests hold their mailbox's concurrency slot for the whole latency.
   */
  setLatency(model: LatencyModel | undefined): void;
  /** Access-token lifetimes drawn from this range (seconds); undefined = Entra's default 60-90 minutes. */
  setTokenLifetime(range: TokenLifetime | undefined): void;
}

export interface MicrosoftEmulatorOptions {
  port?: number;
  host?: string;
  /** Per-request latency from the start (default: none); see setLatency. */
  latency?: LatencyModel;
}

export async function startMicrosoftEmulator(options: MicrosoftEmulatorOptions = {}): Promise<MicrosoftEmulator> {
  if (options.latency) validateLatencyModel(options.latency);
  const ctx = new EmulatorContext();
  ctx.latency.set(options.latency);
  const { key, cert } = await createLoopbackCertificate();
  const emulator = createFacade(ctx, cert, async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });
  const server = createServer({ key, cert }, createHttpApp(ctx, emulator));
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  ctx.baseUrl = `https://localhost:${(server.address() as AddressInfo).port}`;
  return emulator;
}

function createFacade(ctx: EmulatorContext, caPem: string, close: () => Promise<void>): MicrosoftEmulator {
  const { directory } = ctx;
  const view = (upn: string, event: StoredEvent): GraphEvent => {
    const user = directory.requireUserByUpn(upn);
    return renderEvent(event, {
      owner: { name: user.displayName, address: user.userPrincipalName },
      expandKeys: event.extendedProperties.map((p) => extendedPropertyKey(p.id)!),
    });
  };
  const mailboxOf = (upn: string) => directory.requireUserByUpn(upn).mailbox;
  return {
    get baseUrl() {
      return ctx.baseUrl;
    },
    get authorityHost() {
      return new URL(ctx.baseUrl).host;
    },
    caPem,
    close,
    addTenant: (setup) => void directory.addTenant(setup),
    addApp: (setup) => void directory.addApp(setup),
    grantAdminConsent: (tenantId, clientId) => void directory.grantAdminConsent(tenantId, clientId),
    deleteServicePrincipal: (tenantId, clientId) => directory.deleteServicePrincipal(tenantId, clientId),
    addCertificate: (tenantId, clientId, setup) => directory.addCertificate(tenantId, clientId, setup),
    addUser: (setup) => {
      const user = directory.addUser(setup);
      return { id: user.id, userPrincipalName: user.userPrincipalName };
    },
    setAccessPolicy: (setup) => directory.setAccessPolicy(setup),
    addRbacAssignment: (setup) => directory.addRbacAssignment(setup),
    setCalendarPermissions: (upn, permissions) => {
      directory.requireUserByUpn(upn).calendarPermissions = permissions.map((p) => ({ ...p, emailAddress: { ...p.emailAddress } }));
    },
    events: (upn) => mailboxOf(upn).list().map((e) => view(upn, e)),
    personCreateEvent: (upn, body) => view(upn, mailboxOf(upn).create(withoutTransaction(body))),
    personUpdateEvent: (upn, id, patch) => view(upn, mailboxOf(upn).update(id, patch)),
    personDeleteEvent: (upn, id) => mailboxOf(upn).delete(id),
    expireDeltaTokens: (upn, shape = 'syncStateNotFound') => {
      if (!DELTA_EXPIRY_SHAPES.includes(shape)) throw new Error(`expireDeltaTokens: shape must be one of ${DELTA_EXPIRY_SHAPES.join(', ')}`);
      const mailbox = mailboxOf(upn);
      mailbox.deltaGeneration += 1;
      mailbox.deltaExpiryShape = shape;
    },
    get requests() {
      return ctx.counters.snapshot();
    },
    resetCounters: () => ctx.counters.reset(),
    setThrottling: (settings) => ctx.throttle.configure(settings),
    resetThrottling: () => ctx.throttle.reset(),
    injectFault: (fault) => ctx.faults.add(fault),
    clearFaults: () => ctx.faults.clear(),
    setLatency: (model) => ctx.latency.set(model),
    setTokenLifetime: (range) => {
      if (range) validateTokenLifetime(range);
      ctx.tokenLifetime = { ...(range ?? DEFAULT_TOKEN_LIFETIME) };
    },
  };
}

/** People in Outlook have no transactionId; ignore one so person edits never de-duplicate. */
function withoutTransaction(body: EventInput): EventInput {
  const { transactionId: _ignored, ...rest } = body;
  return rest;
}
