import type { temporal } from '@temporalio/proto';
import { LIVE_STATES } from '../workflows/status';
import type { StateCounts } from './prometheus';

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
