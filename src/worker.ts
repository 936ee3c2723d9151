import { join } from 'node:path';
import type { Server } from 'node:http';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import type pino from 'pino';
import { createActivities } from './activities';
import { loadConfig, type ServiceConfig } from './config';
import { bundlerLogger, createLogger, installTemporalLogging } from './log';
import { integrationStatesFrom } from './metrics/integration-states';
import { createPrometheusMetrics } from './metrics/prometheus';
import { startOpsServer } from './metrics/server';
import { trustCertificateAuthorityFile } from './net/trust';
import { FileAndEnvSecretStore, type SecretStore } from './secrets/store';
import { connectClient, connectWorker } from './temporal/connection';
import { startCodecServer } from './temporal/codec-server';
import { freePort, startDevServer, type DevServer } from './temporal/dev-server';
import { dataConverterFor, PAYLOAD_ENCRYPTION_OFF } from './temporal/encryption';
import { createOnboardingRouter } from './onboarding/router';
import { Sealer } from './onboarding/seal';
import { startWebhookServer } from './webhook/server';
import { closeParsePool, configureParsePool } from './winearound/parse-pool';
import { logWorkerStats } from './worker-stats';

/**
 * The worker: runs every customer's integration workflow and its activities. Without
 * TEMPORAL_ADDRESS it first starts an embedded Temporal dev server (SQLite in the data folder,
 * web UI on its usual port), and stops it again after a graceful shutdown.
 */

export interface Service {
  address: string;
  uiUrl?: string;
  webhookUrl?: string;
  /** The onboarding pages' public address, when onboarding by admin consent is configured. */
  onboardingUrl?: string;
  /** The operations endpoint (GET /metrics, /healthz, /readyz) when WA_METRICS_PORT is set. */
  opsUrl?: string;
  /** Resolves when the worker has shut down (SIGINT/SIGTERM, or shutdown()). */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

export interface ServiceOptions {
  /** The Temporal SDK's Prometheus exporter (see installTemporalLogging), relayed on /metrics. */
  sdkMetricsUrl?: string;
}

export async function startService(
  config: ServiceConfig, logger: pino.Logger, secrets: SecretStore = new FileAndEnvSecretStore(config.secretsFile), options: ServiceOptions = {},
): Promise<Service> {
  trustCertificateAuthorityFile(config.microsoft.extraCaFile);
  const dataConverter = dataConverterFor(config.temporal.payloadKeys);
  if (!dataConverter) logger.warn(PAYLOAD_ENCRYPTION_OFF);
  const codecPort = dataConverter && config.temporal.codecToken ? config.temporal.codecPort : undefined;
  // The embedded UI learns the token through its codec endpoint (see codec-server.ts).
  const codecEndpoint = `http://localhost:${codecPort}/${config.temporal.codecToken}`;
  let devServer: DevServer | undefined;
  if (!config.temporal.address) {
    devServer = await startDevServer({
      port: config.temporal.devPort,
      uiPort: config.temporal.uiPort,
      dbFile: join(config.dataDir, 'temporal', 'dev.db'),
      namespace: config.temporal.namespace,
      extraArgs: codecPort !== undefined ? ['--ui-codec-endpoint', codecEndpoint] : [],
    });
  }
  const address = config.temporal.address ?? devServer!.address;
  if (config.feed.parseThreads !== undefined) configureParsePool(config.feed.parseThreads);
  let webhook: Server | undefined;
  let codecServer: Server | undefined;
  let opsServer: Server | undefined;
  try {
    if (codecPort !== undefined) {
      codecServer = await startCodecServer(dataConverter!.payloadCodecs![0], {
        port: codecPort, host: config.temporal.codecHost, token: config.temporal.codecToken!, allowedOrigins: config.temporal.codecAllowedOrigins,
      });
    }
    const connection = await connectWorker(config.temporal, address);
    const metrics = createPrometheusMetrics({
      integrationStates: integrationStatesFrom(connection.workflowService, config.temporal.namespace),
    });
    // Bundled here rather than by Worker.create, whose bundler logs webpack's report at info.
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./workflows'),
      failureConverterPath: dataConverter?.failureConverterPath,
      logger: bundlerLogger(logger),
    });
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      workflowBundle,
      activities: createActivities({ secrets, endpoints: config.microsoft, feed: config.feed, metrics, multiTenantAppId: config.onboarding?.appClientId }),
      dataConverter,
      // In-flight Graph calls get time to finish before activities are cancelled.
      shutdownGraceTime: '20 seconds',
      ...workerSizing(config.worker),
    });
    let opsUrl: string | undefined;
    if (config.metricsPort !== undefined) {
      opsServer = await startOpsServer({
        port: config.metricsPort,
        registry: metrics.registry,
        sdkMetricsUrl: options.sdkMetricsUrl,
        workerState: () => worker.getState(),
        temporalHealthy: async () => {
          const { status } = await connection.healthService.check({});
          if (status !== 1) throw new Error(`health check answered ${status} (1 = SERVING)`);
        },
      });
      opsUrl = `http://127.0.0.1:${(opsServer.address() as { port: number }).port}`;
    }
    let webhookUrl: string | undefined;
    let onboardingUrl: string | undefined;
    if (config.webhook.port !== undefined && (config.webhook.secret || config.onboarding)) {
      const client = await connectClient(config.temporal, address);
      const onboarding = config.onboarding && createOnboardingRouter({
        client, taskQueue: config.temporal.taskQueue, sealer: new Sealer(config.onboarding.secret), publicUrl: config.onboarding.publicUrl,
        appClientId: config.onboarding.appClientId, appSecretRef: config.onboarding.appSecretRef,
        endpoints: config.microsoft, secrets, logger,
      });
      webhook = await startWebhookServer({ client, taskQueue: config.temporal.taskQueue, secret: config.webhook.secret, onboarding, port: config.webhook.port, logger });
      const { port } = webhook.address() as { port: number };
      if (config.webhook.secret) webhookUrl = `http://127.0.0.1:${port}/webhooks/winearound`;
      if (config.onboarding) onboardingUrl = `${config.onboarding.publicUrl}/onboarding (listening on 127.0.0.1:${port})`;
    }
    const stopStats = config.statsIntervalMs ? logWorkerStats(worker, logger, config.statsIntervalMs) : undefined;
    const done = worker.run().finally(async () => {
      stopStats?.();
      for (const server of [webhook, codecServer, opsServer]) await new Promise((r) => (server ? server.close(r) : r(undefined)));
      await connection.close();
      await closeParsePool();
      await devServer?.stop();
    });
    return { address, uiUrl: devServer?.uiUrl, webhookUrl, onboardingUrl, opsUrl, done, shutdown: async () => { worker.shutdown(); await done; } };
  } catch (err) {
    webhook?.close();
    codecServer?.close();
    opsServer?.close();
    await devServer?.stop();
    throw err;
  }
}

/**
 * The SDK worker's sizing. A cached workflow costs about 0.2 MB of RSS with the light bundle
 * (`npm run bench:fleet`, 1,000 integrations: 612 MB at rest with all cached, 447 MB with 250),
 * and the SDK's default cache grows with the heap limit (over 2,000 workflows here): bounded so
 * that a worker keeps a fleet of 1,000 in memory within 1 GB. A signal to an evicted workflow
 * waits for its history to be fetched and replayed (+15 ms at p50 with 250 of 1,000 cached). Two
 * workflow threads: every workflow task of the fleet runs on them, the start-up wave queued behind one.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 1000;
export const DEFAULT_WORKFLOW_THREADS = 2;

export function workerSizing(sizing: ServiceConfig['worker']) {
  return {
    maxCachedWorkflows: sizing.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
    workflowThreadPoolSize: sizing.workflowThreads ?? DEFAULT_WORKFLOW_THREADS,
    ...(sizing.maxConcurrentWorkflowTasks !== undefined && { maxConcurrentWorkflowTaskExecutions: sizing.maxConcurrentWorkflowTasks }),
    ...(sizing.maxConcurrentActivities !== undefined && { maxConcurrentActivityTaskExecutions: sizing.maxConcurrentActivities }),
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  // The SDK's exporter listens on loopback only: /metrics relays it.
  const sdkMetricsAddress = config.metricsPort !== undefined ? `127.0.0.1:${await freePort()}` : undefined;
  installTemporalLogging(logger, { sdkMetricsAddress });
  const service = await startService(config, logger, undefined, { sdkMetricsUrl: sdkMetricsAddress && `http://${sdkMetricsAddress}/metrics` });
  logger.info({ temporal: service.address, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, ops: service.opsUrl }, 'Worker running');
  if (service.uiUrl) console.log(`Temporal UI: ${service.uiUrl}/namespaces/${config.temporal.namespace}/workflows`);
  if (service.webhookUrl) console.log(`WineAround webhook: POST ${service.webhookUrl}`);
  if (service.onboardingUrl) console.log(`Onboarding ("Connect Outlook"): ${service.onboardingUrl}`);
  await service.done;
  logger.info('Worker stopped');
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error && err.name === 'ConfigError' ? err.message : err);
    process.exit(1);
  });
}
