import { activityInfo, ApplicationFailure } from '@temporalio/activity';
import type { Activities } from '../../src/activities';
import { checkActivities, checkAndApplyWith } from '../../src/activities/checks';
import type { SyncSummary } from '../../src/reconcile/summary';
import type { EventChange } from '../../src/winearound/notification';

/**
 * Stand-ins for the activities, for tests of the workflow's own logic (lifecycle, signals,
 * needs_attention, continue-as-new). The end-to-end tests use the real activities.
 */
export function fakeActivities() {
  const applied: EventChange[] = [];
  const reconciledConfigs: Parameters<Activities['reconcile']>[0]['config'][] = [];
  let reconciles = 0;
  /** Writes, by how they ran: the fast path (a local activity) or the durable activity. */
  const applyCalls = { local: 0, durable: 0 };
  /** Set: the fast path's next tries fail with this (the durable activity is not affected). */
  let localFailure: ApplicationFailure | undefined;
  /** While set, applyChanges waits for it: a test holds a batch in flight to send messages meanwhile. */
  let gate: { opened: Promise<void>; open: () => void; entered: Promise<void>; enter: () => void } | undefined;
  const summary = (kind: SyncSummary['kind'], n = 0): SyncSummary => ({
    kind, at: new Date().toISOString(), durationMs: 1, created: n, updated: 0, deleted: 0, unchanged: 0, skipped: {},
    requests: { feed: kind === 'changes' ? 0 : 1, graph: 1, token: 0 },
  });
  const applyChanges: Activities['applyChanges'] = async ({ changes }) => {
    const { isLocal } = activityInfo();
    applyCalls[isLocal ? 'local' : 'durable'] += 1;
    if (isLocal && localFailure) throw localFailure;
    if (gate) {
      gate.enter();
      await gate.opened;
    }
    applied.push(...changes);
    return summary('changes', changes.length);
  };
  const activities: Activities = {
    ...checkActivities, // the real checks: pure, and what the workflow relies on
    async reconcile({ config }) {
      reconciles += 1;
      reconciledConfigs.push(config);
      if (config.secretRef === 'wrong-secret') {
        throw ApplicationFailure.create({ message: 'The token endpoint refused the app: AADSTS7000215 (invalid_client).', type: 'INVALID_SECRET', nonRetryable: true, details: [{ advice: 'Create a new client secret.' }] });
      }
      return { summary: summary('full'), cursor: { lastFullAt: new Date().toISOString() } };
    },
    applyChanges,
    checkAndApplyChanges: checkAndApplyWith(applyChanges), // the real fast path around the stand-in write
    async diagnose({ config }) {
      return { customerId: config.customerId, at: new Date().toISOString(), ok: false, checks: [{ check: 'secret', status: 'fail', code: 'INVALID_SECRET', evidence: 'AADSTS7000215', fix: 'Create a new client secret.' }] };
    },
  };
  const latch = () => {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  };
  /** The next applyChanges calls wait until `open()`; `entered` resolves when one is waiting. */
  const holdApplies = () => {
    const opened = latch();
    const entered = latch();
    gate = { opened: opened.promise, open: opened.resolve, entered: entered.promise, enter: entered.resolve };
    return {
      entered: entered.promise,
      open: () => {
        gate = undefined;
        opened.resolve();
      },
    };
  };
  const failLocalApplies = (failure: ApplicationFailure | undefined) => {
    localFailure = failure;
  };
  return { activities, applied, applyCalls, reconciledConfigs, reconciles: () => reconciles, holdApplies, failLocalApplies };
}
