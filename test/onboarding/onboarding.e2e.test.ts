import assert from 'node:assert/strict';
import { getStatus } from '../../src/ops/integrations';
import { integrationWorkflowId } from '../../src/workflows/messages';
import { eventually } from '../integration/world';
import { APP_SECRET, startOnboardingWorld, type Customer, type OnboardingWorld } from './world';

/**
 * The onboarding pages over real HTTP, as a browser without JavaScript uses them: the signed link,
 * Entra's admin consent (emulated), the callback, the mailbox and the live setup check, then the
 * integration on the real Temporal server. And every way in that must be refused.
 * (The same path in a real browser: test/browser/onboarding.browser.ts.)
 */

/** One browser's cookies, by name (the pages set them with Path=/onboarding). */
class Browser {
  readonly cookies = new Map<string, string>();

  async get(url: string, init: RequestInit = {}): Promise<Response> {
    const mine = url.includes('/onboarding');
    const headers = new Headers(init.headers);
    if (mine && this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    if (mine) {
      for (const line of res.headers.getSetCookie()) {
        const [pair, ...attributes] = line.split(';');
        const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
        if (attributes.some((a) => /expires=Thu, 01 Jan 1970/i.test(a)) || value === '') this.cookies.delete(name);
        else this.cookies.set(name, value);
      }
    }
    return res;
  }

  post(url: string, form: Record<string, string>): Promise<Response> {
    return this.get(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  }
}

describe('onboarding end to end over HTTP (admin consent, live setup check, integration start)', function () {
  this.timeout(120_000);
  let world: OnboardingWorld;

  before(async () => {
    world = await startOnboardingWorld();
  });
  after(() => world?.close());

  /** Link → "Connect Outlook" → Entra's consent page: the URL Entra answers to, with the consent cookie set. */
  async function toConsent(browser: Browser, customer: Customer): Promise<URL> {
    const intro = await browser.get(world.link(customer));
    assert.equal(intro.status, 200);
    const href = /id="connect" href="([^"]+)"/.exec(await intro.text())?.[1];
    assert.ok(href, 'the intro page links to "Connect Outlook"');
    const connect = await browser.get(`${world.publicUrl}${href.replaceAll('&amp;', '&')}`);
    assert.equal(connect.status, 302);
    assert.ok(browser.cookies.has('wa_consent'), 'a one-time consent cookie is set');
    return new URL(connect.headers.get('location')!);
  }

  /** The admin's answer on Entra's page; Entra's redirect back to the service. */
  async function decide(consent: URL, decision: 'accept' | 'cancel', customer: Customer): Promise<string> {
    const answer = await fetch(`${consent.origin}${consent.pathname}`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...Object.fromEntries(consent.searchParams), decision, login_tenant: customer.domain }).toString(),
    });
    assert.equal(answer.status, 302);
    return answer.headers.get('location')!;
  }

  it('goes from the signed link to a running integration whose events reach the mailbox', async () => {
    const browser = new Browser();
    const customer = world.customer('cantina-rossi');
    const consent = await toConsent(browser, customer);
    assert.equal(consent.pathname, '/organizations/v2.0/adminconsent');
    assert.equal(consent.searchParams.get('scope'), 'https://graph.microsoft.com/.default');
    assert.equal(consent.searchParams.get('redirect_uri'), `${world.publicUrl}/onboarding/callback`);
    assert.ok(!consent.toString().includes(customer.feedUrl) && !consent.toString().includes('token='), 'the state hides the feed URL');

    const callback = await browser.get(await decide(consent, 'accept', customer));
    assert.equal(callback.status, 200);
    const form = await callback.text();
    assert.match(form, new RegExp(`tenant ${customer.tenantId}`));
    assert.match(form, /name="mailbox"/);
    assert.ok(browser.cookies.has('wa_onboarding') && !browser.cookies.has('wa_consent'), 'the consent cookie is spent, a session begins');

    const checked = await browser.post(`${world.publicUrl}/onboarding/mailbox`, { mailbox: customer.mailbox });
    assert.equal(checked.status, 200);
    const report = await checked.text();
    assert.deepEqual([...report.matchAll(/data-status="(\w+)"/g)].map((m) => m[1]), Array(10).fill('pass'), 'every check passed');
    assert.match(report, /the sync has started/);
    assert.ok(!report.includes(APP_SECRET));

    const status = await eventually(() => getStatus(world.client, customer.customerId), (s) => s.lastSuccessAt !== undefined);
    assert.equal(status.tenantId, customer.tenantId);
    assert.equal(status.secretRef, 'winearound-app');
    const events = world.microsoft.events(customer.mailbox);
    assert.ok(events.length > 0, 'the first sync wrote the bookings');
    const progress = await (await browser.get(`${world.publicUrl}/onboarding/progress`)).json() as { final: boolean; text: string };
    assert.equal(progress.final, true);
    assert.match(progress.text, /First sync done/);

    // The same link again: already connected, nothing new to start.
    assert.match(await (await new Browser().get(world.link(customer))).text(), /already in sync/);
  });

  it('refuses a replayed callback, and one opened in another browser', async () => {
    const browser = new Browser();
    const customer = world.customer('cantina-replay');
    const back = await decide(await toConsent(browser, customer), 'accept', customer);
    const cookie = browser.cookies.get('wa_consent')!;
    const stranger = new Browser();
    stranger.cookies.set('wa_consent', 'a-guess');
    const elsewhere = await stranger.get(back);
    assert.equal(elsewhere.status, 400);
    assert.match(await elsewhere.text(), /already used/);
    assert.equal((await browser.get(back)).status, 200);
    // The same answer again, even with the old cookie put back by hand: its one-time value is spent with the cookie.
    const replay = await browser.get(back);
    assert.equal(replay.status, 400);
    assert.match(await replay.text(), /already used/);
    browser.cookies.set('wa_consent', cookie);
    browser.cookies.delete('wa_onboarding');
    // A cookie copied back still matches its state: the answer opens only a mailbox form, and starts nothing.
    const copied = await browser.get(back);
    assert.equal(copied.status, 200);
    await assert.rejects(world.client.workflow.getHandle(integrationWorkflowId(customer.customerId)).describe(), /not found/i);
  });

  it('shows the refusal with Microsoft\'s words escaped, and starts nothing', async () => {
    const browser = new Browser();
    const customer = world.customer('cantina-refuses');
    const back = new URL(await decide(await toConsent(browser, customer), 'cancel', customer));
    assert.equal(back.searchParams.get('error'), 'access_denied');
    back.searchParams.set('error_description', `${back.searchParams.get('error_description')} <script>alert(1)</script>`);
    const page = await browser.get(back.toString());
    assert.equal(page.status, 200);
    const text = await page.text();
    assert.match(text, /Consent was not given/);
    assert.match(text, /AADSTS65004/);
    assert.ok(!text.includes('<script>alert(1)</script>') && text.includes('&lt;script&gt;'), 'Microsoft\'s text is escaped');
    assert.match(text, /Try again/);
    assert.ok(!browser.cookies.has('wa_onboarding'));
    await assert.rejects(world.client.workflow.getHandle(integrationWorkflowId(customer.customerId)).describe(), /not found/i);
  });

  it('refuses a tampered or expired link, a forged state, and a mailbox without a session', async () => {
    const customer = world.customer('cantina-tamper');
    const link = world.link(customer);
    const token = link.slice(link.lastIndexOf('/') + 1);
    const tampered = `${link.slice(0, -token.length)}${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`;
    const bad = await new Browser().get(tampered);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /not valid/);

    const expired = world.sealer.seal('link', { c: customer.customerId, f: customer.feedUrl }, -1);
    const gone = await new Browser().get(`${world.publicUrl}/onboarding/l/${expired}?lang=it`);
    assert.equal(gone.status, 410);
    assert.match(await gone.text(), /Questo link è scaduto/);

    // A link token is not a state, and a state made up by hand is not one either.
    const forged = await new Browser().get(`${world.publicUrl}/onboarding/callback?admin_consent=True&tenant=${customer.tenantId}&state=${token}`);
    assert.equal(forged.status, 400);

    const noSession = await new Browser().post(`${world.publicUrl}/onboarding/mailbox`, { mailbox: customer.mailbox });
    assert.equal(noSession.status, 401);
  });

  it('names a malformed mailbox, and says CONSENT_NOT_GRANTED when the tenant never consented', async () => {
    const customer = world.customer('cantina-noconsent');
    const browser = new Browser();
    // A session for a tenant whose admin never accepted (as if Entra's answer named another tenant).
    browser.cookies.set('wa_onboarding', world.sealer.seal('session', { c: customer.customerId, f: customer.feedUrl, k: 'x', t: customer.tenantId }, 60_000));
    const malformed = await browser.post(`${world.publicUrl}/onboarding/mailbox`, { mailbox: 'not a mailbox' });
    assert.equal(malformed.status, 400);
    assert.match(await malformed.text(), /aria-invalid="true"/);
    const checked = await (await browser.post(`${world.publicUrl}/onboarding/mailbox`, { mailbox: customer.mailbox })).text();
    assert.match(checked, /data-check="app" data-status="fail"/);
    assert.match(checked, /CONSENT_NOT_GRANTED/);
    assert.match(checked, /Nothing has been started/);
    await assert.rejects(world.client.workflow.getHandle(integrationWorkflowId(customer.customerId)).describe(), /not found/i);
  });
});
