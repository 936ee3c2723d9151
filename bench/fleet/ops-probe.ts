/**
 * What an operator sees during the start-up wave: `wa-outlook status` and `wa-outlook list` run
 * over and over, in a process of their own as the CLI is. In the bench's process their answer
 * times would include that process's event-loop delay, which the emulators (20,000 creates in a
 * minute) make long: that is the bench's load, not the operator's.
 *
 * The bench forks this file, sends it `{ started: customerId }` as integrations start and
 * `{ stop: true }` when the wave is over; it answers with one `OpsProbeFigures` message and exits.
 */
import { fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { countIntegrations, listIntegrationPage } from '../../src/ops/integrations';
import { statusWithin } from '../../src/ops/status';
import { dataConverterFor } from '../../src/temporal/encryption';
import { clientInterceptors } from '../../src/temporal/retries';
import { loopDelayMs, type LoopDelayMs } from '../../src/worker-stats';

/**
 * At most four lists a second: a busy operations team, not a tight loop. A loop unpaced reached
 * 50 lists (300 visibility requests) a second whenever the server was quick, and met the
 * frontend's rate limit (100 per second) with its own requests.
 */
const LIST_EVERY_MS = 250;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface OpsProbeFigures {
  statusMs: number[];
  statusFailures: number;
  statusErrors: Record<string, number>;
  statusFromServer: Record<string, number>;
  /** Customers whose workflow replay was nondeterministic: the bench keeps their histories. */
  suspects: Record<string, string>;
  listMs: number[];
  listFailures: number;
  /** This process's event-loop delay meanwhile (it should be small: the probe is all it does). */
  loopDelayMs: LoopDelayMs;
}

export interface OpsProbeTarget { address: string; namespace: string; payloadKeyId: string; payloadKey: string }

export interface OpsProbe {
  started(customerId: string): void;
  /** Stops the loops and returns what they measured. */
  stop(): Promise<OpsProbeFigures>;
}

export function startOpsProbe(target: OpsProbeTarget): OpsProbe {
  const child = fork(__filename, [], { env: { ...process.env, WA_OPS_PROBE: JSON.stringify(target) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const figures = new Promise<OpsProbeFigures>((resolve, reject) => {
    child.once('message', (m) => resolve(m as OpsProbeFigures));
    child.once('exit', (code) => reject(new Error(`the ops probe exited (${code}) before it reported`)));
  });
  return {
    started: (customerId) => { if (child.connected) child.send({ started: customerId }); },
    stop: async () => {
      child.send({ stop: true });
      return figures;
    },
  };
}

async function probe(target: OpsProbeTarget): Promise<void> {
  const connection = await Connection.connect({ address: target.address, interceptors: clientInterceptors() }); // as the CLI's
  const client = new Client({ connection, namespace: target.namespace, dataConverter: dataConverterFor({ current: { id: target.payloadKeyId, key: target.payloadKey } }) });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const started: string[] = [];
  let over = false;
  const f: OpsProbeFigures = { statusMs: [], statusFailures: 0, statusErrors: {}, statusFromServer: {}, suspects: {}, listMs: [], listFailures: 0, loopDelayMs: { p50: 0, p99: 0, max: 0 } };
  const bump = (counts: Record<string, number>, key: string) => { counts[key] = (counts[key] ?? 0) + 1; };
  let wake: () => void = () => undefined;
  const firstStarted = new Promise<void>((resolve) => { wake = resolve; });
  process.on('message', (m: { started?: string; stop?: boolean }) => {
    if (m.started) { started.push(m.started); wake(); }
    if (m.stop) { over = true; wake(); }
  });
  await firstStarted;

  const probeStatus = async () => {
    while (!over) {
      const id = started[Math.floor(Math.random() * started.length)];
      const t = performance.now();
      try {
        // What `wa-outlook status` does: the worker's answer, else the server's view after a moment.
        const answer = await connection.withDeadline(Date.now() + 10_000, () => statusWithin(client, id));
        f.statusMs.push(performance.now() - t);
        if (answer.from === 'server') {
          bump(f.statusFromServer, answer.why.replace(/\d+ ms/, 'N ms').slice(0, 120));
          if (/nondeterminism/i.test(answer.why)) f.suspects[id] = answer.why;
        }
      } catch (err) {
        f.statusFailures += 1;
        bump(f.statusErrors, `${(err as Error).name}: ${(err as Error).message}`.slice(0, 120));
      }
    }
  };
  const probeList = async () => {
    while (!over) {
      const t = performance.now();
      const next = sleep(LIST_EVERY_MS);
      try {
        // What `wa-outlook list` does: the counts per state and the first page, from visibility.
        await Promise.all([countIntegrations(client), listIntegrationPage(client)]);
        f.listMs.push(performance.now() - t);
      } catch {
        f.listFailures += 1;
      }
      await next;
    }
  };
  await Promise.all([probeStatus(), probeStatus(), probeList()]);
  loop.disable();
  f.loopDelayMs = loopDelayMs(loop);
  await connection.close();
  process.send!(f, () => process.exit(0));
}

if (process.env.WA_OPS_PROBE && process.send) {
  process.once('disconnect', () => process.exit(0)); // the bench is gone: nothing to report to
  probe(JSON.parse(process.env.WA_OPS_PROBE) as OpsProbeTarget).catch((err: unknown) => {
    console.error('ops probe:', err);
    process.exit(1);
  });
}
