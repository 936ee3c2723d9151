import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';

/** What the fleet's workflow histories say: their length, their largest payload, and how long each first workflow task waited. */
export interface HistoryFigures {
  workflows: number;
  historyLength: { p50: number; max: number };
  largestPayload: { bytes: number; eventType: string };
  firstTaskWaitMs: { p50: number; p90: number; max: number };
}

const EventType = temporal.api.enums.v1.EventType;

/** Bytes of every Payloads list in an event's attributes (data + metadata), largest first. */
function payloadSizes(value: unknown, found: number[] = []): number[] {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return found;
  const payloads = (value as { payloads?: unknown }).payloads;
  if (Array.isArray(payloads)) {
    let bytes = 0;
    for (const p of payloads as { data?: Uint8Array | null; metadata?: Record<string, Uint8Array> | null }[]) {
      bytes += p.data?.length ?? 0;
      for (const [k, v] of Object.entries(p.metadata ?? {})) bytes += k.length + (v?.length ?? 0);
    }
    found.push(bytes);
  }
  for (const child of Object.values(value)) payloadSizes(child, found);
  return found;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function analyseHistories(client: Client, workflowIds: string[], concurrency = 8): Promise<HistoryFigures> {
  const lengths: number[] = [];
  const waits: number[] = [];
  let largest = { bytes: 0, eventType: '' };
  let next = 0;
  const work = async () => {
    while (next < workflowIds.length) {
      const id = workflowIds[next++];
      const history = await client.workflow.getHandle(id).fetchHistory();
      const events = history.events ?? [];
      lengths.push(events.length);
      const started = tsToMs(events[0]?.eventTime);
      const firstTask = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
      if (firstTask) waits.push(tsToMs(firstTask.eventTime) - started);
      for (const event of events) {
        const biggest = Math.max(0, ...payloadSizes(event));
        if (biggest > largest.bytes) largest = { bytes: biggest, eventType: EventType[event.eventType ?? 0] ?? String(event.eventType) };
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, work));
  lengths.sort((a, b) => a - b);
  waits.sort((a, b) => a - b);
  return {
    workflows: lengths.length,
    historyLength: { p50: percentile(lengths, 50), max: lengths.at(-1) ?? 0 },
    largestPayload: largest,
    firstTaskWaitMs: { p50: percentile(waits, 50), p90: percentile(waits, 90), max: waits.at(-1) ?? 0 },
  };
}

/** Where one signalled change spent its time, in ms, from the webhook request to the write in the mailbox. */
export interface SignalAnatomy {
  /** Webhook request → the signal recorded in history. */
  toSignal: number;
  /** Signal → the workflow task that takes it in starts on a worker. */
  toWorkflowTask: number;
  /** That workflow task, start → the step that writes scheduled (includes the notification check). */
  workflowTask: number;
  /** Step scheduled → started on a worker (an activity's trip through matching; 0 for a local one). */
  toStep: number;
  /** Step started → the write stored by the emulator (token, lookup, write). */
  step: number;
}

/**
 * Reads the anatomy of the one signal a history gained after `fromEvent` from its event times
 * (server clock = this machine's). Undefined when the history is not shaped as expected.
 */
export function signalAnatomy(events: temporal.api.history.v1.IHistoryEvent[], fromEvent: number, sentAt: number, visibleAt: number): SignalAnatomy | undefined {
  const later = events.filter((e) => Number(e.eventId) > fromEvent);
  const at = (type: number, after = 0) => {
    const e = later.find((x) => x.eventType === type && tsToMs(x.eventTime) >= after);
    return e ? tsToMs(e.eventTime) : undefined;
  };
  const signalled = at(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
  if (signalled === undefined) return undefined;
  const taskStarted = at(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, signalled);
  const scheduled = at(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, signalled);
  const stepStarted = at(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED, signalled);
  if (taskStarted === undefined) return undefined;
  // A local step has no scheduled/started events: it runs inside the workflow task.
  const stepBegan = scheduled ?? taskStarted;
  const stepRan = stepStarted ?? stepBegan;
  return {
    toSignal: signalled - sentAt,
    toWorkflowTask: taskStarted - signalled,
    workflowTask: stepBegan - taskStarted,
    toStep: stepRan - stepBegan,
    step: visibleAt - stepRan,
  };
}
