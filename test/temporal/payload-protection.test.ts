import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { defaultPayloadConverter } from '@temporalio/common';
import { loadConfig } from '../../src/config';
import { AesGcmCodec } from '../../src/temporal/encryption';
import { temporalEnv } from '../support/temporal';

const run = promisify(execFile);
const key = () => randomBytes(32).toString('base64');
const CLIENT_JS = join(__dirname, '../../src/client.js');
const WORKER_JS = join(__dirname, '../../src/worker.js');

describe('payload protection: fail-closed encryption and key ids', function () {
  this.timeout(60_000);

  it('refuses a shared Temporal server without WA_PAYLOAD_KEY, naming the fix, unless encryption is off on purpose', () => {
    assert.throws(() => loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }), /WA_PAYLOAD_KEY: is required with TEMPORAL_ADDRESS.*openssl rand -base64 32.*WA_PAYLOAD_ENCRYPTION=off/s);
    const off = loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', WA_PAYLOAD_ENCRYPTION: 'off' });
    assert.equal(off.temporal.payloadKeys.current, undefined);
    assert.throws(() => loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', WA_PAYLOAD_ENCRYPTION: 'off', WA_PAYLOAD_KEY: key() }), /WA_PAYLOAD_ENCRYPTION: is off, yet WA_PAYLOAD_KEY is set/);
    assert.ok(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', WA_PAYLOAD_KEY: key() }).temporal.payloadKeys.current);
  });

  it('refuses a key id reused for a different key, and a key id listed twice', () => {
    const k = key();
    assert.throws(() => loadConfig({ TEMPORAL_ADDRESS: 't:7233', WA_PAYLOAD_KEY: key(), WA_PAYLOAD_KEY_ID: 'k1', WA_PAYLOAD_KEYS_OLD: `k1:${k}` }),
      /WA_PAYLOAD_KEY_ID: "k1" names another key in WA_PAYLOAD_KEYS_OLD/);
    assert.throws(() => loadConfig({ TEMPORAL_ADDRESS: 't:7233', WA_PAYLOAD_KEY: key(), WA_PAYLOAD_KEY_ID: 'k3', WA_PAYLOAD_KEYS_OLD: `k1:${k},k1:${key()}` }),
      /lists key id "k1" twice/);
    // The same key under the same id is no conflict.
    assert.ok(loadConfig({ TEMPORAL_ADDRESS: 't:7233', WA_PAYLOAD_KEY: k, WA_PAYLOAD_KEY_ID: 'k1', WA_PAYLOAD_KEYS_OLD: `k1:${k}` }));
  });

  it('names a payload sealed under a reused key id instead of failing it as tampered', async () => {
    const original = Buffer.from(key(), 'base64');
    const [sealed] = await new AesGcmCodec('k1', new Map([['k1', original]])).encode([defaultPayloadConverter.toPayload('booking')]);
    const reused = new AesGcmCodec('k1', new Map([['k1', Buffer.from(key(), 'base64')]]));
    await assert.rejects(reused.decode([sealed]), /payload key id "k1" was reused for a different key.*WA_PAYLOAD_KEYS_OLD=k1:/);
    // The fix the message names works: the original back under k1, the new key under k2.
    const fixed = new AesGcmCodec('k2', new Map([['k1', original], ['k2', Buffer.from(key(), 'base64')]]));
    assert.equal(defaultPayloadConverter.fromPayload((await fixed.decode([sealed]))[0]), 'booking');
  });

  it('decodes payloads written without encryption as they are, or refuses them when told to', async () => {
    const plain = defaultPayloadConverter.toPayload({ guest: 'Zoë' });
    const keys = new Map([['k1', Buffer.from(key(), 'base64')]]);
    assert.deepEqual(defaultPayloadConverter.fromPayload((await new AesGcmCodec('k1', keys).decode([plain]))[0]), { guest: 'Zoë' });
    await assert.rejects(new AesGcmCodec('k1', keys, { refuseUnencrypted: true }).decode([plain]), /unencrypted payload was refused \(WA_PAYLOAD_UNENCRYPTED=refuse\)/);
    assert.equal(loadConfig({ WA_PAYLOAD_UNENCRYPTED: 'refuse', WA_PAYLOAD_ENCRYPTION: 'off' }).temporal.payloadKeys.refuseUnencrypted, true);
  });

  it('the CLI and the worker refuse to start without a key, and the CLI says at every start that encryption is off', async () => {
    const { server } = await temporalEnv();
    const env = { PATH: process.env.PATH, TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: 'payload-protection' };
    for (const script of [CLIENT_JS, WORKER_JS]) {
      const refused = await run(process.execPath, [script, 'list'], { env }).then(() => undefined, (err: { code: number; stderr: string }) => err);
      assert.ok(refused, `${script} refused to start`);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /WA_PAYLOAD_KEY: is required with TEMPORAL_ADDRESS/);
    }
    for (let start = 0; start < 2; start += 1) {
      const { stderr } = await run(process.execPath, [CLIENT_JS, 'list', '--json'], { env: { ...env, WA_PAYLOAD_ENCRYPTION: 'off' } });
      assert.match(stderr, /Payload encryption is OFF \(WA_PAYLOAD_ENCRYPTION=off\)/);
    }
  });
});
