import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import type { SyncError } from '../../src/outlook/errors';
import { parseRetryAfterMs } from '../../src/outlook/retry-after';
import { parseNotification } from '../../src/winearound/notification';
import { CLIENT_ID, configFor, SECRET_REF, startSyncWorld, TENANT, type SyncWorld } from '../reconcile/world';

/**
 * Issue 10, part 4: the server's requested wait is honoured wherever it is given: the token
 * endpoint's Retry-After (which MSAL enforces but does not surface) and a batch item's Retry-After
 * as an HTTP date; the activity hands it to Temporal (nextRetryDelay) and to the workflow (details).
 */
describe('Retry-After, everywhere the server gives it (issue 10, part 4)', () => {
  describe('parseRetryAfterMs', () => {
    it('reads fractional seconds and HTTP dates', () => {
      const now = Date.parse('2027-03-19T09:00:00Z');
      assert.equal(parseRetryAfterMs('1.5', now), 1500);
      assert.equal(parseRetryAfterMs('0', now), 0);
      assert.equal(parseRetryAfterMs('Fri, 19 Mar 2027 09:00:30 GMT', now), 30_000);
      assert.equal(parseRetryAfterMs('Fri, 19 Mar 2027 08:00:00 GMT', now), 0);
      assert.equal(parseRetryAfterMs('soon', now), undefined);
      assert.equal(parseRetryAfterMs(undefined, now), undefined);
    });
  });

  describe('against the emulator', () => {
    let world: SyncWorld;
    let n = 0;
    before(async () => {
      world = await startSyncWorld();
    });
    after(() => world.close());
    afterEach(() => world.emu.clearFaults());

    /** A fresh app, so that no MSAL cache or block carries over between tests. */
    const freshCredentials = () => {
      const clientId = `${CLIENT_ID.slice(0, -3)}${String(100 + ++n)}`;
      world.emu.addApp({ tenantId: TENANT, clientId, secrets: [{ value: 'fresh-secret' }], roles: ['Calendars.ReadWrite'] });
      return { tenantId: TENANT, clientId, clientSecret: 'fresh-secret' };
    };

    it("surfaces the token endpoint's Retry-After, and MSAL's refusal until then", async () => {
      const { tokens } = world.deps();
      const credentials = freshCredentials();
      world.emu.injectFault({ match: { tokenEndpoint: true }, kind: '503', retryAfterSeconds: 7 });
      const before = world.emu.requests.token ?? 0;
      const first = await tokens.acquire(credentials).then(() => undefined, (err: SyncError) => err);
      assert.ok(first?.transient, 'transient');
      assert.ok(first.retryAfterMs! > 5_000 && first.retryAfterMs! <= 7_000, `retryAfterMs ${first.retryAfterMs}`);
      // MSAL refuses identical requests until then, without asking the endpoint: still the same wait.
      const second = await tokens.acquire(credentials).then(() => undefined, (err: SyncError) => err);
      assert.ok(second?.transient && second.retryAfterMs! > 5_000, `retryAfterMs ${second?.retryAfterMs}`);
      assert.equal((world.emu.requests.token ?? 0) - before, 1);
    });

    it('a token endpoint 429 as an HTTP date, and 5xx without one (MSAL then blocks 60 s)', async () => {
      const { tokens } = world.deps();
      world.emu.injectFault({ match: { tokenEndpoint: true }, kind: '429', retryAfterSeconds: 20, retryAfterHttpDate: true });
      const dated = await tokens.acquire(freshCredentials()).then(() => undefined, (err: SyncError) => err);
      assert.ok(dated!.retryAfterMs! > 15_000 && dated!.retryAfterMs! <= 20_000, `retryAfterMs ${dated!.retryAfterMs}`);
      world.emu.injectFault({ match: { tokenEndpoint: true }, kind: '504' });
      const bare = await tokens.acquire(freshCredentials()).then(() => undefined, (err: SyncError) => err);
      assert.ok(bare!.retryAfterMs! > 55_000 && bare!.retryAfterMs! <= 60_000, `retryAfterMs ${bare!.retryAfterMs}`);
    });

    it("hands a batch item's HTTP-date Retry-After to Temporal and to the workflow", async () => {
      const mailbox = world.addMailbox(`retry-after-${++n}`);
      const config = configFor({ customerId: 'cantina-wait', mailbox, feedUrl: 'http://127.0.0.1:9/unused.ics', secretRef: SECRET_REF });
      world.emu.injectFault({ match: { method: 'POST', path: /\/events$/ }, kind: '429', retryAfterSeconds: 40, retryAfterHttpDate: true });
      const { secrets, endpoints } = world.deps();
      const change = parseNotification({
        customerId: 'cantina-wait', eventId: 'bk-1', operation: 'upsert', version: Date.parse('2027-03-19T09:00:00Z'),
        event: { title: 'Visita', start: { kind: 'dateTime', dateTime: '2027-04-02T10:00:00', timeZone: 'Europe/Rome' }, end: { kind: 'dateTime', dateTime: '2027-04-02T11:00:00', timeZone: 'Europe/Rome' } },
      });
      const failure = await new MockActivityEnvironment().run(createActivities({ secrets, endpoints }).applyChanges, { config, changes: [change] })
        .then(() => undefined, (err: ApplicationFailure) => err);
      assert.ok(failure instanceof ApplicationFailure, String(failure));
      const delay = Number(failure.nextRetryDelay);
      assert.ok(delay > 35_000 && delay <= 40_000, `nextRetryDelay ${String(failure.nextRetryDelay)}`);
      const details = failure.details?.[0] as { code: string; retryAfterMs?: number };
      assert.equal(details.code, 'UNAVAILABLE');
      assert.equal(details.retryAfterMs, delay);
    });
  });
});
