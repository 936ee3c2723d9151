import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import express from 'express';
import pino from 'pino';
import { createActivities } from '../../src/activities';
import { startMicrosoftEmulator, type MicrosoftEmulator } from '../../src/emulator';
import { trustCertificateAuthority } from '../../src/net/trust';
import { onboardingLink } from '../../src/onboarding/link';
import { createOnboardingRouter } from '../../src/onboarding/router';
import { Sealer } from '../../src/onboarding/seal';
import { MemorySecretStore } from '../../src/secrets/store';
import { createWebhookApp } from '../../src/webhook/server';
import { startFeedEmulator, type FeedEmulator } from '../../src/winearound/feed-emulator';
import { sampleBookings } from '../../src/winearound/sample-bookings';
import { temporalEnv, workflowBundle } from '../support/temporal';

/**
 * Onboarding by admin consent, whole: Entra and Graph (emulated) with WineAround's multi-tenant app
 * in its own tenant, a WineAround feed (emulated), the real Temporal dev server, a worker with the
 * real activities, and the public server with the onboarding pages. Each customer gets its own
 * tenant, so that one test's consent never serves another's.
 */
export const HOME_TENANT = 'f0f0f0f0-0000-4000-8000-00000000000a';
export const APP_ID = 'f1f1f1f1-0000-4000-8000-00000000000b';
export const APP_SECRET = 'winearound-multi-tenant-app-secret~do-not-log';
export const ONBOARDING_SECRET = 'onboarding-test-secret-0123456789abcdef';

export interface Customer {
  customerId: string;
  tenantId: string;
  domain: string;
  mailbox: string;
  feedUrl: string;
}

export interface OnboardingWorld {
  microsoft: MicrosoftEmulator;
  feed: FeedEmulator;
  client: Client;
  taskQueue: string;
  /** The public server's base address (http://127.0.0.1:port), WA_PUBLIC_URL. */
  publicUrl: string;
  sealer: Sealer;
  /** WineAround's multi-tenant app (WA_APP_CLIENT_ID). */
  appId: string;
  /** A new customer with its own tenant and licensed calendar mailbox. */
  customer(name: string): Customer;
  link(customer: Customer, options?: { ttlMs?: number; tenantId?: string }): string;
  close(): Promise<void>;
}

export async function startOnboardingWorld(): Promise<OnboardingWorld> {
  const { env } = await temporalEnv();
  const microsoft = await startMicrosoftEmulator();
  trustCertificateAuthority(microsoft.caPem);
  const feed = await startFeedEmulator({ bookings: sampleBookings(new Date(), 8) });
  const secrets = new MemorySecretStore().set('winearound-app', APP_SECRET);
  const endpoints = { authorityHost: microsoft.baseUrl, graphBaseUrl: microsoft.baseUrl };
  const taskQueue = `onboarding-${randomUUID()}`;
  const sealer = new Sealer(ONBOARDING_SECRET);
  const logger = pino({ level: 'silent' });
  // The public server listens before its address is registered as the app's redirect URI.
  const app = express();
  const server = await new Promise<Server>((resolve) => {
    const listening: Server = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const publicUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  app.use(createWebhookApp({
    client: env.client, taskQueue, logger,
    onboarding: createOnboardingRouter({ client: env.client, taskQueue, sealer, publicUrl, appClientId: APP_ID, appSecretRef: 'winearound-app', endpoints, secrets, logger }),
  }));
  microsoft.addTenant({ id: HOME_TENANT, domain: 'winearound.onmicrosoft.com' });
  microsoft.addApp({
    tenantId: HOME_TENANT, clientId: APP_ID, displayName: 'WineAround Outlook sync', secrets: [{ value: APP_SECRET }], roles: [],
    signInAudience: 'AzureADMultipleOrgs', redirectUris: [`${publicUrl}/onboarding/callback`], requiredRoles: ['Calendars.ReadWrite'],
    groupMembershipClaims: 'DirectoryRole',
  });
  const worker = await Worker.create({
    connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(),
    activities: createActivities({ secrets, endpoints, multiTenantAppId: APP_ID }),
  });
  const running = worker.run();
  let tenants = 0;
  return {
    microsoft, feed, client: env.client, taskQueue, publicUrl, sealer, appId: APP_ID,
    customer(name) {
      tenants += 1;
      const customerId = `${name}-${randomUUID().slice(0, 8)}`;
      const tenantId = `c${String(tenants).padStart(7, '0')}-0000-4000-8000-${randomUUID().slice(-12)}`;
      const domain = `${customerId}.onmicrosoft.com`;
      const mailbox = `calendario@${domain}`;
      microsoft.addTenant({ id: tenantId, domain });
      microsoft.addUser({ tenantId, userPrincipalName: mailbox, displayName: 'Calendario prenotazioni' });
      microsoft.setCalendarPermissions(mailbox, [{ emailAddress: { name: 'Staff', address: `staff@${domain}` }, role: 'read' }]);
      return { customerId, tenantId, domain, mailbox, feedUrl: feed.url(customerId) };
    },
    link: (customer, options = {}) => onboardingLink(sealer, publicUrl, { customerId: customer.customerId, feedUrl: customer.feedUrl, ttlMs: 3_600_000, ...options }).url,
    close: async () => {
      await new Promise((r) => server.close(r));
      worker.shutdown();
      await running;
      await feed.close();
      await microsoft.close();
    },
  };
}
