import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { notifyEventChanged, startIntegration, stopIntegration, syncNow } from '../../src/ops/integrations';
import { startDevServer, freePort, type DevServer } from '../../src/temporal/dev-server';
import { secretEnvName } from '../../src/secrets/store';
import { integrationWorkflowId } from '../../src/workflows/messages';
import { temporalEnv, workflowBundle } from '../support/temporal';
import { calendarOf, eventually, expectedCalendar, SECRET, startWorld, type World } from './world';

const WORKER = require.resolve('../../src/worker');

/** The production worker entry point in its own process, so that it can be killed. */
function spawnWorker(world: World, address: string, taskQueue: string): ChildProcess {
  return spawn(process.execPath, [WORKER], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      MS_AUTHORITY_HOST: world.microsoft.baseUrl,
      MS_GRAPH_BASE_URL: world.microsoft.baseUrl,
      WA_EXTRA_CA_FILE: world.caFile,
      [secretEnvName('good')]: SECRET,
      // The test's clients send plain payloads; a worker on a Temporal address must be told so (fail closed).
      WA_PAYLOAD_ENCRYPTION: 'off',
      LOG_LEVEL: 'error',
    },
  });
}

const exited = (child: ChildProcess) => new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r)));

describe('resilience end to end: worker crash, server restart, signal burst', function () {
  this.timeout(300_000);
  let world: World;

  before(async () => {
    world = await startWorld(30);
  });
  after(async () => {
    await world?.close();
  });

  it('converges exactly, without duplicates, after the worker is SIGKILLed in the middle of a reconcile', async () => {
    const { env, server } = await temporalEnv();
    const taskQueue = `crash-${randomUUID()}`;
    const customer = `crash-${randomUUID().slice(0, 8)}`;
    let worker = spawnWorker(world, server.address, taskQueue);
    try {
      // Each batch answers slowly, so that the kill lands while the initial sync is writing.
      world.microsoft.injectFault({ match: { path: /\$batch/ }, kind: 'slow', delayMs: 1500, times: 2 });
      const before = world.microsoft.requests.batch ?? 0;
      await startIntegration(env.client, taskQueue, world.settings(customer));
      await eventually(() => world.microsoft.requests.batch ?? 0, (n) => n > before, 60_000);
      worker.kill('SIGKILL');
      await exited(worker);
      worker = spawnWorker(world, server.address, taskQueue);
      // The killed attempt is retried after its heartbeat timeout; syncNow answers once the integration settled.
      await syncNow(env.client, customer);
      assert.deepEqual(calendarOf(world, customer), expectedCalendar(world));
      await stopIntegration(env.client, customer);
    } finally {
      world.microsoft.clearFaults();
      worker.kill('SIGTERM');
      await exited(worker);
    }
  });

  it('converges after the Temporal server restarts, keeping the integration and its history (SQLite)', async () => {
    const dbDir = mkdtempSync(join(tmpdir(), 'wa-restart-'));
    const dbFile = join(dbDir, 'temporal.db');
    const port = await freePort();
    let server: DevServer = await startDevServer({ port, uiPort: false, dbFile, quiet: true });
    const taskQueue = `restart-${randomUUID()}`;
    const customer = `restart-${randomUUID().slice(0, 8)}`;
    const connection = await NativeConnection.connect({ address: server.address });
    const worker = await Worker.create({
      connection, taskQueue, workflowBundle: await workflowBundle(),
      activities: createActivities({ secrets: world.secrets, endpoints: world.endpoints }),
    });
    const running = worker.run();
    try {
      let client = new Client({ connection: await Connection.connect({ address: server.address }) });
      await startIntegration(client, taskQueue, world.settings(customer));
      await syncNow(client, customer);
      const { runId } = await client.workflow.getHandle(integrationWorkflowId(customer)).describe();
      await client.connection.close();

      await server.stop();
      const [first] = world.feed.bookings();
      world.feed.upsert({ ...first, title: `${first.title} (spostata)`, version: first.version + 60_000 });
      server = await startDevServer({ port, uiPort: false, dbFile, quiet: true });

      client = new Client({ connection: await Connection.connect({ address: server.address }) });
      const handle = client.workflow.getHandle(integrationWorkflowId(customer));
      assert.equal((await handle.describe()).runId, runId, 'the same run survived the restart');
      await syncNow(client, customer);
      assert.deepEqual(calendarOf(world, customer), expectedCalendar(world));
      await stopIntegration(client, customer);
      await client.connection.close();
    } finally {
      worker.shutdown();
      await running;
      await connection.close();
      await server.stop();
      rmSync(dbDir, { recursive: true, force: true });
    }
  });

  it('applies 200 signals sent in a burst through a continue-as-new, losing none', async () => {
    const { env } = await temporalEnv();
    const taskQueue = `burst-${randomUUID()}`;
    const customer = `burst-${randomUUID().slice(0, 8)}`;
    const worker = await Worker.create({
      connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(),
      activities: createActivities({ secrets: world.secrets, endpoints: world.endpoints }),
    });
    const running = worker.run();
    try {
      await startIntegration(env.client, taskQueue, world.settings(customer));
      const handle = env.client.workflow.getHandle(integrationWorkflowId(customer));
      const firstRun = (await handle.describe()).runId;
      const day = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
      const change = (i: number, version: number) => ({
        customerId: customer, eventId: `burst-${i}`, operation: 'upsert', version,
        event: { title: `Degustazione ${i} v${version}`, allDay: false,
          start: { kind: 'dateTime', dateTime: `${day}T10:00:00`, timeZone: 'Europe/Rome' },
          end: { kind: 'dateTime', dateTime: `${day}T11:00:00`, timeZone: 'Europe/Rome' } },
      });
      // Each event is signalled twice (200 signals); the second version must win everywhere. The
      // second hundred arrives while syncNow calls grow the history past the server's suggestion
      // (300 events in tests), so signals straddle the continue-as-new.
      await Promise.all(Array.from({ length: 100 }, (_, i) => notifyEventChanged(env.client, taskQueue, change(i, 1_000))));
      const secondHundred = Promise.all(Array.from({ length: 100 }, (_, i) => notifyEventChanged(env.client, taskQueue, change(i, 2_000))));
      const driveToContinueAsNew = (async () => {
        for (let i = 0; i < 60 && (await handle.describe()).runId === firstRun; i++) await syncNow(env.client, customer);
      })();
      await Promise.all([secondHundred, driveToContinueAsNew]);
      assert.notEqual((await handle.describe()).runId, firstRun, 'continued as new');
      await syncNow(env.client, customer);
      const calendar = calendarOf(world, customer);
      for (let i = 0; i < 100; i++) assert.equal(calendar.get(`burst-${i}`), `Degustazione ${i} v2000`);
      await stopIntegration(env.client, customer);
    } finally {
      worker.shutdown();
      await running;
    }
  });
});
