import jwt from 'jsonwebtoken';
import { App, Directory, User } from '../directory';
import { SigningKey } from '../entra/signing-key';
import { GRAPH_RESOURCE } from '../entra/token';
import { RbacCalendarRole } from '../types';
import { GraphHttpError } from './errors';

export interface Principal { app: App; roles: string[] }

const insufficientPrivileges = (): GraphHttpError =>
  new GraphHttpError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
const resourceNotFound = (ref: string): GraphHttpError =>
  new GraphHttpError(404, 'Request_ResourceNotFound', `Resource '${ref}' does not exist or one of its queried reference-property objects are not present.`);
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

const CALENDAR_ROLES = { read: ['Calendars.Read', 'Calendars.ReadWrite', 'Calendars.ReadBasic'], write: ['Calendars.ReadWrite'] };
const RBAC_ROLES: Record<'read' | 'write', RbacCalendarRole[]> = {
  read: ['Application Calendars.Read', 'Application Calendars.ReadWrite'],
  write: ['Application Calendars.ReadWrite'],
};
const accessDenied = (): GraphHttpError => new GraphHttpError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');

/**
 * Calendar access for an app-only token: a Calendars.* role in the token or an Exchange RBAC for
 * Applications calendar role (read or write as needed), then the mailbox (ErrorInvalidUser /
 * MailboxNotEnabledForRESTAPI), then Exchange's scoping: an RBAC assignment whose scope holds the
 * mailbox grants it (additive to Entra consent); otherwise the Entra role applies, limited by an
 * application access policy ("Access to OData is disabled.").
 * https://learn.microsoft.com/graph/auth-limit-mailbox-access , https://learn.microsoft.com/exchange/permissions-exo/application-rbac
 */
export function authorizeMailbox(directory: Directory, principal: Principal, userRef: string, write: boolean): User {
  const need = write ? 'write' : 'read';
  const entraGranted = principal.roles.some((r) => CALENDAR_ROLES[need].includes(r));
  if (!entraGranted && !directory.hasRbacRole(principal.app, RBAC_ROLES[need])) throw accessDenied();
  const user = directory.findUser(principal.app.tenantId, userRef);
  if (!user) throw new GraphHttpError(404, 'ErrorInvalidUser', `The requested user '${userRef}' is invalid.`);
  if (!user.hasMailbox || !user.licensed) {
    throw new GraphHttpError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
  }
  if (directory.rbacGrants(principal.app, user, RBAC_ROLES[need])) return user;
  if (!entraGranted) throw accessDenied();
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
  if (!principal.roles.some((r) => accepted.includes(r))) throw insufficientPrivileges();
  const user = directory.findUser(principal.app.tenantId, userRef);
  if (!user) throw resourceNotFound(userRef);
  return user;
}

/**
 * `GET /applications(appId='…')` needs Application.Read.All, Application.ReadWrite.All or
 * Directory.Read(Write).All. Application.ReadWrite.OwnedBy covers only apps the caller owns, and
 * emulated apps have no owners. https://learn.microsoft.com/graph/api/application-get#permissions
 */
export function authorizeApplicationRead(directory: Directory, principal: Principal, appId: string): App {
  const accepted = ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
  if (!principal.roles.some((r) => accepted.includes(r))) throw insufficientPrivileges();
  const app = directory.findApp(principal.app.tenantId, appId);
  // A consented multi-tenant app has only a service principal here; its application object is in its home tenant.
  if (!app || app.homeTenantId !== app.tenantId) throw resourceNotFound(appId);
  return app;
}
