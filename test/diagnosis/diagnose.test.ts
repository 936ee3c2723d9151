import assert from 'node:assert/strict';
import { startMicrosoftEmulator, type MicrosoftEmulator } from '../../src/emulator';
import { diagnoseSetup, type DiagnosisTarget } from '../../src/diagnosis/diagnose';
import type { DiagnosisReport } from '../../src/diagnosis/report';
import { renderJson, renderReport } from '../../src/diagnosis/render';
import { trustCertificateAuthority } from '../../src/net/trust';
import { TokenProvider } from '../../src/outlook/token';
import { MemorySecretStore } from '../../src/secrets/store';
import { startFeedEmulator, type FeedEmulator } from '../../src/winearound/feed-emulator';
import { sampleBookings } from '../../src/winearound/sample-bookings';

/**
 * Each broken setup the customer's IT can produce, against the Entra + Graph emulator with the real
 * MSAL and Graph clients: the diagnosis must name exactly that problem and nothing else.
 */

const TENANT = '7a1c0f4e-3b2d-4c5e-9f60-1a2b3c4d5e6f';
const DOMAIN = 'cantinarossi.onmicrosoft.com';
const SECRET = 'Q8x~super-secret-value-0123456789';
const OLD_SECRET = 'Zz9~expired-secret-value-98765';
const APPS = {
  sync: 'b2c3d4e5-0000-4000-8000-000000000001',
  noConsent: 'b2c3d4e5-0000-4000-8000-000000000002',
  delegatedOnly: 'b2c3d4e5-0000-4000-8000-000000000003',
  expired: 'b2c3d4e5-0000-4000-8000-000000000004',
  scoped: 'b2c3d4e5-0000-4000-8000-000000000005',
  expiringSoon: 'b2c3d4e5-0000-4000-8000-000000000006',
  expiringLater: 'b2c3d4e5-0000-4000-8000-000000000007',
  expiringUnreadable: 'b2c3d4e5-0000-4000-8000-000000000008',
  ownedByReader: 'b2c3d4e5-0000-4000-8000-000000000009',
  rbacScoped: 'b2c3d4e5-0000-4000-8000-00000000000a',
  rbacElsewhere: 'b2c3d4e5-0000-4000-8000-00000000000b',
  unknown: 'b2c3d4e5-0000-4000-8000-0000000000ff',
};
const MAILBOXES = {
  calendar: `calendario@${DOMAIN}`,
  shared: `reception@${DOMAIN}`,
  noMailbox: `nomailbox@${DOMAIN}`,
  unlicensed: `exstaff@${DOMAIN}`,
  other: `amministrazione@${DOMAIN}`,
};
/** An hour past whole days, so "in N days" does not depend on how long the run takes. */
const inDays = (days: number): Date => new Date(Date.now() + days * 86_400_000 + 3_600_000);
const EXPIRES = { soon: inDays(10), later: inDays(200) };
const STAFF = { name: 'Giulia Bianchi', address: `giulia@${DOMAIN}` };
const CUSTOMER = 'cantina-rossi';

/** Every check id, in report order. */
const CHECKS = ['secret-ref', 'tenant', 'app', 'client-secret', 'permission', 'mailbox', 'access-policy', 'write-probe', 'sharing', 'feed'];
const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*/;

describe('diagnosis: diagnoseSetup against the emulator', () => {
  let emu: MicrosoftEmulator;
  let feeds: FeedEmulator;
  let tokens: TokenProvider;
  let feedUrl: string;
  const secrets = new MemorySecretStore().set('rossi-graph', SECRET).set('rossi-old', OLD_SECRET).set('rossi-wrong', 'not-the-secret-at-all');

  before(async () => {
    emu = await startMicrosoftEmulator();
    trustCertificateAuthority(emu.caPem);
    emu.addTenant({ id: TENANT, domain: DOMAIN });
    const app = (clientId: string, roles: string[], extra: object = {}) =>
      emu.addApp({ tenantId: TENANT, clientId, secrets: [{ value: SECRET }], roles, ...extra });
    app(APPS.sync, ['Calendars.ReadWrite']);
    app(APPS.noConsent, []);
    app(APPS.delegatedOnly, [], { delegatedScopes: ['Calendars.ReadWrite'] });
    app(APPS.scoped, ['Calendars.ReadWrite']);
    const expiring = (clientId: string, expiresAt: Date, roles: string[]) =>
      emu.addApp({ tenantId: TENANT, clientId, secrets: [{ value: SECRET, expiresAt }], roles: ['Calendars.ReadWrite', ...roles] });
    expiring(APPS.expiringSoon, EXPIRES.soon, ['Application.Read.All']);
    expiring(APPS.expiringLater, EXPIRES.later, ['Application.Read.All']);
    expiring(APPS.expiringUnreadable, EXPIRES.soon, []);
    expiring(APPS.ownedByReader, EXPIRES.soon, ['Application.ReadWrite.OwnedBy']);
    // Least privilege per docs/setup.md step 5a: no Entra consent, an Exchange RBAC assignment instead.
    app(APPS.rbacScoped, []);
    app(APPS.rbacElsewhere, []);
    emu.addApp({
      tenantId: TENANT, clientId: APPS.expired, roles: ['Calendars.ReadWrite'],
      secrets: [{ value: OLD_SECRET, expiresAt: new Date(Date.now() - 86_400_000) }],
    });
    emu.addUser({ tenantId: TENANT, userPrincipalName: MAILBOXES.calendar, displayName: 'Calendario prenotazioni' });
    emu.addUser({ tenantId: TENANT, userPrincipalName: MAILBOXES.shared });
    emu.addUser({ tenantId: TENANT, userPrincipalName: MAILBOXES.noMailbox, mailbox: false });
    emu.addUser({ tenantId: TENANT, userPrincipalName: MAILBOXES.unlicensed, licensed: false });
    emu.addUser({ tenantId: TENANT, userPrincipalName: MAILBOXES.other });
    emu.setAccessPolicy({ tenantId: TENANT, clientId: APPS.scoped, allowedUsers: [MAILBOXES.other] });
    const rbac = (clientId: string, mailbox: string) =>
      emu.addRbacAssignment({ tenantId: TENANT, clientId, role: 'Application Calendars.ReadWrite', mailboxes: [mailbox] });
    rbac(APPS.rbacScoped, MAILBOXES.calendar);
    rbac(APPS.rbacElsewhere, MAILBOXES.other);
    emu.setCalendarPermissions(MAILBOXES.calendar, [{ emailAddress: STAFF, role: 'read' }]);
    emu.setCalendarPermissions(MAILBOXES.shared, [
      { emailAddress: STAFF, role: 'read' },
      { emailAddress: { name: 'Marco Verdi', address: `marco@${DOMAIN}` }, role: 'write' },
    ]);
    emu.personCreateEvent(MAILBOXES.calendar, {
      subject: 'Staff meeting', start: { dateTime: '2030-05-01T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2030-05-01T11:00:00', timeZone: 'UTC' },
    });
    feeds = await startFeedEmulator({ bookings: sampleBookings(new Date(), 12) });
    feedUrl = feeds.url(CUSTOMER);
    tokens = new TokenProvider({ authorityHost: emu.baseUrl, graphBaseUrl: emu.baseUrl });
  });

  after(async () => {
    await feeds?.close();
    await emu?.close();
  });

  afterEach(() => emu.clearFaults());

  const healthy: DiagnosisTarget = {
    customerId: CUSTOMER, tenantId: TENANT, clientId: APPS.sync, secretRef: 'rossi-graph', mailbox: MAILBOXES.calendar, timeZone: 'Europe/Rome',
  };

  /** Runs the diagnosis and checks, for every report, that no secret, token or feed token leaks into any rendering. */
  async function diagnose(overrides: Partial<DiagnosisTarget> = {}): Promise<DiagnosisReport> {
    const report = await diagnoseSetup({ ...healthy, feedUrl, ...overrides }, {
      secrets, tokens, endpoints: { authorityHost: emu.baseUrl, graphBaseUrl: emu.baseUrl },
    });
    const feedToken = new URL(feedUrl).searchParams.get('token')!;
    for (const text of [renderJson(report), renderReport(report), renderReport(report, { lang: 'it' })]) {
      for (const secret of [SECRET, OLD_SECRET, 'not-the-secret-at-all', feedToken]) assert.ok(!text.includes(secret), 'a secret leaked into the report');
      assert.doesNotMatch(text, JWT, 'an access token leaked into the report');
    }
    assert.deepEqual(report.checks.map((c) => c.check), CHECKS);
    return report;
  }

  const byCheck = (report: DiagnosisReport, check: string) => report.checks.find((c) => c.check === check)!;

  /** The named check shows `code` with `status`, and no other check fails or warns. */
  function assertOnly(report: DiagnosisReport, check: string, status: 'fail' | 'warn', code: string): void {
    const flagged = report.checks.filter((c) => c.status === 'fail' || c.status === 'warn').map((c) => `${c.check}:${c.status}:${c.code}`);
    assert.deepEqual(flagged, [`${check}:${status}:${code}`]);
    const finding = byCheck(report, check);
    assert.ok(finding.fix.length > 0, 'a finding carries a fix');
    assert.equal(report.ok, status !== 'fail');
  }

  /** Checks after the failing one are skipped because of it; the independent feed check still ran. */
  function assertSkippedAfter(report: DiagnosisReport, failed: string): void {
    const after = CHECKS.slice(CHECKS.indexOf(failed) + 1, -1);
    for (const check of after) {
      assert.equal(byCheck(report, check).status, 'skip', check);
      assert.equal(byCheck(report, check).blockedBy, failed, check);
    }
    assert.equal(byCheck(report, 'feed').status, 'pass');
  }

  it('passes every check of a healthy setup and leaves no probe event behind', async () => {
    const before = JSON.stringify(emu.events(MAILBOXES.calendar));
    emu.resetCounters();
    const report = await diagnose();
    assert.deepEqual(report.checks.filter((c) => c.status !== 'pass'), []);
    assert.equal(report.ok, true);
    assert.equal(JSON.stringify(emu.events(MAILBOXES.calendar)), before);
    // The probe really was written, read back and deleted.
    assert.equal(emu.requests['POST events'], 1);
    assert.equal(emu.requests['DELETE event'], 1);
    assert.match(byCheck(report, 'permission').evidence, /Calendars\.ReadWrite/);
    assert.match(byCheck(report, 'client-secret').evidence, /cannot be read with Calendars\.ReadWrite alone/);
    assert.match(byCheck(report, 'sharing').evidence, new RegExp(`${STAFF.address} \\(read\\)`));
    assert.match(byCheck(report, 'feed').evidence, /: 12 events in the sync window/);
  });

  it('names an unknown secret reference and checks nothing that needs the secret', async () => {
    const report = await diagnose({ secretRef: 'rossi-missing' });
    assertOnly(report, 'secret-ref', 'fail', 'SECRET_REF_UNKNOWN');
    assertSkippedAfter(report, 'secret-ref');
  });

  it('names a wrong tenant (AADSTS90002)', async () => {
    const report = await diagnose({ tenantId: '00000000-1111-4222-8333-444444444444' });
    assertOnly(report, 'tenant', 'fail', 'TENANT_NOT_FOUND');
    assert.match(byCheck(report, 'tenant').evidence, /AADSTS90002/);
    assertSkippedAfter(report, 'tenant');
  });

  it('names a client id that is not registered in the tenant (AADSTS700016)', async () => {
    const report = await diagnose({ clientId: APPS.unknown });
    assertOnly(report, 'app', 'fail', 'APP_NOT_FOUND');
    assert.match(byCheck(report, 'app').evidence, /AADSTS700016/);
    assert.equal(byCheck(report, 'tenant').status, 'pass');
    assertSkippedAfter(report, 'app');
  });

  it('names a wrong client secret (AADSTS7000215)', async () => {
    const report = await diagnose({ secretRef: 'rossi-wrong' });
    assertOnly(report, 'client-secret', 'fail', 'INVALID_SECRET');
    assert.match(byCheck(report, 'client-secret').fix, /Value \(not its Secret ID\)/);
    assertSkippedAfter(report, 'client-secret');
  });

  it('names an expired client secret (AADSTS7000222)', async () => {
    const report = await diagnose({ clientId: APPS.expired, secretRef: 'rossi-old' });
    assertOnly(report, 'client-secret', 'fail', 'SECRET_EXPIRED');
    assert.match(byCheck(report, 'client-secret').evidence, /AADSTS7000222/);
    assertSkippedAfter(report, 'client-secret');
  });

  it('names missing admin consent: a token without roles', async () => {
    const report = await diagnose({ clientId: APPS.noConsent });
    assertOnly(report, 'permission', 'fail', 'CONSENT_MISSING');
    assert.match(byCheck(report, 'permission').evidence, /no application roles at all/);
    assertSkippedAfter(report, 'permission');
  });

  it('names a Delegated-only Calendars.ReadWrite as missing application consent', async () => {
    const report = await diagnose({ clientId: APPS.delegatedOnly });
    assertOnly(report, 'permission', 'fail', 'CONSENT_MISSING');
    assert.match(byCheck(report, 'permission').evidence, /Delegated permission/);
  });

  it('warns about a secret expiring in 10 days, with its date, when Graph shows the app\'s secrets', async () => {
    const report = await diagnose({ clientId: APPS.expiringSoon });
    assertOnly(report, 'client-secret', 'warn', 'SECRET_EXPIRING');
    const finding = byCheck(report, 'client-secret');
    assert.match(finding.evidence, new RegExp(`expires on ${EXPIRES.soon.toISOString().slice(0, 10)}, in 10 days`));
    assert.match(finding.fix, /Certificates & secrets: add a new client secret/);
  });

  it('passes a secret expiring in 200 days and says when', async () => {
    const report = await diagnose({ clientId: APPS.expiringLater });
    assert.deepEqual(report.checks.filter((c) => c.status !== 'pass'), []);
    assert.match(byCheck(report, 'client-secret').evidence, new RegExp(`expires on ${EXPIRES.later.toISOString().slice(0, 10)}, in 200 days`));
  });

  it('says plainly that the expiry cannot be read without a directory role, and passes the secret', async () => {
    // The secret does expire in 10 days, but only Application.Read.All (or similar) could show it.
    emu.resetCounters();
    const report = await diagnose({ clientId: APPS.expiringUnreadable });
    assert.deepEqual(report.checks.filter((c) => c.status !== 'pass'), []);
    const evidence = byCheck(report, 'client-secret').evidence;
    assert.match(evidence, /expiry date cannot be read with Calendars\.ReadWrite alone/);
    assert.match(evidence, /Certificates & secrets > Expires/);
    assert.doesNotMatch(evidence, /expires on/);
    assert.equal(emu.requests['GET application'], undefined, 'without a directory role Graph is not asked');
  });

  it('reports Graph\'s refusal when a role such as Application.ReadWrite.OwnedBy does not cover the app', async () => {
    const report = await diagnose({ clientId: APPS.ownedByReader });
    assert.deepEqual(report.checks.filter((c) => c.status !== 'pass'), []);
    assert.match(byCheck(report, 'client-secret').evidence,
      /403 Authorization_RequestDenied\)\. Its expiry date cannot be read with Calendars\.ReadWrite, Application\.ReadWrite\.OwnedBy \(/);
  });

  it('passes every check of a token without roles when an RBAC for Applications assignment grants the mailbox', async () => {
    const before = JSON.stringify(emu.events(MAILBOXES.calendar));
    emu.resetCounters();
    const report = await diagnose({ clientId: APPS.rbacScoped });
    assert.deepEqual(report.checks.filter((c) => c.status !== 'pass'), []);
    assert.equal(report.ok, true);
    const permission = byCheck(report, 'permission').evidence;
    assert.match(permission, /carries no application roles at all/);
    assert.match(permission, /RBAC for Applications/);
    assert.match(byCheck(report, 'client-secret').evidence, /cannot be read with a token without application roles/);
    assert.equal(emu.requests['POST events'], 1);
    assert.equal(emu.requests['DELETE event'], 1);
    assert.equal(JSON.stringify(emu.events(MAILBOXES.calendar)), before);
  });

  it('names missing consent for a token without roles and no RBAC assignment for the mailbox', async () => {
    for (const clientId of [APPS.noConsent, APPS.rbacElsewhere]) {
      const report = await diagnose({ clientId });
      assertOnly(report, 'permission', 'fail', 'CONSENT_MISSING');
      assert.match(byCheck(report, 'permission').evidence, /nor does an Exchange RBAC for Applications assignment grant the mailbox \(Graph answered 403 ErrorAccessDenied/);
      assertSkippedAfter(report, 'permission');
    }
  });

  it('names a mailbox that does not exist (ErrorInvalidUser)', async () => {
    const report = await diagnose({ mailbox: `nessuno@${DOMAIN}` });
    assertOnly(report, 'mailbox', 'fail', 'MAILBOX_NOT_FOUND');
    assert.match(byCheck(report, 'mailbox').evidence, /404 ErrorInvalidUser/);
    assertSkippedAfter(report, 'mailbox');
  });

  it('names a user without an Exchange Online licence, or without a mailbox (MailboxNotEnabledForRESTAPI)', async () => {
    for (const mailbox of [MAILBOXES.unlicensed, MAILBOXES.noMailbox]) {
      const report = await diagnose({ mailbox });
      assertOnly(report, 'mailbox', 'fail', 'NO_EXCHANGE_LICENSE');
      assert.match(byCheck(report, 'mailbox').evidence, /MailboxNotEnabledForRESTAPI/);
      assertSkippedAfter(report, 'mailbox');
    }
  });

  it('names an application access policy that excludes the mailbox, with the command to test it', async () => {
    const report = await diagnose({ clientId: APPS.scoped });
    assertOnly(report, 'access-policy', 'fail', 'ACCESS_POLICY_DENIED');
    const finding = byCheck(report, 'access-policy');
    assert.match(finding.evidence, /Access to OData is disabled/);
    assert.match(finding.fix, new RegExp(`Test-ApplicationAccessPolicy -Identity ${MAILBOXES.calendar} -AppId ${APPS.scoped}`));
    assert.equal(byCheck(report, 'mailbox').status, 'skip');
    assert.equal(byCheck(report, 'write-probe').blockedBy, 'access-policy');
  });

  it('warns about a staff member who can write to the calendar, and fails nothing', async () => {
    const before = emu.events(MAILBOXES.shared).length;
    const report = await diagnose({ mailbox: MAILBOXES.shared });
    assertOnly(report, 'sharing', 'warn', 'CALENDAR_SHARED_WRITABLE');
    assert.match(byCheck(report, 'sharing').evidence, /Can edit: marco@\S+ \(write\)/);
    assert.equal(emu.events(MAILBOXES.shared).length, before);
  });

  it('names a feed that refuses its token, and only that', async () => {
    const report = await diagnose({ feedUrl: `${feeds.baseUrl}/feeds/${CUSTOMER}.ics?token=revoked` });
    assertOnly(report, 'feed', 'fail', 'FEED_ACCESS_DENIED');
  });

  it('skips the feed check, with the reason, when no feed URL is known', async () => {
    const report = await diagnose({ feedUrl: undefined });
    assert.deepEqual(report.checks.filter((c) => c.status !== 'pass').map((c) => `${c.check}:${c.status}:${c.code}`), ['feed:skip:FEED_URL_NOT_GIVEN']);
    assert.equal(report.ok, true);
  });

  it('removes the probe event when reading it back fails', async () => {
    const before = JSON.stringify(emu.events(MAILBOXES.calendar));
    emu.injectFault({ match: { method: 'GET', path: /\/events\/[^/?]+\?/ }, kind: 'drop' });
    const report = await diagnose();
    assertOnly(report, 'write-probe', 'fail', 'UNAVAILABLE');
    assert.match(byCheck(report, 'write-probe').evidence, /at "read back"/);
    assert.equal(JSON.stringify(emu.events(MAILBOXES.calendar)), before);
  });

  it('finds and removes the probe event when the answer to its creation is lost', async () => {
    const before = JSON.stringify(emu.events(MAILBOXES.calendar));
    emu.injectFault({ match: { method: 'POST', path: /\/events$/ }, kind: 'lost-response' });
    const report = await diagnose();
    assertOnly(report, 'write-probe', 'fail', 'UNAVAILABLE');
    assert.match(byCheck(report, 'write-probe').evidence, /at "create"/);
    assert.equal(JSON.stringify(emu.events(MAILBOXES.calendar)), before);
  });

  it('renders Italian titles and fixes with the same codes', async () => {
    const report = await diagnose({ clientId: APPS.unknown });
    const text = renderReport(report, { lang: 'it' });
    assert.match(text, /ERRORE +Registrazione app — APP_NOT_FOUND/);
    assert.match(text, /Soluzione: .*Registrazioni app \(App registrations\)/);
    assert.match(text, /SALTATO +Segreto client o certificato\n +Non verificato: prima è fallito "Registrazione app"\./);
    assert.match(text, /Esito: 1 da correggere \(APP_NOT_FOUND\)/);
    const english = renderReport(report);
    assert.match(english, /FAIL +App registration — APP_NOT_FOUND/);
    assert.match(english, /Result: 1 to fix \(APP_NOT_FOUND\)/);
  });
});
