import { randomBytes, timingSafeEqual } from 'node:crypto';
import cookieParser from 'cookie-parser';
import express, { type CookieOptions, type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import type pino from 'pino';
import { diagnoseSetup, type DiagnosisDeps, type DiagnosisTarget } from '../diagnosis/diagnose';
import type { Lang } from '../diagnosis/texts';
import { OpsError, startIntegration } from '../ops/integrations';
import { serverView, statusWithin } from '../ops/status';
import type { MicrosoftEndpoints } from '../outlook/endpoints';
import { GRAPH_SCOPE, type TokenProvider } from '../outlook/token';
import type { SecretStore } from '../secrets/store';
import { integrationConfigSchema } from '../sync/integration-config';
import { ONBOARDING_PATH, type LinkPayload } from './link';
import { checkItem, html, page, PROGRESS_SCRIPT, raw, STYLE, T } from './pages';
import { SealError, type Sealer } from './seal';
import { AdminSignIn } from './sign-in';

/**
 * "Connect Outlook": the signed link → Entra's admin-consent endpoint → the callback → the calendar
 * sign-in that proves the tenant → the calendar mailbox → the setup check, live → the integration.
 * Each `state` is sealed and bound to a one-time cookie of the browser that left (no CSRF, no
 * replay). Entra's `tenant` answer is only a claim (Microsoft's docs say not to trust it): the
 * admin's id_token must name the same tenant before anything else happens.
 */

export interface OnboardingOptions {
  client: Client;
  taskQueue: string;
  sealer: Sealer;
  /** Where the browser reaches this service (WA_PUBLIC_URL); the callback is registered under it. */
  publicUrl: string;
  /** WineAround's multi-tenant app and the name of its credential in the worker's secret store. */
  appClientId: string;
  appSecretRef: string;
  endpoints: MicrosoftEndpoints;
  secrets: SecretStore;
  tokens: TokenProvider;
  logger: pino.Logger;
}

interface StatePayload {
  /** Which trip to Microsoft this answers. */
  s: 'consent' | 'sign-in';
  /** The link token, to retry from and to read the customer from. */
  k: string;
  /** One-time value, also in the browser's cookie. */
  n: string;
  l: Lang;
  /** Sign-in: the tenant that consented, and the PKCE verifier. */
  t?: string;
  v?: string;
}

interface SessionPayload extends LinkPayload {
  k: string;
  /** The tenant Entra named in the callback. */
  t: string;
}

const CONSENT_COOKIE = 'wa_consent';
const SESSION_COOKIE = 'wa_onboarding';
const CONSENT_TTL_MS = 15 * 60_000;
const SESSION_TTL_MS = 60 * 60_000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const STREAM_MARK = raw('<!--stream-->');

export const CALLBACK_PATH = `${ONBOARDING_PATH}/callback`;

export function createOnboardingRouter(options: OnboardingOptions): express.Router {
  const { sealer, publicUrl, logger, endpoints, secrets, appClientId, appSecretRef } = options;
  const diagnosis: DiagnosisDeps = { secrets, endpoints, tokens: options.tokens, multiTenantAppId: appClientId };
  const signIn = new AdminSignIn({ endpoints, appClientId, appSecretRef, secrets });
  const router = express.Router();
  const secure = publicUrl.startsWith('https:');
  const cookie = (sameSite: 'lax' | 'strict', maxAge: number): CookieOptions => ({ httpOnly: true, secure, sameSite, path: ONBOARDING_PATH, maxAge });
  const redirectUri = `${publicUrl}${CALLBACK_PATH}`;

  router.use(cookieParser());
  router.use((_req, res, next) => {
    res.set({ 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' });
    next();
  });
  router.get('/assets/style.css', (_req, res) => { res.type('text/css').set('Cache-Control', 'public, max-age=3600').send(STYLE); });
  router.get('/assets/progress.js', (_req, res) => { res.type('text/javascript').set('Cache-Control', 'public, max-age=3600').send(PROGRESS_SCRIPT); });

  /** The language: ?lang, then the link's, then the browser's. */
  const langOf = (req: Request, preferred?: Lang): Lang => {
    const asked = req.query.lang;
    if (asked === 'it' || asked === 'en') return asked;
    return preferred ?? (req.acceptsLanguages('en', 'it') === 'it' ? 'it' : 'en');
  };

  /** Opens a sealed value, or answers with the page that says why it cannot be used. */
  const opened = <P>(req: Request, res: Response, purpose: 'link' | 'state' | 'session', value: string | undefined): P | undefined => {
    try {
      return sealer.open<P>(purpose, value);
    } catch (err) {
      if (!(err instanceof SealError)) throw err;
      const t = T[langOf(req)];
      logger.warn({ purpose, reason: err.reason }, 'Onboarding refused a sealed value');
      if (purpose === 'session') res.status(401).send(page(langOf(req), t.sessionTitle, html`<p>${t.session}</p>`));
      else if (err.reason === 'expired') res.status(410).send(page(langOf(req), t.expiredTitle, html`<p>${t.expired}</p>`));
      else res.status(400).send(page(langOf(req), t.invalidTitle, html`<p>${t.invalid}</p>`));
      return undefined;
    }
  };

  router.get('/l/:token', async (req, res) => {
    const link = opened<LinkPayload>(req, res, 'link', req.params.token);
    if (!link) return;
    const lang = langOf(req, link.l);
    const t = T[lang];
    const other = `?lang=${lang === 'it' ? 'en' : 'it'}`;
    if (await isRunning(options.client, link.c, logger)) {
      res.send(page(lang, t.alreadyTitle, html`<p>${t.already(link.c)}</p>`, other));
      return;
    }
    res.send(page(lang, t.title, html`<p>${t.intro(link.c)}</p>
<ol>${t.steps.map((s) => html`<li>${s}</li>`)}</ol>
<p>${t.noSecret}</p>
<p><a class="button" id="connect" href="${ONBOARDING_PATH}/l/${req.params.token}/connect?lang=${lang}">${t.connect}</a></p>`, other));
  });

  router.get('/l/:token/connect', (req, res) => {
    const link = opened<LinkPayload>(req, res, 'link', req.params.token);
    if (!link) return;
    const state = leave(res, { s: 'consent', k: req.params.token, l: langOf(req, link.l) });
    // `organizations`: the admin's own tenant, whichever it is (Entra's docs advise against `common` here).
    const consent = new URL(`${endpoints.authorityHost}/organizations/v2.0/adminconsent`);
    consent.search = new URLSearchParams({ client_id: options.appClientId, scope: GRAPH_SCOPE, redirect_uri: redirectUri, state }).toString();
    logger.info({ customerId: link.c }, 'Onboarding: sent to admin consent');
    res.redirect(302, consent.toString());
  });

  /** Each trip to Microsoft: a fresh one-time value in the cookie and in the sealed state. */
  const leave = (res: Response, payload: Omit<StatePayload, 'n'>): string => {
    const nonce = randomBytes(24).toString('base64url');
    res.cookie(CONSENT_COOKIE, nonce, cookie('lax', CONSENT_TTL_MS));
    return sealer.seal<StatePayload>('state', { ...payload, n: nonce }, CONSENT_TTL_MS);
  };

  /** Entra's answers to both trips come here: admin consent, then the sign-in that proves the tenant. */
  router.get('/callback', async (req, res) => {
    const query = (name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string) : undefined);
    const state = opened<StatePayload>(req, res, 'state', query('state'));
    if (!state) return;
    const lang = langOf(req, state.l);
    const t = T[lang];
    const sent = req.cookies?.[CONSENT_COOKIE] as string | undefined;
    res.clearCookie(CONSENT_COOKIE, { path: ONBOARDING_PATH });
    if (!sent || !sameText(sent, state.n)) {
      logger.warn('Onboarding: an answer from Microsoft without its browser cookie (replayed, or another browser)');
      res.status(400).send(page(lang, t.replayTitle, html`<p>${t.replay}</p>`));
      return;
    }
    const link = opened<LinkPayload>(req, res, 'link', state.k);
    if (!link) return;
    const retry = html`<p><a class="button" href="${ONBOARDING_PATH}/l/${state.k}?lang=${lang}">${t.tryAgain}</a></p>`;
    const error = query('error');
    if (error) {
      const said = `${error}${query('error_subcode') ? ` (${query('error_subcode')})` : ''}: ${(query('error_description') ?? '').slice(0, 300)}`;
      const notAdmin = /AADSTS90094|AADSTS90099/.test(said);
      logger.info({ customerId: link.c, step: state.s, error, code: /AADSTS\d+/.exec(said)?.[0] }, 'Onboarding: Microsoft answered with an error');
      res.send(page(lang, notAdmin ? t.notAdminTitle : t.refusedTitle, html`<p>${notAdmin ? t.notAdmin : t.refused}</p>
<p class="evidence">${t.microsaid}: <code>${said}</code></p>${retry}`));
      return;
    }
    if (state.s === 'consent') {
      const tenant = query('tenant');
      if (query('admin_consent') !== 'True' || !tenant || !GUID.test(tenant)) {
        res.status(400).send(page(lang, t.invalidTitle, html`<p>${t.invalid}</p>`));
        return;
      }
      logger.info({ customerId: link.c, tenantId: tenant }, 'Onboarding: admin consent granted; confirming the tenant by sign-in');
      const to = await signIn.start(redirectUri, (v) => leave(res, { s: 'sign-in', k: state.k, l: lang, t: tenant, v }));
      res.redirect(302, to);
      return;
    }
    let signedIn: { tenantId: string; username?: string };
    try {
      signedIn = await signIn.tenantOf(query('code') ?? '', state.v ?? '', redirectUri);
    } catch (err) {
      logger.warn({ customerId: link.c, code: /AADSTS\d+/.exec(String((err as Error)?.message))?.[0] ?? (err as Error)?.name }, 'Onboarding: the sign-in could not be redeemed');
      res.status(400).send(page(lang, t.refusedTitle, html`<p>${t.signInFailed}</p>${retry}`));
      return;
    }
    if (signedIn.tenantId.toLowerCase() !== state.t?.toLowerCase()) {
      logger.warn({ customerId: link.c, consented: state.t, signedIn: signedIn.tenantId }, 'Onboarding: the admin signed in to another tenant than the one that consented');
      res.status(403).send(page(lang, t.otherTenantTitle, html`<p>${t.otherTenant}</p>${retry}`));
      return;
    }
    const tenant = signedIn.tenantId;
    logger.info({ customerId: link.c, tenantId: tenant }, 'Onboarding: tenant confirmed');
    res.cookie(SESSION_COOKIE, sealer.seal<SessionPayload>('session', { ...link, k: state.k, t: tenant }, SESSION_TTL_MS), cookie('strict', SESSION_TTL_MS));
    res.send(page(lang, t.mailboxTitle, html`<p>${t.consented(tenant)}</p>${mailboxForm(lang)}`));
  });

  router.post('/mailbox', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const session = opened<SessionPayload>(req, res, 'session', req.cookies?.[SESSION_COOKIE]);
    if (!session) return;
    const lang = langOf(req, session.l);
    const t = T[lang];
    const mailbox = String((req.body as Record<string, unknown>)?.mailbox ?? '').trim();
    const config = { customerId: session.c, tenantId: session.t, clientId: options.appClientId, secretRef: options.appSecretRef, mailbox, feedUrl: session.f };
    const parsed = integrationConfigSchema.safeParse(config);
    if (!parsed.success) {
      res.status(400).send(page(lang, t.mailboxTitle, mailboxForm(lang, mailbox, t.mailboxInvalid)));
      return;
    }
    // Streamed: each check appears as it ends, then the outcome.
    const [head, between, end] = page(lang, t.checkTitle, html`<p>${t.checking}</p>
<ol class="checks" id="checks" aria-live="polite">${STREAM_MARK}</ol>${STREAM_MARK}`).split(STREAM_MARK.value);
    res.type('html').write(head);
    const target: DiagnosisTarget = parsed.data;
    const report = await diagnoseSetup(target, { ...diagnosis, onCheck: (check) => res.write(checkItem(check, lang, target).value) });
    res.write(between);
    if (!report.ok) {
      res.end(html`<p class="error" role="alert">${t.failed}</p>${mailboxForm(lang, mailbox, undefined, t.checkAgain)}`.value + end);
      return;
    }
    try {
      await startIntegration(options.client, options.taskQueue, config);
      logger.info({ customerId: session.c, tenantId: session.t }, 'Onboarding: integration started');
      res.end(html`<p role="alert"><strong>${t.okStarted}</strong></p>
<p id="progress" role="status" aria-live="polite">${t.progressWaiting}</p>
<script src="${ONBOARDING_PATH}/assets/progress.js"></script>`.value + end);
    } catch (err) {
      if (!(err instanceof OpsError)) logger.error({ err }, 'Onboarding: could not start the integration');
      res.end(html`<p role="alert">${err instanceof OpsError ? t.already(session.c) : t.progressAttention('UNAVAILABLE')}</p>`.value + end);
    }
  });

  router.get('/progress', async (req, res) => {
    let session: SessionPayload;
    try {
      session = sealer.open<SessionPayload>('session', req.cookies?.[SESSION_COOKIE]);
    } catch {
      res.status(401).json({ final: true });
      return;
    }
    const t = T[langOf(req, session.l)];
    try {
      const answer = await statusWithin(options.client, session.c);
      const state = answer.from === 'worker' ? answer.status.state : answer.view.state;
      const summary = answer.from === 'worker' ? answer.status.lastSummary : undefined;
      const lastSuccessAt = answer.from === 'worker' ? answer.status.lastSuccessAt : undefined;
      const errorCode = answer.from === 'worker' ? answer.status.lastError?.code : answer.view.errorCode;
      if (lastSuccessAt && summary) {
        res.json({ final: true, state, lastSuccessAt, text: t.progressDone(new Date(lastSuccessAt).toLocaleTimeString(langOf(req, session.l)), summary) });
      } else if (state === 'needs_attention') {
        res.json({ final: true, state, text: t.progressAttention(errorCode ?? 'UNKNOWN') });
      } else {
        res.json({ final: false, state, text: t.progressWaiting });
      }
    } catch (err) {
      if (!(err instanceof OpsError)) logger.warn({ err }, 'Onboarding: progress unavailable');
      res.status(err instanceof OpsError ? 404 : 503).json({ final: false, text: t.progressWaiting });
    }
  });

  return router;
}

function mailboxForm(lang: Lang, value = '', error?: string, button?: string) {
  const t = T[lang];
  return html`<form method="post" action="${ONBOARDING_PATH}/mailbox?lang=${lang}">
<label for="mailbox">${t.mailboxLabel}</label>
<p class="hint" id="mailbox-hint">${t.mailboxHint}</p>
${error ? html`<p class="error" id="mailbox-error" role="alert">${error}</p>` : ''}
<input type="email" id="mailbox" name="mailbox" required autocomplete="off" autocapitalize="none" spellcheck="false" inputmode="email"
  value="${value}" aria-describedby="mailbox-hint${error ? ' mailbox-error' : ''}"${error ? html` aria-invalid="true"` : ''}>
<p><button type="submit" id="check">${button ?? t.check}</button></p>
</form>`;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function isRunning(client: Client, customerId: string, logger: pino.Logger): Promise<boolean> {
  try {
    return (await serverView(client, customerId)).execution === 'RUNNING';
  } catch (err) {
    if (!(err instanceof OpsError)) logger.warn({ err }, 'Onboarding: could not tell whether the integration runs');
    return false;
  }
}
