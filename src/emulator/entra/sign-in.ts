import { createHash, randomBytes } from 'node:crypto';
import cookieParser from 'cookie-parser';
import express, { type Request, type Response } from 'express';
import jwt from 'jsonwebtoken';
import type { EmulatorContext } from '../context';
import type { App, Directory } from '../directory';
import {
  checkRedirect, emulatorPage, escapeHtml, LOGIN_ROLE_FIELD, LOGIN_TENANT_FIELD, PageError, redirectError, sendErrorPage, sessionOf, signedInFrom, startSession,
  type SignedInUser,
} from './browser';
import { EntraError } from './errors';
import type { SigningKey } from './signing-key';
import { checkClientCredential, type TokenRequest } from './token';

/**
 * OpenID Connect sign-in with the authorization code flow (v2.0), enough for an app to learn who
 * signed in and in which tenant: GET /{tenant}/oauth2/v2.0/authorize answers with a code, the token
 * endpoint redeems it (grant_type=authorization_code, PKCE S256) for an id_token whose `tid` is the
 * user's home tenant. The emulated browser session (what ESTSAUTH is at Entra) starts when an
 * administrator accepts admin consent, or on this endpoint's own sign-in form; with prompt=none and
 * no session the answer is error=login_required (AADSTS50058).
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
 * https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference
 */

const CODE_TTL_MS = 10 * 60_000;

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  user: SignedInUser;
  nonce?: string;
  codeChallenge?: string;
  expiresAt: number;
}

/** Codes issued and not yet redeemed (each redeems once). */
export class AuthorizationCodes {
  private readonly codes = new Map<string, IssuedCode>();

  issue(code: Omit<IssuedCode, 'expiresAt'>): string {
    const value = randomBytes(32).toString('base64url');
    this.codes.set(value, { ...code, expiresAt: Date.now() + CODE_TTL_MS });
    return value;
  }

  take(value: string): IssuedCode | undefined {
    const code = this.codes.get(value);
    this.codes.delete(value);
    return code && code.expiresAt > Date.now() ? code : undefined;
  }
}

export function signInRouter(ctx: EmulatorContext): express.Router {
  const router = express.Router();
  const { directory } = ctx;

  const authorize = (req: Request, res: Response, input: Record<string, unknown>, signedIn?: SignedInUser): void => {
    const text = (name: string) => (typeof input[name] === 'string' ? input[name] : '');
    const segment = String(req.params.tenant);
    try {
      const { request, registration, tenant } = checkRedirect(directory, segment, input);
      const scopes = text('scope').split(' ').filter(Boolean);
      if (text('response_type') !== 'code') {
        return void redirectError(res, request, 'unsupported_response_type', 700054, `response_type '${text('response_type')}' is not enabled for the application.`);
      }
      if (!scopes.includes('openid')) return void redirectError(res, request, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope' with the value 'openid'.");
      const user = signedIn ?? sessionOf(req, directory);
      if (!user) {
        if (text('prompt') === 'none') return void redirectError(res, request, 'login_required', 50058, 'A silent sign-in request was sent but no user is signed in.');
        res.type('html').send(signInPage(req.originalUrl.split('?')[0], input, registration));
        return;
      }
      if (tenant && tenant.id !== user.tenantId) {
        throw new PageError(50020, `User account '${user.username}' from identity provider 'https://sts.windows.net/${user.tenantId}/' does not exist in tenant '${tenant.domain}' and cannot access the application '${registration.clientId}'(${registration.displayName}) in that tenant.`);
      }
      if (!directory.findApp(user.tenantId, registration.clientId)) {
        return void redirectError(res, request, 'consent_required', 65001, `The user or administrator has not consented to use the application with ID '${registration.clientId}' named '${registration.displayName}'. Send an interactive authorization request for this user and resource.`);
      }
      if (signedIn) startSession(res, signedIn);
      const challenge = text('code_challenge');
      if (challenge && text('code_challenge_method') !== 'S256') {
        return void redirectError(res, request, 'invalid_request', 50148, 'The code_challenge_method must be S256 (plain is not supported here).');
      }
      const code = ctx.authCodes.issue({
        clientId: registration.clientId, redirectUri: request.redirectUri, user, nonce: text('nonce') || undefined, codeChallenge: challenge || undefined,
      });
      const target = new URL(request.redirectUri);
      target.searchParams.set('code', code);
      if (request.state !== undefined) target.searchParams.set('state', request.state);
      target.searchParams.set('session_state', createHash('sha256').update(user.username).digest('hex').slice(0, 36));
      res.redirect(302, target.toString());
    } catch (err) {
      sendErrorPage(res, err);
    }
  };

  router.get('/:tenant/oauth2/v2.0/authorize', cookieParser(), (req, res) => {
    ctx.counters.count('authorize');
    authorize(req, res, req.query);
  });

  /** The emulated sign-in form: which tenant's administrator signs in. */
  router.post('/:tenant/oauth2/v2.0/authorize', express.urlencoded({ extended: false }), (req, res) => {
    const body = (req.body ?? {}) as Record<string, string>;
    const tenant = directory.findTenant(body.login_tenant ?? '');
    if (!tenant) return void sendErrorPage(res, new PageError(90002, `Tenant '${body.login_tenant ?? ''}' not found.`));
    authorize(req, res, body, signedInFrom(tenant, body.login_role));
  });
  return router;
}

/** grant_type=authorization_code: the code, once, for the app it was issued to, with its redirect URI and PKCE verifier. */
export function redeemCode(directory: Directory, key: SigningKey, codes: AuthorizationCodes, request: TokenRequest): object {
  const { form } = request;
  const clientId = checkClientCredential(directory, request);
  const code = codes.take(form.code ?? '');
  if (!code || code.clientId !== clientId.toLowerCase()) {
    throw new EntraError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity, was already redeemed, or was issued to another client.');
  }
  if (form.redirect_uri !== code.redirectUri) {
    throw new EntraError(400, 'invalid_grant', 500112, `The reply address '${form.redirect_uri ?? ''}' does not match the reply address '${code.redirectUri}' provided when requesting Authorization code.`);
  }
  if (code.codeChallenge && createHash('sha256').update(form.code_verifier ?? '').digest('base64url') !== code.codeChallenge) {
    throw new EntraError(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
  }
  const app = directory.findApp(code.user.tenantId, clientId);
  if (!app) throw new EntraError(400, 'invalid_grant', 70008, 'The provided authorization code was issued for an application the tenant no longer holds.');
  return userTokens(key, request.baseUrl, app, code, request.lifetimeSeconds);
}

function userTokens(key: SigningKey, baseUrl: string, app: App, code: IssuedCode, lifetimeSeconds: number): object {
  const now = Math.floor(Date.now() / 1000);
  const { tenantId, username } = code.user;
  const oid = uuidFrom(`${tenantId}|${username}`);
  const sign = (claims: object) => jwt.sign(claims, key.privateKey, { algorithm: 'RS256', keyid: key.kid });
  const idToken = sign({
    aud: app.clientId, iss: `${baseUrl}/${tenantId}/v2.0`, iat: now, nbf: now, exp: now + 3600,
    name: username.split('@')[0], oid, preferred_username: username, sub: uuidFrom(`${app.clientId}|${oid}`), tid: tenantId, ver: '2.0',
    ...(code.nonce && { nonce: code.nonce }),
    ...(app.groupMembershipClaims !== 'None' && { wids: code.user.roles }),
  });
  const accessToken = sign({
    aud: '00000003-0000-0000-c000-000000000000', iss: `https://sts.windows.net/${tenantId}/`, iat: now, nbf: now, exp: now + lifetimeSeconds,
    appid: app.clientId, idtyp: 'user', oid, scp: 'openid profile email User.Read', tid: tenantId, upn: username, ver: '1.0',
  });
  return {
    token_type: 'Bearer', scope: 'openid profile email User.Read', expires_in: lifetimeSeconds, ext_expires_in: lifetimeSeconds,
    access_token: accessToken, id_token: idToken,
    client_info: Buffer.from(JSON.stringify({ uid: oid, utid: tenantId })).toString('base64url'),
  };
}

function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function signInPage(action: string, input: Record<string, unknown>, app: App): string {
  const hidden = Object.entries(input).filter(([, v]) => typeof v === 'string')
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(String(value))}">`).join('\n');
  return emulatorPage('Sign in to your account', `<h1>Sign in</h1>
<p>to continue to <strong>${escapeHtml(app.displayName)}</strong></p>
<form method="post" action="${escapeHtml(action)}">
${hidden}
${LOGIN_TENANT_FIELD}
${LOGIN_ROLE_FIELD}
<button type="submit">Sign in</button>
</form>`);
}
