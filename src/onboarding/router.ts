import { randomBytes, timingSafeEqual } from 'node:crypto';
import cookieParser from 'cookie-parser';
import express, { type CookieOptions, type NextFunction, type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import type pino from 'pino';
import { diagnoseSetup, type DiagnosisTarget } from '../diagnosis/diagnose';
import type { Lang } from '../diagnosis/texts';
import { getStatus, OpsError, startIntegration, syncNow } from '../ops/integrations';
import { serverView, statusWithin } from '../ops/status';
import type { MicrosoftEndpoints } from '../outlook/endpoints';
import { GRAPH_SCOPE, TokenProvider } from '../outlook/token';
import type { SecretStore } from '../secrets/store';
import { integrationConfigSchema } from '../sync/integration-config';
import { ONBOARDING_PATH, type LinkPayload } from './link';
import { checkItem, html, page, PROGRESS_SCRIPT, raw, STYLE, T } from './pages';
import { SealError, type Sealer } from './seal';
import { AdminSignIn } from './sign-in';

/**
 * "Connect Outlook": the signed link → Entra's admin-consent endpoint → the callback → an OpenID
 * Connect sign-in that proves who consented → the calendar mailbox → the setup check, live → the
 * integration. Each `state` is sealed and bound to a one-time cookie of the browser that left (no
 * CSRF, no replay). Entra's `tenant` answer is only a claim (Microsoft's docs say not to trust it):
 * the admin's id_token must name the same tenant, and a directory role that may consent.
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
  /** The tenant, proven by the sign-in. */
  t: string;
  l: Lang;
}

const CONSENT_COOKIE = 'wa_consent';
const SESSION_COOKIE = 'wa_onboarding';
const CONSENT_TTL_MS = 15 * 60_000;
const SESSION_TTL_MS = 60 * 60_000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/** Times on the pages: WineAround's customers are Italian wineries. */
const PAGE_TIME_ZONE = 'Europe/Rome';
const STREAM_MARK = raw('<!--stream-->');
/** How long the reconnect page waits for the sync it asks for before saying it will resume by itself. */
const RECONNECT_SYNC_WAIT_MS = 60_000;

export const CALLBACK_PATH = `${ONBOARDING_PATH}/callback`;

export function createOnboardingRouter(options: OnboardingOptions): express.Router {
  const { sealer, publicUrl, logger, endpoints, secrets, appClientId, appSecretRef, client } = options;
  const signIn = new AdminSignIn({ endpoints, appClientId, appSecretRef, secrets });
  const router = express.Router();
  const secure = publicUrl.startsWith('https:');
  const cookie = (maxAge: number): CookieOptions => ({ httpOnly: true, secure, sameSite: 'lax', path: ONBOARDING_PATH, maxAge });
  const redirectUri = `${publicUrl}${CALLBACK_PATH}`;

  router.use(cookieParser());
  router.use((_req, res, next) => {
    res.set({ 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' });
    next();
  });
  router.get('/assets/style.css', (_req, res) => { res.type('text/css').set('Cache-Control', 'public, max-age=3600').send(STYLE); });
  router.get('/assets/progress.js', (_req, res) => { res.type('text/javascript').set('Cache-Control', 'public, max-age=3600').send(PROGRESS_SCRIPT); });

  /** The language: ?lang, then the flow's, then the browser's. */
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
      const lang = langOf(req);
      const t = T[lang];
      logger.warn({ purpose, reason: err.reason }, 'Onboarding refused a sealed value');
      if (purpose === 'session') res.status(401).send(page(lang, t.sessionTitle, html`<p>${t.session}</p>`));
      else if (err.reason === 'invalid') res.status(400).send(page(lang, t.invalidTitle, html`<p>${t.invalid}</p>`));
      else if (purpose === 'state') res.status(410).send(page(lang, t.stateExpiredTitle, html`<p>${t.stateExpired}</p>`));
      else res.status(410).send(page(lang, t.expiredTitle, html`<p>${t.expired}</p>`));
      return undefined;
    }
  };

  /**
   * A link starts one integration: refused while it runs, and once a run started after the link was
   * made. Except to reconnect: a running integration that lost its consent (the enterprise
   * application deleted) takes the same path to consent again, and then resumes.
   */
  const linkInUse = async (link: LinkPayload): Promise<'running' | 'used' | 'reconnect' | undefined> => {
    try {
      const view = await serverView(client, link.c);
      if (view.execution === 'RUNNING') return view.errorCode === 'CONSENT_NOT_GRANTED' ? 'reconnect' : 'running';
      return view.runStartedAt.getTime() >= link.i ? 'used' : undefined;
    } catch (err) {
      if (!(err instanceof OpsError)) logger.warn({ err }, 'Onboarding: could not tell whether the integration runs');
      return undefined;
    }
  };

  const linkRefusal = (res: Response, lang: Lang, link: LinkPayload, use: 'running' | 'used'): void => {
    const t = T[lang];
    if (use === 'running') res.send(page(lang, t.alreadyTitle, html`<p>${t.already(link.c)}</p>`));
    else res.status(410).send(page(lang, t.usedTitle, html`<p>${t.used}</p>`));
  };

  router.get('/l/:token', async (req, res) => {
    const link = opened<LinkPayload>(req, res, 'link', req.params.token);
    if (!link) return;
    const lang = langOf(req, link.l);
    const t = T[lang];
    const use = await linkInUse(link);
    if (use === 'running' || use === 'used') return void linkRefusal(res, lang, link, use);
    res.send(page(lang, t.title, html`${use === 'reconnect' ? html`<p><strong>${t.reconnectIntro(link.c)}</strong></p>` : ''}<p>${t.intro(link.c)}</p>
<ol>${t.steps.map((s) => html`<li>${s}</li>`)}</ol>
<p>${t.noSecret}</p>
<p><a class="button" id="connect" href="${ONBOARDING_PATH}/l/${req.params.token}/connect?lang=${lang}">${t.connect}</a></p>`,
    `?lang=${lang === 'it' ? 'en' : 'it'}`));
  });

  /** Each trip to Microsoft: a fresh one-time value in the cookie and in the sealed state. */
  const leave = (res: Response, payload: Omit<StatePayload, 'n'>): string => {
    const nonce = randomBytes(24).toString('base64url');
    res.cookie(CONSENT_COOKIE, nonce, cookie(CONSENT_TTL_MS));
    return sealer.seal<StatePayload>('state', { ...payload, n: nonce }, CONSENT_TTL_MS);
  };

  router.get('/l/:token/connect', async (req, res) => {
    const link = opened<LinkPayload>(req, res, 'link', req.params.token);
    if (!link) return;
    const lang = langOf(req, link.l);
    const use = await linkInUse(link);
    if (use === 'running' || use === 'used') return void linkRefusal(res, lang, link, use);
    const state = leave(res, { s: 'consent', k: req.params.token, l: lang });
    // The customer's own tenant when WineAround knows it; else `organizations`, the admin's home
    // tenant (Entra's docs advise against `common` here).
    const consent = new URL(`${endpoints.authorityHost}/${link.t ?? 'organizations'}/v2.0/adminconsent`);
    consent.search = new URLSearchParams({ client_id: appClientId, scope: GRAPH_SCOPE, redirect_uri: redirectUri, state }).toString();
    logger.info({ customerId: link.c }, 'Onboarding: sent to admin consent');
    res.redirect(302, consent.toString());
  });

  /** Entra's answers to both trips come here: admin consent, then the sign-in that proves who consented. */
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
      logger.info({ customerId: link.c, tenantId: tenant }, 'Onboarding: admin consent granted; confirming who consented by sign-in');
      res.redirect(302, await signIn.start(redirectUri, (v) => leave(res, { s: 'sign-in', k: state.k, l: lang, t: tenant, v })));
      return;
    }
    let who;
    try {
      who = await signIn.whoSignedIn(query('code') ?? '', state.v ?? '', redirectUri);
    } catch (err) {
      logger.warn({ customerId: link.c, code: /AADSTS\d+/.exec(String((err as Error)?.message))?.[0] ?? (err as Error)?.name }, 'Onboarding: the sign-in could not be redeemed');
      res.status(400).send(page(lang, t.refusedTitle, html`<p>${t.signInFailed}</p>${retry}`));
      return;
    }
    const expected = [state.t, link.t].filter((x): x is string => Boolean(x)).map((x) => x.toLowerCase());
    if (expected.some((tenant) => tenant !== who.tenantId.toLowerCase())) {
      logger.warn({ customerId: link.c, consented: state.t, expected: link.t, signedIn: who.tenantId }, 'Onboarding: the admin signed in to another tenant than the one that consented');
      res.status(403).send(page(lang, t.otherTenantTitle, html`<p>${t.otherTenant}</p>${retry}`));
      return;
    }
    if (!who.mayConsent) {
      logger.warn({ customerId: link.c, tenantId: who.tenantId }, 'Onboarding: the account that signed in holds no role that may consent');
      res.status(403).send(page(lang, t.notAdminTitle, html`<p>${t.notAdmin}</p>${retry}`));
      return;
    }
    logger.info({ customerId: link.c, tenantId: who.tenantId }, 'Onboarding: tenant and administrator confirmed');
    if ((await linkInUse(link)) === 'reconnect') {
      await reconnected(res, lang, link, who.tenantId, retry);
      return;
    }
    res.cookie(SESSION_COOKIE, sealer.seal<SessionPayload>('session', { ...link, k: state.k, t: who.tenantId, l: lang }, SESSION_TTL_MS), cookie(SESSION_TTL_MS));
    // Lax, not Strict: the redirect below still belongs to the navigation that came from Microsoft,
    // and a Strict cookie would not be sent on it. Cross-site POSTs carry no Lax cookie.
    // A page of its own, so that reloading it does not replay Microsoft's answer.
    res.redirect(303, `${ONBOARDING_PATH}/mailbox?lang=${lang}`);
  });

  /** Consent given again for a running integration that had lost it: check its tenant, then sync now. */
  const reconnected = async (res: Response, lang: Lang, link: LinkPayload, tenant: string, retry: ReturnType<typeof html>): Promise<void> => {
    const t = T[lang];
    const status = await getStatus(client, link.c);
    if (status.tenantId.toLowerCase() !== tenant.toLowerCase()) {
      logger.warn({ customerId: link.c, integration: status.tenantId, signedIn: tenant }, 'Onboarding: reconnect from another tenant than the integration\'s');
      res.status(403).send(page(lang, t.otherTenantTitle, html`<p>${t.otherTenant}</p>${retry}`));
      return;
    }
    const [head, end] = page(lang, t.reconnectedTitle, html`<p>${t.reconnectChecking(link.c)}</p>${STREAM_MARK}`).split(STREAM_MARK.value);
    res.type('html').set('X-Accel-Buffering', 'no').write(head);
    let outcome;
    try {
      const summary = await within(RECONNECT_SYNC_WAIT_MS, syncNow(client, link.c));
      logger.info({ customerId: link.c, tenantId: tenant }, 'Onboarding: reconnected, and synced');
      outcome = html`<p role="status">${t.reconnectDone(timeOf(summary.at, lang), summary)}</p>`;
    } catch (err) {
      logger.info({ customerId: link.c, tenantId: tenant, error: (err as Error)?.message?.slice(0, 200) }, 'Onboarding: reconnected; the sync has not resumed yet');
      outcome = html`<p role="status">${t.reconnectPending}</p>`;
    }
    res.end(`${outcome.value}${end}`);
  };

  router.get('/mailbox', (req, res) => {
    const session = opened<SessionPayload>(req, res, 'session', req.cookies?.[SESSION_COOKIE]);
    if (!session) return;
    const lang = langOf(req, session.l);
    const t = T[lang];
    res.send(page(lang, t.mailboxTitle, html`<p>${t.consented(session.c, session.t)}</p>${mailboxForm(lang, session.c)}`));
  });

  router.post('/mailbox', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const session = opened<SessionPayload>(req, res, 'session', req.cookies?.[SESSION_COOKIE]);
    if (!session) return;
    const lang = langOf(req, session.l);
    const t = T[lang];
    const form = (req.body ?? {}) as Record<string, unknown>;
    // One session cookie per browser: a form from another tab's connection must not act on this one.
    if (form.customer !== session.c) {
      res.status(409).send(page(lang, t.switchedTitle, html`<p>${t.switched(session.c)}</p>`));
      return;
    }
    const mailbox = String(form.mailbox ?? '').trim();
    const config = { customerId: session.c, tenantId: session.t, clientId: appClientId, secretRef: appSecretRef, mailbox, feedUrl: session.f };
    const parsed = integrationConfigSchema.safeParse(config);
    if (!parsed.success) {
      res.status(400).send(page(lang, t.mailboxTitle, mailboxForm(lang, session.c, mailbox, t.mailboxInvalid)));
      return;
    }
    // Streamed: each check appears as it ends, then the outcome.
    const [head, between, end] = page(lang, t.checkTitle, html`<p>${t.checking(session.c)}</p>
<ol class="checks" id="checks" aria-live="polite">${STREAM_MARK}</ol>${STREAM_MARK}`).split(STREAM_MARK.value);
    res.type('html').set('X-Accel-Buffering', 'no').write(head);
    let outcome;
    try {
      const target: DiagnosisTarget = parsed.data;
      // A token of its own: one cached before consent reached Exchange would hide the role for an hour.
      const report = await diagnoseSetup(target, {
        secrets, endpoints, tokens: new TokenProvider(endpoints, undefined, appClientId), multiTenantAppId: appClientId,
        onCheck: (check) => res.write(checkItem(check, lang, target).value),
      });
      if (!report.ok) {
        outcome = html`<p class="error" role="alert">${t.failed}</p>${mailboxForm(lang, session.c, mailbox, undefined, t.checkAgain)}`;
      } else {
        await startIntegration(client, options.taskQueue, config);
        logger.info({ customerId: session.c, tenantId: session.t }, 'Onboarding: integration started');
        outcome = html`<p role="alert"><strong>${t.okStarted}</strong></p>
<p id="progress" role="status" aria-live="polite">${t.progressWaiting}</p>
<script src="${ONBOARDING_PATH}/assets/progress.js"></script>`;
      }
    } catch (err) {
      if (!(err instanceof OpsError)) logger.error({ err }, 'Onboarding: the setup check or the start failed');
      outcome = html`<p class="error" role="alert">${err instanceof OpsError ? t.already(session.c) : t.unavailable}</p>`;
    }
    res.end(`${between}${outcome.value}${end}`);
  });

  router.get('/progress', async (req, res) => {
    let session: SessionPayload;
    try {
      session = sealer.open<SessionPayload>('session', req.cookies?.[SESSION_COOKIE]);
    } catch {
      res.status(401).json({ final: true });
      return;
    }
    const lang = langOf(req, session.l);
    const t = T[lang];
    try {
      const answer = await statusWithin(client, session.c);
      if (answer.from === 'worker' && answer.status.lastSuccessAt && answer.status.lastSummary) {
        res.json({ final: true, state: answer.status.state, text: t.progressDone(timeOf(answer.status.lastSuccessAt, lang), answer.status.lastSummary) });
        return;
      }
      const state = answer.from === 'worker' ? answer.status.state : answer.view.state;
      const code = answer.from === 'worker' ? answer.status.lastError?.code : answer.view.errorCode;
      if (state === 'needs_attention') res.json({ final: true, state, text: t.progressAttention(code ?? 'UNKNOWN') });
      else res.json({ final: false, state, text: t.progressWaiting });
    } catch (err) {
      if (!(err instanceof OpsError)) logger.warn({ err }, 'Onboarding: progress unavailable');
      res.status(err instanceof OpsError ? 404 : 503).json({ final: err instanceof OpsError, text: t.progressWaiting });
    }
  });

  // Whatever else fails (Microsoft unreachable, a missing app credential): a page, never a stack trace.
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    logger.error({ err }, 'Onboarding: request failed');
    if (res.headersSent) return void res.end();
    const lang = langOf(req);
    res.status(503).send(page(lang, T[lang].unavailableTitle, html`<p>${T[lang].unavailable}</p>`));
  });

  return router;
}

function mailboxForm(lang: Lang, customerId: string, value = '', error?: string, button?: string) {
  const t = T[lang];
  return html`<form method="post" action="${ONBOARDING_PATH}/mailbox?lang=${lang}">
<input type="hidden" name="customer" value="${customerId}">
<label for="mailbox">${t.mailboxLabel}</label>
<p class="hint" id="mailbox-hint">${t.mailboxHint}</p>
${error ? html`<p class="error" id="mailbox-error" role="alert">${error}</p>` : ''}
<input type="email" id="mailbox" name="mailbox" required autocomplete="off" autocapitalize="none" spellcheck="false" inputmode="email"
  value="${value}" aria-describedby="mailbox-hint${error ? ' mailbox-error' : ''}"${error ? html` aria-invalid="true"` : ''}>
<p><button type="submit" id="check">${button ?? t.check}</button></p>
</form>`;
}

const timeOf = (iso: string, lang: Lang): string =>
  new Date(iso).toLocaleTimeString(lang, { timeZone: PAGE_TIME_ZONE, hour: '2-digit', minute: '2-digit' });

/** The promise's value, or a rejection after `ms` (the promise itself runs on). */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
