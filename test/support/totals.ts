import { existsSync, readFileSync } from 'node:fs';

/**
 * Prints CI's one closing line `N passed, N failed` over every suite that appended its counts to
 * the file (see summary-reporter.ts). A suite that crashed before reporting counts as one failure,
 * so a broken run can never close with "0 failed".
 */
const [file, expectedRuns] = [process.argv[2], Number(process.argv[3] ?? 1)];
const runs = file && existsSync(file)
  ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { passes: number; failures: number; pending: number })
  : [];
const sum = (key: 'passes' | 'failures' | 'pending') => runs.reduce((total, run) => total + run[key], 0);
const failures = sum('failures') + Math.max(0, expectedRuns - runs.length);
const pending = sum('pending');
process.stdout.write(`\n${sum('passes')} passed, ${failures} failed${pending ? `, ${pending} skipped` : ''}\n`);
process.exitCode = failures ? 1 : 0;
