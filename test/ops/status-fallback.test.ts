import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { formatServerView } from '../../src/ops/format';
import { OpsError, startIntegration } from '../../src/ops/integrations';
import { statusWithin } from '../../src/ops/status';
import { clientInterceptors } from '../../src/temporal/retries';
import { eventually } from '../integration/world';
import { rossiSettings } from '../support/settings';
import { temporalEnv, workflowBundle } from '../support/temporal';
import { fakeActivities } from '../workflows/fake-activities';

describe('status when the worker cannot answer in time (real Temporal dev server, fake activities)', function () {
  this.timeout(120_000);
  let client: Client;
  const customer = `busy-${randomUUID().slice(0, 8)}`;
  const taskQueue = `status-fallback-${randomUUID()}`;

  before(async () => {
    client = (await temporalEnv()).env.client;
    // No worker polls this task queue yet: the workflow's first task waits, and so would a query.
    await startIntegration(client, taskQueue, rossiSettings(customer));
  });

  it('answers from the server: the published state and the workflow task waiting for a worker', async () => {
    const asked = Date.now();
    const answer = await statusWithin(client, customer, 300);
    assert.equal(answer.from, 'server');
    if (answer.from !== 'server') return;
    assert.match(answer.why, /did not answer within 300 ms/, `after ${Date.now() - asked} ms`);
    assert.equal(answer.view.state, 'running', 'the search attribute set at start');
    assert.equal(answer.view.execution, 'RUNNING');
    assert.ok(answer.view.workflowTaskWaitingSince, 'the first workflow task waits for a worker');
    assert.ok(answer.view.historyLength >= 2);
    const text = formatServerView(answer.view, answer.why);
    assert.match(text, /running \(as last published; its worker did not answer within 300 ms\)/);
    assert.match(text, /workflow task +waiting for a worker since /);
    assert.ok(!text.includes('s3cret'));
  });

  it('answers from the server at once when another query holds the workflow, not after the SDK\'s retry', async () => {
    // Temporal buffers one query per busy workflow and refuses the next (RESOURCE_EXHAUSTED); the
    // SDK's default retry would send it again after ≥ 1.36 s, past the 200 ms asked for, and the
    // answer would then say the worker did not answer in time.
    const connection = await Connection.connect({ address: (await temporalEnv()).env.address, interceptors: clientInterceptors() });
    try {
      const ours = new Client({ connection });
      const answers = await Promise.all([statusWithin(ours, customer, 200), statusWithin(ours, customer, 200)]);
      const whys = answers.map((a) => (a.from === 'server' ? a.why : 'from the worker')).sort();
      assert.deepEqual(whys, ['its worker did not answer within 200 ms', 'its workflow is busy with another query (Temporal holds one at a time)']);
    } finally {
      await connection.close();
    }
  });

  it('answers from the worker once one runs', async () => {
    const worker = await Worker.create({ connection: (await temporalEnv()).env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: fakeActivities().activities });
    await worker.runUntil(async () => {
      const answer = await eventually(() => statusWithin(client, customer, 10_000), (a) => a.from === 'worker');
      assert.equal(answer.from === 'worker' && answer.status.mailbox, 'calendario@cantinarossi.it');
    });
  });

  it('says which customer has no integration', async () => {
    await assert.rejects(statusWithin(client, `missing-${randomUUID().slice(0, 8)}`, 300), (err: Error) => err instanceof OpsError && /No running integration/.test(err.message));
  });
});
