import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config';
import { applyDemoSetup, DEMO_SETUP, startMicrosoftEmulator } from '../emulator';
import { createLogger, installTemporalLogging } from '../log';
import { trustCertificateAuthority } from '../net/trust';
import { workflowUiLink } from '../ops/format';
import { OpsError, startIntegration, stopIntegration, updateConfig } from '../ops/integrations';
import { DEFAULT_LINK_TTL_MS, onboardingLink } from '../onboarding/link';
import { Sealer } from '../onboarding/seal';
import { MemorySecretStore } from '../secrets/store';
import { connectClient } from '../temporal/connection';
import { startFeedEmulator } from '../winearound/feed-emulator';
import { sampleBookings } from '../winearound/sample-bookings';
import { startService } from '../worker';
import { notifyOnBookingChanges } from './winearound-backend';

/**
 * `npm run demo`: everything on this machine, with embedded defaults. The Temporal dev server
 * (SQLite, web UI), the worker, the Microsoft Entra + Graph emulator with a demo tenant, the
 * WineAround feed emulator with sample bookings, the signed webhook, a demo integration, and a
 * "Connect Outlook" link for a second winery.
 */
import { DEMO_PORTS } from './ports';
const CUSTOMER = 'demo';

/**
 * Onboarding by admin consent ("Connect Outlook", docs/setup.md Path A) in the demo: WineAround's
 * multi-tenant app in a tenant of its own, and a second winery whose admin has not consented yet.
 */
const ONBOARDING = {
  customerId: 'demo-connect',
  homeTenant: { id: '5e0a1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b', domain: 'winearound-demo.onmicrosoft.com' },
  appClientId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  appSecret: 'winearound-app-demo-secret-not-for-production',
  winery: { id: '2b3c4d5e-6f70-4a8b-9cad-becfd0e1f2a3', domain: 'cantina-nuova.onmicrosoft.com', mailbox: 'calendario@cantina-nuova.onmicrosoft.com' },
};

async function main(): Promise<void> {
  const base = loadConfig();
  const logger = createLogger(base.logLevel);
  installTemporalLogging(logger);

  const microsoft = await startMicrosoftEmulator({ port: DEMO_PORTS.graph });
  applyDemoSetup(microsoft);
  trustCertificateAuthority(microsoft.caPem);
  const feed = await startFeedEmulator({ port: DEMO_PORTS.feed, bookings: sampleBookings(new Date(), 40), calendarName: 'Cantina Demo' });
  const webhookSecret = randomBytes(24).toString('hex');
  const publicUrl = `http://localhost:${DEMO_PORTS.webhook}`;
  microsoft.addTenant(ONBOARDING.homeTenant);
  microsoft.addApp({
    tenantId: ONBOARDING.homeTenant.id, clientId: ONBOARDING.appClientId, displayName: 'WineAround Outlook sync', secrets: [{ value: ONBOARDING.appSecret }], roles: [],
    signInAudience: 'AzureADMultipleOrgs', redirectUris: [`${publicUrl}/onboarding/callback`], requiredRoles: ['Calendars.ReadWrite'],
    groupMembershipClaims: 'DirectoryRole',
  });
  microsoft.addTenant({ id: ONBOARDING.winery.id, domain: ONBOARDING.winery.domain });
  microsoft.addUser({ tenantId: ONBOARDING.winery.id, userPrincipalName: ONBOARDING.winery.mailbox, displayName: 'Calendario prenotazioni' });
  const onboarding = { publicUrl, secret: randomBytes(32).toString('hex'), appClientId: ONBOARDING.appClientId, appSecretRef: 'winearound-app' };
  const config = {
    ...base,
    microsoft: { ...base.microsoft, authorityHost: microsoft.baseUrl, graphBaseUrl: microsoft.baseUrl },
    webhook: { port: DEMO_PORTS.webhook, secret: webhookSecret },
    onboarding,
  };
  const secrets = new MemorySecretStore().set('demo-graph', DEMO_SETUP.clientSecret).set('winearound-app', ONBOARDING.appSecret);
  const service = await startService(config, logger, secrets);

  const client = await connectClient(config.temporal, service.address);
  const settings = {
    tenantId: DEMO_SETUP.tenantId,
    clientId: DEMO_SETUP.clientId,
    secretRef: 'demo-graph',
    mailbox: DEMO_SETUP.mailboxUpn,
    feedUrl: feed.url(CUSTOMER),
    reconcileIntervalMs: 60_000,
    attentionRecheckMs: 30_000,
  };
  try {
    await startIntegration(client, config.temporal.taskQueue, { customerId: CUSTOMER, ...settings });
  } catch (err) {
    if (!(err instanceof OpsError && /already running/.test(err.message))) throw err;
    // Kept from an earlier demo run (SQLite): point it at this run's feed token.
    await updateConfig(client, CUSTOMER, { feedUrl: settings.feedUrl });
  }
  // Each demo run starts with a winery that has not connected yet (the emulator forgets its consent).
  await stopIntegration(client, ONBOARDING.customerId).catch((err: unknown) => {
    if (!(err instanceof OpsError)) throw err;
  });
  const connectLink = onboardingLink(new Sealer(onboarding.secret), publicUrl, {
    customerId: ONBOARDING.customerId, feedUrl: feed.url(ONBOARDING.customerId), ttlMs: DEFAULT_LINK_TTL_MS,
  });
  const stopNotifying = notifyOnBookingChanges(feed, {
    customerId: CUSTOMER,
    webhookUrl: service.webhookUrl!,
    secret: webhookSecret,
    onError: (err) => logger.warn({ error: err.message }, 'Demo notification failed'),
  });

  console.log(`
wa-outlook-sync demo is running. Ctrl+C stops everything.

  Temporal UI       ${workflowUiLink(service.uiUrl!, config.temporal.namespace, CUSTOMER)}
  Outlook calendar  ${microsoft.baseUrl}/_emulator/calendar/${DEMO_SETUP.mailboxUpn}
                    (emulated mailbox; the certificate is made at start, so the browser warns once)
  Status            npm run wa-outlook -- status ${CUSTOMER}
  Bookings          npm run demo:booking -- list | add | change <id> | cancel <id>
                    (changes reach Outlook within seconds through the signed webhook)
  Connect Outlook   ${connectLink.url}
                    (a second winery onboards by admin consent: on the emulated Microsoft page the
                    tenant is ${ONBOARDING.winery.domain}, the mailbox ${ONBOARDING.winery.mailbox})
`);
  await service.done;
  stopNotifying();
  await client.connection.close();
  await feed.close();
  await microsoft.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
