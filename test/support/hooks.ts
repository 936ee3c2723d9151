import { DefaultLogger, Runtime } from '@temporalio/worker';
import { stopTemporalEnv } from './temporal';

// Runtime.install may run once per process, before any worker or connection exists.
Runtime.install({ logger: new DefaultLogger('WARN') });

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopTemporalEnv();
  },
};
