import { ThrottlingSettings } from './types';

/**
 * Outlook's limits per app ID + mailbox: 4 concurrent requests and 10,000 requests per 10 minutes.
 * https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits
 */
export const DEFAULT_THROTTLING: ThrottlingSettings = { concurrentPerMailbox: 4, requestsPerWindow: 10000, windowMs: 600000 };

export type ThrottleVerdict =
  | { ok: true; release: () => void }
  | { ok: false; limit: 'MailboxConcurrency' | 'RequestsPerWindow'; retryAfterSeconds: number };

interface MailboxLoad { inFlight: number; windowStart: number; windowCount: number }

export class Throttle {
  private settings: ThrottlingSettings = { ...DEFAULT_THROTTLING };
  private readonly loads = new Map<string, MailboxLoad>();

  configure(settings: Partial<ThrottlingSettings>): void {
    this.settings = { ...this.settings, ...settings };
  }

  reset(): void {
    this.settings = { ...DEFAULT_THROTTLING };
    this.loads.clear();
  }

  /** Every attempt counts toward the window, rejected ones included (retries are not free). */
  acquire(appId: string, mailboxId: string, now = Date.now()): ThrottleVerdict {
    const key = `${appId}|${mailboxId}`;
    const load = this.loads.get(key) ?? { inFlight: 0, windowStart: now, windowCount: 0 };
    this.loads.set(key, load);
    if (now - load.windowStart >= this.settings.windowMs) {
      load.windowStart = now;
      load.windowCount = 0;
    }
    load.windowCount += 1;
    if (load.windowCount > this.settings.requestsPerWindow) {
      const remaining = Math.ceil((load.windowStart + this.settings.windowMs - now) / 1000);
      return { ok: false, limit: 'RequestsPerWindow', retryAfterSeconds: this.settings.retryAfterSeconds ?? Math.max(1, remaining) };
    }
    if (load.inFlight >= this.settings.concurrentPerMailbox) {
      return { ok: false, limit: 'MailboxConcurrency', retryAfterSeconds: this.settings.retryAfterSeconds ?? 1 };
    }
    load.inFlight += 1;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (!released) load.inFlight -= 1;
        released = true;
      },
    };
  }
}
