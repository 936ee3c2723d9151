import assert from 'node:assert/strict';
import { GraphError } from '@microsoft/microsoft-graph-client';
import { MicrosoftEmulator } from '../../src/emulator';
import { APPS, graphClient, rejection, SECRET, startWorld, TENANT } from './world';

/**
 * An app registration's client secrets through Graph.
 * Sources: https://learn.microsoft.com/graph/api/application-get (addressing by appId, $select,
 * permissions), https://learn.microsoft.com/graph/api/resources/passwordcredential (hint = first
 * three characters, secretText only returned at creation).
 */
describe('emulator: Graph application secrets', () => {
  let emu: MicrosoftEmulator;
  const READERS = {
    applicationRead: 'aaaaaaaa-0000-4000-8000-0000000000a1',
    applicationReadWrite: 'aaaaaaaa-0000-4000-8000-0000000000a2',
    directoryRead: 'aaaaaaaa-0000-4000-8000-0000000000a3',
    ownedBy: 'aaaaaaaa-0000-4000-8000-0000000000a4',
  };
  const rotating = 'aaaaaaaa-0000-4000-8000-0000000000a5';
  const oldEnd = new Date('2030-01-31T00:00:00Z');
  const newEnd = new Date('2031-06-30T00:00:00Z');
  const byAppId = (clientId: string) => `/applications(appId='${clientId}')`;

  before(async () => {
    emu = await startWorld();
    const reader = (clientId: string, role: string) =>
      emu.addApp({ tenantId: TENANT, clientId, secrets: [{ value: SECRET }], roles: ['Calendars.ReadWrite', role] });
    reader(READERS.applicationRead, 'Application.Read.All');
    reader(READERS.applicationReadWrite, 'Application.ReadWrite.All');
    reader(READERS.directoryRead, 'Directory.Read.All');
    reader(READERS.ownedBy, 'Application.ReadWrite.OwnedBy');
    emu.addApp({
      tenantId: TENANT, clientId: rotating, roles: ['Calendars.ReadWrite'], secrets: [
        { value: 'Old~secret-value', expiresAt: oldEnd, displayName: 'WineAround' },
        { value: 'New~secret-value', expiresAt: newEnd },
      ],
    });
  });
  after(async () => {
    await emu.close();
  });

  it('lists passwordCredentials with hint, keyId and validity, never the secret itself', async () => {
    const before = Date.now();
    const app = await graphClient(emu, READERS.applicationRead).api(byAppId(rotating)).select('passwordCredentials').get();
    assert.deepEqual(Object.keys(app).sort(), ['@odata.context', 'passwordCredentials']);
    assert.match(app['@odata.context'], /\/v1\.0\/\$metadata#applications\(passwordCredentials\)\/\$entity$/);
    const [old, current] = app.passwordCredentials;
    assert.equal(old.hint, 'Old');
    assert.equal(old.displayName, 'WineAround');
    assert.equal(old.endDateTime, oldEnd.toISOString());
    assert.equal(current.hint, 'New');
    assert.equal(current.displayName, null);
    assert.equal(current.endDateTime, newEnd.toISOString());
    assert.equal(current.secretText, null);
    assert.match(current.keyId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.notEqual(old.keyId, current.keyId);
    assert.ok(Date.parse(current.startDateTime) <= before, 'startDateTime is when the secret was added');
    assert.doesNotMatch(JSON.stringify(app), /secret-value/);
  });

  it('returns the whole application without $select, and an app without expiry as endDateTime null', async () => {
    const app = await graphClient(emu, READERS.applicationRead).api(byAppId(READERS.applicationRead)).get();
    assert.equal(app.appId, READERS.applicationRead);
    assert.notEqual(app.id, READERS.applicationRead, 'id is the object id, not the client id');
    assert.equal(app.passwordCredentials.length, 1);
    assert.equal(app.passwordCredentials[0].hint, SECRET.slice(0, 3));
    assert.equal(app.passwordCredentials[0].endDateTime, null);
  });

  it('accepts Application.ReadWrite.All and Directory.Read.All too', async () => {
    for (const reader of [READERS.applicationReadWrite, READERS.directoryRead]) {
      const app = await graphClient(emu, reader).api(byAppId(rotating)).select('passwordCredentials').get();
      assert.equal(app.passwordCredentials.length, 2, reader);
    }
  });

  it('answers 403 Authorization_RequestDenied without a directory role (Calendars.ReadWrite, or OwnedBy for an app it does not own)', async () => {
    for (const caller of [APPS.calendar, READERS.ownedBy]) {
      const err = await rejection<GraphError>(graphClient(emu, caller).api(byAppId(caller)).select('passwordCredentials').get());
      assert.equal(err.statusCode, 403, caller);
      assert.equal(err.code, 'Authorization_RequestDenied');
      assert.equal(err.message, 'Insufficient privileges to complete the operation.');
    }
  });

  it('answers 404 Request_ResourceNotFound for an appId not in the tenant, and 400 for an unknown $select property', async () => {
    const graph = graphClient(emu, READERS.applicationRead);
    const missing = await rejection<GraphError>(graph.api(byAppId('bbbbbbbb-0000-4000-8000-000000000000')).get());
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.code, 'Request_ResourceNotFound');
    const badSelect = await rejection<GraphError>(graph.api(byAppId(rotating)).select('secrets').get());
    assert.equal(badSelect.statusCode, 400);
    assert.match(badSelect.message, /'secrets' on type 'microsoft\.graph\.application'/);
  });

  it('counts the read as GET application', async () => {
    emu.resetCounters();
    await graphClient(emu, READERS.applicationRead).api(byAppId(rotating)).get();
    assert.equal(emu.requests['GET application'], 1);
  });
});
