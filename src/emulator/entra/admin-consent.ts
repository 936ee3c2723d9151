import { randomUUID } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import type { EmulatorContext } from '../context';
import type { App, Tenant } from '../directory';
import { GRAPH_RESOURCE } from './token';

/**
 * The v2.0 admin-consent endpoint, without a real sign-in: GET shows the consent prompt (the
 * signed-in administrator's tenant is asked for when the URL says organizations or common), POST
 * is the admin's Accept or Cancel. Accept creates the app's service principal in that tenant with
 * the registration's application permissions, then redirects like Entra:
 *   {redirect_uri}?admin_consent=True&tenant={tenant id}&scope=…&state=…
 * Cancel redirects with error=access_denied. Requests Entra cannot send back to the app (unknown
 * app, redirect URI not registered, single-tenant app from another tenant) end on an error page,
 * as they do at login.microsoftonline.com.
 * https://learn.microsoft.com/entra/identity-platform/v2-admin-consent
 * Codes: docs/emulator.md ("Admin consent").
 */

const ERROR_PAGE_TITLE = 'Sorry, but we’re having trouble signing you in.';
const PERMISSION_TEXTS: Record<string, string> = {
  'Calendars.ReadWrite': 'Read and write calendars in all mailboxes',
  'Calendars.Read': 'Read calendars in all mailboxes',
};

interface ConsentRequest { clientId: string; redirectUri: string; scope: string; state?: string }

class PageError extends Error {
  constructor(readonly aadsts: number, message: string) {
    super(message);
  }
}

export function adminConsentRouter(ctx: EmulatorContext): express.Router {
  const router = express.Router();
  const { directory } = ctx;

  /** What Entra checks before it shows anything: the tenant segment, the app, the redirect URI. */
  const validate = (segment: string, input: Record<string, unknown>): { request: ConsentRequest; registration: App; tenant?: Tenant } => {
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
  };

  router.get('/:tenant/v2.0/adminconsent', (req: Request, res: Response) => {
    ctx.counters.count('admin-consent');
    try {
      const { request, registration, tenant } = validate(String(req.params.tenant), req.query);
      if (!isGraphDefaultScope(request.scope)) return void redirectError(res, request, 'invalid_request', 90014, "The required field 'scope' is missing or is not https://graph.microsoft.com/.default.");
      res.type('html').send(promptPage(req.originalUrl.split('?')[0], request, registration, tenant));
    } catch (err) {
      sendErrorPage(res, err);
    }
  });

  router.post('/:tenant/v2.0/adminconsent', express.urlencoded({ extended: false }), (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, string>;
    try {
      const { request, registration, tenant: pathTenant } = validate(String(req.params.tenant), body);
      if (body.decision !== 'accept') {
        return void redirectError(res, request, 'access_denied', 65004, 'User declined to consent to access the app.', 'cancel');
      }
      // The emulated sign-in: the administrator's tenant, asked for when the URL did not name one.
      const tenant = pathTenant ?? directory.findTenant(body.login_tenant ?? '');
      if (!tenant) throw new PageError(90002, `Tenant '${body.login_tenant ?? ''}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
      checkAudience(registration, tenant);
      directory.grantAdminConsent(tenant.id, registration.clientId);
      redirect(res, request, { admin_consent: 'True', tenant: tenant.id, scope: request.scope });
    } catch (err) {
      sendErrorPage(res, err);
    }
  });
  return router;
}

function checkAudience(registration: App, tenant: Tenant): void {
  if (registration.signInAudience === 'AzureADMyOrg' && tenant.id !== registration.homeTenantId) {
    throw new PageError(50194,
      `Application '${registration.clientId}'(${registration.displayName}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.`);
  }
}

function isGraphDefaultScope(scope: string): boolean {
  const scopes = scope.split(' ').filter(Boolean);
  return scopes.length === 1 && [`${GRAPH_RESOURCE}/.default`, `${GRAPH_RESOURCE}//.default`].includes(scopes[0].toLowerCase());
}

function redirect(res: Response, request: ConsentRequest, params: Record<string, string>): void {
  const target = new URL(request.redirectUri);
  for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
  if (request.state !== undefined) target.searchParams.set('state', request.state);
  res.redirect(302, target.toString());
}

function redirectError(res: Response, request: ConsentRequest, error: string, aadsts: number, description: string, subcode?: string): void {
  const timestamp = `${new Date().toISOString().slice(0, 19).replace('T', ' ')}Z`;
  redirect(res, request, {
    error, ...(subcode && { error_subcode: subcode }),
    error_description: `AADSTS${aadsts}: ${description} Trace ID: ${randomUUID()} Correlation ID: ${randomUUID()} Timestamp: ${timestamp}`,
  });
}

function sendErrorPage(res: Response, err: unknown): void {
  if (!(err instanceof PageError)) throw err;
  res.status(400).type('html').send(page('Sign in to your account', `<h1>${ERROR_PAGE_TITLE}</h1>
<p id="error-code">AADSTS${err.aadsts}: ${escapeHtml(err.message)}</p>`));
}

function promptPage(action: string, request: ConsentRequest, app: App, tenant: Tenant | undefined): string {
  const hidden = Object.entries({ client_id: request.clientId, redirect_uri: request.redirectUri, scope: request.scope, state: request.state ?? '' })
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`).join('\n');
  const permissions = app.requiredRoles.map((role) => `<li><strong>${escapeHtml(PERMISSION_TEXTS[role] ?? role)}</strong> (${escapeHtml(role)})</li>`).join('\n');
  const signIn = tenant
    ? `<p>Signed in as an administrator of <strong>${escapeHtml(tenant.domain)}</strong>.</p>`
    : `<p><label for="login_tenant">Emulated sign-in: the administrator's tenant (ID or domain)</label><br>
<input id="login_tenant" name="login_tenant" required autocomplete="off"></p>`;
  return page('Permissions requested', `<h1>Permissions requested</h1>
<p><strong>${escapeHtml(app.displayName)}</strong> (unverified) — Accept for your organization</p>
<form method="post" action="${escapeHtml(action)}">
${hidden}
${signIn}
<p>This app would like to:</p>
<ul>${permissions || '<li>Sign in and read the organization\'s basic profile</li>'}</ul>
<p>If you accept, this app will get access to the specified resources for all users in your organization. No one else will be prompted to review these permissions.</p>
<button type="submit" name="decision" value="cancel" formnovalidate>Cancel</button>
<button type="submit" name="decision" value="accept">Accept</button>
</form>`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} (Microsoft Entra emulator)</title></head><body>${body}</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
