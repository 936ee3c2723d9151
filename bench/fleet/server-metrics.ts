/**
 * The Temporal server's own Prometheus metrics, read by the fleet bench: the requests its
 * frontend refused with RESOURCE_EXHAUSTED, per operation and cause (`RpsLimit`: a rate limit;
 * `BusyWorkflow`: a second query to a workflow that holds one). The SDK retries such a refusal
 * after ≥ 1.36 s (its backoff for that code), so a handful of them makes a tail.
 */
export async function refusedRequests(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('service_errors_resource_exhausted{')) continue;
    const label = (name: string) => new RegExp(`${name}="([^"]+)"`).exec(line)?.[1] ?? 'unknown';
    const key = `${label('operation')} (${label('resource_exhausted_cause')})`;
    counts[key] = (counts[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return counts;
}

/** `after` minus `before`, per key, leaving out the keys that did not grow in between. */
export function refusedBetween(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([key, n]) => [key, n - (before[key] ?? 0)]).filter(([, n]) => Number(n) > 0));
}
