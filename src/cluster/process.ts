import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { stopChild } from '../temporal/dev-server';

/**
 * One process of the cluster: its own process group (so Ctrl-C reaches the runner, which stops
 * the processes in order), its output appended to a log file or passed through, stopped with the
 * runner even when the runner exits abruptly.
 */
export interface ClusterProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Graceful stop (SIGTERM, or the given signal), SIGKILL after 10 s. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** The last few kilobytes of its output, for error messages. */
  recentOutput(): string;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Append stdout and stderr here; without it they go to the runner's own (a terminal shows them). */
  logFile?: string;
}

export function spawnProcess(name: string, command: string, args: string[], options: SpawnOptions = {}): ClusterProcess {
  const toFile = options.logFile !== undefined;
  const child = spawn(command, args, {
    env: options.env ?? process.env, cwd: options.cwd, detached: true,
    stdio: toFile ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
  });
  let recent = '';
  if (toFile) {
    mkdirSync(dirname(options.logFile!), { recursive: true });
    const file = createWriteStream(options.logFile!, { flags: 'a' });
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.on('data', (chunk: Buffer) => {
        recent = (recent + chunk.toString()).slice(-4000);
        file.write(chunk);
      });
    }
    child.once('close', () => file.end());
  }
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  return { name, child, pid: child.pid, stop: (signal) => stopChild(child, signal), recentOutput: () => recent };
}

/** Resolves when `check` passes; rejects with the process's recent output if it exits or time runs out. */
export async function waitFor(proc: ClusterProcess, what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`${proc.name} exited (${proc.child.signalCode ?? proc.child.exitCode}) before ${what}.\n${proc.recentOutput()}`);
    }
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${proc.name}: no ${what} within ${timeoutMs} ms.\n${proc.recentOutput()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
