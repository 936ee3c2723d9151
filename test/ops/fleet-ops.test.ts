import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { buildCli } from '../../src/client';
import {
  countIntegrations, forEachIntegration, getStatus, listIntegrationPage, OpsError, pauseIntegration, resumeIntegration,
  startIntegration, updateConfig, visibilityQuery, type IntegrationFilter,
} from '../../src/ops/integrations';
import { eventually } from '../integration/world';
import { rossiSettings as settings } from '../support/settings';
import { temporalEnv, workflowBundle } from '../support/temporal';
import { fakeActivities } from '../workflows/fake-activities';


describe('fleet operations: paged list, counts, bulk actions (real Temporal dev server, fake activities)', function () {
  this.timeout(120_000);
  let client: Client;
  let worker: Worker;
  let running: Promise<void>;
  const prefix = `fleet-${randomUUID().slice(0, 8)}-`;
  const fleet: IntegrationFilter = { query: `WaCustomerId STARTS_WITH "${prefix}"` };
  const customers = Array.from({ length: 7 }, (_, i) => `${prefix}${i}`);

  before(async () => {
    const { env } = await temporalEnv();
    client = env.client;
    const taskQueue = `fleet-ops-${randomUUID()}`;
    worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: fakeActivities().activities });
    running = worker.run();
    for (const c of customers.slice(0, 6)) await startIntegration(client, taskQueue, settings(c));
    await startIntegration(client, taskQueue, settings(customers[6], { secretRef: 'wrong-secret' }));
  });

  after(async () => {
    worker.shutdown();
    await running;
  });

  it('pages through the integrations matching a query, and counts them per state', async () => {
    // Visibility is eventually consistent: wait for the states the workflows publish.
    const counts = await eventually(() => countIntegrations(client, fleet), (c) => c.byState.running === 6 && c.byState.needs_attention === 1);
    assert.equal(counts.total, 7);
    assert.equal(counts.byState.paused, 0);

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await listIntegrationPage(client, fleet, { pageSize: 3, nextPageToken: token });
      assert.ok(page.integrations.length <= 3);
      seen.push(...page.integrations.map((l) => l.customerId));
      token = page.nextPageToken;
      pages += 1;
    } while (token);
    assert.deepEqual([...seen].sort(), customers);
    assert.ok(pages >= 3, `7 integrations in pages of 3 take at least 3 pages, got ${pages}`);

    const attention = await listIntegrationPage(client, { ...fleet, state: 'needs_attention' });
    assert.deepEqual(attention.integrations.map((l) => [l.customerId, l.state]), [[customers[6], 'needs_attention']]);
  });

  it('pauses, resumes and updates every integration matching a filter, reporting each outcome', async () => {
    const paused = await forEachIntegration(client, { ...fleet, state: 'running' }, (id) => pauseIntegration(client, id));
    assert.deepEqual(paused.map((o) => o.customerId).sort(), customers.slice(0, 6));
    assert.ok(paused.every((o) => o.ok));
    await eventually(() => countIntegrations(client, fleet), (c) => c.byState.paused === 6);
    assert.equal((await getStatus(client, customers[0])).state, 'paused');
    assert.equal((await getStatus(client, customers[6])).state, 'needs_attention', 'outside the filter: untouched');

    const updated = await forEachIntegration(client, fleet, (id) => updateConfig(client, id, { secretRef: 'rotated-graph' }));
    assert.equal(updated.filter((o) => o.ok).length, 7);
    for (const c of customers) assert.equal((await getStatus(client, c)).secretRef, 'rotated-graph');

    const resumed = await forEachIntegration(client, { ...fleet, state: 'paused' }, async (id) => {
      if (id === customers[3]) throw new Error('refused for the test');
      await resumeIntegration(client, id);
    });
    assert.equal(resumed.length, 6);
    assert.deepEqual(resumed.filter((o) => !o.ok), [{ customerId: customers[3], ok: false, error: 'refused for the test' }]);
    await eventually(() => countIntegrations(client, fleet), (c) => c.byState.paused === 1 && c.byState.running === 6);
  });

  it('refuses a filter the server cannot read, naming it', async () => {
    await assert.rejects(
      listIntegrationPage(client, { query: 'WaCustomerId ==== "x"' }),
      (err: Error) => err instanceof OpsError && err.message.includes(visibilityQuery({ query: 'WaCustomerId ==== "x"' })),
    );
  });

  it('asks for a customer or a filter before a bulk action, and never both', async () => {
    const run = (...args: string[]) => buildCli().exitOverride().configureOutput({ writeErr: () => undefined }).parseAsync(['node', 'wa-outlook', ...args]);
    await assert.rejects(run('pause'), (err: Error) => err instanceof OpsError && /--all-integrations/.test(err.message));
    await assert.rejects(run('resume', 'cantina-rossi', '--state', 'paused'), (err: Error) => err instanceof OpsError && /not both/.test(err.message));
    await assert.rejects(run('update-config', '--state', 'paused'), (err: Error) => err instanceof OpsError && /Nothing to change/.test(err.message));
  });
});
