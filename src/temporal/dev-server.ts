import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { findTemporalCli } from './cli';
import { projectSearchAttributes } from '../workflows/search-attributes';

export interface DevServerOptions {
  /** gRPC port; 0 picks a free one. */
  port: number;
  /** Web UI port; `false` runs headless; 0 picks a free one. */
  uiPort: number | false;
  /** SQLite file; without it the server keeps everything in memory. */
  dbFile?: string;
  namespace?: string;
  /** Extra `temporal server start-dev` flags, e.g. dynamic config values for tests. */
  extraArgs?: string[];
  /** How long to wait for the frontend to answer. */
  readyTimeoutMs?: number;
  /** Keep the server's own log to ourselves unless it fails to start (tests). */
  quiet?: boolean;
  /**
   * Let the server hand an activity to the worker in the answer to the workflow task that
   * scheduled it (eager dispatch; off in the server by default): one matching round trip less per
   * signalled change. Default false (the server's): with it on, the end-to-end test "syncs the
   * feed, then applies webhook notifications…" sees its syncNow served by the start-up reconcile;
   * not understood yet, so it stays an experiment (`npm run bench:fleet -- --eager-activities`).
   */
  eagerActivities?: boolean;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  /** The server process (absent when the SDK downloaded and runs it), e.g. for the fleet bench's RSS and CPU. */
  pid?: number;
  stop(): Promise<void>;
}

/** Fails clearly when a fixed port is taken, rather than talking to whatever answers there. */
async function assertPortFree(port: number, what: string): Promise<void> {
  await new Promise<void>((resolveCheck, reject) => {
    const probe = createServer();
    probe.once('error', () => reject(new Error(`Port ${port} (${what}) is in use: is another worker, demo or Temporal dev server running? Stop it, or set TEMPORAL_DEV_PORT / TEMPORAL_UI_PORT.`)));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolveCheck()));
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Waits until the Temporal frontend at `address` answers, failing early if `child` exits. */
export async function waitUntilServing(address: string, child: ChildProcess, timeoutMs: number, what = 'The Temporal dev server'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  child.once('exit', (code, signal) => { exited = `exited (${signal ?? code})`; });
  for (;;) {
    if (exited) throw new Error(`${what} ${exited} before it answered on ${address}.`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what} did not answer on ${address} within ${timeoutMs} ms: ${(err as Error).message}`, { cause: err });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** SIGTERM (or `signal`), then SIGKILL after 10 s; resolves once the process has exited. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => { clearTimeout(force); resolveStop(); });
    child.kill(signal);
  });
}

/**
 * Starts `temporal server start-dev` with the project's search attributes, waiting until its
 * frontend answers (rather than the SDK's fixed 5-second window, which flakes on cold machines).
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const cli = findTemporalCli({ build: true });
  const port = options.port || (await freePort());
  const uiPort = options.uiPort === false ? false : options.uiPort || (await freePort());
  const namespace = options.namespace ?? 'default';
  await assertPortFree(port, 'Temporal frontend');
  if (uiPort) await assertPortFree(uiPort, 'Temporal web UI');
  const searchAttributeArgs = projectSearchAttributes.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]);

  if (cli.source === 'download') {
    // Last resort where the internet is reachable: let the SDK fetch its default CLI.
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        port, namespace, dbFilename: options.dbFile, ui: uiPort !== false, uiPort: uiPort || undefined,
        searchAttributes: projectSearchAttributes, extraArgs: options.extraArgs,
      },
    });
    return { address: env.address, uiUrl: uiPort ? `http://localhost:${uiPort}` : undefined, stop: () => env.teardown() };
  }

  if (options.dbFile) mkdirSync(dirname(options.dbFile), { recursive: true });
  const args = [
    'server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace,
    // Its warnings are mostly its own shutdown chatter; errors still show.
    '--log-level', 'error', ...searchAttributeArgs,
    '--dynamic-config-value', `system.enableActivityEagerExecution=${options.eagerActivities ?? false}`,
    ...(uiPort === false ? ['--headless'] : ['--ui-port', String(uiPort)]),
    ...(options.dbFile ? ['--db-filename', options.dbFile] : []),
    ...(options.extraArgs ?? []),
  ];
  // Its own process group: Ctrl-C reaches the worker first, which drains, then stops the server.
  const child = spawn(cli.path, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let recentLog = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    recentLog = (recentLog + chunk.toString()).slice(-4000);
    if (!options.quiet) process.stderr.write(chunk);
  });
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(address, child, options.readyTimeoutMs ?? 60_000);
  } catch (err) {
    await stopChild(child);
    throw new Error(`${(err as Error).message}\nServer log (last lines):\n${recentLog}`, { cause: err });
  }
  return { address, uiUrl: uiPort === false ? undefined : `http://localhost:${uiPort}`, pid: child.pid, stop: () => stopChild(child) };
}
