/**
 * npm run fuzz -- --runs N --seed S: the feed mutation properties over more cases than npm test
 * runs. A counterexample is written to test/fixtures/fuzz/ (commit it: the test suite replays
 * every file there) and the run fails.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import fc from 'fast-check';
import { checkMutation, intactParse, mutatedFeed, type Mutated } from './feed-mutations';

const FIXTURES = join(__dirname, '../../../test/fixtures');
const integer = (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
};

const options = new Command('fuzz')
  .description('Property-based tests of the feed parser over mutations of the winery fixture.')
  .option('--runs <n>', 'cases to try', integer, 10_000)
  .option('--seed <s>', 'seed (a run is repeatable with its seed)', integer, Date.now() % 2 ** 31)
  .parse()
  .opts<{ runs: number; seed: number }>();

const base = readFileSync(join(FIXTURES, 'winery-feed.ics'), 'utf8');
const intact = intactParse(base);
const started = Date.now();
const details = fc.check(fc.property(mutatedFeed(base), (m) => checkMutation(m, intact)), { numRuns: options.runs, seed: options.seed });
if (details.failed && details.counterexample) {
  const [found] = details.counterexample as [Mutated];
  const file = join(FIXTURES, 'fuzz', `seed-${options.seed}.json`);
  writeFileSync(file, `${JSON.stringify(found, null, 2)}\n`);
  console.error(`Counterexample (${found.label}) after ${details.numRuns} runs, seed ${options.seed}: ${String(details.errorInstance)}\nWritten to ${file}; commit it.`);
  process.exitCode = 1;
} else {
  console.log(`${details.numRuns} mutations, seed ${options.seed}: all properties hold (${Date.now() - started} ms).`);
}
