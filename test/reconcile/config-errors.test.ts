import assert from 'node:assert/strict';
import { SyncError } from '../../src/outlook/errors';
import { reconcileIntegration } from '../../src/reconcile/reconcile';
import { startFeedEmulator, type FeedEmulator } from '../../src/winearound/feed-emulator';
import { sampleBookings } from '../../src/winearound/sample-bookings';
import type { IntegrationConfigInput } from '../../src/sync/integration-config';
import { configFor, DOMAIN, NO_CONSENT_CLIENT_ID, startSyncWorld, WRONG_SECRET_REF, type SyncWorld } from './world';

const now = new Date('2027-03-19T09:00:00Z');

describe('reconcile surfaces configuration errors as SyncError codes', () => {
  let world: SyncWorld;
  let feed: FeedEmulator;
  let mailbox: string;

  before(async () => {
    world = await startSyncWorld();
    feed = await startFeedEmulator({ bookings: sampleBookings(now, 3) });
    mailbox = world.addMailbox('config');
  });
  after(async () => {
    await feed.close();
    await world.close();
  });

  async function failure(overrides: Partial<IntegrationConfigInput>): Promise<SyncError> {
    const config = configFor({ customerId: 'config-errors', mailbox, feedUrl: feed.url('config-errors'), ...overrides });
    try {
      await reconcileIntegration(config, null, { mode: 'auto', now }, world.deps());
    } catch (err) {
      assert.ok(err instanceof SyncError, String(err));
      assert.equal(err.transient, false);
      assert.ok(err.advice, 'a configuration error carries the fix');
      return err;
    }
    assert.fail('expected the reconcile to fail');
  }

  it('a wrong client secret → INVALID_SECRET', async () => {
    const err = await failure({ secretRef: WRONG_SECRET_REF });
    assert.equal(err.code, 'INVALID_SECRET');
    assert.doesNotMatch(`${err.message} ${err.advice}`, /not-the-secret/);
  });

  it('an app without the Calendars.ReadWrite role → CONSENT_MISSING', async () => {
    assert.equal((await failure({ clientId: NO_CONSENT_CLIENT_ID })).code, 'CONSENT_MISSING');
  });

  it('an unknown mailbox → MAILBOX_NOT_FOUND', async () => {
    assert.equal((await failure({ mailbox: `nessuno@${DOMAIN}` })).code, 'MAILBOX_NOT_FOUND');
  });
});
