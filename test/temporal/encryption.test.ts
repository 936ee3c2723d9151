import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { startIntegration, stopIntegration, syncNow } from '../../src/ops/integrations';
import { AesGcmCodec, dataConverterFor } from '../../src/temporal/encryption';
import { integrationWorkflowId } from '../../src/workflows/messages';
import { exportHistory } from '../support/histories';
import { temporalEnv, workflowBundle } from '../support/temporal';
import { fakeActivities } from '../workflows/fake-activities';

const key = () => randomBytes(32);

describe('payload encryption (AES-256-GCM codec)', function () {
  this.timeout(120_000);

  it('round-trips payloads, and refuses tampered ones and unknown keys', async () => {
    const codec = new AesGcmCodec('k1', new Map([['k1', key()]]));
    const plain = defaultPayloadConverter.toPayload({ guest: 'Zoë Müller', phone: '+39 333 1234567' });
    const [sealed] = await codec.encode([plain]);
    assert.ok(!Buffer.from(sealed.data!).toString('utf8').includes('Müller'));
    assert.deepEqual(defaultPayloadConverter.fromPayload(((await codec.decode([sealed]))[0])), { guest: 'Zoë Müller', phone: '+39 333 1234567' });
    const tampered = { ...sealed, data: Buffer.from(sealed.data!).fill(7, 20, 21) };
    await assert.rejects(codec.decode([tampered]));
    await assert.rejects(new AesGcmCodec('k2', new Map([['k2', key()]])).decode([sealed]), /no payload key "k1".*WA_PAYLOAD_KEYS_OLD/);
  });

  it('keeps old keys readable after rotation', async () => {
    const old = key();
    const [sealed] = await new AesGcmCodec('k1', new Map([['k1', old]])).encode([defaultPayloadConverter.toPayload('booking')]);
    const rotated = new AesGcmCodec('k2', new Map([['k1', old], ['k2', key()]]));
    assert.equal(defaultPayloadConverter.fromPayload((await rotated.decode([sealed]))[0]), 'booking');
  });

  it('leaves no guest data and no feed token in clear in the exported history of an encrypted integration', async () => {
    const { env, server } = await temporalEnv();
    const dataConverter = dataConverterFor({ current: { id: 'k1', key: key().toString('base64') } });
    const client = new Client({ connection: env.connection, dataConverter });
    const taskQueue = `encrypted-${randomUUID()}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: fakeActivities().activities, dataConverter });
    const running = worker.run();
    const customer = `enc-${randomUUID().slice(0, 8)}`;
    try {
      await startIntegration(client, taskQueue, {
        customerId: customer, tenantId: 'cantinarossi.onmicrosoft.com', clientId: '6f1c2a8e-1d2b-4c3d-9e8f-0a1b2c3d4e5f',
        secretRef: 'wrong-secret', mailbox: 'calendario@cantinarossi.it', feedUrl: 'https://feeds.example/c.ics?token=feedtoken123',
      });
      await client.workflow.getHandle(integrationWorkflowId(customer)).signal('eventChanged', {
        customerId: customer, eventId: 'bk-1', operation: 'upsert', version: 1,
        event: { title: 'Degustazione', allDay: false, guest: { name: 'Zoë Müller', phone: '+39 333 1234567' },
          start: { kind: 'dateTime', dateTime: '2027-05-01T10:00:00', timeZone: 'Europe/Rome' },
          end: { kind: 'dateTime', dateTime: '2027-05-01T11:00:00', timeZone: 'Europe/Rome' } },
      });
      await assert.rejects(syncNow(client, customer), /INVALID_SECRET/); // failure messages are decoded for the caller
      await stopIntegration(client, customer);
      const history = exportHistory(server.address, integrationWorkflowId(customer));
      const decodedData = [...history.matchAll(/"data":\s*"([^"]+)"/g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8')).join('\n');
      assert.match(history, /binary\/encrypted|YmluYXJ5L2VuY3J5cHRlZA/, 'payloads are marked encrypted');
      for (const text of [history, decodedData]) {
        for (const secret of ['Müller', '1234567', 'feedtoken123', 'AADSTS7000215']) assert.ok(!text.includes(secret), `"${secret}" is not in clear`);
      }
    } finally {
      worker.shutdown();
      await running;
    }
  });
});
