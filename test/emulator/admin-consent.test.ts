import assert from 'node:assert/strict';
import { ConfidentialClientApplication, CryptoProvider } from '@azure/msal-node';
import jwt from 'jsonwebtoken';
import { startMicrosoftEmulator, type MicrosoftEmulator } from '../../src/emulator';
import { trustCertificateAuthority } from '../../src/net/trust';
import { msalApp, rejection } from './world';

/**
 * A multi-tenant app and the v2.0 admin-consent endpoint (docs/emulator.md, "Admin consent"):
 * the service principal exists in a customer's tenant only after its admin accepts; before that
 * the token endpoint answers AADSTS700016, as Entra does.
 */
const HOME = 'a0a0a0a0-0000-4000-8000-000000000001';
const CUSTOMER = 'c0c0c0c0-0000-4000-8000-000000000002';
const OTHER = 'd0d0d0d0-0000-4000-8000-000000000003';
const MULTI = 'b1b1b1b1-0000-4000-8000-000000000001';
const SINGLE = 'b2b2b2b2-0000-4000-8000-000000000002';
const SECRET = 'winearound-app-secret';
const CALLBACK = 'http://localhost:9999/onboarding/callback';
const scopes = ['https://graph.microsoft.com/.default'];

describe('emulator: admin consent for a multi-tenant app', () => {
  let emu: MicrosoftEmulator;
  before(async () => {
    emu = await startMicrosoftEmulator();
    trustCertificateAuthority(emu.caPem);
    emu.addTenant({ id: HOME, domain: 'winearound.onmicrosoft.com' });
    emu.addTenant({ id: CUSTOMER, domain: 'cantinarossi.onmicrosoft.com' });
    emu.addTenant({ id: OTHER, domain: 'other.onmicrosoft.com' });
    emu.addApp({
      tenantId: HOME, clientId: MULTI, displayName: 'WineAround Calendar Sync', secrets: [{ value: SECRET }], roles: [],
      signInAudience: 'AzureADMultipleOrgs', redirectUris: [CALLBACK], requiredRoles: ['Calendars.ReadWrite'],
    });
    emu.addApp({ tenantId: HOME, clientId: SINGLE, secrets: [{ value: SECRET }], roles: [], redirectUris: [CALLBACK], requiredRoles: ['Calendars.ReadWrite'] });
    emu.addUser({ tenantId: CUSTOMER, userPrincipalName: 'calendario@cantinarossi.onmicrosoft.com' });
  });
  after(() => emu.close());

  const consentUrl = (tenant: string, params: Record<string, string>) =>
    `${emu.baseUrl}/${tenant}/v2.0/adminconsent?${new URLSearchParams(params).toString()}`;
  const base = { client_id: MULTI, scope: 'https://graph.microsoft.com/.default', redirect_uri: CALLBACK, state: 'st-123' };
  const decide = (tenant: string, fields: Record<string, string>) =>
    fetch(`${emu.baseUrl}/${tenant}/v2.0/adminconsent`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...base, ...fields }).toString(),
    });

  it('answers a token request before consent with AADSTS700016, and with the consented role after', async () => {
    const before = await rejection<Error>(msalApp(emu, MULTI, SECRET, CUSTOMER).acquireTokenByClientCredential({ scopes }));
    assert.match(before.message, /AADSTS700016/);
    assert.match(before.message, /not found in the directory 'cantinarossi\.onmicrosoft\.com'/);

    const prompt = await fetch(consentUrl('organizations', base));
    assert.equal(prompt.status, 200);
    const html = await prompt.text();
    assert.match(html, /WineAround Calendar Sync/);
    assert.match(html, /Read and write calendars in all mailboxes/);

    const answer = await decide('organizations', { decision: 'accept', login_tenant: 'cantinarossi.onmicrosoft.com' });
    assert.equal(answer.status, 302);
    const back = new URL(answer.headers.get('location')!);
    assert.equal(`${back.origin}${back.pathname}`, CALLBACK);
    assert.equal(back.searchParams.get('admin_consent'), 'True');
    assert.equal(back.searchParams.get('tenant'), CUSTOMER);
    assert.equal(back.searchParams.get('state'), 'st-123');

    const token = await msalApp(emu, MULTI, SECRET, CUSTOMER).acquireTokenByClientCredential({ scopes });
    const claims = jwt.decode(token!.accessToken) as jwt.JwtPayload;
    assert.equal(claims.tid, CUSTOMER);
    assert.equal(claims.appid, MULTI);
    assert.deepEqual(claims.roles, ['Calendars.ReadWrite']);
    // Consent in one tenant is not consent in another: the app is still unknown in a third tenant.
    const other = await rejection<Error>(msalApp(emu, MULTI, SECRET, OTHER).acquireTokenByClientCredential({ scopes }));
    assert.match(other.message, /AADSTS700016/);
  });

  it('sends the admin back with access_denied when they cancel, and grants nothing', async () => {
    const answer = await decide(OTHER, { decision: 'cancel' });
    assert.equal(answer.status, 302);
    const back = new URL(answer.headers.get('location')!);
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.match(back.searchParams.get('error_description')!, /^AADSTS65004: /);
    assert.equal(back.searchParams.get('state'), 'st-123');
    assert.equal(back.searchParams.get('admin_consent'), null);
    const token = await rejection<Error>(msalApp(emu, MULTI, SECRET, OTHER).acquireTokenByClientCredential({ scopes }));
    assert.match(token.message, /AADSTS700016/);
  });

  it('ends on its own error page, not at the app, for what it cannot send back', async () => {
    const page = async (url: string) => {
      const res = await fetch(url, { redirect: 'manual' });
      assert.equal(res.status, 400, url);
      return /id="error-code">(AADSTS\d+)/.exec(await res.text())?.[1];
    };
    assert.equal(await page(consentUrl('organizations', { ...base, redirect_uri: 'https://evil.example/cb' })), 'AADSTS50011');
    assert.equal(await page(consentUrl('organizations', { ...base, client_id: 'eeeeeeee-0000-4000-8000-000000000009' })), 'AADSTS700016');
    assert.equal(await page(consentUrl('no-such-tenant.onmicrosoft.com', base)), 'AADSTS90002');
    assert.equal(await page(consentUrl(CUSTOMER, { ...base, client_id: SINGLE })), 'AADSTS50194');
  });

  it('redirects with invalid_request when the scope is not Graph\'s .default', async () => {
    const res = await fetch(consentUrl('organizations', { ...base, scope: 'Calendars.ReadWrite' }), { redirect: 'manual' });
    assert.equal(res.status, 302);
    assert.equal(new URL(res.headers.get('location')!).searchParams.get('error'), 'invalid_request');
  });

  describe('the OpenID Connect sign-in that follows (authorization code + PKCE)', () => {
    const signIn = (params: Record<string, string>, cookie?: string) =>
      fetch(`${emu.baseUrl}/organizations/oauth2/v2.0/authorize?${new URLSearchParams({
        client_id: MULTI, response_type: 'code', redirect_uri: CALLBACK, scope: 'openid profile', state: 'st-9', ...params,
      }).toString()}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    const pkce = () => new CryptoProvider().generatePkceCodes();
    const multiApp = () => new ConfidentialClientApplication({
      auth: { clientId: MULTI, clientSecret: SECRET, authority: `${emu.baseUrl}/organizations`, knownAuthorities: [emu.authorityHost] },
    });

    it('answers prompt=none without a session with login_required, and shows its sign-in form otherwise', async () => {
      const silent = await signIn({ prompt: 'none' });
      assert.equal(silent.status, 302);
      const back = new URL(silent.headers.get('location')!);
      assert.equal(back.searchParams.get('error'), 'login_required');
      assert.match(back.searchParams.get('error_description')!, /^AADSTS50058: /);
      const form = await signIn({});
      assert.equal(form.status, 200);
      assert.match(await form.text(), /login_tenant/);
    });

    it('signs in the admin that consented, with no prompt, and the code redeems once for an id_token naming their tenant', async () => {
      const accepted = await decide('organizations', { decision: 'accept', login_tenant: 'cantinarossi.onmicrosoft.com' });
      const session = accepted.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      assert.match(session, /emu_estsauth=/);
      const { verifier, challenge } = await pkce();
      const answer = await signIn({ code_challenge: challenge, code_challenge_method: 'S256' }, session);
      assert.equal(answer.status, 302);
      const back = new URL(answer.headers.get('location')!);
      assert.equal(back.searchParams.get('state'), 'st-9');
      const code = back.searchParams.get('code')!;

      const result = await multiApp().acquireTokenByCode({ code, scopes: ['openid'], redirectUri: CALLBACK, codeVerifier: verifier });
      const claims = result.idTokenClaims as { tid: string; aud: string; preferred_username: string };
      assert.equal(claims.tid, CUSTOMER);
      assert.equal(claims.aud, MULTI);
      assert.equal(claims.preferred_username, 'admin@cantinarossi.onmicrosoft.com');
      const again = await rejection<Error>(multiApp().acquireTokenByCode({ code, scopes: ['openid'], redirectUri: CALLBACK, codeVerifier: verifier }));
      assert.match(again.message, /AADSTS70008/);
    });

    it('refuses a code with the wrong PKCE verifier, and a sign-in in a tenant without consent', async () => {
      const accepted = await decide('organizations', { decision: 'accept', login_tenant: 'cantinarossi.onmicrosoft.com' });
      const session = accepted.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const { challenge } = await pkce();
      const code = new URL((await signIn({ code_challenge: challenge, code_challenge_method: 'S256' }, session)).headers.get('location')!).searchParams.get('code')!;
      const wrong = await rejection<Error>(multiApp().acquireTokenByCode({ code, scopes: ['openid'], redirectUri: CALLBACK, codeVerifier: (await pkce()).verifier }));
      assert.match(wrong.message, /AADSTS501481/);

      const stranger = await fetch(`${emu.baseUrl}/organizations/oauth2/v2.0/authorize`, {
        method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: MULTI, response_type: 'code', redirect_uri: CALLBACK, scope: 'openid', state: 's', login_tenant: 'other.onmicrosoft.com' }).toString(),
      });
      assert.equal(new URL(stranger.headers.get('location')!).searchParams.get('error'), 'consent_required');
    });
  });
});
