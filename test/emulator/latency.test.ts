import assert from 'node:assert/strict';
import { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { MicrosoftEmulator, startMicrosoftEmulator } from '../../src/emulator';
import { Latency } from '../../src/emulator/latency';
import { graphClient, noRetry, startWorld, USERS } from './world';

/**
 * The latency model and the per-mailbox concurrency limit it makes real.
 * Sources: https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits (4 concurrent
 * requests per app and mailbox; Outlook runs up to 4 requests of a $batch at once), the observed
 * ApplicationThrottled "MailboxConcurrency" body (docs/emulator.md).
 */
describe('emulator: latency model', () => {
  describe('draws', () => {
    const draws = (model: { medianMs: number; p99Ms: number; seed?: number }, n: number): number[] => {
      const latency = new Latency();
      latency.set(model);
      return Array.from({ length: n }, () => latency.sample());
    };
    const quantile = (values: number[], q: number): number => [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))];

    it('is log-normal with the configured median and p99', () => {
      const values = draws({ medianMs: 40, p99Ms: 400, seed: 7 }, 20000);
      assert.ok(Math.abs(quantile(values, 0.5) - 40) < 40 * 0.05, `median ${quantile(values, 0.5)}`);
      assert.ok(Math.abs(quantile(values, 0.99) - 400) < 400 * 0.15, `p99 ${quantile(values, 0.99)}`);
      assert.ok(values.every((v) => v > 0));
    });

    it('repeats for a seed and differs between seeds', () => {
      assert.deepEqual(draws({ medianMs: 40, p99Ms: 400, seed: 3 }, 50), draws({ medianMs: 40, p99Ms: 400, seed: 3 }, 50));
      assert.notDeepEqual(draws({ medianMs: 40, p99Ms: 400, seed: 3 }, 50), draws({ medianMs: 40, p99Ms: 400, seed: 4 }, 50));
    });

    it('is constant when p99 equals the median, and zero when off', () => {
      assert.deepEqual(new Set(draws({ medianMs: 25, p99Ms: 25 }, 20).map((v) => Math.round(v * 1e6) / 1e6)), new Set([25]));
      assert.equal(new Latency().sample(), 0);
    });

    it('rejects a model it cannot use, naming the field', async () => {
      assert.throws(() => new Latency().set({ medianMs: 0, p99Ms: 10 }), /latency\.medianMs must be .* > 0/);
      assert.throws(() => new Latency().set({ medianMs: 50, p99Ms: 10 }), /latency\.p99Ms must be .* >= latency\.medianMs/);
      await assert.rejects(startMicrosoftEmulator({ latency: { medianMs: Number.NaN, p99Ms: 10 } }), /latency\.medianMs/);
    });
  });

  describe('on the wire', () => {
    let emu: MicrosoftEmulator;
    let graph: Client;
    const events = `/users/${USERS.tastings}/events`;
    const outcome = (p: Promise<unknown>): Promise<string> =>
      p.then(() => 'ok', (err: GraphError) => `${err.statusCode} ${err.code} ${err.message}`);
    const batchOf = (n: number, url: string) => ({ requests: Array.from({ length: n }, (_, i) => ({ id: String(i + 1), method: 'GET', url })) });
    type BatchAnswer = { responses: { id: string; status: number; body?: { error?: { message?: string } } }[] };

    before(async () => {
      emu = await startWorld();
      graph = graphClient(emu);
      await graph.api(events).get(); // token cached
    });
    after(async () => {
      await emu.close();
    });
    afterEach(() => {
      emu.setLatency(undefined);
      emu.resetThrottling();
    });

    it('is off by default: handlers answer at once, so five concurrent requests all succeed', async () => {
      const outcomes = await Promise.all(Array.from({ length: 5 }, () => outcome(noRetry(graph.api(events)).get())));
      assert.deepEqual(outcomes, ['ok', 'ok', 'ok', 'ok', 'ok']);
    });

    it('holds the mailbox slot for the whole latency: a fifth concurrent request gets 429 MailboxConcurrency', async () => {
      emu.setLatency({ medianMs: 1500, p99Ms: 1500 });
      const outcomes = await Promise.all(Array.from({ length: 5 }, () => outcome(noRetry(graph.api(events)).get())));
      assert.deepEqual(outcomes.filter((o) => o !== 'ok'), ['429 ApplicationThrottled Application is over its MailboxConcurrency limit.']);
    });

    it('runs a batch of 20 four at a time, within the limit', async () => {
      emu.setLatency({ medianMs: 50, p99Ms: 100, seed: 2 });
      const answer = (await graph.api('/$batch').post(batchOf(20, events))) as BatchAnswer;
      assert.deepEqual(answer.responses.map((r) => r.status), Array(20).fill(200));
    });

    it('two concurrent batches to one mailbox exceed it: four inner requests run, four get 429', async () => {
      emu.setLatency({ medianMs: 1500, p99Ms: 1500 });
      const answers = (await Promise.all([graph.api('/$batch').post(batchOf(4, events)), graph.api('/$batch').post(batchOf(4, events))])) as BatchAnswer[];
      const statuses = answers.flatMap((a) => a.responses.map((r) => r.status)).sort();
      assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429, 429, 429]);
      const throttled = answers.flatMap((a) => a.responses).find((r) => r.status === 429)!;
      assert.match(throttled.body!.error!.message!, /MailboxConcurrency/);
    });

    it('is per mailbox: another mailbox keeps its own four slots', async () => {
      emu.setLatency({ medianMs: 1000, p99Ms: 1000 });
      const office = `/users/${USERS.office}/events`;
      const outcomes = await Promise.all([
        ...Array.from({ length: 4 }, () => outcome(noRetry(graph.api(events)).get())),
        ...Array.from({ length: 4 }, () => outcome(noRetry(graph.api(office)).get())),
      ]);
      assert.deepEqual(outcomes, Array(8).fill('ok'));
    });
  });
});
