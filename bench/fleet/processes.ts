import { readdirSync, readFileSync } from 'node:fs';

/**
 * Memory and CPU of processes, read from /proc (Linux): the fleet bench samples the worker(s), the
 * Temporal dev server and itself (the emulators) once a second.
 */

const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcessSample {
  at: number;
  rssMb: number;
  /** User + system CPU since the process started, ms. */
  cpuMs: number;
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces), counted from field 3. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

const kb = (status: string, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);

export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const fields = statFields(pid);
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
    return { at: Date.now(), rssMb: Math.round(kb(status, 'VmRSS') / 1024), cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND };
  } catch {
    return undefined; // exited
  }
}

/**
 * A process and all its descendants (PostgreSQL: the postmaster and a backend per connection):
 * CPU summed; memory as their private pages summed plus the largest shared part once (the
 * shared buffers every backend maps).
 */
export function sampleProcessTree(root: number): ProcessSample | undefined {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      parents.set(Number(entry), Number(statFields(Number(entry))[1]));
    } catch {
      // exited meanwhile
    }
  }
  const inTree = (pid: number): boolean => pid === root || (pid > 1 && parents.has(pid) && inTree(parents.get(pid)!));
  let privateKb = 0;
  let sharedKb = 0;
  let ticks = 0;
  let found = false;
  for (const pid of parents.keys()) {
    if (!inTree(pid)) continue;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const fields = statFields(pid);
      privateKb += kb(status, 'RssAnon');
      sharedKb = Math.max(sharedKb, kb(status, 'RssShmem') + kb(status, 'RssFile'));
      ticks += Number(fields[11]) + Number(fields[12]);
      found = true;
    } catch {
      // exited meanwhile
    }
  }
  return found ? { at: Date.now(), rssMb: Math.round((privateKb + sharedKb) / 1024), cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND } : undefined;
}

/** Samples of one process over the run, with figures per phase. */
export class ProcessTrack {
  readonly samples: ProcessSample[] = [];
  /** `tree`: the process with its descendants (see sampleProcessTree). */
  constructor(readonly name: string, readonly pid: number, private readonly tree = false) {}

  sample(): void {
    const s = this.tree ? sampleProcessTree(this.pid) : sampleProcess(this.pid);
    if (s) this.samples.push(s);
  }

  private within(from: number, to: number): ProcessSample[] {
    return this.samples.filter((s) => s.at >= from && s.at <= to);
  }

  peakRssMb(from = 0, to = Infinity): number {
    return Math.max(0, ...this.within(from, to).map((s) => s.rssMb));
  }

  lastRssMb(to = Infinity): number {
    return this.within(0, to).at(-1)?.rssMb ?? 0;
  }

  /** CPU used between two instants as a share of one core, in %. */
  cpuPercent(from: number, to: number): number {
    const inside = this.within(from, to);
    if (inside.length < 2) return 0;
    const first = inside[0];
    const last = inside[inside.length - 1];
    return last.at > first.at ? Math.round(((last.cpuMs - first.cpuMs) / (last.at - first.at)) * 100) : 0;
  }
}
