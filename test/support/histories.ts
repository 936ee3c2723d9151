import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { findTemporalCli } from '../../src/temporal/cli';

/**
 * Workflow histories for replay tests: the ones the test run produced, and the ones committed in
 * test/fixtures/histories (each shipped workflow shape), exported as an operator would with
 * `temporal workflow show --output json`. `RECORD_HISTORIES=1 npm test` refreshes the committed set.
 */
export const HISTORY_DIR = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'histories');

export interface NamedHistory {
  workflowId: string;
  history: ReturnType<typeof historyFromJSON>;
}

const recorded: NamedHistory[] = [];

export function exportHistory(address: string, workflowId: string, runId?: string): string {
  const cli = findTemporalCli({ build: false });
  if (!cli.path) throw new Error('no Temporal CLI to export histories with');
  const args = ['workflow', 'show', '--address', address, '--workflow-id', workflowId, '--output', 'json', ...(runId ? ['--run-id', runId] : [])];
  return execFileSync(cli.path, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

export function recordHistory(address: string, name: string, workflowId: string, runId?: string): void {
  const json = exportHistory(address, workflowId, runId);
  recorded.push({ workflowId: name, history: historyFromJSON(JSON.parse(json)) });
  if (process.env.RECORD_HISTORIES) {
    mkdirSync(HISTORY_DIR, { recursive: true });
    writeFileSync(join(HISTORY_DIR, `${name}.json`), json);
  }
}

export function recordedHistories(): NamedHistory[] {
  return recorded;
}

export function committedHistories(): NamedHistory[] {
  return readdirSync(HISTORY_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(readFileSync(join(HISTORY_DIR, f), 'utf8'))) }));
}
