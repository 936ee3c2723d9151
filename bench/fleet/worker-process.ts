import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { WorkerStats } from '../../src/worker-stats';

/**
 * One worker as operators run it (`node lib/src/worker.js`, configured by environment variables
 * only), as a child process whose "Worker stats" log lines the bench collects.
 */
export interface WorkerProcess {
  readonly name: string;
  readonly pid: number;
  readonly webhookUrl: string;
  /** Every stats line so far, with the time it arrived. */
  readonly stats: { at: number; stats: WorkerStats }[];
  /** Every log line at warn or above, counted by kind (message, activity, error; numbers masked). */
  readonly warningKinds: Map<string, number>;
  stop(): Promise<number | null>;
}

export async function startWorkerProcess(name: string, env: NodeJS.ProcessEnv, nodeArgs: string[]): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, require.resolve('../../src/worker')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stats: WorkerProcess['stats'] = [];
  const warningKinds = new Map<string, number>();
  let webhookUrl: string | undefined;
  let running = false;
  let stderrTail = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderrTail = (stderrTail + chunk.toString()).slice(-4000); });
  const ready = new Promise<void>((resolve, reject) => {
    const check = () => { if (running && webhookUrl) resolve(); };
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const webhook = /^WineAround webhook: POST (\S+)/.exec(line);
      if (webhook) { webhookUrl = webhook[1]; return check(); }
      let entry: { msg?: string; level?: number; stats?: WorkerStats; activityType?: string; error?: unknown; err?: unknown };
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (entry.msg === 'Worker stats' && entry.stats) stats.push({ at: Date.now(), stats: entry.stats });
      else if (entry.msg === 'Worker running') { running = true; check(); }
      else if ((entry.level ?? 0) >= 40) {
        // Counted by what they say (numbers masked), so that a run's warnings read as a few kinds.
        const error = entry.error ?? entry.err;
        const said = [entry.msg, entry.activityType, typeof error === 'string' ? error : (error as { message?: string } | undefined)?.message];
        const kind = said.filter(Boolean).join(' · ').replace(/\d+/g, 'N').slice(0, 200);
        warningKinds.set(kind, (warningKinds.get(kind) ?? 0) + 1);
      }
    });
    child.once('exit', (code, signal) => reject(new Error(`worker ${name} exited (${signal ?? code}) before it ran:\n${stderrTail}`)));
  });
  await ready;
  return {
    name,
    pid: child.pid!,
    webhookUrl: webhookUrl!,
    stats,
    warningKinds,
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => { clearTimeout(force); resolve(code); });
    child.kill('SIGTERM');
  });
}
