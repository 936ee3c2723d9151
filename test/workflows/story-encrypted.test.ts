import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { startIntegration, stopIntegration, syncNow, updateConfig } from '../../src/ops/integrations';
import { AesGcmCodec, dataConverterFor } from '../../src/temporal/encryption';
import { integrationWorkflowId } from '../../src/workflows/messages';
import { exportHistory } from '../support/histories';
import { temporalEnv, workflowBundle } from '../support/temporal';
import { rossiSettings } from '../support/settings';
import { fakeActivities } from './fake-activities';

/** A payload as `temporal workflow show --output json` prints it: base64 metadata values and data. */
interface JsonPayload { metadata?: Record<string, string>; data?: string }
interface JsonEvent { eventType: string; userMetadata?: { summary?: JsonPayload; details?: JsonPayload } }

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const encodingOf = (p: JsonPayload) => Buffer.from(p.metadata?.encoding ?? '', 'base64').toString('utf8');

/**
 * The texts the Temporal UI shows (summary, details, activity and timer summaries, current
 * details) are payloads: with payload encryption on they are sealed in history like any other,
 * and the key (as the codec server holds it) reads them back as what happened.
 */
describe('the UI story under payload encryption (real Temporal dev server, fake activities)', function () {
  this.timeout(120_000);
  const keyId = 'k1';
  const key = randomBytes(32);
  const codec = new AesGcmCodec(keyId, new Map([[keyId, key]]));
  let address: string;
  let client: Client;
  let plainClient: Client;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `story-encrypted-${randomUUID()}`;

  before(async () => {
    const { env, server } = await temporalEnv();
    address = server.address;
    const dataConverter = dataConverterFor({ current: { id: keyId, key: key.toString('base64') } });
    client = new Client({ connection: env.client.connection, dataConverter });
    plainClient = env.client;
    const fake = fakeActivities();
    worker = await Worker.create({
      connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: fake.activities, dataConverter,
    });
    running = worker.run();
  });

  after(async () => {
    worker.shutdown();
    await running;
  });

  it('seals every summary and detail in history, and decodes them with the key into what happened', async () => {
    const customer = `story-sealed-${randomUUID().slice(0, 8)}`;
    await startIntegration(client, taskQueue, rossiSettings(customer, { secretRef: 'wrong-secret' }));
    const handle = client.workflow.getHandle(integrationWorkflowId(customer));
    await assert.rejects(syncNow(client, customer), /AADSTS7000215/);

    // Current details answer the UI's metadata query: sealed for a client without the key.
    await assert.rejects(
      plainClient.workflow.getHandle(integrationWorkflowId(customer)).query('__temporal_workflow_metadata'),
      /binary\/encrypted/,
    );
    const attention = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    assert.match(attention.currentDetails, /\*\*needs_attention\*\*/);
    assert.match(attention.currentDetails, /Last error `INVALID_SECRET`/);

    await updateConfig(client, customer, { secretRef: 'good-secret' });
    await syncNow(client, customer);
    await handle.signal('eventChanged', { customerId: customer, eventId: 'bk-2', operation: 'delete', version: 1 });
    await syncNow(client, customer);
    await stopIntegration(client, customer);

    const exported = exportHistory(address, integrationWorkflowId(customer));
    assert.ok(!exported.includes('calendario@cantinarossi.it') && !exported.includes('s3cret'), 'no mailbox or feed token in clear');
    const sealed = (JSON.parse(exported) as { events: JsonEvent[] }).events.flatMap((e) =>
      [e.userMetadata?.summary, e.userMetadata?.details].filter((p): p is JsonPayload => p !== undefined).map((p) => ({ type: e.eventType, p })));
    assert.ok(sealed.length >= 5, `user metadata in history: ${sealed.length}`);
    for (const { type, p } of sealed) assert.equal(encodingOf(p), 'binary/encrypted', `${type} metadata is encrypted`);

    const texts: string[] = [];
    for (const { type, p } of sealed) {
      const [plain] = await codec.decode([fromJson(p)]);
      texts.push(`${type}: ${defaultPayloadConverter.fromPayload<string>(plain)}`);
    }
    const said = (pattern: RegExp) => assert.ok(texts.some((t) => pattern.test(t)), `${pattern} in:\n${texts.join('\n')}`);
    said(new RegExp(`WORKFLOW_EXECUTION_STARTED: WineAround → Outlook for ${customer}: calendario@cantinarossi\\.it`));
    said(/WORKFLOW_EXECUTION_STARTED: .*reconcile every 60 min/s);
    said(/ACTIVITY_TASK_SCHEDULED: diagnose the customer's setup/);
    said(/ACTIVITY_TASK_SCHEDULED: reconcile: full pass/);
    said(/MARKER_RECORDED: check and apply 1 notification$/); // the fast path's local activity
    said(/TIMER_STARTED: (re-check the customer's setup|next reconcile)/);
    assert.ok(texts.every((t) => !t.includes('s3cret')), 'no feed token in any decoded text');
  });
});
