/**
 * Requests received, per kind: 'token', 'openid-configuration', 'instance-discovery', 'jwks',
 * 'graph' (every HTTP request under /v1.0, a $batch envelope counting once), 'batch' (envelopes),
 * 'batch-inner', and one key per Graph operation such as 'POST events', 'PATCH event',
 * 'GET calendarView', 'GET delta' (inner batch requests count under their operation too).
 */
export class RequestCounters {
  private counts: Record<string, number> = {};

  count(kind: string): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
  }

  snapshot(): Record<string, number> {
    return { ...this.counts };
  }

  reset(): void {
    this.counts = {};
  }
}
