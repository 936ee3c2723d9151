import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';

/**
 * One real Temporal dev server (the project's CLI) for the whole test run, started on first use
 * and stopped by the root hook. Continue-as-new is suggested early so that tests reach it.
 */
export const SUGGEST_CONTINUE_AS_NEW_AT = 300;

export interface TemporalTestEnv {
  server: DevServer;
  env: TestWorkflowEnvironment;
}

let started: Promise<TemporalTestEnv> | undefined;
let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

export function temporalEnv(): Promise<TemporalTestEnv> {
  started ??= (async () => {
    const server = await startDevServer({
      port: 0,
      uiPort: false,
      quiet: true,
      extraArgs: ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${SUGGEST_CONTINUE_AS_NEW_AT}`],
    });
    const env = await TestWorkflowEnvironment.createFromExistingServer({ address: server.address });
    return { server, env };
  })();
  return started;
}

export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  // Built as the worker builds it: with the failure converter that encodes failure messages.
  bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    failureConverterPath: require.resolve('../../src/temporal/failure-converter'),
    logger: quietBundlerLogger,
  });
  return bundle;
}

const quietBundlerLogger = {
  log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined,
  warn: (message: string) => console.warn(message), error: (message: string) => console.error(message),
};

export async function stopTemporalEnv(): Promise<void> {
  if (!started) return;
  const { server, env } = await started;
  started = undefined;
  await env.teardown();
  await server.stop();
}
