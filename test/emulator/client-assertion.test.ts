import assert from 'node:assert/strict';
import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import { ConfidentialClientApplication } from '@azure/msal-node';
import jwt from 'jsonwebtoken';
import { MicrosoftEmulator } from '../../src/emulator';
import { parseCredential } from '../../src/secrets/credential';
import { makeCertificate, type TestCertificate } from '../support/certificates';
import { startWorld, TENANT } from './world';

/**
 * Certificate credentials (RFC 7523 client assertions) through the real @azure/msal-node, and
 * hand-made assertions for the refusals MSAL never produces.
 * Source: https://learn.microsoft.com/entra/identity-platform/certificate-credentials
 */
describe('emulator: Entra client assertions (certificate credentials)', function () {
  this.timeout(60_000);
  const CERT_APP = 'cccccccc-0000-4000-8000-000000000001';
  const scopes = ['https://graph.microsoft.com/.default'];
  let emu: MicrosoftEmulator;
  let registered: TestCertificate;
  let unregistered: TestCertificate;
  let expired: TestCertificate;

  before(async () => {
    emu = await startWorld();
    [registered, unregistered, expired] = await Promise.all([
      makeCertificate(), makeCertificate({ cn: 'not uploaded' }), makeCertificate({ validFromDays: -400, validToDays: -1 }),
    ]);
    emu.addApp({
      tenantId: TENANT, clientId: CERT_APP, secrets: [], roles: ['Calendars.ReadWrite', 'Application.Read.All'],
      certificates: [{ certificate: registered.certificate }, { certificate: expired.certificate }],
    });
  });
  after(async () => {
    await emu.close();
  });

  const msal = (cert: TestCertificate) => {
    const c = parseCredential(cert.bundle);
    assert.equal(c.kind, 'certificate');
    return new ConfidentialClientApplication({
      auth: {
        clientId: CERT_APP, authority: `${emu.baseUrl}/${TENANT}`, knownAuthorities: [emu.authorityHost],
        clientCertificate: { thumbprintSha256: c.thumbprintSha256, privateKey: c.privateKey, x5c: c.certificateChain },
      },
    });
  };
  const refusal = async (cert: TestCertificate) => {
    try {
      await msal(cert).acquireTokenByClientCredential({ scopes });
    } catch (err) {
      return err as { errorNo?: string; errorCode?: string; errorMessage?: string };
    }
    assert.fail('the token endpoint accepted the assertion');
  };

  const tokenEndpoint = () => `${emu.baseUrl}/${TENANT}/oauth2/v2.0/token`;
  const thumbprint = (cert: TestCertificate, hash: 'sha256' | 'sha1') => createHash(hash).update(new X509Certificate(cert.certificate).raw).digest('base64url');
  /** A client assertion as RFC 7523 and Entra's docs describe it, with any claim or header overridden. */
  function assertion(signWith: TestCertificate, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): string {
    const now = Math.floor(Date.now() / 1000);
    return jwt.sign(
      { aud: tokenEndpoint(), iss: CERT_APP, sub: CERT_APP, jti: randomUUID(), nbf: now, exp: now + 600, ...claims },
      signWith.privateKey,
      { algorithm: 'RS256', header: { alg: 'RS256', typ: 'JWT', 'x5t#S256': thumbprint(registered, 'sha256'), ...header } as jwt.JwtHeader },
    );
  }
  async function post(clientAssertion: string, type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
    const response = await fetch(tokenEndpoint(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: CERT_APP, grant_type: 'client_credentials', scope: scopes[0], client_assertion_type: type, client_assertion: clientAssertion }),
    });
    return { status: response.status, body: (await response.json()) as { error?: string; error_codes?: number[]; error_description?: string; access_token?: string } };
  }

  it('issues a token to MSAL signing with the uploaded certificate (x5t#S256, PS256, x5c), marked appidacr 2', async () => {
    const result = await msal(registered).acquireTokenByClientCredential({ scopes });
    const claims = jwt.decode(result!.accessToken) as jwt.JwtPayload;
    assert.equal(claims.appid, CERT_APP);
    assert.equal(claims.appidacr, '2', 'certificate-authenticated');
    assert.deepEqual(claims.roles, ['Calendars.ReadWrite', 'Application.Read.All']);
  });

  it('lists the uploaded certificates as keyCredentials with their validity and SHA-1 thumbprint', async () => {
    const token = (await msal(registered).acquireTokenByClientCredential({ scopes }))!.accessToken;
    const response = await fetch(`${emu.baseUrl}/v1.0/applications(appId='${CERT_APP}')?$select=keyCredentials`, { headers: { authorization: `Bearer ${token}` } });
    const { keyCredentials } = (await response.json()) as { keyCredentials: { customKeyIdentifier: string; endDateTime: string; type: string }[] };
    assert.equal(keyCredentials.length, 2);
    const sha1 = Buffer.from(thumbprint(registered, 'sha1'), 'base64url').toString('hex').toUpperCase();
    const listed = keyCredentials.find((k) => k.customKeyIdentifier === sha1);
    assert.equal(listed?.type, 'AsymmetricX509Cert');
    assert.equal(listed?.endDateTime, new Date(new X509Certificate(registered.certificate).validTo).toISOString());
  });

  it('answers a certificate that is not uploaded with AADSTS700027 "The key was not found"', async () => {
    const err = await refusal(unregistered);
    assert.equal(String(err.errorNo), '700027');
    assert.equal(err.errorCode, 'invalid_client');
    assert.match(err.errorMessage ?? '', /Reason - The key was not found/);
  });

  it('answers an expired uploaded certificate with AADSTS700027 "The key used is expired"', async () => {
    const err = await refusal(expired);
    assert.equal(String(err.errorNo), '700027');
    assert.match(err.errorMessage ?? '', /The key used is expired/);
  });

  it('answers a signature by another key under a registered thumbprint with AADSTS700027 (signature mismatch)', async () => {
    const { status, body } = await post(assertion(unregistered));
    assert.equal(status, 401);
    assert.deepEqual(body.error_codes, [700027]);
    assert.match(body.error_description ?? '', /did not match the expected signature value/);
  });

  it('accepts the legacy SHA-1 x5t header', async () => {
    const { status, body } = await post(assertion(registered, {}, { 'x5t#S256': undefined, x5t: thumbprint(registered, 'sha1') }));
    assert.equal(status, 200, body.error_description);
    assert.ok(body.access_token);
  });

  it('checks the time range (AADSTS700024), audience (AADSTS700023), issuer and subject (AADSTS700021)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [Record<string, unknown>, number][] = [
      [{ exp: now - 3600, nbf: now - 4200 }, 700024],
      [{ nbf: now + 3600, exp: now + 4200 }, 700024],
      [{ aud: `${emu.baseUrl}/another-tenant/oauth2/v2.0/token` }, 700023],
      [{ iss: 'someone-else' }, 700021],
      [{ sub: 'someone-else' }, 700021],
    ];
    for (const [claims, code] of cases) {
      const { status, body } = await post(assertion(registered, claims));
      assert.equal(status, 401, JSON.stringify(claims));
      assert.deepEqual(body.error_codes, [code], JSON.stringify(claims));
      assert.equal(body.error, 'invalid_client');
    }
    const { body } = await post(assertion(registered), 'urn:something-else');
    assert.deepEqual(body.error_codes, [90014]);
    const noThumbprint = await post(assertion(registered, {}, { 'x5t#S256': undefined }));
    assert.deepEqual(noThumbprint.body.error_codes, [50027]);
  });
});
