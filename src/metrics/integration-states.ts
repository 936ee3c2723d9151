import type { temporal } from '@temporalio/proto';
import type { IntegrationState } from '../workflows/status';
import type { StateCounts } from './prometheus';

/** The states a live integration reports in its WaIntegrationStatus search attribute. */
export const LIVE_STATES: IntegrationState[] = ['running', 'paused', 'needs_attention', 'stopping'];

type Counter = Pick<temporal.api.workflowservice.v1.WorkflowService, 'countWorkflowExecutions'>;

/**
 * Integrations by state, counted by Temporal visibility (one count per state), kept for `cacheMs`
 * so that scrapes by several Prometheus servers or workers do not multiply the queries.
 */
export function integrationStatesFrom(service: Counter, namespace: string, cacheMs = 10_000): () => Promise<StateCounts> {
  let cached: { at: number; counts: Promise<StateCounts> } | undefined;
  const countAll = async (): Promise<StateCounts> => {
    const counts: StateCounts = {};
    for (const state of LIVE_STATES) {
      const query = `ExecutionStatus = 'Running' AND WaIntegrationStatus = '${state}'`;
      const { count } = await service.countWorkflowExecutions({ namespace, query });
      counts[state] = Number(count ?? 0);
    }
    return counts;
  };
  return () => {
    if (!cached || Date.now() - cached.at > cacheMs) {
      const counts = countAll();
      cached = { at: Date.now(), counts };
      counts.catch(() => { cached = undefined; });
    }
    return cached.counts;
  };
}
