import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { getStatus } from '../../src/ops/integrations';
import { integrationWorkflowId } from '../../src/workflows/messages';
import { eventually } from '../integration/world';
import { obtainChromium } from '../support/chromium';
import { startOnboardingWorld, type Customer, type OnboardingWorld } from '../onboarding/world';

/**
 * "Connect Outlook" in a real browser (Debian's chromium, driven by playwright-core): the signed
 * link, Entra's admin-consent page (emulated), the sign-in that proves the tenant, the calendar mailbox, the setup
 * check shown live, the integration started and its first sync shown, on a phone-sized screen.
 * Then the refusal, an expired and a tampered link, and a replayed callback.
 */
describe('onboarding in a real browser (chromium)', function () {
  let world: OnboardingWorld;
  let browser: Browser;
  let profile: string;

  before(async () => {
    profile = mkdtempSync(join(tmpdir(), 'wa-chromium-'));
    browser = await chromium.launch({
      executablePath: obtainChromium(),
      headless: true,
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-quic', `--crash-dumps-dir=${profile}`,
      ],
    });
    world = await startOnboardingWorld();
  });

  after(async () => {
    await browser?.close();
    await world?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** A fresh browser profile, phone-sized, Italian or English; the emulator's certificate is self-signed. */
  const context = (locale = 'en-GB'): Promise<BrowserContext> =>
    browser.newContext({ ignoreHTTPSErrors: true, locale, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  /** Opens the link and follows "Connect Outlook" to Entra's consent page. */
  async function toConsent(page: Page, customer: Customer, buttonName: RegExp): Promise<void> {
    await page.goto(world.link(customer));
    await assertFitsThePhone(page);
    await page.getByRole('link', { name: buttonName }).click();
    await page.waitForURL(/\/v2\.0\/adminconsent/);
    await page.getByLabel(/administrator's tenant/).fill(customer.domain);
  }

  async function assertFitsThePhone(page: Page): Promise<void> {
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    assert.ok(overflow <= 0, `the page scrolls sideways on a phone by ${overflow}px`);
  }

  it('goes from the signed link through consent, mailbox and live checks to events in the mailbox', async () => {
    const customer = world.customer('cantina-browser');
    const ctx = await context('it-IT');
    const page = await ctx.newPage();
    const visited: string[] = [];
    page.on('request', (request) => { if (request.isNavigationRequest()) visited.push(request.url()); });
    await toConsent(page, customer, /Collega Outlook/);
    assert.match(await page.content(), /Read and write calendars in all mailboxes/);
    await page.getByRole('button', { name: 'Accept' }).click();

    await page.getByLabel(/Cassetta postale del calendario/).fill(customer.mailbox);
    // Consent's answer, then the sign-in that proves the tenant (silent: consent signed the admin in), then its answer.
    const hops = visited.slice(visited.findIndex((u) => /admin_consent=True/.test(u)));
    assert.match(hops[1], /\/organizations\/oauth2\/v2\.0\/authorize\?/);
    assert.match(hops[2], /\/onboarding\/callback\?code=/);
    await assertFitsThePhone(page);
    await page.getByRole('button', { name: 'Verifica la configurazione' }).click();

    // Every check shown, each passed; then the start and, polled by the page, the first sync.
    const checks = page.locator('li.check');
    await checks.nth(9).waitFor();
    assert.deepEqual(await checks.evaluateAll((items) => items.map((i) => i.getAttribute('data-status'))), Array(10).fill('pass'));
    await page.getByText('Tutto a posto: la sincronizzazione è partita.').waitFor();
    await page.locator('#progress', { hasText: 'Prima sincronizzazione completata' }).waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('#progress').getAttribute('aria-live'), 'polite');
    await assertFitsThePhone(page);

    const status = await getStatus(world.client, customer.customerId);
    assert.equal(status.tenantId, customer.tenantId);
    assert.ok(status.lastSuccessAt);
    const synced = await eventually(() => world.microsoft.events(customer.mailbox), (events) => events.length > 0);
    assert.equal(synced.length, status.lastSummary!.created);
    await ctx.close();
  });

  it('shows the refusal when the admin cancels, with a way to try again, and starts nothing', async () => {
    const customer = world.customer('cantina-cancel');
    const ctx = await context();
    const page = await ctx.newPage();
    await toConsent(page, customer, /Connect Outlook/);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('heading', { name: 'Consent was not given' }).waitFor();
    assert.match(await page.content(), /access_denied/);
    assert.match(await page.content(), /AADSTS65004/);
    await page.getByRole('link', { name: 'Try again' }).click();
    await page.getByRole('link', { name: 'Connect Outlook' }).waitFor();
    await assert.rejects(world.client.workflow.getHandle(integrationWorkflowId(customer.customerId)).describe(), /not found/i);
    await ctx.close();
  });

  it('refuses an expired link and a tampered one with a page that says what to do', async () => {
    const customer = world.customer('cantina-expired');
    const ctx = await context();
    const page = await ctx.newPage();
    const expired = world.sealer.seal('link', { c: customer.customerId, f: customer.feedUrl }, -1);
    const gone = await page.goto(`${world.publicUrl}/onboarding/l/${expired}`);
    assert.equal(gone?.status(), 410);
    await page.getByRole('heading', { name: 'This link has expired' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Connect Outlook' }).count(), 0);

    const link = world.link(customer);
    const flipped = link.at(-5) === 'A' ? 'B' : 'A';
    const tampered = await page.goto(`${link.slice(0, -5)}${flipped}${link.slice(-4)}`);
    assert.equal(tampered?.status(), 400);
    await page.getByRole('heading', { name: 'This link is not valid' }).waitFor();
    await ctx.close();
  });

  it('refuses replayed answers from Microsoft: revisiting the consent or the sign-in answer starts nothing', async () => {
    const customer = world.customer('cantina-replay');
    const ctx = await context();
    const page = await ctx.newPage();
    const visited: string[] = [];
    page.on('request', (request) => { if (request.isNavigationRequest()) visited.push(request.url()); });
    await toConsent(page, customer, /Connect Outlook/);
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.getByLabel(/Calendar mailbox/).waitFor();
    const answers = [visited.find((u) => /admin_consent=True/.test(u)), visited.find((u) => /\/onboarding\/callback\?code=/.test(u))];
    assert.ok(answers.every(Boolean), `both answers were visited: ${visited.join(' → ')}`);

    for (const answer of answers) {
      const again = await page.goto(answer!);
      assert.equal(again?.status(), 400);
      await page.getByRole('heading', { name: 'This answer was already used' }).waitFor();
    }
    // And from another browser profile, which never held the one-time cookie.
    const other = await (await context()).newPage();
    assert.equal((await other.goto(answers[0]!))?.status(), 400);
    await assert.rejects(world.client.workflow.getHandle(integrationWorkflowId(customer.customerId)).describe(), /not found/i);
    await other.context().close();
    await ctx.close();
  });
});
