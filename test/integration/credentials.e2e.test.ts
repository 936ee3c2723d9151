import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { getStatus, startIntegration, stopIntegration, syncNow, updateConfig } from '../../src/ops/integrations';
import { integrationWorkflowId } from '../../src/workflows/messages';
import { exportHistory } from '../support/histories';
import { makeCertificate, type TestCertificate } from '../support/certificates';
import { temporalEnv, workflowBundle } from '../support/temporal';
import { calendarOf, CLIENT, expectedCalendar, startWorld, TENANT, type World } from './world';

/**
 * Rotating the app's credential through the running workflow (Temporal dev server, real activities,
 * MSAL and Graph client against the emulators): client secret → certificate → another certificate →
 * client secret, with `update-config --secret-ref` only, in the same run, without restarting anything.
 */
describe('credential rotation end to end: client secret and certificates through update-config', function () {
  this.timeout(180_000);
  let world: World;
  let client: Client;
  let worker: Worker;
  let running: Promise<void>;
  let taskQueue: string;
  let certA: TestCertificate;
  let certB: TestCertificate;
  let stranger: TestCertificate;

  before(async () => {
    const { env } = await temporalEnv();
    client = env.client;
    world = await startWorld();
    [certA, certB, stranger] = await Promise.all([makeCertificate({ cn: 'sync 2026' }), makeCertificate({ cn: 'sync 2027' }), makeCertificate({ cn: 'not uploaded' })]);
    world.microsoft.addCertificate(TENANT, CLIENT, { certificate: certA.certificate });
    world.secrets.set('cert-a', certA.bundle).set('cert-b', certB.bundle).set('cert-stranger', stranger.bundle);
    taskQueue = `e2e-credentials-${randomUUID()}`;
    worker = await Worker.create({
      connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(),
      activities: createActivities({ secrets: world.secrets, endpoints: world.endpoints }),
    });
    running = worker.run();
  });

  after(async () => {
    worker?.shutdown();
    await running;
    await world?.close();
  });

  it('moves a running integration from a secret to certificates and back, holding a wrong certificate in needs_attention', async () => {
    const customer = `rotation-${randomUUID().slice(0, 8)}`;
    await startIntegration(client, taskQueue, world.settings(customer));
    await syncNow(client, customer);
    const { runId } = await client.workflow.getHandle(integrationWorkflowId(customer)).describe();

    // A certificate that was never uploaded: Entra's AADSTS700027, held with the certificate's thumbprint and the fix.
    await updateConfig(client, customer, { secretRef: 'cert-stranger' });
    await assert.rejects(syncNow(client, customer), /CERTIFICATE_REJECTED/);
    const broken = await getStatus(client, customer);
    assert.equal(broken.state, 'needs_attention');
    assert.equal(broken.lastError?.code, 'CERTIFICATE_REJECTED');
    assert.match(broken.lastError?.message ?? '', /AADSTS700027.*certificate "CN=not uploaded"/);
    assert.match(broken.lastError?.advice ?? '', /Certificates & secrets > Certificates/);

    // The uploaded certificate: running again.
    await updateConfig(client, customer, { secretRef: 'cert-a' });
    await syncNow(client, customer);
    assert.equal((await getStatus(client, customer)).state, 'running');

    // Rotation: upload the next certificate, switch to it; the old one still works until deleted.
    world.microsoft.addCertificate(TENANT, CLIENT, { certificate: certB.certificate });
    await updateConfig(client, customer, { secretRef: 'cert-b' });
    await syncNow(client, customer);
    assert.equal((await getStatus(client, customer)).state, 'running');

    // And back to the client secret.
    await updateConfig(client, customer, { secretRef: 'good' });
    await syncNow(client, customer);
    assert.equal((await getStatus(client, customer)).state, 'running');
    assert.deepEqual(calendarOf(world, customer), expectedCalendar(world));
    assert.equal((await client.workflow.getHandle(integrationWorkflowId(customer)).describe()).runId, runId, 'same run: no restart');
    await stopIntegration(client, customer);

    const history = exportHistory((await temporalEnv()).server.address, integrationWorkflowId(customer));
    for (const c of [certA, certB, stranger]) {
      for (const part of [c.privateKey, c.certificate]) {
        const body = part.split('\n')[1];
        assert.ok(!history.includes(body), 'no key or certificate material in the history');
      }
    }
  });
});
