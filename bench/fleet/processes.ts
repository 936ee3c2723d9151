import { readFileSync } from 'node:fs';

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

export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    // Fields after the command name (which may hold spaces), counted from field 3: utime is 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { at: Date.now(), rssMb: Math.round(rssKb / 1024), cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND };
  } catch {
    return undefined; // exited
  }
}

/** Samples of one process over the run, with figures per phase. */
export class ProcessTrack {
  readonly samples: ProcessSample[] = [];
  constructor(readonly name: string, readonly pid: number) {}

  sample(): void {
    const s = sampleProcess(this.pid);
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
