import { GraphCall, GraphResult } from './call';
import { badRequest } from './errors';

/**
 * JSON batching: up to 20 requests with relative URLs, per-request status/headers/body,
 * dependsOn in the three supported patterns (424 when a dependency failed; a mix answered 400), the envelope 200 even if every inner request failed.
 * Independent requests run up to 4 at a time, as Outlook does; each one is counted, faulted and
 * throttled like a top-level request (inner 429 with its own Retry-After).
 * https://learn.microsoft.com/graph/json-batching , https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits
 */
export const MAX_BATCH_REQUESTS = 20;
const PARALLEL_INNER = 4;

interface InnerRequest { id: string; method: string; url: string; headers?: Record<string, string>; body?: unknown; dependsOn?: string[] }

export async function executeBatch(envelope: GraphCall, run: (inner: GraphCall) => Promise<GraphResult>): Promise<GraphResult> {
  const requests = validate(envelope.body);
  const slots = new Semaphore(PARALLEL_INNER);
  const results = new Map<string, Promise<GraphResult>>();
  const responses: object[] = [];
  const execute = async (request: InnerRequest): Promise<GraphResult> => {
    const dependencies = await Promise.all((request.dependsOn ?? []).map((id) => results.get(id)!));
    const result = dependencies.some((d) => d.status < 200 || d.status > 299)
      ? failedDependency()
      : await slots.run(() => run(innerCall(envelope, request)));
    responses.push({
      id: request.id, status: result.status,
      headers: { ...(result.body === undefined ? {} : { 'Content-Type': 'application/json' }), ...pickHeaders(result.headers) },
      ...(result.body === undefined ? {} : { body: result.body }),
    });
    return result;
  };
  for (const request of requests) results.set(request.id, execute(request));
  await Promise.all(results.values());
  return { status: 200, headers: {}, body: { responses } };
}

function validate(body: unknown): InnerRequest[] {
  const requests = (body as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests) || requests.length === 0) throw badRequest('Invalid batch payload format: a non-empty "requests" array is required.');
  if (requests.length > MAX_BATCH_REQUESTS) throw badRequest(`Number of requests in a batch exceeds the limit of ${MAX_BATCH_REQUESTS}.`);
  const ids = new Set<string>();
  for (const r of requests as InnerRequest[]) {
    if (typeof r?.id !== 'string' || typeof r.method !== 'string' || typeof r.url !== 'string') {
      throw badRequest('Invalid batch payload format: each request needs string id, method and url.');
    }
    if (ids.has(r.id)) throw badRequest(`Batch request id '${r.id}' is not unique.`);
    if (/^https?:/i.test(r.url)) throw badRequest(`Batch request '${r.id}': url must be relative, e.g. /users/{id}/events.`);
    const hasContentType = Object.keys(r.headers ?? {}).some((h) => h.toLowerCase() === 'content-type');
    if (r.body !== undefined && !hasContentType) throw badRequest(`Batch request '${r.id}': a Content-Type header is required when a body is present.`);
    ids.add(r.id);
  }
  for (const r of requests as InnerRequest[]) {
    // Earlier ids only: keeps the dependency graph acyclic, as the documented patterns are.
    const earlier = (requests as InnerRequest[]).slice(0, (requests as InnerRequest[]).indexOf(r)).map((x) => x.id);
    for (const dep of r.dependsOn ?? []) {
      if (!earlier.includes(dep)) throw badRequest(`Batch request '${r.id}' dependsOn '${dep}', which is not an earlier request id.`);
    }
  }
  if (!documentedPattern(requests as InnerRequest[])) {
    throw badRequest('Batch requests must be either all parallel (no dependsOn), all sequential (each depends on the one before), or all depend on the same request.');
  }
  return requests as InnerRequest[];
}

/**
 * Graph supports only these dependsOn patterns; a batch mixing sequential and parallel requests is
 * refused (graph-facts §4; https://learn.microsoft.com/graph/known-issues , "fully sequential or fully parallel").
 */
function documentedPattern(requests: InnerRequest[]): boolean {
  const deps = requests.map((r) => r.dependsOn ?? []);
  if (deps.every((d) => d.length === 0)) return true;
  if (deps[0].length !== 0 || deps.slice(1).some((d) => d.length !== 1)) return false;
  const chain = requests.slice(1).every((r, i) => r.dependsOn![0] === requests[i].id);
  const fan = requests.slice(1).every((r) => r.dependsOn![0] === requests[0].id);
  return chain || fan;
}

function innerCall(envelope: GraphCall, request: InnerRequest): GraphCall {
  const url = new URL(request.url.startsWith('/') ? request.url : `/${request.url}`, 'https://batch.invalid');
  const headers: Record<string, string | undefined> = {
    authorization: envelope.headers.authorization,
    'client-request-id': envelope.headers['client-request-id'],
  };
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  return { method: request.method.toUpperCase(), path: url.pathname, query: url.searchParams, headers, body: request.body, fate: envelope.fate };
}

function failedDependency(): GraphResult {
  return {
    status: 424, headers: {},
    body: { error: { code: 'FailedDependency', message: 'The request could not be executed because a request it depends on failed.' } },
  };
}

function pickHeaders(headers: Record<string, string>): Record<string, string> {
  const kept = ['Retry-After', 'Preference-Applied', 'request-id', 'client-request-id'];
  return Object.fromEntries(Object.entries(headers).filter(([name]) => kept.includes(name)));
}

class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  /** A finishing task hands its slot straight to the next waiter, so the limit never overshoots. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
