import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { App, Directory, Tenant } from '../directory';

/**
 * What Entra's browser endpoints (admin consent, authorize) share: the checks made before anything
 * is shown, the redirects back to the app, the error pages, and the emulated sign-in session (what
 * Entra's ESTSAUTH cookie is), so that a sign-in right after consent completes without a prompt.
 */

const ERROR_PAGE_TITLE = 'Sorry, but we’re having trouble signing you in.';

export interface BrowserRequest { clientId: string; redirectUri: string; scope: string; state?: string }

/** An error Entra shows on its own page, not sent back to the app. */
export class PageError extends Error {
  constructor(readonly aadsts: number, message: string) {
    super(message);
  }
}

/** What Entra checks before it shows anything: the tenant segment, the app, the redirect URI, the app's audience. */
export function checkRedirect(directory: Directory, segment: string, input: Record<string, unknown>): { request: BrowserRequest; registration: App; tenant?: Tenant } {
  const text = (name: string) => (typeof input[name] === 'string' ? input[name] : '');
  const request = { clientId: text('client_id'), redirectUri: text('redirect_uri'), scope: text('scope'), state: text('state') || undefined };
  const generic = ['organizations', 'common'].includes(segment.toLowerCase());
  const tenant = generic ? undefined : directory.findTenant(segment);
  if (!generic && !tenant) {
    throw new PageError(90002, `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
  }
  if (!request.clientId) throw new PageError(900144, "The request body must contain the following parameter: 'client_id'.");
  const registration = directory.registration(request.clientId);
  if (!registration) {
    throw new PageError(700016,
      `Application with identifier '${request.clientId}' was not found in the directory '${tenant?.domain ?? segment}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
  }
  if (!request.redirectUri || !registration.redirectUris.includes(request.redirectUri)) {
    throw new PageError(50011,
      `The redirect URI '${request.redirectUri}' specified in the request does not match the redirect URIs configured for the application '${registration.clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`);
  }
  if (tenant) checkAudience(registration, tenant);
  return { request, registration, tenant };
}

export function checkAudience(registration: App, tenant: Tenant): void {
  if (registration.signInAudience === 'AzureADMyOrg' && tenant.id !== registration.homeTenantId) {
    throw new PageError(50194,
      `Application '${registration.clientId}'(${registration.displayName}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.`);
  }
}

export function redirect(res: Response, request: BrowserRequest, params: Record<string, string>): void {
  const target = new URL(request.redirectUri);
  for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
  if (request.state !== undefined) target.searchParams.set('state', request.state);
  res.redirect(302, target.toString());
}

export function redirectError(res: Response, request: BrowserRequest, error: string, aadsts: number, description: string, subcode?: string): void {
  const timestamp = `${new Date().toISOString().slice(0, 19).replace('T', ' ')}Z`;
  redirect(res, request, {
    error, ...(subcode && { error_subcode: subcode }),
    error_description: `AADSTS${aadsts}: ${description} Trace ID: ${randomUUID()} Correlation ID: ${randomUUID()} Timestamp: ${timestamp}`,
  });
}

export function sendErrorPage(res: Response, err: unknown): void {
  if (!(err instanceof PageError)) throw err;
  res.status(400).type('html').send(emulatorPage('Sign in to your account', `<h1>${ERROR_PAGE_TITLE}</h1>
<p id="error-code">AADSTS${err.aadsts}: ${escapeHtml(err.message)}</p>`));
}

export function emulatorPage(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} (Microsoft Entra emulator)</title></head><body>${body}</body></html>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The emulated sign-in form's field: which tenant's administrator signs in. */
export const LOGIN_TENANT_FIELD = `<p><label for="login_tenant">Emulated sign-in: the administrator's tenant (ID or domain)</label><br>
<input id="login_tenant" name="login_tenant" required autocomplete="off"></p>`;

/** On the sign-in form only: which account of that tenant signs in. */
export const LOGIN_ROLE_FIELD = `<p><label for="login_role">Emulated account</label><br>
<select id="login_role" name="login_role"><option value="admin">admin@… (Global Administrator)</option><option value="user">staff@… (no admin role)</option></select></p>`;

export const SESSION_COOKIE = 'emu_estsauth';

export interface SignedInUser {
  tenantId: string;
  username: string;
  /** Directory role template ids (`wids`): Global Administrator for the emulated admin. */
  roles: string[];
}

export const DIRECTORY_ROLES = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
};

export const adminOf = (tenant: Tenant): SignedInUser => ({ tenantId: tenant.id, username: `admin@${tenant.domain}`, roles: [DIRECTORY_ROLES.globalAdministrator] });

/** The emulated sign-in form's account: the tenant's administrator, or (`login_role=user`) an ordinary user. */
export function signedInFrom(tenant: Tenant, role: string | undefined): SignedInUser {
  return role === 'user' ? { tenantId: tenant.id, username: `staff@${tenant.domain}`, roles: [] } : adminOf(tenant);
}

/** Starts the emulated browser session at Entra, as a sign-in does (Entra's cookies are SameSite=None). */
export function startSession(res: Response, user: SignedInUser): void {
  res.cookie(SESSION_COOKIE, Buffer.from(JSON.stringify(user)).toString('base64url'), { httpOnly: true, secure: true, sameSite: 'none', path: '/' });
}

export function sessionOf(req: Request, directory: Directory): SignedInUser | undefined {
  try {
    const user = JSON.parse(Buffer.from(String((req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE] ?? ''), 'base64url').toString('utf8')) as SignedInUser;
    return directory.findTenant(user.tenantId) ? user : undefined;
  } catch {
    return undefined;
  }
}
