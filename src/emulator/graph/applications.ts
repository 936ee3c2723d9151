import { StoredCertificate, StoredSecret } from '../directory';
import { ApplicationCall, GraphResult } from './call';
import { parseSelect } from './odata-query';

/**
 * `GET /applications(appId='{appId}')`: the app registration with its client secrets as
 * passwordCredential objects: `hint` is the secret's first three characters and `secretText` is
 * never returned after creation. https://learn.microsoft.com/graph/api/application-get ,
 * https://learn.microsoft.com/graph/api/resources/passwordcredential
 */

const APPLICATION_PROPERTIES = ['id', 'appId', 'displayName', 'signInAudience', 'keyCredentials', 'passwordCredentials'];

function passwordCredential(secret: StoredSecret): Record<string, unknown> {
  return {
    customKeyIdentifier: null,
    displayName: secret.displayName ?? null,
    endDateTime: secret.expiresAt?.toISOString() ?? null,
    hint: secret.value.slice(0, 3),
    keyId: secret.keyId,
    secretText: null,
    startDateTime: secret.addedAt.toISOString(),
  };
}

/** An uploaded certificate: customKeyIdentifier is its SHA-1 thumbprint; `key` is returned only with $select=keyCredentials on a single app, and never here. https://learn.microsoft.com/graph/api/resources/keycredential */
function keyCredential(cert: StoredCertificate): Record<string, unknown> {
  return {
    customKeyIdentifier: Buffer.from(cert.x5t, 'base64url').toString('hex').toUpperCase(),
    displayName: cert.displayName ?? null,
    endDateTime: cert.end.toISOString(),
    key: null,
    keyId: cert.keyId,
    startDateTime: cert.start.toISOString(),
    type: 'AsymmetricX509Cert',
    usage: 'Verify',
  };
}

export function getApplication(ac: ApplicationCall): GraphResult {
  const app = ac.application;
  const select = parseSelect(ac.call.query.get('$select'), APPLICATION_PROPERTIES, 'microsoft.graph.application', 'Request_BadRequest');
  const full: Record<string, unknown> = {
    id: app.objectId, appId: app.clientId, displayName: app.displayName, signInAudience: 'AzureADMyOrg',
    keyCredentials: app.certificates.map(keyCredential), passwordCredentials: app.secrets.map(passwordCredential),
  };
  const properties = select ? Object.entries(full).filter(([name]) => select.has(name)) : Object.entries(full);
  const context = `${ac.ctx.baseUrl}/v1.0/$metadata#applications${select ? `(${[...select].join(',')})` : ''}/$entity`;
  return { status: 200, headers: {}, body: { '@odata.context': context, ...Object.fromEntries(properties) } };
}
