import assert from 'node:assert/strict';
import { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { MicrosoftEmulator } from '../../src/emulator';
import { eventBody, graphClient, noRetry, rejection, startWorld, USERS } from './world';

/**
 * Outlook throttling and injected faults.
 * Sources: https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits (4 concurrent
 * requests and 10,000 requests / 10 min per app and mailbox), https://learn.microsoft.com/graph/throttling
 * (429 + Retry-After), https://learn.microsoft.com/graph/errors (503/504);
 * ApplicationThrottled "MailboxConcurrency" body: observed, see docs/emulator.md.
 */
describe('emulator: throttling and faults', () => {
  let emu: MicrosoftEmulator;
  let graph: Client;
  const events = `/users/${USERS.tastings}/events`;
  before(async () => {
    emu = await startWorld();
    graph = graphClient(emu);
    await graph.api(events).get(); // token cached before counting
  });
  after(async () => {
    await emu.close();
  });
  beforeEach(() => {
    emu.clearFaults();
    emu.resetThrottling();
    emu.resetCounters();
  });

  it('answers 429 with Retry-After once the per-window request limit is spent', async () => {
    emu.setThrottling({ requestsPerWindow: 2 });
    await noRetry(graph.api(events)).get();
    await noRetry(graph.api(events)).get();
    const err = await rejection<GraphError>(noRetry(graph.api(events)).get());
    assert.equal(err.statusCode, 429);
    assert.equal(err.code, 'ApplicationThrottled');
    assert.ok(Number(err.headers!.get('Retry-After')) >= 1);
  });

  it('enforces the per-mailbox concurrency limit of 4', async () => {
    emu.injectFault({ match: { method: 'GET', path: /\/events/ }, kind: 'slow', delayMs: 1500, times: 5 });
    const outcomes = await Promise.all(Array.from({ length: 5 }, () =>
      noRetry(graph.api(events)).get().then(() => 'ok', (err: GraphError) => `${err.statusCode} ${err.code} ${err.message}`)));
    assert.deepEqual(outcomes.filter((o) => o !== 'ok'), ['429 ApplicationThrottled Application is over its MailboxConcurrency limit.']);
    // Another mailbox has its own budget.
    assert.ok(await noRetry(graph.api(`/users/${USERS.office}/events`)).get());
  });

  it('injects 503 and 504, which the Graph client retries', async () => {
    emu.injectFault({ match: { method: 'POST', path: /\/events$/ }, kind: '503', retryAfterSeconds: 0 });
    emu.injectFault({ match: { method: 'GET' }, kind: '504' });
    const created = await graph.api(events).post(eventBody('after 503', 10, { transactionId: 'tx-503' }));
    assert.equal(emu.requests['POST events'], 2);
    const err = await rejection<GraphError>(noRetry(graph.api(`${events}/${created.id}`)).get());
    assert.equal(err.statusCode, 504);
  });

  it('fires a fault on every Nth matching request only', async () => {
    emu.injectFault({ match: { method: 'GET' }, kind: '429', every: 2, times: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      statuses.push(await noRetry(graph.api(events)).get().then(() => 200, (e: GraphError) => e.statusCode));
    }
    assert.deepEqual(statuses, [200, 429, 200, 429, 200]);
  });

  it("drops the connection ('drop') without performing the request", async () => {
    const before = emu.events(USERS.tastings).length;
    emu.injectFault({ match: { method: 'POST' }, kind: 'drop' });
    await rejection(noRetry(graph.api(events)).post(eventBody('never written')));
    assert.equal(emu.events(USERS.tastings).length, before);
  });

  it("performs the write but loses the response ('lost-response'); a transactionId retry makes no duplicate", async () => {
    const body = eventBody('lost', 10, { transactionId: 'tx-lost' });
    emu.injectFault({ match: { method: 'POST' }, kind: 'lost-response' });
    await rejection(noRetry(graph.api(events)).post(body));
    const written = emu.events(USERS.tastings).filter((e) => e.transactionId === 'tx-lost');
    assert.equal(written.length, 1);
    const retried = await graph.api(events).post(body);
    assert.equal(retried.id, written[0].id);
    assert.equal(emu.events(USERS.tastings).filter((e) => e.transactionId === 'tx-lost').length, 1);
  });
});
