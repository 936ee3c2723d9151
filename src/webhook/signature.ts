import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * WineAround's webhook signature: HMAC-SHA256 over `${timestamp}.${raw body}` with the shared
 * secret, sent as `X-WA-Signature: sha256=<hex>` with `X-WA-Timestamp: <unix seconds>`. The
 * timestamp inside the MAC stops replays beyond the tolerance window.
 */
export const SIGNATURE_HEADER = 'x-wa-signature';
export const TIMESTAMP_HEADER = 'x-wa-timestamp';
export const TOLERANCE_SECONDS = 300;
/** Unix seconds, as the timestamp header carries them. */
export const TIMESTAMP_PATTERN = /^\d{9,11}$/;
/** What the signature header carries: the scheme, then the lower-case hex HMAC. */
export const SIGNATURE_PATTERN = /^sha256=[0-9a-f]{64}$/;

export function sign(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

export type Verification = { ok: true } | { ok: false; reason: string };

export function verify(secret: string, headers: { signature?: string; timestamp?: string }, rawBody: Buffer, nowSeconds: number): Verification {
  if (!headers.timestamp || !TIMESTAMP_PATTERN.test(headers.timestamp)) return { ok: false, reason: `missing or malformed ${TIMESTAMP_HEADER} (unix seconds)` };
  const timestamp = Number(headers.timestamp);
  if (Math.abs(nowSeconds - timestamp) > TOLERANCE_SECONDS) return { ok: false, reason: `stale ${TIMESTAMP_HEADER}: more than ${TOLERANCE_SECONDS} s from the server clock` };
  if (!headers.signature) return { ok: false, reason: `missing ${SIGNATURE_HEADER}` };
  const expected = Buffer.from(sign(secret, timestamp, rawBody));
  const given = Buffer.from(headers.signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature does not match' };
  return { ok: true };
}
