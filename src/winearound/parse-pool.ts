/**
 * Feed parsing off the event loop: a pool of worker threads (piscina) parses each feed body, so a
 * large or hostile feed never stops the heartbeats, signals and writes of the other integrations
 * on this worker. Each parse has a hard wall-clock budget, counted from when a thread starts it
 * (not while it queues): on overrun the thread is terminated and the feed fails with
 * FEED_PARSE_BUDGET, a non-retryable code (the integration shows needs_attention and re-checks on
 * its interval). The caller heartbeats while it waits.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import Piscina from 'piscina';
import { FeedError } from './errors';
import type { BookingLimits, ParsedFeed, SyncWindow } from './ical-parse';
import type { Plan, PlanInput } from '../sync/planner';
import type { ParseAnswer, ParseTask } from './parse-worker';

export interface ParsePoolOptions {
  /** Wall-clock budget of one parse; default 120 s (WA_FEED_PARSE_BUDGET_MS). */
  budgetMs?: number;
  /** Called every few seconds while the parse runs (the activity's heartbeat). */
  heartbeat?: () => void;
  /** Default 5 s: well inside the activity's 1-minute heartbeat timeout. */
  heartbeatEveryMs?: number;
  /** The caller's cancellation: stops the parse, rethrows its reason. */
  signal?: AbortSignal;
  limits?: Partial<BookingLimits>;
}

export const DEFAULT_PARSE_BUDGET_MS = 120_000;
const HEARTBEAT_EVERY_MS = 5_000;
/** A hostile feed inside the size cap must not take the worker process's memory with it. */
const THREAD_HEAP_MB = 1024;

let pool: Piscina | undefined;
let poolThreads = Math.max(1, availableParallelism());

/** Threads of the pool (default: one per CPU); takes effect for a pool not yet started. */
export function configureParsePool(threads: number): void {
  poolThreads = threads;
}

function parsePool(): Piscina {
  pool ??= new Piscina({
    filename: join(__dirname, 'parse-worker.js'),
    minThreads: 0,
    maxThreads: poolThreads,
    idleTimeout: 30_000,
    resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB },
  });
  return pool;
}

/** Stops the pool's threads (worker shutdown). */
export async function closeParsePool(): Promise<void> {
  const closing = pool;
  pool = undefined;
  await closing?.destroy();
}

/** A copy of the body in an ArrayBuffer of its own, which can be moved to the thread without copying again. */
function ownBuffer(body: Uint8Array): ArrayBuffer {
  if (body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer) return body.buffer;
  return body.slice().buffer as ArrayBuffer;
}

export type PooledParse = ParsedFeed & { feedHash: string };

export async function parseFeedInPool(
  body: Uint8Array,
  request: { window: SyncWindow; defaultTimeZone: string },
  options: ParsePoolOptions = {},
): Promise<PooledParse> {
  const budgetMs = options.budgetMs ?? DEFAULT_PARSE_BUDGET_MS;
  const stop = new AbortController();
  const { port1: startedPort, port2 } = new MessageChannel();
  let budgetTimer: NodeJS.Timeout | undefined;
  let overran = false;
  startedPort.once('message', () => {
    budgetTimer = setTimeout(() => {
      overran = true;
      stop.abort();
    }, budgetMs);
  });
  const heartbeats = options.heartbeat && setInterval(options.heartbeat, options.heartbeatEveryMs ?? HEARTBEAT_EVERY_MS);
  const cancel = () => stop.abort();
  options.signal?.addEventListener('abort', cancel, { once: true });
  const buffer = ownBuffer(body);
  const task: ParseTask = {
    body: buffer,
    windowStart: request.window.start.getTime(),
    windowEnd: request.window.end.getTime(),
    defaultTimeZone: request.defaultTimeZone,
    limits: options.limits,
    started: port2,
  };
  try {
    const answer = (await parsePool().run(task, { name: 'parseFeed', signal: stop.signal, transferList: [buffer, port2] })) as ParseAnswer;
    if (!answer.ok) throw new FeedError(answer.code, answer.message);
    return { events: answer.events, skipped: answer.skipped, feedHash: answer.feedHash };
  } catch (err) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (overran) throw budgetError(`parsing did not finish within its budget of ${budgetMs} ms; the parse was stopped`);
    if ((err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
      throw budgetError(`parsing needed more than its ${THREAD_HEAP_MB} MB of memory; the parse was stopped`);
    }
    throw err;
  } finally {
    clearTimeout(budgetTimer);
    if (heartbeats) clearInterval(heartbeats);
    options.signal?.removeEventListener('abort', cancel);
    startedPort.close();
  }
}

/**
 * The planner in the pool: for thousands of events it maps and hashes for seconds, which would
 * stall the event loop as parsing did. Bounded and linear, so no budget; heartbeats while waiting.
 */
export async function planInPool(input: PlanInput, options: Pick<ParsePoolOptions, 'heartbeat' | 'heartbeatEveryMs'> = {}): Promise<Plan> {
  const heartbeats = options.heartbeat && setInterval(options.heartbeat, options.heartbeatEveryMs ?? HEARTBEAT_EVERY_MS);
  try {
    return (await parsePool().run({ ...input, keep: input.keep && [...input.keep] }, { name: 'planChanges' })) as Plan;
  } finally {
    if (heartbeats) clearInterval(heartbeats);
  }
}

function budgetError(what: string): FeedError {
  return new FeedError('FEED_PARSE_BUDGET', `${what}. The feed is too large or too complex to sync; will check again on the re-check interval`);
}
