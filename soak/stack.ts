import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import { loadConfig } from '../src/config';
import { startMicrosoftEmulator, type MicrosoftEmulator } from '../src/emulator';
import { trustCertificateAuthority } from '../src/net/trust';
import { secretEnvName } from '../src/secrets/store';
import { connectClient } from '../src/temporal/connection';
import { freePort, startDevServer, type DevServer } from '../src/temporal/dev-server';
import { startWebhookServer } from '../src/webhook/server';
import { startFeedEmulator, type FeedEmulator } from '../src/winearound/feed-emulator';

/**
 * The real stack the soak runs on: the Temporal dev server on a SQLite file (restartable), the
 * production worker in its own process (killable), the Microsoft emulator with a latency model,
 * one WineAround feed emulator per customer, and the signed webhook (in this process, as its own
 * deployment would be, so it answers while the worker is down).
 */
export const TENANT = '5a0c1d2e-3f40-4b5c-8d6e-7f8091a2b3c4';
export const DOMAIN = 'soak.onmicrosoft.com';
export const CLIENT_ID = '5a0c1d2e-0000-4000-8000-00000000c0de';
const SECRET_REF = 'soak-graph';
export const WEBHOOK_SECRET = randomBytes(24).toString('hex');

export interface Stack {
  microsoft: MicrosoftEmulator;
  feeds: FeedEmulator[];
  mailboxes: string[];
  client: Client;
  taskQueue: string;
  webhookUrl: string;
  /** SIGKILLs the worker (no graceful shutdown); false if it was not running. */
  killWorker(): Promise<boolean>;
  startWorker(): void;
  workerRunning(): boolean;
  /** Stops the dev server (SIGTERM) and starts it again later on the same port and SQLite file. */
  stopServer(): Promise<boolean>;
  startServer(): Promise<void>;
  serverRunning(): boolean;
  /** Where the worker's stderr goes. */
  workerLog: string;
  /** Times the worker exited on its own and was restarted, as a supervisor would. */
  readonly workerRestarts: number;
  /** Stops everything; the folder with the worker's log is kept only when asked (to read after a failure). */
  close(options?: { keepLog?: boolean }): Promise<void>;
}

export async function startStack(customers: number): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'wa-soak-'));
  const microsoft = await startMicrosoftEmulator();
  trustCertificateAuthority(microsoft.caPem);
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, microsoft.caPem);
  const secret = randomBytes(18).toString('base64url');
  microsoft.addTenant({ id: TENANT, domain: DOMAIN });
  microsoft.addApp({ tenantId: TENANT, clientId: CLIENT_ID, secrets: [{ value: secret }], roles: ['Calendars.ReadWrite'] });
  const mailboxes = Array.from({ length: customers }, (_, c) =>
    microsoft.addUser({ tenantId: TENANT, userPrincipalName: `cantina-${c}@${DOMAIN}` }).userPrincipalName);
  const feeds = await Promise.all(Array.from({ length: customers }, () => startFeedEmulator()));

  const port = await freePort();
  const dbFile = join(dir, 'temporal.db');
  let server: DevServer | undefined;
  const startServer = async () => {
    server = await startDevServer({ port, uiPort: false, dbFile, quiet: true });
  };
  await startServer();

  const taskQueue = `soak-${randomBytes(4).toString('hex')}`;
  const workerEnv: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
    TEMPORAL_TASK_QUEUE: taskQueue,
    MS_AUTHORITY_HOST: microsoft.baseUrl,
    MS_GRAPH_BASE_URL: microsoft.baseUrl,
    WA_EXTRA_CA_FILE: caFile,
    WA_PAYLOAD_KEY: randomBytes(32).toString('base64'),
    WA_PAYLOAD_KEY_ID: 'soak',
    [secretEnvName(SECRET_REF)]: secret,
    LOG_LEVEL: 'warn',
  };
  const workerLog = join(dir, 'worker.log');
  const log: WriteStream = createWriteStream(workerLog, { flags: 'a' });
  let worker: ChildProcess | undefined;
  let closing = false;
  let unexpectedExits = 0;
  const startWorker = () => {
    const child = spawn(process.execPath, [require.resolve('../src/worker')], { stdio: ['ignore', 'pipe', 'pipe'], env: workerEnv });
    worker = child;
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    // A supervisor's job (systemd, Kubernetes, compose `restart:`): a worker that exits on its own,
    // e.g. started while the Temporal server was down, is started again.
    child.once('exit', (_code, signal) => {
      if (closing || signal === 'SIGKILL' || worker !== child) return;
      unexpectedExits += 1;
      setTimeout(() => { if (!closing && worker === child) startWorker(); }, 1000);
    });
  };
  const exited = (child: ChildProcess) =>
    new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
  startWorker();

  const config = loadConfig(workerEnv);
  const client = await connectClient(config.temporal, config.temporal.address!);
  const webhook: Server = await startWebhookServer({
    client, taskQueue, secret: WEBHOOK_SECRET, port: 0, logger: pino({ level: 'silent' }),
  });
  const webhookUrl = `http://127.0.0.1:${(webhook.address() as { port: number }).port}/webhooks/winearound`;

  return {
    microsoft, feeds, mailboxes, client, taskQueue, webhookUrl, workerLog,
    get workerRestarts() {
      return unexpectedExits;
    },
    async killWorker() {
      if (!worker || worker.exitCode !== null || worker.signalCode !== null) return false;
      const child = worker;
      child.kill('SIGKILL');
      await exited(child);
      return true;
    },
    startWorker,
    workerRunning: () => Boolean(worker && worker.exitCode === null && worker.signalCode === null),
    async stopServer() {
      if (!server) return false;
      const stopping = server;
      server = undefined;
      await stopping.stop();
      return true;
    },
    startServer,
    serverRunning: () => server !== undefined,
    async close({ keepLog = false } = {}) {
      closing = true;
      await new Promise((r) => webhook.close(r));
      if (worker && worker.exitCode === null && worker.signalCode === null) {
        const child = worker;
        child.kill('SIGTERM');
        await exited(child);
      }
      await client.connection.close();
      await server?.stop();
      log.end();
      for (const feed of feeds) await feed.close();
      await microsoft.close();
      if (!keepLog) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const integrationSettings = (stack: Stack, customer: number, reconcileIntervalMs: number) => ({
  customerId: `soak-cantina-${customer}`,
  tenantId: TENANT,
  clientId: CLIENT_ID,
  secretRef: SECRET_REF,
  mailbox: stack.mailboxes[customer],
  feedUrl: stack.feeds[customer].url(`soak-cantina-${customer}`),
  reconcileIntervalMs,
  attentionRecheckMs: reconcileIntervalMs,
});
