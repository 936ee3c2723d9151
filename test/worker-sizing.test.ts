import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config';
import { DEFAULT_MAX_CACHED_WORKFLOWS, DEFAULT_WORKFLOW_THREADS, workerSizing } from '../src/worker';

describe('worker sizing from the environment', () => {
  const env = { TEMPORAL_ADDRESS: 'temporal:7233', WA_PAYLOAD_ENCRYPTION: 'off' };

  it('bounds the workflow cache and uses two workflow threads by default', () => {
    assert.deepEqual(workerSizing(loadConfig(env).worker), { maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS, workflowThreadPoolSize: DEFAULT_WORKFLOW_THREADS });
  });

  it('takes every WA_MAX_* value as given, 0 (no cache) included', () => {
    const sizing = workerSizing(loadConfig({
      ...env, WA_MAX_CACHED_WORKFLOWS: '0', WA_WORKFLOW_THREADS: '1', WA_MAX_CONCURRENT_WORKFLOW_TASKS: '8', WA_MAX_CONCURRENT_ACTIVITIES: '30',
    }).worker);
    assert.deepEqual(sizing, { maxCachedWorkflows: 0, workflowThreadPoolSize: 1, maxConcurrentWorkflowTaskExecutions: 8, maxConcurrentActivityTaskExecutions: 30 });
  });

  it('names a bad value and what it must be', () => {
    assert.throws(() => loadConfig({ ...env, WA_MAX_CACHED_WORKFLOWS: '-5' }), (err: Error) => err instanceof ConfigError && /WA_MAX_CACHED_WORKFLOWS: must be 0 \(no cache\) or more/.test(err.message));
    assert.throws(() => loadConfig({ ...env, WA_STATS_INTERVAL_MS: '10' }), (err: Error) => err instanceof ConfigError && /WA_STATS_INTERVAL_MS: must be at least 100/.test(err.message));
  });
});
