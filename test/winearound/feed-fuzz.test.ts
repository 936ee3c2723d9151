import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { checkMutation, intactParse, mutatedFeed, type Mutated } from '../fuzz/feed-mutations';

/** Property-based: ~1,000 seeded mutations of the real winery fixture (more with `npm run fuzz`), then every committed counterexample. */
const FIXTURES = join(__dirname, '../../../test/fixtures');
const base = readFileSync(join(FIXTURES, 'winery-feed.ics'), 'utf8');
export const FUZZ_SEED = 20261201;

describe('feed parser under mutation (fast-check)', function () {
  this.timeout(120_000);
  const intact = intactParse(base);

  it('keeps every untouched booking exactly and lets only documented codes out, over 1,000 seeded mutations', () => {
    fc.assert(fc.property(mutatedFeed(base), (m) => checkMutation(m, intact)), { numRuns: 1_000, seed: FUZZ_SEED });
  });

  for (const file of readdirSync(join(FIXTURES, 'fuzz')).filter((f) => f.endsWith('.json'))) {
    it(`still holds for the counterexample ${file}`, () => {
      const found = JSON.parse(readFileSync(join(FIXTURES, 'fuzz', file), 'utf8')) as Mutated;
      checkMutation(found, intact);
    });
  }
});
