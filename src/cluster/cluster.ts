import { join } from 'node:path';
import { freePort } from '../temporal/dev-server';
import { startPostgres, type Postgres } from './postgres';
import { spawnProcess, waitFor, type ClusterProcess } from './process';
import { registerNamespace, setupSchema, startTemporalServer, startTemporalUi, type TemporalServer } from './temporal-server';
import { obtainClusterTools, type ClusterTools } from './tools';

/**
 * The production topology on one machine: PostgreSQL, the Temporal server on it (schema and
 * namespace by docker-compose's scripts), the Temporal UI, and N worker processes sharing one task
 * queue, each with its metrics and health endpoint. Used by `npm run cluster` and `npm run test:cluster`.
 */

export interface ClusterWorker {
  process: ClusterProcess;
  /** GET /metrics, /healthz, /readyz. */
  opsUrl: string;
}

export interface Cluster {
  tools: ClusterTools;
  pg: Postgres;
  server: TemporalServer;
  ui?: { url: string; process: ClusterProcess };
  workers: ClusterWorker[];
  namespace: string;
  /** One more worker; `port` (else a free one) for its operations endpoint, another if that is taken. */
  startWorker(options?: { port?: number }): Promise<ClusterWorker>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Where PostgreSQL's data, configs and logs live (git-ignored, e.g. .data/cluster). */
  folder: string;
  namespace?: string;
  workers?: number;
  /** Extra environment for the workers (Microsoft endpoints, secrets, payload key, …). */
  workerEnv?: NodeJS.ProcessEnv;
  /** Workers' output to log files in the folder (tests) rather than the terminal. */
  workerLogsToFiles?: boolean;
  ui?: boolean;
  uiPort?: number;
  /** Progress lines for people. */
  report?: (line: string) => void;
}

const WORKER_ENTRY = join(__dirname, '..', 'worker.js');

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const report = options.report ?? (() => undefined);
  const namespace = options.namespace ?? 'default';
  const setupLog = join(options.folder, 'setup.log');
  const tools = obtainClusterTools();
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const part of started.reverse()) await part.stop().catch(() => undefined);
  };
  try {
    const pg = await startPostgres({ bin: tools.postgresBin, folder: join(options.folder, 'postgres'), port: await freePort() });
    started.push(pg);
    report(`PostgreSQL       127.0.0.1:${pg.port} (pid ${pg.process.pid}, data in ${join(options.folder, 'postgres', 'data')})`);
    setupSchema(tools, pg, setupLog);
    const server = await startTemporalServer({ tools, pg, folder: join(options.folder, 'temporal') });
    started.push(server);
    report(`Temporal server  ${server.address} (pid ${server.process.pid}, metrics http://127.0.0.1:${server.ports.metrics}/metrics)`);
    registerNamespace(tools, server.address, namespace, setupLog);
    let ui: Cluster['ui'];
    if (options.ui !== false && tools.uiServer) {
      const port = options.uiPort ?? (await freePort());
      const process = await startTemporalUi({ binary: tools.uiServer, folder: join(options.folder, 'ui'), address: server.address, namespace, port });
      started.push(process);
      ui = { url: `http://127.0.0.1:${port}`, process };
      report(`Temporal UI      ${ui.url}/namespaces/${namespace}/workflows (pid ${process.pid})`);
    }
    const workers: ClusterWorker[] = [];
    const startWorker = async (wanted: { port?: number } = {}): Promise<ClusterWorker> => {
      const n = workers.length + 1;
      // A port found free can be taken before the worker binds it (another process, an outgoing
      // connection: seen when two test runs shared the machine), so a taken one means another try.
      for (let attempt = 1; ; attempt++) {
        const port = attempt === 1 && wanted.port !== undefined ? wanted.port : await freePort();
        const process_ = spawnProcess(`worker-${n}`, process.execPath, [WORKER_ENTRY], {
          env: {
            ...process.env, ...options.workerEnv,
            TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: namespace, WA_METRICS_PORT: String(port),
          },
          logFile: options.workerLogsToFiles ? join(options.folder, 'workers', `worker-${n}.log`) : undefined,
        });
        const worker = { process: process_, opsUrl: `http://127.0.0.1:${port}` };
        try {
          // Bounded: whatever else holds the port may accept and never answer.
          const ready = async () => (await fetch(`${worker.opsUrl}/readyz`, { signal: AbortSignal.timeout(2_000) })).ok;
          await waitFor(process_, 'readiness (GET /readyz)', ready, 120_000);
        } catch (err) {
          await process_.stop();
          if (attempt < 3 && /EADDRINUSE/.test((err as Error).message)) continue;
          throw err;
        }
        workers.push(worker);
        started.push(process_);
        report(`Worker ${n}         pid ${process_.pid}, ${worker.opsUrl}/metrics, /healthz, /readyz`);
        return worker;
      }
    };
    for (let i = 0; i < (options.workers ?? 2); i++) await startWorker();
    return { tools, pg, server, ui, workers, namespace, startWorker, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
