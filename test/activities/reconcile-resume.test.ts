import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import type { ReconcileResult } from '../../src/reconcile/summary';
import { startFeedEmulator, type FeedEmulator } from '../../src/winearound/feed-emulator';
import { sampleBookings } from '../../src/winearound/sample-bookings';
import { byView, configFor, expectedView, ownedEvents, startSyncWorld, type SyncWorld } from '../reconcile/world';

/**
 * Issue 10, part 4: a Temporal retry of a reconcile whose failed attempt got as far as writing
 * costs no more than the work left: the attempt heartbeats which writes it has not confirmed, and
 * the retry looks up and writes only those, without listing the calendar again.
 */
describe('reconcile retry after a failed attempt (issue 10, part 4)', () => {
  let world: SyncWorld;
  let feed: FeedEmulator;
  before(async () => {
    world = await startSyncWorld();
  });
  after(async () => {
    await feed?.close();
    await world.close();
  });

  it('resumes with the writes left instead of relisting the whole calendar', async () => {
    const bookings = sampleBookings(new Date(), 250);
    feed = await startFeedEmulator({ bookings });
    const mailbox = world.addMailbox('resume');
    const config = configFor({ customerId: 'cantina-resume', mailbox, feedUrl: feed.url('cantina-resume') });
    const { secrets, endpoints } = world.deps();
    const activities = createActivities({ secrets, endpoints });
    const input = { config, cursor: null, mode: 'auto' as const };

    // The 245th create is throttled with a long Retry-After: the 13th and last write batch fails.
    world.emu.injectFault({ match: { method: 'POST', path: /\/events$/ }, kind: '429', retryAfterSeconds: 30, every: 245, times: 1 });
    const first = new MockActivityEnvironment({ attempt: 1 });
    let details: unknown;
    first.on('heartbeat', (d: unknown) => { if (d !== undefined) details = d; });
    await assert.rejects(first.run(activities.reconcile, input), (err) => err instanceof ApplicationFailure && err.type === 'UNAVAILABLE');
    assert.equal(ownedEvents(world.emu, mailbox, config.customerId).length, 249);
    assert.equal((details as { pending: string[] }).pending.length, 10, 'the last batch is unconfirmed');

    world.emu.resetCounters();
    const retry = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: details });
    const result = (await retry.run(activities.reconcile, input)) as ReconcileResult;
    assert.equal(result.summary.resumed, true);
    assert.deepEqual([result.summary.created, result.summary.unchanged], [1, 9]);
    // One lookup batch of 10 and one write batch: no listing of the 250 events, no delta read.
    assert.equal(world.emu.requests['batch-inner'], 11);
    assert.equal(world.emu.requests.graph, 2);
    assert.equal(result.cursor.dirty, true, 'the next scheduled pass compares everything');
    assert.deepEqual(ownedEvents(world.emu, mailbox, config.customerId), bookings.map((b) => expectedView(b)).sort(byView));
  });
});
