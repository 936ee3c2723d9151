import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import { MicrosoftEmulator } from '../../src/emulator';
import { APPS, DOMAIN, msalApp, rejection, SECRET, startWorld, TENANT } from './world';

/**
 * Entra client-credentials conformance through the real @azure/msal-node.
 * Sources: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 *          https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 *          https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference
 */
describe('emulator: Entra token endpoint', () => {
  let emu: MicrosoftEmulator;
  const scopes = ['https://graph.microsoft.com/.default'];
  before(async () => {
    emu = await startWorld();
  });
  after(async () => {
    await emu.close();
  });
  beforeEach(() => {
    emu.resetCounters();
    emu.clearFaults();
  });

  it('issues a signed app-only Graph token that MSAL caches', async () => {
    const cca = msalApp(emu);
    const first = await cca.acquireTokenByClientCredential({ scopes });
    const claims = jwt.decode(first!.accessToken, { complete: true })!;
    const payload = claims.payload as jwt.JwtPayload;
    assert.equal(claims.header.alg, 'RS256');
    assert.equal(payload.aud, 'https://graph.microsoft.com');
    assert.equal(payload.iss, `https://sts.windows.net/${TENANT}/`);
    assert.equal(payload.tid, TENANT);
    assert.equal(payload.appid, APPS.calendar);
    assert.equal(payload.azp, APPS.calendar);
    assert.equal(payload.idtyp, 'app');
    assert.deepEqual(payload.roles, ['Calendars.ReadWrite']);
    // Entra's default lifetime: randomised between 60 and 90 minutes.
    assert.ok(payload.exp! - payload.iat! >= 3600 && payload.exp! - payload.iat! <= 5400, `lifetime ${payload.exp! - payload.iat!}`);
    // expires_in > 300 s: the second call is served from MSAL's cache (graph-facts §2.4).
    const second = await cca.acquireTokenByClientCredential({ scopes });
    assert.equal(second!.fromCache, true);
    assert.equal(emu.requests.token, 1);
    assert.equal(emu.requests['openid-configuration'], 1);
  });

  it('omits the roles claim when admin consent is missing', async () => {
    const result = await msalApp(emu, APPS.noConsent).acquireTokenByClientCredential({ scopes });
    assert.equal((jwt.decode(result!.accessToken) as jwt.JwtPayload).roles, undefined);
  });

  it('accepts the tenant domain as authority and HTTP Basic client authentication', async () => {
    const viaDomain = await msalApp(emu, APPS.calendar, SECRET, DOMAIN).acquireTokenByClientCredential({ scopes });
    assert.equal((jwt.decode(viaDomain!.accessToken) as jwt.JwtPayload).tid, TENANT);
    const response = await fetch(`${emu.baseUrl}/${TENANT}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${APPS.calendar}:${SECRET}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: scopes[0] }),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(body.token_type, 'Bearer');
    assert.ok(Number(body.expires_in) >= 3600 && Number(body.expires_in) <= 5400);
    assert.equal(body.ext_expires_in, body.expires_in);
  });

  const failures: Array<[string, () => ReturnType<typeof msalApp>, string, string, number]> = [
    ['unknown tenant', () => msalApp(emu, APPS.calendar, SECRET, '99999999-0000-4000-8000-000000000000'), 'invalid_tenant', '90002', 400],
    ['unknown client', () => msalApp(emu, 'bbbbbbbb-0000-4000-8000-000000000009'), 'unauthorized_client', '700016', 400],
    ['wrong secret', () => msalApp(emu, APPS.calendar, 'wrong'), 'invalid_client', '7000215', 401],
    ['expired secret', () => msalApp(emu, APPS.expired), 'invalid_client', '7000222', 401],
  ];
  for (const [name, app, errorCode, errorNo, status] of failures) {
    it(`${name} surfaces as MSAL ServerError ${errorCode} / AADSTS${errorNo}`, async () => {
      const err = await rejection<{ name: string; errorCode: string; errorNo: string; status: number }>(
        app().acquireTokenByClientCredential({ scopes }));
      assert.equal(err.name, 'ServerError');
      assert.equal(err.errorCode, errorCode);
      assert.equal(String(err.errorNo), errorNo);
      assert.equal(err.status, status);
    });
  }

  it('answers a missing secret with AADSTS7000218 and the full error JSON', async () => {
    const response = await fetch(`${emu.baseUrl}/${TENANT}/oauth2/v2.0/token?client-request-id=abc`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: APPS.calendar, scope: scopes[0] }),
    });
    assert.equal(response.status, 401);
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(body.error, 'invalid_client');
    assert.deepEqual(body.error_codes, [7000218]);
    assert.match(String(body.error_description), /^AADSTS7000218: /);
    assert.equal(body.correlation_id, 'abc');
    for (const field of ['timestamp', 'trace_id', 'error_uri']) assert.ok(body[field], `${field} present`);
  });

  it('rejects a scope that is not the Graph /.default (AADSTS1002012)', async () => {
    const err = await rejection<{ errorCode: string; errorNo: string }>(
      msalApp(emu).acquireTokenByClientCredential({ scopes: ['Calendars.ReadWrite'] }));
    assert.equal(err.errorCode, 'invalid_scope');
    assert.equal(String(err.errorNo), '1002012');
  });

  it('can simulate a token endpoint outage', async () => {
    emu.injectFault({ match: { tokenEndpoint: true }, kind: '503' });
    const err = await rejection<{ errorCode: string; status: number }>(msalApp(emu).acquireTokenByClientCredential({ scopes }));
    assert.equal(err.status, 503);
    assert.equal(err.errorCode, 'temporarily_unavailable');
    // The fault fired once; a fresh client gets a token again.
    assert.ok(await msalApp(emu).acquireTokenByClientCredential({ scopes }));
  });
});
