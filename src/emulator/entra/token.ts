import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { App, Directory, Tenant } from '../directory';
import { checkClientAssertion } from './client-assertion';
import { EntraError } from './errors';
import { SigningKey } from './signing-key';

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/**
 * Entra's default access-token lifetime is randomised between 60 and 90 minutes (graph-facts §1.2,
 * https://learn.microsoft.com/entra/identity-platform/access-tokens#token-lifetime). Tests shorten
 * it to make MSAL renew in the middle of a sync: a lifetime <= 300 s makes MSAL's 5-minute renewal
 * offset refetch on every call (graph-facts §2.4).
 */
export interface TokenLifetime { minSeconds: number; maxSeconds: number }
export const DEFAULT_TOKEN_LIFETIME: TokenLifetime = { minSeconds: 3600, maxSeconds: 5400 };

export function validateTokenLifetime(lifetime: TokenLifetime): void {
  if (!(Number.isInteger(lifetime.minSeconds) && lifetime.minSeconds >= 1)) throw new Error('tokenLifetime.minSeconds must be an integer >= 1');
  if (!(Number.isInteger(lifetime.maxSeconds) && lifetime.maxSeconds >= lifetime.minSeconds)) {
    throw new Error('tokenLifetime.maxSeconds must be an integer >= tokenLifetime.minSeconds');
  }
}

export function drawTokenLifetime(lifetime: TokenLifetime): number {
  return lifetime.minSeconds + Math.floor(Math.random() * (lifetime.maxSeconds - lifetime.minSeconds + 1));
}

export interface TokenRequest { tenant: string; form: Record<string, string>; authorization?: string; baseUrl: string; lifetimeSeconds: number }

/**
 * OAuth 2.0 client credentials grant, v2.0 endpoint.
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 * Error codes: https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 */
export function issueToken(directory: Directory, key: SigningKey, request: TokenRequest): object {
  const tenant = directory.findTenant(request.tenant);
  if (!tenant) {
    throw new EntraError(400, 'invalid_tenant', 90002,
      `Tenant '${request.tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
  }
  const { clientId, clientSecret } = clientCredentials(request);
  if (request.form.grant_type !== 'client_credentials') {
    throw new EntraError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${request.form.grant_type ?? ''}'.`);
  }
  if (!clientId) throw new EntraError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
  checkScope(tenant, request.form.scope);
  const app = directory.findApp(tenant.id, clientId);
  if (!app) {
    throw new EntraError(400, 'unauthorized_client', 700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant.domain}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
  }
  const { client_assertion: assertion, client_assertion_type: assertionType } = request.form;
  if (assertion) checkClientAssertion(assertionType, assertion, { tenant, app, baseUrl: request.baseUrl, clientId: clientId.toLowerCase() });
  else checkSecret(app, clientSecret);
  return {
    token_type: 'Bearer',
    expires_in: request.lifetimeSeconds,
    ext_expires_in: request.lifetimeSeconds,
    // appidacr: "1" = client secret, "2" = certificate (access-token-claims-reference).
    access_token: signAccessToken(key, tenant, app, assertion ? '2' : '1', request.lifetimeSeconds),
  };
}

/**
 * The client's own credential, for grants where the tenant segment may be `organizations` (the
 * authorization code): checked against the app's registration. Returns the client id.
 */
export function checkClientCredential(directory: Directory, request: TokenRequest): string {
  const { clientId, clientSecret } = clientCredentials(request);
  if (!clientId) throw new EntraError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
  const app = directory.registration(clientId);
  const home = app && directory.findTenant(app.homeTenantId);
  if (!app || !home) {
    throw new EntraError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${request.tenant}'.`);
  }
  const { client_assertion: assertion, client_assertion_type: assertionType } = request.form;
  if (assertion) checkClientAssertion(assertionType, assertion, { tenant: home, app, baseUrl: request.baseUrl, clientId: clientId.toLowerCase(), segment: request.tenant });
  else checkSecret(app, clientSecret);
  return app.clientId;
}

/** client_secret in the body, or HTTP Basic (RFC 6749 §2.3.1: form-urlencoded id and secret). */
function clientCredentials(request: TokenRequest): { clientId?: string; clientSecret?: string } {
  const basic = /^Basic\s+(.+)$/i.exec(request.authorization ?? '');
  if (basic) {
    const [id, ...secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
    return { clientId: decodeURIComponent(id), clientSecret: decodeURIComponent(secret.join(':')) };
  }
  return { clientId: request.form.client_id, clientSecret: request.form.client_secret };
}

function checkScope(tenant: Tenant, scope: string | undefined): void {
  const scopes = (scope ?? '').split(' ').filter(Boolean);
  const graph = new Set([`${GRAPH_RESOURCE}/.default`, `${GRAPH_RESOURCE}//.default`, `${GRAPH_APP_ID}/.default`]);
  if (scopes.length === 1 && graph.has(scopes[0].toLowerCase())) return;
  if (scopes.length === 1 && scopes[0].endsWith('/.default')) {
    const resource = scopes[0].slice(0, -'/.default'.length);
    throw new EntraError(400, 'invalid_resource', 500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenant.domain}.`);
  }
  throw new EntraError(400, 'invalid_scope', 1002012,
    `The provided value for scope ${scope ?? ''} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
}

function checkSecret(app: App, secret: string | undefined): void {
  if (!secret) {
    throw new EntraError(401, 'invalid_client', 7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  }
  const match = app.secrets.find((s) => s.value === secret);
  if (!match) {
    throw new EntraError(401, 'invalid_client', 7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`);
  }
  if (match.expiresAt && match.expiresAt.getTime() <= Date.now()) {
    throw new EntraError(401, 'invalid_client', 7000222,
      `The provided client secret keys for app '${app.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`);
  }
}

/**
 * App-only Graph access token (v1 shape). Claims:
 * https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference
 * `roles` is omitted when nothing is consented ("tokens can be issued without a roles claim").
 */
function signAccessToken(key: SigningKey, tenant: Tenant, app: App, appidacr: '1' | '2', lifetimeSeconds: number): string {
  const now = Math.floor(Date.now() / 1000);
  const issuer = `https://sts.windows.net/${tenant.id}/`;
  const claims = {
    aud: GRAPH_RESOURCE, iss: issuer, iat: now, nbf: now, exp: now + lifetimeSeconds,
    app_displayname: app.displayName, appid: app.clientId, azp: app.clientId, appidacr, idp: issuer,
    idtyp: 'app', oid: app.servicePrincipalId, sub: app.servicePrincipalId, tid: tenant.id,
    uti: randomBytes(16).toString('base64url'), ver: '1.0',
    ...(app.roles.length > 0 ? { roles: app.roles } : {}),
  };
  return jwt.sign(claims, key.privateKey, { algorithm: 'RS256', keyid: key.kid, header: { alg: 'RS256', typ: 'JWT', kid: key.kid } });
}
