/**
 * A budget of steps and time for the parse of one booking, enforced inside ical.js's recurrence
 * engine. Some rules can never occur (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30): ical.js's
 * RecurIterator.next() then loops for ever inside a single call, so a cap checked between calls
 * never runs. Every turn of that inner loop calls check_contracting_rules(), so this module wraps
 * that method (once, at load) to count the turns and throw when the booking's budget is spent;
 * VTIMEZONE expansion goes through the same iterator and is bounded too. Outside a budget the
 * wrapper only forwards. Parsing is synchronous, so one module-level budget at a time is enough.
 * Pinned to ical.js 2.2.1 (package.json); test/winearound/ical-parse-hostile.test.ts fails if the
 * hook stops being reached.
 */
import ICAL from 'ical.js';
import { BookingSkip } from './skip-codes';

interface Budget {
  stepsLeft: number;
  deadline: number;
}

let current: Budget | undefined;

const prototype = ICAL.RecurIterator.prototype as unknown as { check_contracting_rules(): boolean };
const original = prototype.check_contracting_rules;
prototype.check_contracting_rules = function budgeted(this: unknown): boolean {
  if (current) spendStep();
  return original.call(this);
};

/** Counts one step of the current budget; throws BookingSkip('SERIES_BUDGET') once it is spent. */
export function spendStep(): void {
  if (!current) return;
  current.stepsLeft -= 1;
  // performance.now() is cheap but not free: look at the clock every 256 steps.
  if (current.stepsLeft < 0 || ((current.stepsLeft & 0xff) === 0 && performance.now() > current.deadline)) {
    throw new BookingSkip('SERIES_BUDGET');
  }
}

/** Runs `work` under a budget of `steps` iteration steps and `ms` milliseconds. */
export function withStepBudget<T>(steps: number, ms: number, work: () => T): T {
  const outer = current;
  current = { stepsLeft: steps, deadline: performance.now() + ms };
  try {
    return work();
  } finally {
    current = outer;
  }
}
