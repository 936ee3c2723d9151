import assert from 'node:assert/strict';
import { makeSchedule } from '../../soak/schedule';
import { runSoak } from '../../soak/run';

/**
 * The chaos soak, short and with a fixed seed: booking churn (webhook and signals, duplicated and
 * late older notifications, missed ones), people editing the mailboxes, and faults (Graph 429
 * storms, 503/504, slow, dropped connections, lost responses, a token endpoint outage, feed 500 or
 * garbage, expired delta links, the worker SIGKILLed, the dev server restarted on its SQLite file)
 * on the real stack. `npm run soak` runs it longer (docs/soak.md).
 */
describe('chaos soak (fixed seed, short)', function () {
  this.timeout(240_000);

  it('draws the same schedule from the same seed, another from another', () => {
    const options = { customers: 3, durationMs: 120_000, initialBookings: 12 };
    const a = makeSchedule({ seed: 42, ...options });
    assert.equal(makeSchedule({ seed: 42, ...options }).digest, a.digest);
    assert.notEqual(makeSchedule({ seed: 43, ...options }).digest, a.digest);
    const faults = new Set(a.actions.flatMap((x) => (x.kind === 'fault' ? [x.fault] : [])));
    assert.ok(faults.size >= 10, `fault kinds in two minutes: ${[...faults].join(', ')}`);
  });

  it('ends with every mailbox equal to its feed, no duplicate, people untouched, no workflow stuck', async () => {
    const lines: string[] = [];
    const report = await runSoak({ customers: 3, minutes: 1.25, seed: 20261201, reconcileIntervalMs: 30_000, settleMs: 60_000, log: (l) => lines.push(l) });
    const failed = report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    assert.deepEqual(failed, [], `seed ${report.seed}, schedule ${report.scheduleDigest}; worker log ${report.workerLog}`);
    assert.ok(Object.keys(report.injected).filter((k) => !k.startsWith('notify') && !k.startsWith('booking') && !k.startsWith('person')).length >= 6,
      `faults injected: ${JSON.stringify(report.injected)}`);
  });
});
