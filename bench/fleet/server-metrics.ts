/**
 * The Temporal server's own Prometheus metrics, read by the fleet bench: how many requests its
 * frontend refused for a rate limit (per operation). A refused request is retried by the SDK
 * after about 1.7 s (its backoff on RESOURCE_EXHAUSTED), so a handful of them is the whole tail
 * of `list` in the start-up wave.
 */
export async function rateLimitedRequests(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const byOperation: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('service_errors_resource_exhausted{')) continue;
    const operation = /operation="([^"]+)"/.exec(line)?.[1] ?? 'unknown';
    byOperation[operation] = (byOperation[operation] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return byOperation;
}

/** `after` minus `before`, per operation, leaving out the operations that were not refused in between. */
export function refusedBetween(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([op, n]) => [op, n - (before[op] ?? 0)]).filter(([, n]) => Number(n) > 0));
}
