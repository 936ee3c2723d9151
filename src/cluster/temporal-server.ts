import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../temporal/cli';
import { freePort, waitUntilServing } from '../temporal/dev-server';
import type { Postgres } from './postgres';
import { spawnProcess, waitFor, type ClusterProcess } from './process';
import type { ClusterTools } from './tools';

/**
 * The Temporal server on the cluster's PostgreSQL, set up by the same scripts as docker-compose
 * (deploy/temporal/scripts) and with its dynamic config (deploy/temporal/dynamicconfig).
 */

const SCRIPTS = join(PROJECT_ROOT, 'deploy', 'temporal', 'scripts');
const DYNAMIC_CONFIG = join(PROJECT_ROOT, 'deploy', 'temporal', 'dynamicconfig', 'production-sql.yaml');
/** Fixed for the life of a database: Temporal cannot change a cluster's shard count. */
const HISTORY_SHARDS = 4;

/** Runs one of docker-compose's setup scripts natively, its output appended to `logFile`. */
export function runSetupScript(script: string, env: Record<string, string>, logFile: string): void {
  const result = spawnSync('sh', [join(SCRIPTS, script)], { env: { ...process.env, ...env }, encoding: 'utf8' });
  appendFileSync(logFile, `$ sh ${script}\n${result.stdout}${result.stderr}`);
  if (result.status !== 0) throw new Error(`deploy/temporal/scripts/${script} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`.slice(-4000));
}

export function setupSchema(tools: ClusterTools, pg: Postgres, logFile: string): void {
  runSetupScript('setup-schema.sh', {
    POSTGRES_SEEDS: '127.0.0.1', DB_PORT: String(pg.port), POSTGRES_USER: pg.user, POSTGRES_PWD: pg.password,
    SQL_TOOL: tools.sqlTool, SCHEMA_ROOT: tools.schemaDir,
  }, logFile);
}

export function registerNamespace(tools: ClusterTools, address: string, namespace: string, logFile: string): void {
  runSetupScript('create-namespace.sh', { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, TEMPORAL_CLI: tools.cli }, logFile);
}

export interface ServerPorts {
  frontend: number; frontendHttp: number; frontendMembership: number;
  history: number; historyMembership: number; matching: number; matchingMembership: number;
  worker: number; workerMembership: number; metrics: number;
}

/** Free, and below 32768: Temporal stores membership ports in a PostgreSQL smallint (the OS's ephemeral ports are above). */
async function freeMembershipPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 10_000 + Math.floor(Math.random() * 22_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolveProbe) => {
      const probe = createServer();
      probe.once('error', () => resolveProbe(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolveProbe(true)));
    });
    if (free) return port;
  }
}

export async function pickServerPorts(): Promise<ServerPorts> {
  const ports = {} as ServerPorts;
  for (const name of ['frontend', 'frontendHttp', 'history', 'matching', 'worker', 'metrics'] as const) ports[name] = await freePort();
  const taken = new Set<number>();
  for (const name of ['frontendMembership', 'historyMembership', 'matchingMembership', 'workerMembership'] as const) {
    ports[name] = await freeMembershipPort(taken);
    taken.add(ports[name]);
  }
  return ports;
}

/** The server's configuration (YAML is a superset of JSON), modelled on its development-postgres12.yaml. */
function serverConfig(pg: Postgres, ports: ServerPorts) {
  const datastore = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12', databaseName, connectAddr: `127.0.0.1:${pg.port}`, connectProtocol: 'tcp',
      user: pg.user, password: pg.password, maxConns, maxIdleConns: maxConns, maxConnLifetime: '1h',
    },
  });
  const rpc = (grpcPort: number, membershipPort: number, extra = {}) => ({ rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra } });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default', visibilityStore: 'postgres-visibility', numHistoryShards: HISTORY_SHARDS,
      datastores: { 'postgres-default': datastore('temporal', 20), 'postgres-visibility': datastore('temporal_visibility', 10) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${ports.metrics}` } },
    },
    services: {
      frontend: rpc(ports.frontend, ports.frontendMembership, { httpPort: ports.frontendHttp }),
      history: rpc(ports.history, ports.historyMembership),
      matching: rpc(ports.matching, ports.matchingMembership),
      worker: rpc(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false, failoverVersionIncrement: 10, masterClusterName: 'active', currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${ports.frontend}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: DYNAMIC_CONFIG, pollInterval: '10s' },
  };
}

export interface TemporalServer {
  address: string;
  ports: ServerPorts;
  process: ClusterProcess;
  stop(): Promise<void>;
  /** Starts the server process again on the same ports and database (after stop() or a crash). */
  start(): Promise<void>;
}

export async function startTemporalServer(options: { tools: ClusterTools; pg: Postgres; folder: string; ports?: ServerPorts }): Promise<TemporalServer> {
  const ports = options.ports ?? (await pickServerPorts());
  mkdirSync(join(options.folder, 'config'), { recursive: true });
  writeFileSync(join(options.folder, 'config', 'cluster.yaml'), JSON.stringify(serverConfig(options.pg, ports), null, 2), { mode: 0o600 });
  const address = `127.0.0.1:${ports.frontend}`;
  const launch = async () => {
    const proc = spawnProcess('temporal-server', options.tools.server, ['--root', options.folder, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'], {
      logFile: join(options.folder, 'server.log'),
    });
    try {
      await waitUntilServing(address, proc.child, 120_000, 'The Temporal server');
    } catch (err) {
      await proc.stop();
      throw new Error(`${(err as Error).message}\n${proc.recentOutput()}`, { cause: err });
    }
    return proc;
  };
  const server: TemporalServer = {
    address, ports, process: await launch(),
    stop: () => server.process.stop(),
    start: async () => {
      await server.process.stop();
      server.process = await launch();
    },
  };
  return server;
}

/** The Temporal UI server (ui-server), pointed at the cluster's frontend. */
export async function startTemporalUi(options: { binary: string; folder: string; address: string; namespace: string; port: number; codecEndpoint?: string }): Promise<ClusterProcess> {
  mkdirSync(join(options.folder, 'config'), { recursive: true });
  const config = {
    temporalGrpcAddress: options.address, host: '127.0.0.1', port: options.port, enableUi: true,
    defaultNamespace: options.namespace, refreshInterval: '1m', notifyOnNewVersion: false,
    ...(options.codecEndpoint && { codec: { endpoint: options.codecEndpoint } }),
  };
  writeFileSync(join(options.folder, 'config', 'cluster.yaml'), JSON.stringify(config, null, 2));
  const proc = spawnProcess('temporal-ui', options.binary, ['--root', options.folder, '--config', 'config', '--env', 'cluster', 'start'], {
    logFile: join(options.folder, 'ui.log'),
  });
  await waitFor(proc, `its web page on port ${options.port}`, async () => (await fetch(`http://127.0.0.1:${options.port}/`)).ok);
  return proc;
}
