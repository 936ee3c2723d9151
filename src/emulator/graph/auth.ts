import jwt from 'jsonwebtoken';
import { App, Directory, User } from '../directory';
import { SigningKey } from '../entra/signing-key';
import { GRAPH_RESOURCE } from '../entra/token';
import { GraphHttpError } from './errors';

export interface Principal { app: App; roles: string[] }

const invalidToken = (message: string): GraphHttpError => new GraphHttpError(401, 'InvalidAuthenticationToken', message);

/**
 * Graph's token checks: signature, audience, lifetime, issuing tenant, app still registered.
 * Messages as observed from Graph (graph-facts §6).
 */
export function authenticate(directory: Directory, key: SigningKey, authorization: string | undefined): Principal {
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!bearer) throw invalidToken('Access token is empty.');
  let claims: jwt.JwtPayload;
  try {
    claims = jwt.verify(bearer[1], key.publicKey, { algorithms: ['RS256'] }) as jwt.JwtPayload;
  } catch (err) {
    if (err instanceof jwt.TokenExpiredError || err instanceof jwt.NotBeforeError) {
      throw invalidToken('Access token has expired or is not yet valid.');
    }
    throw invalidToken('Access token validation failure.');
  }
  if (claims.aud !== GRAPH_RESOURCE && claims.aud !== `${GRAPH_RESOURCE}/`) {
    throw invalidToken('Access token validation failure. Invalid audience.');
  }
  const tenant = typeof claims.tid === 'string' ? directory.findTenant(claims.tid) : undefined;
  const app = tenant && typeof claims.appid === 'string' ? directory.findApp(tenant.id, claims.appid) : undefined;
  if (!app || claims.iss !== `https://sts.windows.net/${tenant!.id}/`) throw invalidToken('Access token validation failure. Invalid issuer.');
  return { app, roles: Array.isArray(claims.roles) ? (claims.roles as string[]) : [] };
}

/**
 * Calendar access for an app-only token: a Calendars.* role (read or write as needed), then the
 * mailbox (ErrorInvalidUser / MailboxNotEnabledForRESTAPI), then Exchange application access
 * policy / RBAC scope ("Access to OData is disabled.").
 * https://learn.microsoft.com/graph/auth-limit-mailbox-access
 */
export function authorizeMailbox(directory: Directory, principal: Principal, userRef: string, write: boolean): User {
  const accepted = write ? ['Calendars.ReadWrite'] : ['Calendars.Read', 'Calendars.ReadWrite', 'Calendars.ReadBasic'];
  if (!principal.roles.some((r) => accepted.includes(r))) {
    throw new GraphHttpError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
  }
  const user = directory.findUser(principal.app.tenantId, userRef);
  if (!user) throw new GraphHttpError(404, 'ErrorInvalidUser', `The requested user '${userRef}' is invalid.`);
  if (!user.hasMailbox || !user.licensed) {
    throw new GraphHttpError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
  }
  if (!directory.policyAllows(principal.app, user)) {
    throw new GraphHttpError(403, 'ErrorAccessDenied', 'Access to OData is disabled.');
  }
  return user;
}

/**
 * `GET /users/{id}` is a directory read: it needs User.Read.All (or User.ReadBasic.All /
 * Directory.Read.All), not a calendar permission. https://learn.microsoft.com/graph/api/user-get#permissions
 */
export function authorizeDirectoryRead(directory: Directory, principal: Principal, userRef: string): User {
  const accepted = ['User.Read.All', 'User.ReadBasic.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
  if (!principal.roles.some((r) => accepted.includes(r))) {
    throw new GraphHttpError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  }
  const user = directory.findUser(principal.app.tenantId, userRef);
  if (!user) {
    throw new GraphHttpError(404, 'Request_ResourceNotFound',
      `Resource '${userRef}' does not exist or one of its queried reference-property objects are not present.`);
  }
  return user;
}
