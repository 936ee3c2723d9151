import { ConfidentialClientApplication } from '@azure/msal-node';
import { Client, GraphRequest, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import { MicrosoftEmulator, startMicrosoftEmulator } from '../../src/emulator';
import { trustCertificateAuthority } from '../../src/net/trust';

/** A tenant with apps and users covering every access case the conformance tests need. */
export const TENANT = '11111111-2222-4333-8444-555555555555';
export const DOMAIN = 'contoso.onmicrosoft.com';
export const SECRET = 'right-secret';
export const APPS = {
  calendar: 'aaaaaaaa-0000-4000-8000-000000000001',
  noConsent: 'aaaaaaaa-0000-4000-8000-000000000002',
  delegatedOnly: 'aaaaaaaa-0000-4000-8000-000000000003',
  expired: 'aaaaaaaa-0000-4000-8000-000000000004',
  directory: 'aaaaaaaa-0000-4000-8000-000000000005',
};
export const USERS = {
  tastings: `tastings@${DOMAIN}`,
  office: `office@${DOMAIN}`,
  noMailbox: `nomailbox@${DOMAIN}`,
  unlicensed: `unlicensed@${DOMAIN}`,
};
export const SYNC_PROP = 'String {8ECCC264-6880-4EBE-992F-8888D2EEAA1D} Name WineAroundBookingId';

export async function startWorld(): Promise<MicrosoftEmulator> {
  const emu = await startMicrosoftEmulator();
  trustCertificateAuthority(emu.caPem);
  emu.addTenant({ id: TENANT, domain: DOMAIN });
  const app = (clientId: string, roles: string[], extra: object = {}): void =>
    emu.addApp({ tenantId: TENANT, clientId, secrets: [{ value: SECRET }], roles, ...extra });
  app(APPS.calendar, ['Calendars.ReadWrite']);
  app(APPS.noConsent, []);
  app(APPS.delegatedOnly, [], { delegatedScopes: ['Calendars.ReadWrite'] });
  app(APPS.directory, ['Calendars.ReadWrite', 'User.Read.All']);
  emu.addApp({
    tenantId: TENANT, clientId: APPS.expired, roles: ['Calendars.ReadWrite'],
    secrets: [{ value: SECRET, expiresAt: new Date(Date.now() - 86400000) }],
  });
  emu.addUser({ tenantId: TENANT, userPrincipalName: USERS.tastings, displayName: 'Tasting room' });
  emu.addUser({ tenantId: TENANT, userPrincipalName: USERS.office });
  emu.addUser({ tenantId: TENANT, userPrincipalName: USERS.noMailbox, mailbox: false });
  emu.addUser({ tenantId: TENANT, userPrincipalName: USERS.unlicensed, licensed: false });
  return emu;
}

export function msalApp(emu: MicrosoftEmulator, clientId = APPS.calendar, secret = SECRET, tenant = TENANT): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: { clientId, clientSecret: secret, authority: `${emu.baseUrl}/${tenant}`, knownAuthorities: [emu.authorityHost] },
  });
}

export async function accessToken(emu: MicrosoftEmulator, clientId = APPS.calendar): Promise<string> {
  const result = await msalApp(emu, clientId).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
  return result!.accessToken;
}

/** The real Graph client against the emulator, authenticated through MSAL (one CCA = one token cache). */
export function graphClient(emu: MicrosoftEmulator, clientId = APPS.calendar, secret = SECRET, tenant = TENANT): Client {
  const cca = msalApp(emu, clientId, secret, tenant);
  return Client.initWithMiddleware({
    baseUrl: `${emu.baseUrl}/`,
    customHosts: new Set(['localhost']),
    authProvider: {
      getAccessToken: async () =>
        (await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }))!.accessToken,
    },
  });
}

/** Disables the Graph client's RetryHandler for one request, to observe raw 429/503/504. */
export const noRetry = (request: GraphRequest): GraphRequest => request.middlewareOptions([new RetryHandlerOptions(0, 0)]);

export function eventBody(subject: string, startHour = 10, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const hh = String(startHour).padStart(2, '0');
  return {
    subject,
    start: { dateTime: `2030-05-01T${hh}:00:00`, timeZone: 'W. Europe Standard Time' },
    end: { dateTime: `2030-05-01T${hh}:30:00`, timeZone: 'W. Europe Standard Time' },
    ...extra,
  };
}

/** Expects the promise to reject and returns the error for inspection. */
export async function rejection<E = Record<string, unknown>>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (err) {
    return err as E;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
