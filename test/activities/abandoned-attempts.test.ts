import assert from 'node:assert/strict';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import type { SyncSummary } from '../../src/reconcile/summary';
import { parseNotification, type EventChange } from '../../src/winearound/notification';
import { configFor, ownedEvents, startSyncWorld, type SyncWorld } from '../reconcile/world';

/**
 * Issue 10, part 3: an attempt Temporal has given up on (heartbeat or start-to-close timeout,
 * worker shutdown: the activity's cancellation signal) must stop writing, and a later activity
 * must not duplicate what it wrote. Deterministic: the emulator holds one $batch envelope with a
 * 'slow' fault, the test cancels while it is held and waits for observable request counts.
 */
const CUSTOMER = 'cantina-abandoned';

function upserts(n: number): EventChange[] {
  return Array.from({ length: n }, (_, i) => parseNotification({
    customerId: CUSTOMER, eventId: `bk-${i + 1}`, operation: 'upsert', version: Date.parse('2027-03-19T09:00:00Z'),
    event: {
      title: `Degustazione ${i + 1}`,
      start: { kind: 'dateTime', dateTime: `2027-04-${String((i % 28) + 1).padStart(2, '0')}T10:00:00`, timeZone: 'Europe/Rome' },
      end: { kind: 'dateTime', dateTime: `2027-04-${String((i % 28) + 1).padStart(2, '0')}T11:00:00`, timeZone: 'Europe/Rome' },
    },
  }));
}

async function until(what: string, test: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('abandoned activity attempts (issue 10, part 3)', () => {
  let world: SyncWorld;
  let mailboxes = 0;
  before(async () => {
    world = await startSyncWorld();
  });
  after(() => world.close());
  beforeEach(() => {
    world.emu.clearFaults();
    world.emu.resetCounters();
  });

  const setUp = () => {
    const mailbox = world.addMailbox(`abandoned-${++mailboxes}`);
    const config = configFor({ customerId: CUSTOMER, mailbox, feedUrl: 'http://127.0.0.1:9/feeds/unused.ics' });
    const { secrets, endpoints } = world.deps();
    return { mailbox, config, activities: createActivities({ secrets, endpoints }) };
  };
  /** Holds the nth $batch envelope from here on for `ms` before performing it. */
  const holdBatch = (nth: number, ms: number) =>
    world.emu.injectFault({ match: { method: 'POST', path: /^\/v1\.0\/\$batch$/ }, kind: 'slow', delayMs: ms, every: nth, times: 1 });

  it('a cancelled attempt aborts its request in flight and sends nothing more', async () => {
    const { activities, config, mailbox } = setUp();
    // 40 changes: two lookup batches, then two write batches; the first write batch is held.
    holdBatch(3, 1500);
    const env = new MockActivityEnvironment({ activityId: 'apply-1' });
    const run = env.run(activities.applyChanges, { config, changes: upserts(40) });
    await until('the first write batch', () => world.emu.requests.batch === 3);
    env.cancel('TIMED_OUT');
    await assert.rejects(run, (err) => err instanceof CancelledFailure);
    // The held batch is still performed by the server (its answer goes nowhere)...
    await until('the held batch to be performed', () => world.emu.requests['POST events'] === 20);
    // ...but the attempt sent no further batch.
    assert.equal(world.emu.requests.batch, 3);
    assert.equal(ownedEvents(world.emu, mailbox, CUSTOMER).length, 20);
  });

  it('a later activity does not duplicate the creates of an abandoned one that land after it', async () => {
    const { activities, config, mailbox } = setUp();
    const changes = upserts(20);
    holdBatch(2, 1500); // the abandoned attempt's write batch (after its lookup batch)
    const abandoned = new MockActivityEnvironment({ activityId: 'apply-1', workflowExecution: { workflowId: 'wa-outlook/x', runId: 'run-1' } });
    const first = abandoned.run(activities.applyChanges, { config, changes });
    await until('the abandoned write batch', () => world.emu.requests.batch === 2);
    abandoned.cancel('TIMED_OUT');
    await assert.rejects(first, (err) => err instanceof CancelledFailure);

    // A new activity (another run, e.g. after schedule-to-close) finds nothing yet and creates.
    const later = new MockActivityEnvironment({ activityId: 'apply-7', workflowExecution: { workflowId: 'wa-outlook/x', runId: 'run-2' } });
    const summary = (await later.run(activities.applyChanges, { config, changes })) as SyncSummary;
    assert.equal(summary.created, 20);
    // Then the abandoned attempt's held creates land: de-duplicated by their transactionIds.
    await until('the abandoned creates to land', () => world.emu.requests['POST events'] === 40);
    const owned = ownedEvents(world.emu, mailbox, CUSTOMER);
    assert.equal(owned.length, 20, `${owned.length - 20} duplicates`);
  });
});
