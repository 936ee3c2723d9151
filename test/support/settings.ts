import type { IntegrationConfigInput } from '../../src/sync/integration-config';

/** Cantina Rossi's settings as the workflow tests start them; with fake activities, secretRef `wrong-secret` is refused. */
export const rossiSettings = (customerId: string, extra: Partial<IntegrationConfigInput> = {}): IntegrationConfigInput => ({
  customerId,
  tenantId: 'cantinarossi.onmicrosoft.com',
  clientId: '6f1c2a8e-1d2b-4c3d-9e8f-0a1b2c3d4e5f',
  secretRef: 'cantina-rossi-graph',
  mailbox: 'calendario@cantinarossi.it',
  feedUrl: 'https://feeds.winearound.example/cal/rossi.ics?token=s3cret',
  reconcileIntervalMs: 3_600_000,
  attentionRecheckMs: 3_600_000,
  ...extra,
});
