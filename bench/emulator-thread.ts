/**
 * The Microsoft emulator in a worker thread of its own, for the bench: its CPU (rendering pages,
 * executing $batches) then does not show as event-loop delay of the sync being measured, as it
 * would not in production where Graph is another machine. Calls are forwarded as messages.
 */
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { startMicrosoftEmulator, type MicrosoftEmulator } from '../src/emulator';

type Method = 'addTenant' | 'addApp' | 'addUser' | 'setThrottling' | 'resetCounters' | 'requests' | 'close';
interface Call { id: number; method: Method; args: unknown[] }

export interface ThreadedEmulator {
  baseUrl: string;
  caPem: string;
  call<T = unknown>(method: Method, ...args: unknown[]): Promise<T>;
  close(): Promise<void>;
}

export async function startEmulatorThread(): Promise<ThreadedEmulator> {
  const worker = new Worker(__filename);
  const pending = new Map<number, (value: unknown) => void>();
  let next = 0;
  const ready = new Promise<{ baseUrl: string; caPem: string }>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (m: { id?: number; result?: unknown; ready?: { baseUrl: string; caPem: string } }) => {
      if (m.ready) resolve(m.ready);
      else if (m.id !== undefined) pending.get(m.id)?.(m.result);
    });
  });
  const { baseUrl, caPem } = await ready;
  const call = <T>(method: Method, ...args: unknown[]) => new Promise<T>((resolve) => {
    const id = next++;
    pending.set(id, resolve as (value: unknown) => void);
    worker.postMessage({ id, method, args } satisfies Call);
  });
  return {
    baseUrl, caPem, call,
    close: async () => {
      await call('close');
      await worker.terminate();
    },
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  void startMicrosoftEmulator().then((emu: MicrosoftEmulator) => {
    port.on('message', async ({ id, method, args }: Call) => {
      const result = method === 'requests' ? emu.requests
        : method === 'close' ? await emu.close()
        : (emu[method] as (...a: unknown[]) => unknown)(...args);
      port.postMessage({ id, result });
    });
    port.postMessage({ ready: { baseUrl: emu.baseUrl, caPem: emu.caPem } });
  });
}
