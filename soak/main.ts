import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { FAULTS } from './schedule';
import { runSoak } from './run';

/** `npm run soak -- --customers N --minutes M --seed S [--out FILE]`: the chaos soak on the real stack. */
const positive = (name: string, integer: boolean) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new InvalidArgumentError(`${name} must be a positive ${integer ? 'integer' : 'number'}, e.g. --${name} ${integer ? 3 : 2}`);
  }
  return n;
};

async function main(): Promise<void> {
  const options = new Command('soak')
    .description('Seeded chaos soak: booking churn, people in the mailboxes and faults on the real stack, then exactness checks')
    .option('--customers <n>', 'integrations (one mailbox and feed each)', positive('customers', true), 3)
    .option('--minutes <m>', 'length of the chaos phase', positive('minutes', false), 2)
    .option('--seed <s>', 'seed of the schedule (same seed, same schedule)', (v) => {
      if (!/^\d+$/.test(v)) throw new InvalidArgumentError('seed must be a non-negative integer, e.g. --seed 42');
      return Number(v);
    }, 1)
    .option('--interval <seconds>', "the integrations' reconcile interval", positive('interval', false), 30)
    .option('--out <file>', 'also write the report as JSON')
    .parse()
    .opts<{ customers: number; minutes: number; seed: number; interval: number; out?: string }>();

  const startedAt = Date.now();
  const report = await runSoak({ customers: options.customers, minutes: options.minutes, seed: options.seed, reconcileIntervalMs: options.interval * 1000 });
  console.log('\ninjected:');
  const faults = new Set<string>(FAULTS);
  for (const [kind, n] of Object.entries(report.injected).sort(([a], [b]) => Number(faults.has(b)) - Number(faults.has(a)) || a.localeCompare(b))) {
    console.log(`  ${kind.padEnd(28)} ${n}${faults.has(kind) ? '  (fault)' : ''}`);
  }
  if (Object.keys(report.skipped).length) {
    console.log('skipped (the target was not there at that moment):');
    for (const [kind, n] of Object.entries(report.skipped)) console.log(`  ${kind.padEnd(28)} ${n}`);
  }
  console.log('\nchecks:');
  for (const check of report.checks) console.log(`  ${check.ok ? '✔' : '✘'} ${check.name}${check.detail ? ` — ${check.detail}` : ''}`);
  console.log(report.ok
    ? `\nPASS: converged ${(report.convergedAfterMs! / 1000).toFixed(1)} s after the faults stopped (schedule ${report.scheduleDigest}, ${((Date.now() - startedAt) / 60_000).toFixed(1)} min in all)`
    : `\nFAIL (schedule ${report.scheduleDigest}); worker log: ${report.workerLog}`);
  if (options.out) writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = report.ok ? 0 : 1;
}

main().catch((err: Error) => {
  console.error(`soak: ${err.stack ?? err.message}`);
  process.exit(1);
});
