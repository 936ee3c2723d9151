import assert from 'node:assert/strict';
import { getStatus, stopIntegration, syncNow } from '../../src/ops/integrations';
import { integrationWorkflowId } from '../../src/workflows/messages';
import { eventually } from '../integration/world';
import { APP_SECRET, startOnboardingWorld, type Customer, type OnboardingWorld } from './world';

/**
 * The onboarding pages over real HTTP, as a browser without JavaScript uses them: the signed link,
 * Entra's admin consent (emulated), the callback, the mailbox and the live setup check, then the
 * integration on the real Temporal server. And every way in that must be refused.
 * (The same path in a real browser: test/browser/onboarding.browser.ts.)
 */

/** One browser: its cookies by site (host), sent back to the host that set them; redirects followed by hand. */
class Browser {
  readonly jar = new Map<string, Map<string, string>>();

  cookies(url: string): Map<string, string> {
    const host = new URL(url).host;
    if (!this.jar.has(host)) this.jar.set(host, new Map());
    return this.jar.get(host)!;
  }

  async get(url: string, init: RequestInit = {}): Promise<Response> {
    const cookies = this.cookies(url);
    const headers = new Headers(init.headers);
    if (cookies.size) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
      if (attributes.some((a) => /expires=Thu, 01 Jan 1970/i.test(a)) || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    return res;
  }

  post(url: string, form: Record<string, string>): Promise<Response> {
    return this.get(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  }

  /** GET, then follow redirects; `stopAt` ends the walk at the first address it matches (not fetched). */
  async follow(url: string, stopAt?: RegExp): Promise<{ res?: Response; url: string; hops: string[] }> {
    const hops: string[] = [];
    for (let at = url; hops.length < 10;) {
      hops.push(at);
      if (stopAt?.test(at) && hops.length > 1) return { url: at, hops };
      const res = await this.get(at);
      if (res.status !== 302 && res.status !== 303) return { res, url: at, hops };
      at = new URL(res.headers.get('location')!, at).toString();
    }
    throw new Error(`too many redirects: ${hops.join(' → ')}`);
  }
}

describe('onboarding end to end over HTTP (admin consent, proof by sign-in, live setup check, integration start)', function () {
  this.timeout(120_000);
  let world: OnboardingWorld;

  before(async () => {
    world = await startOnboardingWorld();
  });
  after(() => world?.close());

  const ours = (browser: Browser) => browser.cookies(world.publicUrl);

  /** Link → "Connect Outlook" → Entra's consent page: the URL Entra answers to, with the one-time cookie set. */
  async function toConsent(browser: Browser, customer: Customer, link = world.link(customer)): Promise<URL> {
    const intro = await browser.get(link);
    assert.equal(intro.status, 200);
    const href = /id="connect" href="([^"]+)"/.exec(await intro.text())?.[1];
    assert.ok(href, 'the intro page links to "Connect Outlook"');
    const connect = await browser.get(`${world.publicUrl}${href.replaceAll('&amp;', '&')}`);
    assert.equal(connect.status, 302);
    assert.ok(ours(browser).has('wa_consent'), 'a one-time consent cookie is set');
    return new URL(connect.headers.get('location')!);
  }

  /** The admin's answer on Entra's consent page: where Entra sends the browser back. */
  async function decide(browser: Browser, consent: URL, decision: 'accept' | 'cancel', customer: Customer): Promise<string> {
    const answer = await browser.post(`${consent.origin}${consent.pathname}`, { ...Object.fromEntries(consent.searchParams), decision, login_tenant: customer.domain });
    assert.equal(answer.status, 302);
    return answer.headers.get('location')!;
  }

  /** Consent accepted, then the service's sign-in at Entra (silent: consent signed the admin in): the sign-in's answer. */
  async function consentAndSignIn(browser: Browser, customer: Customer): Promise<string> {
    const walk = await browser.follow(await decide(browser, await toConsent(browser, customer), 'accept', customer), /[?&]code=/);
    assert.match(walk.hops[1], /\/organizations\/oauth2\/v2\.0\/authorize\?/, 'the service asks Entra who signed in');
    assert.match(walk.hops[1], /code_challenge_method=S256/);
    return walk.url;
  }

  /** Through to the mailbox form: its page. */
  async function toMailbox(browser: Browser, customer: Customer): Promise<string> {
    const walk = await browser.follow(await consentAndSignIn(browser, customer));
    assert.equal(walk.res!.status, 200);
    assert.match(walk.url, /\/onboarding\/mailbox\?/);
    return walk.res!.text();
  }

  const check = (browser: Browser, customer: Customer, mailbox = customer.mailbox) =>
    browser.post(`${world.publicUrl}/onboarding/mailbox`, { customer: customer.customerId, mailbox });

  const notStarted = (customer: Customer) =>
    assert.rejects(world.client.workflow.getHandle(integrationWorkflowId(customer.customerId)).describe(), /not found/i);

  it('goes from the signed link to a running integration whose events reach the mailbox', async () => {
    const browser = new Browser();
    const customer = world.customer('cantina-rossi');
    const consent = await toConsent(browser, customer);
    assert.equal(consent.pathname, '/organizations/v2.0/adminconsent');
    assert.equal(consent.searchParams.get('scope'), 'https://graph.microsoft.com/.default');
    assert.equal(consent.searchParams.get('redirect_uri'), `${world.publicUrl}/onboarding/callback`);
    assert.ok(!consent.toString().includes(customer.feedUrl) && !consent.toString().includes('token='), 'the state hides the feed URL');

    const walk = await browser.follow(await decide(browser, consent, 'accept', customer));
    assert.deepEqual(walk.hops.map((h) => new URL(h).pathname),
      ['/onboarding/callback', '/organizations/oauth2/v2.0/authorize', '/onboarding/callback', '/onboarding/mailbox'], 'consent answer → sign-in → its answer → the form');
    assert.equal(walk.res!.status, 200);
    const form = await walk.res!.text();
    assert.match(form, new RegExp(`${customer.customerId}, organisation \\(tenant\\) ${customer.tenantId}`));
    assert.match(form, /name="mailbox"/);
    assert.ok(ours(browser).has('wa_onboarding') && !ours(browser).has('wa_consent'), 'the one-time cookie is spent, a session begins');
    assert.equal((await browser.get(walk.url)).status, 200, 'the form page reloads');

    const checked = await check(browser, customer);
    assert.equal(checked.status, 200);
    const report = await checked.text();
    assert.deepEqual([...report.matchAll(/data-status="(\w+)"/g)].map((m) => m[1]), Array(10).fill('pass'), 'every check passed');
    assert.match(report, /the sync has started/);
    assert.ok(!report.includes(APP_SECRET));

    const status = await eventually(() => getStatus(world.client, customer.customerId), (s) => s.lastSuccessAt !== undefined);
    assert.equal(status.tenantId, customer.tenantId);
    assert.equal(status.secretRef, 'winearound-app');
    assert.ok(world.microsoft.events(customer.mailbox).length > 0, 'the first sync wrote the bookings');
    const progress = await eventually(
      async () => (await browser.get(`${world.publicUrl}/onboarding/progress?lang=it`)).json() as Promise<{ final: boolean; text: string }>,
      (p) => p.final);
    assert.match(progress.text, /^Prima sincronizzazione completata alle \d\d:\d\d/);

    // The same link again: already connected. Once stopped, a link made before the run started was
    // used and starts nothing; a new link onboards again.
    assert.match(await (await new Browser().get(world.link(customer))).text(), /already in sync/);
    await stopIntegration(world.client, customer.customerId);
    const old = await new Browser().get(await oldLinkOf(customer));
    assert.equal(old.status, 410);
    assert.match(await old.text(), /already used/);
    assert.match(await (await new Browser().get(world.link(customer))).text(), /id="connect"/);
  });

  it('reconnects an integration whose consent was removed, through a new link, and it syncs again', async () => {
    const customer = world.customer('cantina-reconnect');
    const browser = new Browser();
    await toMailbox(browser, customer);
    assert.equal((await check(browser, customer)).status, 200);
    await eventually(() => getStatus(world.client, customer.customerId), (s) => s.lastSuccessAt !== undefined);

    // The customer deletes WineAround's enterprise application: Graph refuses the worker's cached
    // token, the worker drops it, and the next token request names the missing consent.
    world.microsoft.deleteServicePrincipal(customer.tenantId, world.appId);
    await assert.rejects(syncNow(world.client, customer.customerId), /CONSENT_NOT_GRANTED/);
    const lost = await getStatus(world.client, customer.customerId);
    assert.equal(lost.state, 'needs_attention');
    assert.equal(lost.lastError?.code, 'CONSENT_NOT_GRANTED');
    assert.match(String(lost.lastError?.advice), /Connect Outlook/);

    const again = new Browser();
    const intro = await (await again.get(world.link(customer))).text();
    assert.match(intro, /connection of .* was lost/);
    const walk = await again.follow(await decide(again, await toConsent(again, customer), 'accept', customer));
    assert.equal(walk.res!.status, 200);
    assert.match(await walk.res!.text(), /Synced again at \d\d:\d\d/);
    const back = await getStatus(world.client, customer.customerId);
    assert.equal(back.state, 'running');
    assert.equal(back.lastError, undefined);  });

  /** A link made an hour before now, i.e. before the integration's run started. */
  async function oldLinkOf(customer: Customer): Promise<string> {
    const token = world.sealer.seal('link', { c: customer.customerId, f: customer.feedUrl, i: Date.now() - 3_600_000 }, 3_600_000);
    return `${world.publicUrl}/onboarding/l/${token}`;
  }

  it('refuses a consent answer naming another tenant than the admin signs in to', async () => {
    const browser = new Browser();
    const victim = world.customer('cantina-victim');
    const attacker = world.customer('cantina-attacker');
    world.microsoft.grantAdminConsent(victim.tenantId, world.appId);
    // The attacker consents in their own tenant, then rewrites Entra's answer to name the victim's.
    const back = new URL(await decide(browser, await toConsent(browser, attacker), 'accept', attacker));
    assert.equal(back.searchParams.get('tenant'), attacker.tenantId);
    back.searchParams.set('tenant', victim.tenantId);
    const walk = await browser.follow(back.toString());
    assert.equal(walk.res!.status, 403);
    assert.match(await walk.res!.text(), /Signed in to another organisation/);
    assert.ok(!ours(browser).has('wa_onboarding'), 'no session for the mailbox form');
    await notStarted(attacker);
  });

  it('refuses an account without an admin role, even in a tenant that consented already', async () => {
    const customer = world.customer('cantina-staff');
    world.microsoft.grantAdminConsent(customer.tenantId, world.appId);
    // No Entra session in this browser: skip the consent page and forge its answer, then sign in as staff.
    const browser = new Browser();
    const consent = await toConsent(browser, customer);
    const forged = new URL(`${world.publicUrl}/onboarding/callback`);
    forged.search = new URLSearchParams({ admin_consent: 'True', tenant: customer.tenantId, state: consent.searchParams.get('state')! }).toString();
    const toSignIn = await browser.follow(forged.toString());
    assert.equal(toSignIn.res!.status, 200, 'Entra asks who signs in');
    const authorize = new URL(toSignIn.url);
    const answer = await browser.post(`${authorize.origin}${authorize.pathname}`, { ...Object.fromEntries(authorize.searchParams), login_tenant: customer.domain, login_role: 'user' });
    const refused = await browser.get(answer.headers.get('location')!);
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /An administrator must accept/);
    await notStarted(customer);
  });

  it('consents in the tenant named in the link, and refuses a sign-in from another', async () => {
    const customer = world.customer('cantina-known');
    const other = world.customer('cantina-other');
    const browser = new Browser();
    const consent = await toConsent(browser, customer, world.link(customer, { tenantId: customer.tenantId }));
    assert.equal(consent.pathname, `/${customer.tenantId}/v2.0/adminconsent`);
    const walk = await browser.follow(await decide(browser, consent, 'accept', customer));
    assert.equal(walk.res!.status, 200);
    assert.match(walk.url, /\/onboarding\/mailbox/);

    const elsewhere = new Browser();
    const wrong = await toConsent(elsewhere, other, world.link(other, { tenantId: customer.tenantId }));
    // An admin of another organisation who consents in their own tenant anyway (here through
    // `organizations`) signs in there: the tenant the link names refuses them.
    const page = await elsewhere.post(`${wrong.origin}/organizations/v2.0/adminconsent`, { ...Object.fromEntries(wrong.searchParams), decision: 'accept', login_tenant: other.domain });
    const signedIn = await elsewhere.follow(page.headers.get('location')!);
    assert.equal(signedIn.res!.status, 403);
    assert.match(await signedIn.res!.text(), /Signed in to another organisation/);
  });

  it('refuses a replayed answer, and one opened in another browser', async () => {
    const browser = new Browser();
    const customer = world.customer('cantina-replay');
    const consentBack = await decide(browser, await toConsent(browser, customer), 'accept', customer);
    const stranger = new Browser();
    ours(stranger).set('wa_consent', 'a-guess');
    const elsewhere = await stranger.get(consentBack);
    assert.equal(elsewhere.status, 400);
    assert.match(await elsewhere.text(), /already used/);

    const signInBack = (await browser.follow(consentBack, /[?&]code=/)).url;
    assert.equal((await browser.get(signInBack)).status, 303);
    for (const answer of [consentBack, signInBack]) {
      const replay = await browser.get(answer);
      assert.equal(replay.status, 400);
      assert.match(await replay.text(), /already used/);
    }
    await notStarted(customer);
  });

  it('redeems a sign-in code once: the same answer with its own cookie put back is refused by Entra', async () => {
    const browser = new Browser();
    const customer = world.customer('cantina-code');
    const answer = new URL(await consentAndSignIn(browser, customer));
    const { n } = world.sealer.open<{ n: string }>('state', answer.searchParams.get('state')!);
    assert.equal((await browser.get(answer.toString())).status, 303);
    const again = new Browser();
    ours(again).set('wa_consent', n);
    const reused = await again.get(answer.toString());
    assert.equal(reused.status, 400);
    assert.match(await reused.text(), /did not confirm the sign-in/);
  });

  it('shows the refusal with Microsoft\'s words escaped, and starts nothing', async () => {
    const browser = new Browser();
    const customer = world.customer('cantina-refuses');
    const back = new URL(await decide(browser, await toConsent(browser, customer), 'cancel', customer));
    assert.equal(back.searchParams.get('error'), 'access_denied');
    back.searchParams.set('error_description', `${back.searchParams.get('error_description')} <script>alert(1)</script>`);
    const page = await browser.get(back.toString());
    assert.equal(page.status, 200);
    const text = await page.text();
    assert.match(text, /Consent was not given/);
    assert.match(text, /AADSTS65004/);
    assert.ok(!text.includes('<script>alert(1)</script>') && text.includes('&lt;script&gt;'), 'Microsoft\'s text is escaped');
    assert.match(text, /Try again/);
    assert.ok(!ours(browser).has('wa_onboarding'));
    await notStarted(customer);
  });

  it('refuses a tampered or expired link, an expired or forged state, and a mailbox without a session', async () => {
    const customer = world.customer('cantina-tamper');
    const link = world.link(customer);
    const token = link.slice(link.lastIndexOf('/') + 1);
    const tampered = `${link.slice(0, -token.length)}${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`;
    const bad = await new Browser().get(tampered);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /not valid/);

    const expired = world.sealer.seal('link', { c: customer.customerId, f: customer.feedUrl, i: Date.now() }, -1);
    const gone = await new Browser().get(`${world.publicUrl}/onboarding/l/${expired}?lang=it`);
    assert.equal(gone.status, 410);
    assert.match(await gone.text(), /Questo link è scaduto/);

    // A link token is not a state; a state past its 15 minutes says so.
    const forged = await new Browser().get(`${world.publicUrl}/onboarding/callback?admin_consent=True&tenant=${customer.tenantId}&state=${token}`);
    assert.equal(forged.status, 400);
    assert.match(await forged.text(), /not valid/);
    const late = world.sealer.seal('state', { s: 'consent', k: token, n: 'x', l: 'en' }, -1);
    const tooLate = await new Browser().get(`${world.publicUrl}/onboarding/callback?admin_consent=True&tenant=${customer.tenantId}&state=${late}`);
    assert.equal(tooLate.status, 410);
    assert.match(await tooLate.text(), /This step took too long/);

    const noSession = await check(new Browser(), customer);
    assert.equal(noSession.status, 401);
  });

  it('keeps two connections in one browser apart: a form from the other tab is refused', async () => {
    const browser = new Browser();
    const first = world.customer('cantina-tab-one');
    const second = world.customer('cantina-tab-two');
    await toMailbox(browser, first);
    await toMailbox(browser, second);
    // The first tab's form, sent after the second connection replaced the session cookie.
    const stale = await check(browser, first);
    assert.equal(stale.status, 409);
    assert.match(await stale.text(), new RegExp(`now connecting ${second.customerId}`));
    await notStarted(first);
    await notStarted(second);
  });

  it('names a malformed mailbox, and says CONSENT_NOT_GRANTED when the tenant has no consent', async () => {
    const customer = world.customer('cantina-noconsent');
    const browser = new Browser();
    // A session for a tenant without consent (as after the admin removed the app in Entra).
    ours(browser).set('wa_onboarding', world.sealer.seal('session', { c: customer.customerId, f: customer.feedUrl, i: 0, k: 'x', t: customer.tenantId, l: 'en' }, 60_000));
    const malformed = await check(browser, customer, 'not a mailbox');
    assert.equal(malformed.status, 400);
    assert.match(await malformed.text(), /aria-invalid="true"/);
    const checked = await (await check(browser, customer)).text();
    assert.match(checked, /data-check="app" data-status="fail"/);
    assert.match(checked, /CONSENT_NOT_GRANTED/);
    assert.match(checked, /Nothing has been started/);
    await notStarted(customer);
  });
});
