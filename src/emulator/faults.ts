import { FaultKind, FaultSpec } from './types';

interface ActiveFault { spec: FaultSpec; remaining: number; seen: number }

export interface FaultTarget { method: string; path: string; tokenEndpoint: boolean }

/** Per-test injected faults, matched in the order they were added. */
export class FaultInjector {
  private faults: ActiveFault[] = [];

  add(spec: FaultSpec): void {
    const kinds: FaultKind[] = ['429', '503', '504', 'slow', 'drop', 'lost-response'];
    if (!kinds.includes(spec.kind)) throw new Error(`injectFault: kind must be one of ${kinds.join(', ')}`);
    if (spec.every !== undefined && !(spec.every >= 1)) throw new Error('injectFault: every must be >= 1');
    this.faults.push({ spec, remaining: spec.times ?? 1, seen: 0 });
  }

  clear(): void {
    this.faults = [];
  }

  /** The fault that fires for this request, if any (consumes one of its remaining times). */
  take(target: FaultTarget): FaultSpec | undefined {
    for (const fault of this.faults) {
      if (fault.remaining <= 0 || !matches(fault.spec.match, target)) continue;
      fault.seen += 1;
      if (fault.spec.every && fault.seen % fault.spec.every !== 0) continue;
      fault.remaining -= 1;
      return fault.spec;
    }
    return undefined;
  }
}

function matches(match: FaultSpec['match'], target: FaultTarget): boolean {
  if (match.tokenEndpoint !== undefined && match.tokenEndpoint !== target.tokenEndpoint) return false;
  if (match.method && match.method.toUpperCase() !== target.method.toUpperCase()) return false;
  if (match.path) {
    match.path.lastIndex = 0;
    if (!match.path.test(target.path)) return false;
  }
  return true;
}

/** The Retry-After header a fault sends: seconds as given, or that moment as an HTTP date. */
export function retryAfterHeader(fault: FaultSpec, fallbackSeconds?: number): Record<string, string> {
  const seconds = fault.retryAfterSeconds ?? fallbackSeconds;
  if (seconds === undefined) return {};
  return { 'Retry-After': fault.retryAfterHttpDate ? new Date(Date.now() + seconds * 1000).toUTCString() : String(seconds) };
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
