import assert from 'node:assert/strict';
import { BatchRequestContent, BatchResponseContent, Client } from '@microsoft/microsoft-graph-client';
import { MicrosoftEmulator } from '../../src/emulator';
import { accessToken, eventBody, graphClient, startWorld, USERS } from './world';

/**
 * JSON batching through the real Graph client's BatchRequestContent.
 * Sources: https://learn.microsoft.com/graph/json-batching (<= 20 requests, dependsOn, 424, envelope 200),
 * https://learn.microsoft.com/graph/throttling (throttling evaluated per inner request, inner Retry-After).
 */
describe('emulator: JSON batching', () => {
  let emu: MicrosoftEmulator;
  let graph: Client;
  const events = `/users/${USERS.tastings}/events`;
  const post = (id: string, body: object, dependsOn?: string[]) => ({
    id,
    request: new Request(`https://localhost${events}`, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    ...(dependsOn ? { dependsOn } : {}),
  });
  const send = async (content: BatchRequestContent): Promise<BatchResponseContent> =>
    new BatchResponseContent(await graph.api('/$batch').post(await content.getContent()));

  before(async () => {
    emu = await startWorld();
    graph = graphClient(emu);
  });
  after(async () => {
    await emu.close();
  });
  beforeEach(() => {
    emu.resetCounters();
    emu.resetThrottling();
  });

  it('runs inner requests with their own statuses and bodies', async () => {
    const created = await graph.api(events).post(eventBody('Existing'));
    const gone = emu.personCreateEvent(USERS.tastings, eventBody('Gone'));
    emu.personDeleteEvent(USERS.tastings, String(gone.id));
    const content = new BatchRequestContent([
      post('1', eventBody('Batched A')),
      post('2', eventBody('Batched B')),
      { id: '3', request: new Request(`https://localhost${events}/${created.id}`, { method: 'DELETE' }) },
      { id: '4', request: new Request(`https://localhost${events}/${gone.id}`, { method: 'GET' }) },
    ]);
    const responses = (await send(content)).getResponses();
    assert.equal(responses.get('1')!.status, 201);
    assert.equal(((await responses.get('2')!.json()) as { subject: string }).subject, 'Batched B');
    assert.equal(responses.get('3')!.status, 204);
    assert.equal(responses.get('4')!.status, 404);
    assert.equal(emu.requests.batch, 1);
    assert.equal(emu.requests['batch-inner'], 4);
    assert.equal(emu.requests.graph, 2, 'one HTTP request for the create, one for the whole batch');
  });

  it('answers 424 for a request whose dependency failed', async () => {
    const content = new BatchRequestContent([
      post('1', { subject: 'no times' }),
      post('2', eventBody('after 1'), ['1']),
    ]);
    const responses = (await send(content)).getResponses();
    assert.equal(responses.get('1')!.status, 400);
    assert.equal(responses.get('2')!.status, 424);
  });

  it('throttles inner requests individually with their own Retry-After', async () => {
    emu.setThrottling({ requestsPerWindow: 2, retryAfterSeconds: 7 });
    const content = new BatchRequestContent([1, 2, 3].map((i) => post(String(i), eventBody(`T${i}`), i > 1 ? [String(i - 1)] : undefined)));
    const raw = (await graph.api('/$batch').post(await content.getContent())) as { responses: Array<{ id: string; status: number; headers: Record<string, string> }> };
    const third = raw.responses.find((r) => r.id === '3')!;
    assert.equal(third.status, 429);
    assert.equal(third.headers['Retry-After'], '7');
  });

  it('sends fractional Retry-After seconds on inner requests, as Graph does in batches', async () => {
    emu.setThrottling({ requestsPerWindow: 1, retryAfterSeconds: 1.5 });
    const content = new BatchRequestContent([post('1', eventBody('F1')), post('2', eventBody('F2'), ['1'])]);
    const raw = (await graph.api('/$batch').post(await content.getContent())) as { responses: Array<{ id: string; status: number; headers: Record<string, string> }> };
    assert.equal(raw.responses.find((r) => r.id === '2')!.headers['Retry-After'], '1.5');
  });

  it('answers 400 to a batch mixing sequential and parallel dependsOn; the three documented patterns run', async () => {
    const raw = async (requests: object[]) => {
      const response = await fetch(`${emu.baseUrl}/v1.0/$batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await accessToken(emu)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ requests }),
      });
      return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string } } };
    };
    const get = (id: string, dependsOn?: string[]) => ({ id, method: 'GET', url: events, ...(dependsOn && { dependsOn }) });
    const mixed = await raw([get('1'), get('2', ['1']), get('3')]);
    assert.equal(mixed.status, 400);
    assert.match(mixed.body.error!.message, /all parallel .* all sequential/);
    assert.equal((await raw([get('1'), get('2', ['1']), get('3', ['1', '2'])])).status, 400, 'two dependencies');
    assert.equal((await raw([get('1'), get('2'), get('3')])).status, 200, 'parallel');
    assert.equal((await raw([get('1'), get('2', ['1']), get('3', ['2'])])).status, 200, 'sequential');
    assert.equal((await raw([get('1'), get('2', ['1']), get('3', ['1'])])).status, 200, 'all on the same one');
  });

  it('rejects more than 20 requests with 400', async () => {
    const requests = Array.from({ length: 21 }, (_, i) => ({ id: String(i + 1), method: 'GET', url: events }));
    const response = await fetch(`${emu.baseUrl}/v1.0/$batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await accessToken(emu)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ requests }),
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'BadRequest');
  });
});
