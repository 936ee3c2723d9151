import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { OpsError } from '../../src/ops/integrations';
import { onboardingLink, type LinkPayload } from '../../src/onboarding/link';
import { SealError, Sealer } from '../../src/onboarding/seal';

const SECRET = 'x'.repeat(16) + '0123456789abcdef';
const FEED = 'https://bookings.winearound.test/feeds/cantina-rossi.ics?token=feed-token-123';

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SealError, `expected a SealError, got ${String(err)}`);
    return err.reason;
  }
  assert.fail('expected the value to be refused');
}

describe('onboarding: sealed links, state and session', () => {
  it('opens what it sealed, and hides the payload (the feed URL and its token)', () => {
    const sealer = new Sealer(SECRET);
    const token = sealer.seal<LinkPayload>('link', { c: 'cantina-rossi', f: FEED, i: 1 }, 60_000);
    assert.match(token, /^[\w-]+$/);
    assert.doesNotMatch(Buffer.from(token, 'base64url').toString('latin1'), /cantina|token=|winearound/);
    assert.deepEqual(sealer.open('link', token), { c: 'cantina-rossi', f: FEED, i: 1 });
  });

  it('refuses a value changed in any byte, cut short, or empty', () => {
    const sealer = new Sealer(SECRET);
    const token = sealer.seal('link', { c: 'a', f: FEED }, 60_000);
    const bytes = Buffer.from(token, 'base64url');
    for (const at of [0, 12, bytes.length >> 1, bytes.length - 1]) {
      const changed = Buffer.from(bytes);
      changed[at] ^= 0x01;
      assert.equal(reason(() => sealer.open('link', changed.toString('base64url'))), 'invalid', `byte ${at}`);
    }
    assert.equal(reason(() => sealer.open('link', token.slice(0, -4))), 'invalid');
    assert.equal(reason(() => sealer.open('link', '')), 'invalid');
    assert.equal(reason(() => sealer.open('link', `${token}"><b`)), 'invalid', 'characters outside base64url');
    assert.equal(reason(() => sealer.open('link', undefined)), 'invalid');
  });

  it('never opens a value sealed for another purpose or with another secret', () => {
    const sealer = new Sealer(SECRET);
    const state = sealer.seal('state', { k: 'x', n: 'y' }, 60_000);
    assert.equal(reason(() => sealer.open('link', state)), 'invalid');
    assert.equal(reason(() => sealer.open('session', state)), 'invalid');
    assert.equal(reason(() => new Sealer(`${SECRET}-other`).open('state', state)), 'invalid');
  });

  it('refuses a value after its time, as expired', () => {
    let now = Date.parse('2026-12-01T10:00:00Z');
    const sealer = new Sealer(SECRET, () => now);
    const token = sealer.seal('link', { c: 'a', f: FEED }, 7 * 86_400_000);
    now += 7 * 86_400_000 - 1;
    assert.deepEqual(sealer.open('link', token), { c: 'a', f: FEED });
    now += 1;
    assert.equal(reason(() => sealer.open('link', token)), 'expired');
  });

  it('makes a link under the public URL, and refuses a bad customer id, feed or lifetime naming the field', () => {
    const sealer = new Sealer(SECRET);
    const before = Date.now();
    const tenantId = '4b1e2f3a-5c6d-4e7f-8a9b-0c1d2e3f4a5b';
    const link = onboardingLink(sealer, 'https://sync.winearound.test', { customerId: 'cantina-rossi', feedUrl: FEED, lang: 'it', tenantId, ttlMs: 86_400_000 });
    const token = link.url.replace('https://sync.winearound.test/onboarding/l/', '');
    const payload = sealer.open<LinkPayload>('link', token);
    assert.ok(payload.i >= before && payload.i <= Date.now(), 'the link says when it was made');
    assert.deepEqual(payload, { c: 'cantina-rossi', f: FEED, l: 'it', t: tenantId, i: payload.i });
    assert.throws(() => onboardingLink(sealer, 'https://x.test', { customerId: 'a', feedUrl: FEED, tenantId: 'cantinarossi.it', ttlMs: 60_000 }), /link\.tenantId: must be the customer's Directory \(tenant\) ID/);
    assert.throws(() => onboardingLink(sealer, 'https://x.test', { customerId: 'Cantina Rossi!', feedUrl: FEED, ttlMs: 60_000 }), (e: Error) => e instanceof OpsError && /link\.customerId/.test(e.message));
    assert.throws(() => onboardingLink(sealer, 'https://x.test', { customerId: 'a', feedUrl: 'ftp://x/feed', ttlMs: 60_000 }), /link\.feedUrl/);
    assert.throws(() => onboardingLink(sealer, 'https://x.test', { customerId: 'a', feedUrl: FEED, ttlMs: 90 * 86_400_000 }), /link\.ttlMs: must be at most 30 days/);
  });
});

describe('config: onboarding by admin consent', () => {
  const onboarding = {
    WA_PUBLIC_URL: 'https://sync.winearound.test/', WA_ONBOARDING_SECRET: SECRET,
    WA_APP_CLIENT_ID: '0f0e0d0c-0b0a-4909-8807-060504030201', WA_APP_SECRET_REF: 'winearound-app', WA_WEBHOOK_PORT: '8080',
  };
  let dataDir: string;
  before(() => { dataDir = mkdtempSync(join(tmpdir(), 'wa-onboarding-config-')); });
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = (extra: Record<string, string | undefined>) => ({ WA_DATA_DIR: dataDir, WA_PAYLOAD_ENCRYPTION: 'off', ...extra });

  it('is off unless configured, and reads all four variables when set', () => {
    assert.equal(loadConfig(env({})).onboarding, undefined);
    assert.deepEqual(loadConfig(env(onboarding)).onboarding, {
      publicUrl: 'https://sync.winearound.test', secret: SECRET, appClientId: onboarding.WA_APP_CLIENT_ID, appSecretRef: 'winearound-app',
    });
  });

  it('names each missing variable, a short secret, a client id that is not a GUID and a missing public server port', () => {
    assert.throws(() => loadConfig(env({ WA_PUBLIC_URL: 'https://sync.winearound.test' })), (e: Error) =>
      /WA_ONBOARDING_SECRET: is required with WA_PUBLIC_URL/.test(e.message) && /WA_APP_CLIENT_ID: is required/.test(e.message)
      && /WA_APP_SECRET_REF: is required/.test(e.message) && /WA_WEBHOOK_PORT: is required with onboarding/.test(e.message));
    assert.throws(() => loadConfig(env({ ...onboarding, WA_ONBOARDING_SECRET: 'short' })), /WA_ONBOARDING_SECRET: must be at least 32 characters/);
    assert.throws(() => loadConfig(env({ ...onboarding, WA_APP_CLIENT_ID: 'winearound' })), /WA_APP_CLIENT_ID: must be the Application \(client\) ID/);
    assert.throws(() => loadConfig(env({ ...onboarding, WA_PUBLIC_URL: 'sync.winearound.test' })), /WA_PUBLIC_URL: must be the http\(s\):\/\/ address/);
    assert.throws(() => loadConfig(env({ ...onboarding, WA_PUBLIC_URL: 'http://sync.winearound.test' })), /WA_PUBLIC_URL: must be https:\/\//);
    assert.equal(loadConfig(env({ ...onboarding, WA_PUBLIC_URL: 'http://localhost:8787' })).onboarding?.publicUrl, 'http://localhost:8787');
    assert.throws(() => loadConfig(env({ ...onboarding, WA_PUBLIC_URL: 'https://winearound.test/sync' })), /WA_PUBLIC_URL: must be an origin without a path/);
  });
});
