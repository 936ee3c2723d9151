import assert from 'node:assert/strict';
import { GraphError } from '@microsoft/microsoft-graph-client';
import { MicrosoftEmulator } from '../../src/emulator';
import { accessToken, APPS, eventBody, graphClient, rejection, startWorld, TENANT, USERS } from './world';

/**
 * Token checks and mailbox access as Graph answers them.
 * Sources: https://learn.microsoft.com/graph/errors (body shape, 401/403/404),
 * https://learn.microsoft.com/graph/auth-limit-mailbox-access ("Access to OData is disabled."),
 * https://learn.microsoft.com/graph/api/user-get#permissions (User.Read.All for /users/{id}),
 * https://learn.microsoft.com/graph/auth-v2-service (app-only tokens address /users/{id}, not /me);
 * observed codes (ErrorAccessDenied, ErrorInvalidUser, MailboxNotEnabledForRESTAPI) are listed with
 * their public reports in docs/emulator.md.
 */
describe('emulator: Graph token and mailbox access', () => {
  let emu: MicrosoftEmulator;
  const eventsOf = (upn: string) => `/users/${upn}/events`;
  async function raw(path: string, init: RequestInit & { token?: string } = {}): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'client-request-id': 'req-1' };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    const response = await fetch(`${emu.baseUrl}/v1.0${path}`, { ...init, headers });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  before(async () => {
    emu = await startWorld();
  });
  after(async () => {
    await emu.close();
  });

  it('answers 201 / 200 / 204 for create, update and delete', async () => {
    const token = await accessToken(emu);
    const created = await raw(eventsOf(USERS.tastings), { method: 'POST', token, body: JSON.stringify(eventBody('Raw')) });
    assert.equal(created.status, 201);
    const updated = await raw(`${eventsOf(USERS.tastings)}/${created.body.id}`, { method: 'PATCH', token, body: JSON.stringify({ subject: 'Raw 2' }) });
    assert.equal(updated.status, 200);
    const deleted = await raw(`${eventsOf(USERS.tastings)}/${created.body.id}`, { method: 'DELETE', token });
    assert.equal(deleted.status, 204);
    assert.equal(deleted.body, undefined);
  });

  it('answers 401 InvalidAuthenticationToken for a missing or forged token', async () => {
    const missing = await raw(eventsOf(USERS.tastings));
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error.code, 'InvalidAuthenticationToken');
    assert.equal(missing.body.error.innerError['client-request-id'], 'req-1');
    assert.match(missing.body.error.innerError.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    assert.ok(missing.body.error.innerError['request-id']);

    const token = await accessToken(emu);
    const [header, payload] = token.split('.');
    const forged = await raw(eventsOf(USERS.tastings), { token: `${header}.${payload}.c2lnbmF0dXJl` });
    assert.equal(forged.status, 401);
    assert.equal(forged.body.error.code, 'InvalidAuthenticationToken');
  });

  it('answers 403 ErrorAccessDenied when the token has no calendar role', async () => {
    for (const app of [APPS.noConsent, APPS.delegatedOnly]) {
      const err = await rejection<GraphError>(graphClient(emu, app).api(eventsOf(USERS.tastings)).get());
      assert.equal(err.statusCode, 403);
      assert.equal(err.code, 'ErrorAccessDenied');
    }
  });

  it('answers 403 "Access to OData is disabled." outside the application access policy', async () => {
    emu.setAccessPolicy({ tenantId: TENANT, clientId: APPS.directory, allowedUsers: [USERS.tastings] });
    const graph = graphClient(emu, APPS.directory);
    assert.ok(await graph.api(eventsOf(USERS.tastings)).get());
    const err = await rejection<GraphError>(graph.api(eventsOf(USERS.office)).get());
    assert.equal(err.statusCode, 403);
    assert.equal(err.code, 'ErrorAccessDenied');
    assert.equal(err.message, 'Access to OData is disabled.');
  });

  it('answers 404 ErrorInvalidUser for an unknown user and MailboxNotEnabledForRESTAPI without a usable mailbox', async () => {
    const graph = graphClient(emu);
    const unknown = await rejection<GraphError>(graph.api(eventsOf('ghost@contoso.onmicrosoft.com')).get());
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.code, 'ErrorInvalidUser');
    for (const upn of [USERS.noMailbox, USERS.unlicensed]) {
      const err = await rejection<GraphError>(graph.api(eventsOf(upn)).post(eventBody('x')));
      assert.equal(err.statusCode, 404);
      assert.equal(err.code, 'MailboxNotEnabledForRESTAPI');
    }
  });

  it('needs User.Read.All for GET /users/{id}; the calendar itself needs only Calendars.*', async () => {
    const denied = await rejection<GraphError>(graphClient(emu).api(`/users/${USERS.tastings}`).get());
    assert.equal(denied.statusCode, 403);
    assert.equal(denied.code, 'Authorization_RequestDenied');
    const user = await graphClient(emu, APPS.directory).api(`/users/${USERS.tastings}`).get();
    assert.equal(user.userPrincipalName, USERS.tastings);
    assert.equal(user.mail, USERS.tastings);
    const byId = await graphClient(emu, APPS.directory).api(`/users/${user.id}/calendar`).get();
    assert.equal(byId.isDefaultCalendar, true);
  });

  it('lists calendar permissions, including the My Organization entry', async () => {
    emu.setCalendarPermissions(USERS.tastings, [{ emailAddress: { name: 'Office', address: USERS.office }, role: 'write' }]);
    const list = await graphClient(emu).api(`/users/${USERS.tastings}/calendar/calendarPermissions`).get();
    assert.deepEqual(list.value.map((p: { role: string }) => p.role), ['freeBusyRead', 'write']);
    assert.equal(list.value[1].emailAddress.address, USERS.office);
  });

  it('refuses /me for an app-only token', async () => {
    const err = await rejection<GraphError>(graphClient(emu).api('/me/events').get());
    assert.equal(err.statusCode, 400);
  });
});
