import { randomUUID } from 'node:crypto';
import { startMicrosoftEmulator, type MicrosoftEmulator } from '../../src/emulator';
import { Mailbox } from '../../src/emulator/graph/mailbox';
import type { StoredEvent } from '../../src/emulator/graph/event-model';
import { MARKER_PROPERTY_IDS } from '../../src/sync/marker';
import { startFeedEmulator, type CustomerFeed, type FeedEmulator } from '../../src/winearound/feed-emulator';
import { sampleBookings } from '../../src/winearound/sample-bookings';
import type { IntegrationConfigInput } from '../../src/sync/integration-config';

/**
 * The fleet's outside world: every customer with its own Entra tenant, app, secret and mailbox in
 * the Microsoft emulator, and its own feed in the feed emulator, as wineries are in production.
 */
export interface Customer {
  id: string;
  mailbox: string;
  feed: CustomerFeed;
  settings: IntegrationConfigInput;
}

export interface FleetWorld {
  microsoft: MicrosoftEmulator;
  feeds: FeedEmulator;
  customers: Customer[];
  /** Secret references → secrets, for the workers' WA_SECRETS_FILE. */
  secrets: Record<string, string>;
  /** A customer apart from the fleet, for the bare MSAL + Graph create. */
  bare: { tenantId: string; clientId: string; secret: string; mailbox: string };
  close(): Promise<void>;
}

export async function startFleetWorld(options: { customers: number; bookings: number; intervalMs: number; emulator?: Parameters<typeof startMicrosoftEmulator>[0] }): Promise<FleetWorld> {
  const microsoft = await startMicrosoftEmulator(options.emulator);
  const feeds = await startFeedEmulator();
  const secrets: Record<string, string> = {};
  const addCustomerTenant = (name: string) => {
    const tenantId = randomUUID();
    const clientId = randomUUID();
    const secret = `${name}-secret-${randomUUID()}`;
    const domain = `${name}.onmicrosoft.com`;
    microsoft.addTenant({ id: tenantId, domain });
    microsoft.addApp({ tenantId, clientId, secrets: [{ value: secret }], roles: ['Calendars.ReadWrite'] });
    const mailbox = `calendario@${domain}`;
    microsoft.addUser({ tenantId, userPrincipalName: mailbox });
    return { tenantId, clientId, secret, mailbox };
  };
  const bookings = sampleBookings(new Date(), options.bookings);
  const customers = Array.from({ length: options.customers }, (_, i): Customer => {
    const id = `cantina-${String(i + 1).padStart(4, '0')}`;
    const { tenantId, clientId, secret, mailbox } = addCustomerTenant(id);
    secrets[id] = secret;
    const feed = feeds.ownFeed(id, bookings);
    return {
      id, mailbox, feed,
      settings: {
        customerId: id, tenantId, clientId, secretRef: id, mailbox, feedUrl: feed.url,
        reconcileIntervalMs: options.intervalMs,
      },
    };
  });
  return {
    microsoft, feeds, customers, secrets,
    bare: addCustomerTenant('bare-create'),
    close: async () => {
      await feeds.close();
      await microsoft.close();
    },
  };
}

const INTEGRATION_PROPERTY = MARKER_PROPERTY_IDS.integration.toLowerCase();

/**
 * Calls `listener` for every event created or updated in any emulated mailbox, the moment it is
 * stored: from then on any reader sees it. The bench's notion of "visible in Outlook".
 */
export function observeWrites(listener: (event: StoredEvent, customerId: string | undefined, kind: 'create' | 'update') => void): () => void {
  const { create, update } = Mailbox.prototype;
  const customerOf = (e: StoredEvent) => e.extendedProperties.find((p) => p.id.toLowerCase() === INTEGRATION_PROPERTY)?.value;
  Mailbox.prototype.create = function (this: Mailbox, input: unknown) {
    const event = create.call(this, input);
    listener(event, customerOf(event), 'create');
    return event;
  };
  Mailbox.prototype.update = function (this: Mailbox, id: string, patch: unknown) {
    const event = update.call(this, id, patch);
    listener(event, customerOf(event), 'update');
    return event;
  };
  return () => {
    Mailbox.prototype.create = create;
    Mailbox.prototype.update = update;
  };
}
