import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { formatStatus, workflowUiLink } from '../../src/ops/format';
import type { IntegrationStatus } from '../../src/workflows/status';

describe('wa-outlook status links the integration in the Temporal UI', () => {
  let dataDir: string;
  before(() => { dataDir = mkdtempSync(join(tmpdir(), 'wa-ui-link-')); });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('defaults to the embedded UI, has none for a shared server unless told, and names a bad address', () => {
    assert.equal(loadConfig({ WA_DATA_DIR: dataDir, TEMPORAL_UI_PORT: '9233' }).temporal.uiUrl, 'http://localhost:9233');
    const shared = { TEMPORAL_ADDRESS: 'temporal:7233', WA_PAYLOAD_ENCRYPTION: 'off' };
    assert.equal(loadConfig(shared).temporal.uiUrl, undefined);
    assert.equal(loadConfig({ ...shared, TEMPORAL_UI_URL: 'https://temporal-ui.winearound.example/' }).temporal.uiUrl, 'https://temporal-ui.winearound.example');
    assert.throws(() => loadConfig({ ...shared, TEMPORAL_UI_URL: 'temporal-ui:8080' }), /TEMPORAL_UI_URL: must be the Temporal UI's http\(s\):\/\/ address/);
  });

  it('prints the workflow page of the customer, escaped', () => {
    const link = workflowUiLink('https://temporal-ui.example', 'wa.prod', 'cantina rossi');
    assert.equal(link, 'https://temporal-ui.example/namespaces/wa.prod/workflows/wa-outlook%2Fcantina%20rossi');
    const status = { customerId: 'cantina rossi', state: 'running', pendingChanges: 0, rejectedSignals: 0 } as unknown as IntegrationStatus;
    assert.match(formatStatus(status, link), /^Temporal UI +https:\/\/temporal-ui\.example\/namespaces\/wa\.prod\/workflows\/wa-outlook%2Fcantina%20rossi$/m);
    assert.doesNotMatch(formatStatus(status), /Temporal UI/);
  });
});
