import { randomUUID } from 'node:crypto';
import { EmulatorContext } from '../context';
import { delay, retryAfterHeader } from '../faults';
import { FaultSpec } from '../types';
import { authenticate, authorizeApplicationRead, authorizeDirectoryRead, authorizeMailbox } from './auth';
import { executeBatch } from './batch';
import { ConnectionFate, GraphCall, GraphResult, MailboxCall } from './call';
import { badRequest, graphErrorBody, GraphHttpError } from './errors';
import { parsePreferences } from './prefer';
import { matchRoute } from './routes';

const DEFAULT_SLOW_MS = 2000;

/**
 * Runs one Graph request (top-level or inside $batch): count, faults, token, mailbox access,
 * per-mailbox throttling, handler. Errors become Graph error bodies.
 */
export async function executeGraphCall(ctx: EmulatorContext, call: GraphCall, inBatch: boolean): Promise<GraphResult> {
  const requestId = randomUUID();
  const clientRequestId = call.headers['client-request-id'];
  const ids = { 'request-id': requestId, 'client-request-id': clientRequestId ?? requestId };
  try {
    const result = await dispatch(ctx, call, inBatch);
    return { ...result, headers: { ...ids, ...result.headers } };
  } catch (err) {
    if (!(err instanceof GraphHttpError)) throw err;
    return { status: err.status, headers: { ...ids, ...err.headers }, body: graphErrorBody(err.code, err.message, clientRequestId, requestId) };
  }
}

async function dispatch(ctx: EmulatorContext, call: GraphCall, inBatch: boolean): Promise<GraphResult> {
  const search = call.query.toString();
  const faultTarget = { method: call.method, path: `/v1.0${call.path}${search ? `?${search}` : ''}`, tokenEndpoint: false };
  if (/^\/\$batch\/?$/i.test(call.path) && call.method === 'POST' && !inBatch) {
    ctx.counters.count('batch');
    const slowMs = applyFault(ctx.faults.take(faultTarget), call.fate);
    if (call.fate.drop) return { status: 0, headers: {} };
    if (slowMs) await delay(slowMs);
    return executeBatch(call, (inner) => executeGraphCall(ctx, inner, true));
  }
  if (/^\/me(\/|$)/i.test(call.path)) throw badRequest('/me request is only valid with delegated authentication flow.');
  const match = matchRoute(call.path);
  if (!match) throw badRequest(`Resource not found for the segment '${call.path.split('/').filter(Boolean).pop() ?? ''}'.`);
  const { route } = match;
  const method = call.method.toUpperCase();
  if (!Object.hasOwn(route.methods, method)) throw new GraphHttpError(405, 'BadRequest', `The ${call.method} method is not supported for this resource.`);
  ctx.counters.count(`${call.method} ${route.kind}`);
  if (inBatch) ctx.counters.count('batch-inner');
  const slowMs = applyFault(ctx.faults.take(faultTarget), call.fate);
  if (call.fate.drop) return { status: 0, headers: {} };

  const principal = authenticate(ctx.directory, ctx.signingKey, call.headers.authorization);
  const routed = { call, ctx, principal, params: match.params, prefs: parsePreferences(call.headers.prefer) };
  // Directory reads are not throttled per mailbox.
  if (route.access === 'application') {
    const application = authorizeApplicationRead(ctx.directory, principal, match.params.appId);
    await serviceTime(ctx, slowMs);
    return route.methods[method]({ ...routed, application });
  }
  const directoryRead = route.access === 'directory';
  const user = directoryRead
    ? authorizeDirectoryRead(ctx.directory, principal, match.params.user)
    : authorizeMailbox(ctx.directory, principal, match.params.user, call.method !== 'GET');
  const handler = route.methods[method];
  const mc: MailboxCall = { ...routed, user };
  if (directoryRead) {
    await serviceTime(ctx, slowMs);
    return handler(mc);
  }
  const verdict = ctx.throttle.acquire(principal.app.clientId, user.id);
  if (!verdict.ok) {
    // Observed Outlook body: {"code":"ApplicationThrottled","message":"Application is over its MailboxConcurrency limit."}
    throw new GraphHttpError(429, 'ApplicationThrottled', `Application is over its ${verdict.limit} limit.`,
      { 'Retry-After': String(verdict.retryAfterSeconds) });
  }
  try {
    // The slot is held for the whole service time, so concurrent requests really overlap.
    await serviceTime(ctx, slowMs);
    return handler(mc);
  } finally {
    verdict.release();
  }
}

/** The time a request takes at Microsoft: the latency model's draw plus a 'slow' fault's delay. */
async function serviceTime(ctx: EmulatorContext, slowMs: number): Promise<void> {
  const ms = slowMs + ctx.latency.sample();
  if (ms > 0) await delay(ms);
}

/**
 * Applies an injected fault: throws the error response for 429/503/504, marks the connection for
 * 'drop' / 'lost-response', returns the extra latency for 'slow'.
 * Status meanings: https://learn.microsoft.com/graph/errors , https://learn.microsoft.com/graph/throttling
 */
function applyFault(fault: FaultSpec | undefined, fate: ConnectionFate): number {
  if (!fault) return 0;
  const retryAfter = (fallback?: number): Record<string, string> => retryAfterHeader(fault, fallback);
  switch (fault.kind) {
    case '429':
      throw new GraphHttpError(429, 'TooManyRequests', 'Please retry again later.', retryAfter(1));
    case '503':
      throw new GraphHttpError(503, 'serviceNotAvailable',
        'The service is temporarily unavailable for maintenance or is overloaded. You may repeat the request after a delay, which may be specified in a Retry-After header.', retryAfter());
    case '504':
      throw new GraphHttpError(504, 'GatewayTimeout',
        "The server, while acting as a proxy, didn't receive a timely response from the upstream server it needed to access in attempting to complete the request.");
    case 'drop':
      fate.drop = true;
      return 0;
    case 'lost-response':
      fate.loseResponse = true;
      return 0;
    case 'slow':
      return fault.delayMs ?? DEFAULT_SLOW_MS;
  }
}
