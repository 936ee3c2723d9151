import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Sealed values for onboarding: the per-customer link, the admin-consent `state` and the session
 * cookie. AES-256-GCM, so a value can be neither read (a link holds the feed URL and its token) nor
 * changed; the purpose is authenticated data, so a value sealed as one kind never opens as another.
 * Each purpose has its own key, derived by HKDF from WA_ONBOARDING_SECRET.
 */

export type SealPurpose = 'link' | 'state' | 'session';

export class SealError extends Error {
  override name = 'SealError';
  constructor(readonly reason: 'invalid' | 'expired', message: string) {
    super(message);
  }
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class Sealer {
  private readonly keys: Record<SealPurpose, Buffer>;

  constructor(secret: string, private readonly now: () => number = Date.now) {
    if (secret.length < 32) throw new Error('the onboarding secret must be at least 32 characters');
    const key = (purpose: SealPurpose) => Buffer.from(hkdfSync('sha256', secret, 'wa-outlook-sync', `onboarding-${purpose}`, 32));
    this.keys = { link: key('link'), state: key('state'), session: key('session') };
  }

  /** Seals `payload` for `ttlMs`; the result is URL- and cookie-safe (base64url). */
  seal<T extends object>(purpose: SealPurpose, payload: T, ttlMs: number): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys[purpose], iv);
    cipher.setAAD(Buffer.from(purpose));
    const body = JSON.stringify({ p: payload, exp: this.now() + ttlMs });
    const sealed = Buffer.concat([iv, cipher.update(body, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return sealed.toString('base64url');
  }

  /** The payload, or SealError('invalid') for anything altered, truncated or of another purpose, SealError('expired') after its time. */
  open<T>(purpose: SealPurpose, value: string | undefined): T {
    const raw = Buffer.from(value ?? '', 'base64url');
    // Node's decoder skips characters outside the alphabet: only the canonical text opens.
    if (!value || raw.length < IV_BYTES + TAG_BYTES + 1 || raw.toString('base64url') !== value) throw new SealError('invalid', `not a valid ${purpose}`);
    const decipher = createDecipheriv('aes-256-gcm', this.keys[purpose], raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    let body: { p: T; exp: number };
    try {
      body = JSON.parse(Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8'));
    } catch {
      throw new SealError('invalid', `not a valid ${purpose}`);
    }
    if (!(body.exp > this.now())) throw new SealError('expired', `the ${purpose} expired at ${new Date(body.exp).toISOString()}`);
    return body.p;
  }
}
