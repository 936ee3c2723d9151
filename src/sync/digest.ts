import { createHash } from 'node:crypto';

/**
 * A short, stable digest of JSON data (hex). Callers pass arrays or objects built in a fixed key
 * order, so JSON.stringify is canonical for them. 128 bits: collisions are not a practical concern
 * for change detection of one calendar.
 */
export function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
}
