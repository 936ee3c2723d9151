/**
 * A Retry-After value in ms: delay-seconds (Graph sends fractional ones inside batches) or an
 * HTTP date (RFC 9110 §10.2.3). Undefined when absent or unreadable.
 */
export function parseRetryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
