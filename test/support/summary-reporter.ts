import { appendFileSync } from 'node:fs';
import Mocha from 'mocha';

/**
 * The spec reporter, plus one closing line `N passed, N failed` taken from mocha's own
 * statistics: CI reads that line to know how many tests ran. When CI runs several suites
 * (.ci/run: `npm test`, then `npm run test:cluster`), WA_TEST_TOTALS_FILE names a file where
 * each run appends its counts instead, and CI prints the one closing line for all of them.
 */
class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes = 0, failures = 0, pending = 0 } = this.stats;
      const totalsFile = process.env.WA_TEST_TOTALS_FILE;
      if (totalsFile) appendFileSync(totalsFile, `${JSON.stringify({ passes, failures, pending })}\n`);
      else process.stdout.write(`\n${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ''}\n`);
    });
  }
}

export = SummaryReporter;
