import express, { type Request, type Response } from 'express';
import type { EmulatorContext } from '../context';
import type { App, Tenant } from '../directory';
import {
  adminOf, checkAudience, checkRedirect, emulatorPage, escapeHtml, LOGIN_TENANT_FIELD, PageError, redirect, redirectError, sendErrorPage, startSession,
  type BrowserRequest,
} from './browser';
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

const PERMISSION_TEXTS: Record<string, string> = {
  'Calendars.ReadWrite': 'Read and write calendars in all mailboxes',
  'Calendars.Read': 'Read calendars in all mailboxes',
};

export function adminConsentRouter(ctx: EmulatorContext): express.Router {
  const router = express.Router();
  const { directory } = ctx;

  router.get('/:tenant/v2.0/adminconsent', (req: Request, res: Response) => {
    ctx.counters.count('admin-consent');
    try {
      const { request, registration, tenant } = checkRedirect(directory, String(req.params.tenant), req.query);
      if (!isGraphDefaultScope(request.scope)) return void redirectError(res, request, 'invalid_request', 90014, "The required field 'scope' is missing or is not https://graph.microsoft.com/.default.");
      res.type('html').send(promptPage(req.originalUrl.split('?')[0], request, registration, tenant));
    } catch (err) {
      sendErrorPage(res, err);
    }
  });

  router.post('/:tenant/v2.0/adminconsent', express.urlencoded({ extended: false }), (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, string>;
    try {
      const { request, registration, tenant: pathTenant } = checkRedirect(directory, String(req.params.tenant), body);
      if (body.decision !== 'accept') {
        return void redirectError(res, request, 'access_denied', 65004, 'User declined to consent to access the app.', 'cancel');
      }
      // The emulated sign-in: the administrator's tenant, asked for when the URL did not name one.
      const tenant = pathTenant ?? directory.findTenant(body.login_tenant ?? '');
      if (!tenant) throw new PageError(90002, `Tenant '${body.login_tenant ?? ''}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
      checkAudience(registration, tenant);
      directory.grantAdminConsent(tenant.id, registration.clientId);
      // The administrator is now signed in at Entra: a sign-in that follows needs no prompt.
      startSession(res, adminOf(tenant));
      redirect(res, request, { admin_consent: 'True', tenant: tenant.id, scope: request.scope });
    } catch (err) {
      sendErrorPage(res, err);
    }
  });
  return router;
}

function isGraphDefaultScope(scope: string): boolean {
  const scopes = scope.split(' ').filter(Boolean);
  return scopes.length === 1 && [`${GRAPH_RESOURCE}/.default`, `${GRAPH_RESOURCE}//.default`].includes(scopes[0].toLowerCase());
}

function promptPage(action: string, request: BrowserRequest, app: App, tenant: Tenant | undefined): string {
  const hidden = Object.entries({ client_id: request.clientId, redirect_uri: request.redirectUri, scope: request.scope, state: request.state ?? '' })
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`).join('\n');
  const permissions = app.requiredRoles.map((role) => `<li><strong>${escapeHtml(PERMISSION_TEXTS[role] ?? role)}</strong> (${escapeHtml(role)})</li>`).join('\n');
  const signIn = tenant
    ? `<p>Signed in as an administrator of <strong>${escapeHtml(tenant.domain)}</strong>.</p>`
    : LOGIN_TENANT_FIELD;
  return emulatorPage('Permissions requested', `<h1>Permissions requested</h1>
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
