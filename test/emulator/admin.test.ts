import assert from 'node:assert/strict';
import { MicrosoftEmulator, startMicrosoftEmulator } from '../../src/emulator';
import { trustCertificateAuthority } from '../../src/net/trust';
import { eventBody, graphClient, msalApp, noRetry, rejection } from './world';

/** The admin HTTP API (/_emulator/...) mirrors the in-process handle; emulator-specific, no Microsoft source. */
describe('emulator: admin HTTP API', () => {
  let emu: MicrosoftEmulator;
  const tenant = 'fabrikam';
  const upn = 'bookings@fabrikam.example';
  async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${emu.baseUrl}/_emulator${path}`, {
      method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: response.headers.get('content-type')?.includes('json') && text ? JSON.parse(text) : text };
  }

  before(async () => {
    emu = await startMicrosoftEmulator();
    trustCertificateAuthority(emu.caPem);
  });
  after(async () => {
    await emu.close();
  });

  it('sets up a tenant, app and mailbox that MSAL and the Graph client can use', async () => {
    assert.equal((await admin('POST', '/tenants', { id: tenant })).status, 201);
    const expiresAt = new Date(Date.now() + 86400000).toISOString();
    assert.equal((await admin('POST', '/apps', { tenantId: tenant, clientId: 'app-1', secrets: [{ value: 's3cret', expiresAt }], roles: ['Calendars.ReadWrite'] })).status, 201);
    assert.equal((await admin('POST', '/users', { tenantId: tenant, userPrincipalName: upn })).status, 201);
    const token = await msalApp(emu, 'app-1', 's3cret', tenant).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    assert.ok(token!.accessToken);
  });

  it('names the offending field when input is invalid', async () => {
    const response = await admin('POST', '/apps', { tenantId: tenant, clientId: 'x', secrets: 'nope' });
    assert.equal(response.status, 400);
    assert.match(response.body.error, /secrets/);
  });

  it('tampers with, lists and renders a mailbox, and counts requests', async () => {
    const created = await admin('POST', `/mailboxes/${upn}/events`, eventBody('Added in Outlook'));
    assert.equal(created.status, 201);
    const patched = await admin('PATCH', `/mailboxes/${upn}/events/${encodeURIComponent(created.body.id)}`, { subject: 'Renamed <b>' });
    assert.equal(patched.body.subject, 'Renamed <b>');
    const listed = await admin('GET', `/mailboxes/${upn}/events`);
    assert.deepEqual(listed.body.value.map((e: { subject: string }) => e.subject), ['Renamed <b>']);
    const page = await admin('GET', `/calendar/${upn}`);
    assert.match(page.body, /Renamed &lt;b&gt;/);
    assert.match(page.body, /http-equiv="refresh"/);
    assert.equal((await admin('DELETE', `/mailboxes/${upn}/events/${encodeURIComponent(created.body.id)}`)).status, 204);
    assert.equal((await admin('GET', `/mailboxes/${upn}/events`)).body.value.length, 0);
    const counts = await admin('GET', '/requests');
    assert.equal(counts.body.token, 1);
  });

  it('injects faults and throttling settings over HTTP', async () => {
    await admin('POST', '/faults', { match: { tokenEndpoint: true }, kind: '503' });
    const err = await rejection<{ status: number }>(
      msalApp(emu, 'app-1', 's3cret', tenant).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }));
    assert.equal(err.status, 503);
    await admin('DELETE', '/faults');
    assert.equal((await admin('PUT', '/throttling', { concurrentPerMailbox: 0 })).status, 400);
    assert.equal((await admin('PUT', '/throttling', { requestsPerWindow: 1 })).status, 200);
    const graph = graphClient(emu, 'app-1', 's3cret', tenant);
    await noRetry(graph.api(`/users/${upn}/events`)).get();
    const throttled = await rejection<{ statusCode: number }>(noRetry(graph.api(`/users/${upn}/events`)).get());
    assert.equal(throttled.statusCode, 429);
    assert.equal((await admin('DELETE', '/throttling')).status, 200);
    assert.ok(await noRetry(graph.api(`/users/${upn}/events`)).get());
  });
});
