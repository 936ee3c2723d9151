import assert from 'node:assert/strict';
import type { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { startMicrosoftEmulator, type MicrosoftEmulator } from '../../src/emulator';
import { validateConfig } from '../../src/ops/integrations';
import { parseNotification } from '../../src/winearound/notification';
import type { SyncSummary } from '../../src/reconcile/summary';
import { rejection } from '../emulator/world';
import { diagnoseSetup, type DiagnosisTarget } from '../../src/diagnosis/diagnose';
import type { CheckResult } from '../../src/diagnosis/report';
import { fixFor } from '../../src/diagnosis/texts';
import { trustCertificateAuthority } from '../../src/net/trust';
import { classifyTokenError } from '../../src/outlook/errors';
import { TokenProvider } from '../../src/outlook/token';
import { MemorySecretStore } from '../../src/secrets/store';

/**
 * The admin-consent path (docs/setup.md, Path A): WineAround's multi-tenant app, its credential held
 * by WineAround, the customer's tenant as authority. Before consent the token endpoint does not know
 * the app in the tenant; the diagnosis must say "consent not granted", not "wrong client id".
 */
/** Activity failures are the subject here: the mock's own warning about each would only be noise. */
const activityEnv = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
const HOME = 'e1e1e1e1-0000-4000-8000-000000000001';
const CUSTOMER_TENANT = 'e2e2e2e2-0000-4000-8000-000000000002';
const APP = 'e3e3e3e3-0000-4000-8000-000000000003';
const SECRET = 'winearound-own-app-secret-value';
const MAILBOX = 'calendario@cantinaverdi.onmicrosoft.com';

describe('diagnosis: WineAround\'s multi-tenant app (admin consent)', () => {
  let emu: MicrosoftEmulator;
  const secrets = new MemorySecretStore().set('winearound-app', SECRET);
  const target: DiagnosisTarget = { customerId: 'cantina-verdi', tenantId: CUSTOMER_TENANT, clientId: APP, secretRef: 'winearound-app', mailbox: MAILBOX };

  before(async () => {
    emu = await startMicrosoftEmulator();
    trustCertificateAuthority(emu.caPem);
    emu.addTenant({ id: HOME, domain: 'winearound.onmicrosoft.com' });
    emu.addTenant({ id: CUSTOMER_TENANT, domain: 'cantinaverdi.onmicrosoft.com' });
    emu.addApp({
      tenantId: HOME, clientId: APP, displayName: 'WineAround Outlook sync', secrets: [{ value: SECRET }], roles: [],
      signInAudience: 'AzureADMultipleOrgs', redirectUris: ['http://localhost/onboarding/callback'], requiredRoles: ['Calendars.ReadWrite'],
    });
    emu.addUser({ tenantId: CUSTOMER_TENANT, userPrincipalName: MAILBOX });
    emu.setCalendarPermissions(MAILBOX, [{ emailAddress: { name: 'Staff', address: 'staff@cantinaverdi.onmicrosoft.com' }, role: 'read' }]);
  });
  after(() => emu?.close());

  const diagnose = (multiTenantAppId?: string) => {
    const endpoints = { authorityHost: emu.baseUrl, graphBaseUrl: emu.baseUrl };
    const seen: CheckResult[] = [];
    return diagnoseSetup(target, { secrets, endpoints, tokens: new TokenProvider(endpoints, undefined, multiTenantAppId), multiTenantAppId, onCheck: (c) => seen.push(c) })
      .then((report) => ({ report, seen }));
  };
  const flagged = (checks: CheckResult[]) => checks.filter((c) => c.status === 'fail' || c.status === 'warn').map((c) => `${c.check}:${c.code}`);

  it('names consent not granted, with its fix in both languages, before the admin accepts', async () => {
    const { report, seen } = await diagnose(APP);
    assert.deepEqual(flagged(report.checks), ['app:CONSENT_NOT_GRANTED']);
    const app = report.checks.find((c) => c.check === 'app')!;
    assert.match(app.evidence, /AADSTS700016/);
    assert.match(app.fix, /Connect Outlook/);
    assert.match(fixFor('CONSENT_NOT_GRANTED', 'it'), /Collega Outlook/);
    // Each check was reported as it ended, every one of them.
    assert.deepEqual(seen.map((c) => c.check).sort(), report.checks.map((c) => c.check).sort());
  });

  it('reads the same answer as an unknown app for a client id that is not the multi-tenant app', async () => {
    const { report } = await diagnose(undefined);
    assert.deepEqual(flagged(report.checks), ['app:APP_NOT_FOUND']);
  });

  it('passes every Microsoft check once the admin consented, and leaves the shared credential to WineAround', async () => {
    emu.grantAdminConsent(CUSTOMER_TENANT, APP);
    const { report } = await diagnose(APP);
    assert.deepEqual(flagged(report.checks), []);
    assert.equal(report.ok, true);
    assert.match(report.checks.find((c) => c.check === 'client-secret')!.evidence, /WineAround's own app credential/);
    assert.match(report.checks.find((c) => c.check === 'permission')!.evidence, /Calendars\.ReadWrite/);
  });

  it('passes least privilege: consent without the tenant-wide role, and an RBAC for Applications assignment for the mailbox alone', async () => {
    // Path A, step A5: the admin revoked the consented Calendars.ReadWrite and kept the service principal.
    const scopedApp = 'e4e4e4e4-0000-4000-8000-000000000004';
    emu.addApp({
      tenantId: HOME, clientId: scopedApp, secrets: [{ value: SECRET }], roles: [], signInAudience: 'AzureADMultipleOrgs', requiredRoles: [],
    });
    emu.grantAdminConsent(CUSTOMER_TENANT, scopedApp);
    emu.addUser({ tenantId: CUSTOMER_TENANT, userPrincipalName: 'amministrazione@cantinaverdi.onmicrosoft.com' });
    emu.addRbacAssignment({ tenantId: CUSTOMER_TENANT, clientId: scopedApp, role: 'Application Calendars.ReadWrite', mailboxes: [MAILBOX] });
    const endpoints = { authorityHost: emu.baseUrl, graphBaseUrl: emu.baseUrl };
    const deps = { secrets, endpoints, tokens: new TokenProvider(endpoints, undefined, scopedApp), multiTenantAppId: scopedApp };
    const scoped = await diagnoseSetup({ ...target, clientId: scopedApp }, deps);
    assert.deepEqual(flagged(scoped.checks), []);
    assert.match(scoped.checks.find((c) => c.check === 'permission')!.evidence, /RBAC for Applications/);
    const other = await diagnoseSetup({ ...target, clientId: scopedApp, mailbox: 'amministrazione@cantinaverdi.onmicrosoft.com' }, deps);
    assert.deepEqual(flagged(other.checks), ['permission:CONSENT_MISSING']);
  });

  it('fails a sync of the multi-tenant app in a tenant without consent as CONSENT_NOT_GRANTED, with its advice', async () => {
    const noConsent = 'e5e5e5e5-0000-4000-8000-000000000005';
    emu.addTenant({ id: noConsent, domain: 'cantinagialla.onmicrosoft.com' });
    const endpoints = { authorityHost: emu.baseUrl, graphBaseUrl: emu.baseUrl };
    const change = parseNotification({
      customerId: 'cantina-gialla', eventId: 'bk-1', operation: 'upsert', version: Date.parse('2027-03-19T09:00:00Z'),
      event: { title: 'Degustazione', start: { kind: 'dateTime', dateTime: '2027-04-01T10:00:00', timeZone: 'Europe/Rome' }, end: { kind: 'dateTime', dateTime: '2027-04-01T11:00:00', timeZone: 'Europe/Rome' } },
    });
    const config = validateConfig({ customerId: 'cantina-gialla', tenantId: noConsent, clientId: APP, secretRef: 'winearound-app', mailbox: 'calendario@cantinagialla.onmicrosoft.com', feedUrl: 'https://feeds.test/cantina-gialla.ics' });
    const shared = createActivities({ secrets, endpoints, multiTenantAppId: APP });
    const failure = await rejection<ApplicationFailure>(activityEnv().run(shared.applyChanges, { config, changes: [change] }));
    assert.equal(failure.type, 'CONSENT_NOT_GRANTED');
    assert.equal(failure.nonRetryable, true);
    assert.match(String((failure.details?.[0] as { advice?: string }).advice), /Connect Outlook/);
    // The same answer for an app of the customer's own stays APP_NOT_FOUND.
    const own = await rejection<ApplicationFailure>(activityEnv().run(createActivities({ secrets, endpoints }).applyChanges, { config, changes: [change] }));
    assert.equal(own.type, 'APP_NOT_FOUND');
  });

  it('drops a cached token Graph refuses once the enterprise application is deleted, and then names the missing consent', async () => {
    const tenant = 'e6e6e6e6-0000-4000-8000-000000000006';
    const mailbox = 'calendario@cantinablu.onmicrosoft.com';
    emu.addTenant({ id: tenant, domain: 'cantinablu.onmicrosoft.com' });
    emu.addUser({ tenantId: tenant, userPrincipalName: mailbox });
    emu.grantAdminConsent(tenant, APP);
    const endpoints = { authorityHost: emu.baseUrl, graphBaseUrl: emu.baseUrl };
    const config = validateConfig({ customerId: 'cantina-blu', tenantId: tenant, clientId: APP, secretRef: 'winearound-app', mailbox, feedUrl: 'https://feeds.test/cantina-blu.ics' });
    const change = (n: number) => parseNotification({
      customerId: 'cantina-blu', eventId: `bk-${n}`, operation: 'upsert', version: Date.parse('2027-03-19T09:00:00Z'),
      event: { title: 'Degustazione', start: { kind: 'dateTime', dateTime: '2027-04-01T10:00:00', timeZone: 'Europe/Rome' }, end: { kind: 'dateTime', dateTime: '2027-04-01T11:00:00', timeZone: 'Europe/Rome' } },
    });
    const activities = createActivities({ secrets, endpoints, multiTenantAppId: APP });
    const run = (n: number) => activityEnv().run(activities.applyChanges, { config, changes: [change(n)] });
    assert.equal(((await run(1)) as SyncSummary).created, 1);

    emu.deleteServicePrincipal(tenant, APP);
    // The worker still holds a token issued before the deletion; Graph refuses it.
    const first = await rejection<ApplicationFailure>(run(2));
    assert.equal(first.nonRetryable, false, `a cached token refused is retried with a new one, not ${first.type}`);
    assert.match(first.message, /token cache/);
    const second = await rejection<ApplicationFailure>(run(2));
    assert.equal(second.type, 'CONSENT_NOT_GRANTED');
    assert.equal(second.nonRetryable, true);
  });

  it('reads AADSTS7000229 (no service principal in the tenant) as an app the tenant does not know', () => {
    const e = classifyTokenError({ errorCode: 'invalid_client', errorNo: '7000229', errorMessage: 'AADSTS7000229: The client application is missing service principal in the tenant.' });
    assert.equal(e.code, 'APP_NOT_FOUND');
    assert.equal(e.transient, false);
  });
});
