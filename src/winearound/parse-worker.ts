/**
 * Runs in a worker thread of the parse pool (src/winearound/parse-pool.ts): decodes and parses one
 * feed body, or plans a reconcile, off the event loop that heartbeats for every integration of the
 * worker. Answers with plain objects (class instances do not cross threads).
 */
import type { MessagePort } from 'node:worker_threads';
import { digest } from '../sync/digest';
import { plan, type Plan, type PlanInput } from '../sync/planner';
import type { SourceEvent } from '../sync/model';
import { FeedError, type FeedErrorCode } from './errors';
import { parseIcalFeed, type BookingLimits } from './ical-parse';
import type { SkippedBooking } from './skip-codes';

export interface ParseTask {
  body: ArrayBuffer;
  windowStart: number;
  windowEnd: number;
  defaultTimeZone: string;
  limits?: Partial<BookingLimits>;
  /** Told when the parse starts, so that the budget does not count time spent in the queue. */
  started: MessagePort;
}

export type ParseAnswer =
  | { ok: true; events: SourceEvent[]; skipped: SkippedBooking[]; feedHash: string }
  | { ok: false; code: FeedErrorCode; message: string };

export function parseFeed(task: ParseTask): ParseAnswer {
  task.started.postMessage('started');
  task.started.close();
  try {
    const text = new TextDecoder('utf-8').decode(task.body);
    const { events, skipped } = parseIcalFeed(text, {
      window: { start: new Date(task.windowStart), end: new Date(task.windowEnd) },
      defaultTimeZone: task.defaultTimeZone,
      limits: task.limits,
    });
    return { ok: true, events, skipped, feedHash: digest(events) };
  } catch (err) {
    if (err instanceof FeedError) return { ok: false, code: err.code, message: err.message.replace(/^[A-Z_]+: /, '') };
    throw err;
  }
}

/** The planner (pure, CPU-bound: it maps and hashes every event) also runs off the event loop. */
export function planChanges(input: PlanInput): Plan {
  return plan(input);
}
