import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config';
import { applyDemoSetup, DEMO_SETUP, startMicrosoftEmulator } from '../emulator';
import { createLogger, installTemporalLogging } from '../log';
import { trustCertificateAuthority } from '../net/trust';
import { workflowUiLink } from '../ops/format';
import { OpsError, startIntegration, updateConfig } from '../ops/integrations';
import { MemorySecretStore } from '../secrets/store';
import { connectClient } from '../temporal/connection';
import { startFeedEmulator } from '../winearound/feed-emulator';
import { sampleBookings } from '../winearound/sample-bookings';
import { startService } from '../worker';
import { notifyOnBookingChanges } from './winearound-backend';

/**
 * `npm run demo`: everything on this machine, with embedded defaults. The Temporal dev server
 * (SQLite, web UI), the worker, the Microsoft Entra + Graph emulator with a demo tenant, the
 * WineAround feed emulator with sample bookings, the signed webhook, and a demo integration.
 */
import { DEMO_PORTS } from './ports';
const CUSTOMER = 'demo';

async function main(): Promise<void> {
  const base = loadConfig();
  const logger = createLogger(base.logLevel);
  installTemporalLogging(logger);

  const microsoft = await startMicrosoftEmulator({ port: DEMO_PORTS.graph });
  applyDemoSetup(microsoft);
  trustCertificateAuthority(microsoft.caPem);
  const feed = await startFeedEmulator({ port: DEMO_PORTS.feed, bookings: sampleBookings(new Date(), 40), calendarName: 'Cantina Demo' });
  const webhookSecret = randomBytes(24).toString('hex');
  const config = {
    ...base,
    microsoft: { ...base.microsoft, authorityHost: microsoft.baseUrl, graphBaseUrl: microsoft.baseUrl },
    webhook: { port: DEMO_PORTS.webhook, secret: webhookSecret },
  };
  const secrets = new MemorySecretStore().set('demo-graph', DEMO_SETUP.clientSecret);
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
