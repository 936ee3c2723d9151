import assert from 'node:assert/strict';
import { GraphError } from '@microsoft/microsoft-graph-client';
import jwt from 'jsonwebtoken';
import { MicrosoftEmulator } from '../../src/emulator';
import { accessToken, DOMAIN, eventBody, graphClient, rejection, SECRET, startWorld, TENANT, USERS } from './world';

/**
 * Exchange Online RBAC for Applications: a management role assignment scoped to mailboxes grants
 * calendar access that never shows in the token, and adds to Entra-consented roles.
 * Source: https://learn.microsoft.com/exchange/permissions-exo/application-rbac (graph-facts §7).
 */
describe('emulator: RBAC for Applications', () => {
  let emu: MicrosoftEmulator;
  const APPS = {
    scopedWrite: 'cccccccc-0000-4000-8000-000000000001',
    scopedRead: 'cccccccc-0000-4000-8000-000000000002',
    entraAndRbac: 'cccccccc-0000-4000-8000-000000000003',
  };
  const third = `third@${DOMAIN}`;
  const eventsOf = (upn: string) => `/users/${upn}/events`;

  before(async () => {
    emu = await startWorld();
    emu.addUser({ tenantId: TENANT, userPrincipalName: third });
    emu.addApp({ tenantId: TENANT, clientId: APPS.scopedWrite, secrets: [{ value: SECRET }] });
    emu.addApp({ tenantId: TENANT, clientId: APPS.scopedRead, secrets: [{ value: SECRET }] });
    emu.addApp({ tenantId: TENANT, clientId: APPS.entraAndRbac, secrets: [{ value: SECRET }], roles: ['Calendars.ReadWrite'] });
    emu.addRbacAssignment({ tenantId: TENANT, clientId: APPS.scopedWrite, role: 'Application Calendars.ReadWrite', mailboxes: [USERS.tastings] });
    emu.addRbacAssignment({ tenantId: TENANT, clientId: APPS.scopedRead, role: 'Application Calendars.Read', mailboxes: [USERS.tastings] });
    emu.setAccessPolicy({ tenantId: TENANT, clientId: APPS.entraAndRbac, allowedUsers: [USERS.tastings] });
    emu.addRbacAssignment({ tenantId: TENANT, clientId: APPS.entraAndRbac, role: 'Application Calendars.ReadWrite', mailboxes: [USERS.office] });
  });
  after(async () => {
    await emu.close();
  });

  it('grants a token without a roles claim the calendar of an in-scope mailbox', async () => {
    const claims = jwt.decode(await accessToken(emu, APPS.scopedWrite)) as jwt.JwtPayload;
    assert.equal(claims.roles, undefined, 'the RBAC grant is not in the token');
    const graph = graphClient(emu, APPS.scopedWrite);
    const created = await graph.api(eventsOf(USERS.tastings)).post(eventBody('Scoped write'));
    assert.equal((await graph.api(`${eventsOf(USERS.tastings)}/${created.id}`).get()).subject, 'Scoped write');
    assert.equal((await graph.api(`/users/${USERS.tastings}/calendar`).get()).isDefaultCalendar, true);
    await graph.api(`${eventsOf(USERS.tastings)}/${created.id}`).delete();
  });

  it('answers 403 ErrorAccessDenied for a mailbox outside the scope', async () => {
    for (const request of [
      graphClient(emu, APPS.scopedWrite).api(eventsOf(USERS.office)).get(),
      graphClient(emu, APPS.scopedWrite).api(eventsOf(USERS.office)).post(eventBody('Out of scope')),
    ]) {
      const err = await rejection<GraphError>(request);
      assert.equal(err.statusCode, 403);
      assert.equal(err.code, 'ErrorAccessDenied');
    }
    assert.equal(emu.events(USERS.office).length, 0);
  });

  it('still answers 404 for an unknown user or one without a mailbox', async () => {
    const graph = graphClient(emu, APPS.scopedWrite);
    assert.equal((await rejection<GraphError>(graph.api(eventsOf(`ghost@${DOMAIN}`)).get())).code, 'ErrorInvalidUser');
    assert.equal((await rejection<GraphError>(graph.api(eventsOf(USERS.noMailbox)).get())).code, 'MailboxNotEnabledForRESTAPI');
  });

  it('lets Application Calendars.Read read but not write', async () => {
    const graph = graphClient(emu, APPS.scopedRead);
    assert.ok(Array.isArray((await graph.api(eventsOf(USERS.tastings)).get()).value));
    const err = await rejection<GraphError>(graph.api(eventsOf(USERS.tastings)).post(eventBody('Read-only')));
    assert.equal(err.statusCode, 403);
    assert.equal(err.code, 'ErrorAccessDenied');
  });

  it('adds to an Entra-consented role limited by an access policy', async () => {
    const graph = graphClient(emu, APPS.entraAndRbac);
    assert.ok(await graph.api(eventsOf(USERS.tastings)).get(), 'Entra role, inside the access policy');
    assert.ok(await graph.api(eventsOf(USERS.office)).get(), 'RBAC assignment, outside the access policy');
    const err = await rejection<GraphError>(graph.api(eventsOf(third)).get());
    assert.equal(err.statusCode, 403);
    assert.equal(err.message, 'Access to OData is disabled.');
  });

  it('refuses an unknown role, app or mailbox, naming the field', () => {
    const base = { tenantId: TENANT, clientId: APPS.scopedWrite, role: 'Application Calendars.ReadWrite' as const, mailboxes: [USERS.tastings] };
    assert.throws(() => emu.addRbacAssignment({ ...base, role: 'Calendars.ReadWrite' as never }), /role must be one of 'Application Calendars\.Read'/);
    assert.throws(() => emu.addRbacAssignment({ ...base, clientId: 'not-an-app' }), /clientId not-an-app is not an app of tenant/);
    assert.throws(() => emu.addRbacAssignment({ ...base, mailboxes: [] }), /mailboxes must list at least one/);
    assert.throws(() => emu.addRbacAssignment({ ...base, mailboxes: [`ghost@${DOMAIN}`] }), /mailboxes entry ghost@\S+ is not a user of tenant/);
  });

  it('has an admin API twin: POST /_emulator/rbac-assignments', async () => {
    const post = (body: unknown) => fetch(`${emu.baseUrl}/_emulator/rbac-assignments`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const bad = await post({ tenantId: TENANT, clientId: APPS.scopedWrite, role: 'Calendars.ReadWrite', mailboxes: [third] });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /^role: /);
    await rejection(graphClient(emu, APPS.scopedWrite).api(eventsOf(third)).get());
    const ok = await post({ tenantId: TENANT, clientId: APPS.scopedWrite, role: 'Application Calendars.ReadWrite', mailboxes: [third] });
    assert.equal(ok.status, 201);
    assert.ok(await graphClient(emu, APPS.scopedWrite).api(eventsOf(third)).get());
    // Additive: the earlier assignment's mailbox is still in scope.
    assert.ok(await graphClient(emu, APPS.scopedWrite).api(eventsOf(USERS.tastings)).get());
  });
});
