import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import { committedHistories, recordedHistories, type NamedHistory } from '../support/histories';
import { workflowBundle } from '../support/temporal';

/**
 * Determinism: today's workflow code must replay every history it produced in this run, and
 * every committed history of a shape that was shipped (changes need patched() to pass).
 */
async function replay(histories: NamedHistory[]): Promise<string[]> {
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  return failures;
}

describe('workflow replay', function () {
  this.timeout(120_000);

  it('replays the committed history of every shipped workflow shape', async () => {
    const histories = committedHistories();
    assert.ok(histories.length >= 4, `expected the committed shapes, found ${histories.length}`);
    assert.deepEqual(await replay(histories), []);
  });

  it('replays the histories recorded by this test run', async function () {
    const histories = recordedHistories();
    if (!histories.length) this.skip(); // only when run on its own
    assert.deepEqual(await replay(histories), []);
  });
});
