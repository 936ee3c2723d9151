import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { defaultPayloadConverter } from '@temporalio/common';
import { startCodecServer } from '../../src/temporal/codec-server';
import { AesGcmCodec } from '../../src/temporal/encryption';

/** The codec server over real HTTP, as the Temporal UI calls it. */
describe('codec server: authenticated, origin-checked, loopback', () => {
  const token = randomBytes(32).toString('hex');
  const UI = 'http://localhost:8233';
  const codec = new AesGcmCodec('k1', new Map([['k1', randomBytes(32)]]));
  let server: Server;
  let base: string;
  let sealed: { metadata: Record<string, string>; data: string };

  before(async () => {
    server = await startCodecServer(codec, { port: 0, token, allowedOrigins: [UI, 'https://temporal.example'] });
    const address = server.address() as { address: string; port: number };
    assert.equal(address.address, '127.0.0.1', 'loopback unless told otherwise');
    base = `http://127.0.0.1:${address.port}`;
    const [p] = await codec.encode([defaultPayloadConverter.toPayload({ guest: 'Zoë Müller' })]);
    sealed = {
      metadata: Object.fromEntries(Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(p.data!).toString('base64'),
    };
  });
  after(() => new Promise((r) => server.close(r)));

  const decode = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers }, body: JSON.stringify({ payloads: [sealed] }) });
  const guest = async (response: Response) => {
    const { payloads } = (await response.json()) as { payloads: { data: string }[] };
    return (JSON.parse(Buffer.from(payloads[0].data, 'base64').toString('utf8')) as { guest: string }).guest;
  };

  it('answers 401 without a token or with a wrong one', async () => {
    for (const response of [
      await decode('/decode'), await decode('/decode', { authorization: 'Bearer nope' }), await decode(`/${'0'.repeat(64)}/decode`),
      await decode('/encode', { origin: UI }),
    ]) {
      assert.equal(response.status, 401);
      assert.ok(!(await response.text()).includes('Zo'));
    }
  });

  it('answers 403 to a browser origin not in the allowed list, even with the token', async () => {
    const response = await decode('/decode', { authorization: `Bearer ${token}`, origin: 'https://evil.example' });
    assert.equal(response.status, 403);
    assert.equal(response.headers.get('access-control-allow-origin'), null);
  });

  it('decodes for the bearer token, and for the token in the endpoint path as the UI is given it', async () => {
    assert.equal(await guest(await decode('/decode', { authorization: `Bearer ${token}` })), 'Zoë Müller');
    const viaPath = await decode(`/${token}/decode`, { origin: UI });
    assert.equal(viaPath.status, 200);
    assert.equal(viaPath.headers.get('access-control-allow-origin'), UI);
    assert.equal(await guest(viaPath), 'Zoë Müller');
  });

  it('answers the UI\'s CORS preflight for an allowed origin, allowing the Authorization header', async () => {
    const response = await fetch(`${base}/decode`, {
      method: 'OPTIONS', headers: { origin: 'https://temporal.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' },
    });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), 'https://temporal.example');
    assert.match(response.headers.get('access-control-allow-headers') ?? '', /Authorization/);
  });
});
