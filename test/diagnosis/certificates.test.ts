import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { startMicrosoftEmulator, type MicrosoftEmulator } from '../../src/emulator';
import { diagnoseSetup, type DiagnosisTarget } from '../../src/diagnosis/diagnose';
import type { DiagnosisReport } from '../../src/diagnosis/report';
import { renderJson, renderReport } from '../../src/diagnosis/render';
import { trustCertificateAuthority } from '../../src/net/trust';
import { TokenProvider } from '../../src/outlook/token';
import { MemorySecretStore } from '../../src/secrets/store';
import { makeCertificate, type TestCertificate } from '../support/certificates';

/** The diagnosis of certificate credentials, with the real MSAL against the emulated Entra. */
describe('diagnosis: certificate credentials', function () {
  this.timeout(60_000);
  const TENANT = '5e6f7a8b-1c2d-4e3f-8a9b-0c1d2e3f4a5b';
  const APP = 'd4e5f6a7-0000-4000-8000-000000000001';
  const MAILBOX = 'calendario@cantinaverdi.onmicrosoft.com';
  let emu: MicrosoftEmulator;
  let tokens: TokenProvider;
  const certs = {} as Record<'good' | 'expiring' | 'expired' | 'stranger', TestCertificate>;
  const secrets = new MemorySecretStore();

  before(async () => {
    emu = await startMicrosoftEmulator();
    trustCertificateAuthority(emu.caPem);
    [certs.good, certs.expiring, certs.expired, certs.stranger] = await Promise.all([
      makeCertificate({ cn: 'Cantina Verdi sync' }), makeCertificate({ validToDays: 10.05 }),
      makeCertificate({ validFromDays: -400, validToDays: -2 }), makeCertificate({ cn: 'never uploaded' }),
    ]);
    emu.addTenant({ id: TENANT, domain: 'cantinaverdi.onmicrosoft.com' });
    emu.addApp({
      tenantId: TENANT, clientId: APP, secrets: [], roles: ['Calendars.ReadWrite'],
      certificates: [certs.good, certs.expiring, certs.expired].map((c) => ({ certificate: c.certificate })),
    });
    emu.addUser({ tenantId: TENANT, userPrincipalName: MAILBOX });
    emu.setCalendarPermissions(MAILBOX, [{ emailAddress: { name: 'Staff', address: 'staff@cantinaverdi.onmicrosoft.com' }, role: 'read' }]);
    for (const [name, c] of Object.entries(certs)) secrets.set(name, c.bundle);
    secrets.set('mismatched', `${certs.stranger.privateKey}\n${certs.good.certificate}`);
    tokens = new TokenProvider({ authorityHost: emu.baseUrl, graphBaseUrl: emu.baseUrl });
  });
  after(async () => {
    await emu?.close();
  });

  async function diagnose(secretRef: string): Promise<DiagnosisReport> {
    const target: DiagnosisTarget = { tenantId: TENANT, clientId: APP, secretRef, mailbox: MAILBOX };
    const report = await diagnoseSetup(target, { secrets, tokens, endpoints: { authorityHost: emu.baseUrl, graphBaseUrl: emu.baseUrl } });
    for (const text of [renderJson(report), renderReport(report), renderReport(report, { lang: 'it' })]) {
      assert.doesNotMatch(text, /PRIVATE KEY|MII[A-Za-z0-9+/]{20}/, 'no key or certificate material in the report');
    }
    return report;
  }
  const flagged = (r: DiagnosisReport) => r.checks.filter((c) => c.status === 'fail' || c.status === 'warn').map((c) => `${c.check}:${c.status}:${c.code}`);
  const check = (r: DiagnosisReport, id: string) => r.checks.find((c) => c.check === id)!;
  const sha1 = (c: TestCertificate) => createHash('sha1').update(new X509Certificate(c.certificate).raw).digest('hex').toUpperCase();

  it('passes a healthy certificate setup and says which certificate and when it expires', async () => {
    const report = await diagnose('good');
    assert.deepEqual(flagged(report), [], JSON.stringify(report.checks, null, 1));
    assert.match(check(report, 'secret-ref').evidence, /certificate "CN=Cantina Verdi sync"/);
    assert.match(check(report, 'client-secret').evidence, new RegExp(`accepted the certificate .*thumbprint ${sha1(certs.good)}.*expires on .*, in 36[45] days`));
  });

  it('warns about a certificate expiring within 30 days, with its date and the fix', async () => {
    const report = await diagnose('expiring');
    assert.deepEqual(flagged(report), ['client-secret:warn:CERTIFICATE_EXPIRING']);
    assert.match(check(report, 'client-secret').evidence, /in 10 days/);
    assert.match(check(report, 'client-secret').fix, /Certificates & secrets > Certificates/);
    assert.equal(report.ok, true);
  });

  it('names a certificate that is not uploaded to the app (AADSTS700027) with the thumbprint to compare', async () => {
    const report = await diagnose('stranger');
    assert.deepEqual(flagged(report), ['client-secret:fail:CERTIFICATE_REJECTED']);
    const finding = check(report, 'client-secret');
    assert.match(finding.evidence, /AADSTS700027/);
    assert.match(finding.evidence, new RegExp(`thumbprint ${sha1(certs.stranger)}`));
    assert.match(finding.fix, /compare the Thumbprint column/);
    assert.equal(check(report, 'tenant').status, 'pass');
    assert.equal(check(report, 'app').status, 'pass');
    assert.equal(check(report, 'mailbox').status, 'skip');
    assert.match(renderReport(report, { lang: 'it' }), /ERRORE +Segreto client o certificato — CERTIFICATE_REJECTED\n[\s\S]*Identificazione personale \(Thumbprint\)/);
  });

  it('names an expired certificate (AADSTS700027, the key used is expired)', async () => {
    const report = await diagnose('expired');
    assert.deepEqual(flagged(report), ['client-secret:fail:CERTIFICATE_EXPIRED']);
    assert.match(check(report, 'client-secret').fix, /update-config --secret-ref/);
  });

  it('names a bundle whose key is not the certificate\'s, before asking Entra', async () => {
    emu.resetCounters();
    const report = await diagnose('mismatched');
    assert.deepEqual(flagged(report), ['secret-ref:fail:CERTIFICATE_UNREADABLE']);
    assert.match(check(report, 'secret-ref').evidence, /private key does not belong to the certificate/);
    assert.equal(emu.requests.token ?? 0, 0, 'no token request with an unusable credential');
  });
});
