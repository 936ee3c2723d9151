import type { SyncSummary } from '../reconcile/summary';
import { integrationWorkflowId } from '../workflows/messages';
import type { IntegrationStatus } from '../workflows/status';
import type { BulkOutcome, IntegrationListing } from './integrations';
import type { ServerView } from './status';

/** Human-readable renderings for the ops CLI. */

const when = (iso?: string) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—');

export function formatSummary(s: SyncSummary): string {
  const skipped = Object.entries(s.skipped).map(([reason, n]) => `${n} ${reason}`).join(', ');
  return [
    `${s.kind} sync at ${when(s.at)} in ${s.durationMs} ms: ${s.created} created, ${s.updated} updated, ${s.deleted} deleted, ${s.unchanged} unchanged`,
    skipped && `skipped: ${skipped}`,
    s.skippedBookings?.length && skippedBookingsLine(s),
    s.guard && `SAFETY GUARD: ${s.guard}`,
    `requests: ${s.requests.feed} feed, ${s.requests.graph} Graph, ${s.requests.token} token`,
  ].filter(Boolean).join('\n');
}

/** UIDs and codes only (no booking text): their Outlook events are kept as they are until the feed is fixed. */
function skippedBookingsLine(s: SyncSummary): string {
  const listed = s.skippedBookings!.map((b) => `${b.uid ?? '(no UID)'} ${b.code}`);
  const more = (s.skipped['invalid-in-feed'] ?? listed.length) - listed.length;
  return `unreadable bookings, kept as they are in Outlook: ${listed.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

/** The integration's page in the Temporal UI: its timeline, summaries and current details. */
export function workflowUiLink(uiUrl: string, namespace: string, customerId: string): string {
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(integrationWorkflowId(customerId))}`;
}

export function formatStatus(s: IntegrationStatus, uiLink?: string): string {
  const rows: [string, string][] = [
    ['customer', s.customerId],
    ['state', s.state],
    ['mailbox', s.mailbox],
    ['tenant / app', `${s.tenantId} / ${s.clientId}`],
    ['secret ref', s.secretRef],
    ['feed', s.feed],
    ['last success', when(s.lastSuccessAt)],
    ['next run', when(s.nextRunAt)],
    ['pending changes', String(s.pendingChanges)],
    ['rejected signals', s.rejectedSignals ? `${s.rejectedSignals} (last: ${s.lastRejectedSignal})` : '0'],
  ];
  if (s.lastError) rows.push(['last error', `${s.lastError.code}: ${s.lastError.message}`]);
  if (s.lastError?.advice) rows.push(['fix', s.lastError.advice]);
  if (uiLink) rows.push(['Temporal UI', uiLink]);
  const lines = labelled(rows);
  if (s.lastSummary) lines.push('', formatSummary(s.lastSummary));
  for (const c of s.diagnosis?.checks.filter((check) => check.status !== 'pass') ?? []) {
    lines.push('', `[${c.status.toUpperCase()}] ${c.code}: ${c.evidence}`, `  fix: ${c.fix}`);
  }
  return lines.join('\n');
}

/** The server's view, when the worker did not answer: what the workflow last published and what waits. */
export function formatServerView(v: ServerView, why: string, uiLink?: string): string {
  const rows: [string, string][] = [
    ['customer', v.customerId],
    ['state', v.execution === 'RUNNING'
      ? `${v.state} (as last published; ${why})`
      : `ended: ${v.execution} (last published state ${v.state}; ${why})`],
    ['last error', v.errorCode ?? '—'],
    ['run started', when(v.runStartedAt.toISOString())],
    ['history events', String(v.historyLength)],
    ['workflow task', v.workflowTaskWaitingSince ? `waiting for a worker since ${when(v.workflowTaskWaitingSince.toISOString())}` : 'none waiting'],
    ...v.activities.map((a): [string, string] => ['activity', `${a.type}: ${a.state}, attempt ${a.attempt}${a.nextAttemptAt ? `, next attempt ${when(a.nextAttemptAt.toISOString())}` : ''}`]),
  ];
  if (uiLink) rows.push(['Temporal UI', uiLink]);
  return [
    ...labelled(rows),
    '',
    'Last sync, next run and pending changes come from the worker: ask again, or pass --wait <ms> to wait longer. A task waiting long with no worker polling means no worker runs for this task queue.',
  ].join('\n');
}

/** Label-value rows, the values aligned. */
function labelled(rows: [string, string][]): string[] {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
}

export function formatListing(listings: IntegrationListing[], options: { details?: boolean } = {}): string {
  if (!listings.length) return 'No running integrations match.';
  const details = options.details ?? listings.some((l) => l.status || l.statusError);
  const header = ['CUSTOMER', 'STATE', 'ERROR', ...(details ? ['LAST SYNC', 'NEXT RUN', 'PENDING'] : ['STARTED'])];
  const rows = listings.map((l) => [
    l.customerId,
    l.state,
    l.errorCode ?? l.status?.lastError?.code ?? '',
    ...(details
      ? [when(l.status?.lastSuccessAt), when(l.status?.nextRunAt), l.status ? String(l.status.pendingChanges) : '?']
      : [when(l.startTime.toISOString())]),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const table = [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
  const unanswered = listings.filter((l) => l.statusError).map((l) => `? ${l.customerId}: no status (${l.statusError}) — is a worker running?`);
  return [...table, ...(unanswered.length ? ['', ...unanswered] : [])].join('\n');
}

export function formatCounts(counts: { total: number; byState: Record<string, number> }): string {
  const states = Object.entries(counts.byState).filter(([, n]) => n > 0).map(([state, n]) => `${state} ${n}`);
  return `${counts.total} integration${counts.total === 1 ? '' : 's'}${states.length ? `: ${states.join(' · ')}` : ''}`;
}

export function formatOutcome(action: string, outcome: BulkOutcome): string {
  return outcome.ok ? `ok      ${outcome.customerId}: ${action}` : `FAILED  ${outcome.customerId}: ${outcome.error}`;
}
