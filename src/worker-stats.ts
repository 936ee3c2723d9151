import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Worker } from '@temporalio/worker';
import type pino from 'pino';

/**
 * A periodic "Worker stats" log line (WA_STATS_INTERVAL_MS): memory, CPU, the main thread's
 * event-loop delay and the SDK worker's cache and in-flight counts, so that operators and
 * `npm run bench:fleet` see where a worker's memory and time go without attaching a profiler.
 */
export interface WorkerStats {
  rssMb: number;
  heapUsedMb: number;
  externalMb: number;
  /** CPU time of the whole process since the previous line, ms. */
  cpuUserMs: number;
  cpuSystemMs: number;
  /** Main-thread event-loop delay since the previous line, ms. */
  eventLoopDelayMs: LoopDelayMs;
  cachedWorkflows: number;
  inFlightActivations: number;
  inFlightActivities: number;
}

export interface LoopDelayMs { p50: number; p99: number; max: number }

const mb = (bytes: number) => Math.round(bytes / 1048576);
const ms = (ns: number) => Math.round(ns / 1e4) / 100;

/** An event-loop delay histogram (`monitorEventLoopDelay`, nanoseconds) in ms, to 0.01. */
export const loopDelayMs = (delay: IntervalHistogram): LoopDelayMs => ({ p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) });

export function logWorkerStats(worker: Worker, logger: pino.Logger, intervalMs: number): () => void {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let cpu = process.cpuUsage();
  const timer = setInterval(() => {
    const memory = process.memoryUsage();
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    const status = worker.getStatus();
    const stats: WorkerStats = {
      rssMb: mb(memory.rss),
      heapUsedMb: mb(memory.heapUsed),
      externalMb: mb(memory.external),
      cpuUserMs: Math.round(used.user / 1000),
      cpuSystemMs: Math.round(used.system / 1000),
      eventLoopDelayMs: loopDelayMs(delay),
      cachedWorkflows: status.numCachedWorkflows,
      inFlightActivations: status.numInFlightWorkflowActivations,
      inFlightActivities: status.numInFlightActivities,
    };
    delay.reset();
    logger.info({ stats }, 'Worker stats');
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    delay.disable();
  };
}
