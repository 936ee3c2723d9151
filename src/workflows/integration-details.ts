import type { IntegrationStatus } from './status';

/**
 * The integration's "current details" for the Temporal UI, in Markdown: where it stands, what the
 * last sync did, and what is wrong with the fix. Built from the status view, which holds no secret
 * and no guest data; it is a payload, so the encryption codec covers it too.
 */
export function describeDetails(s: IntegrationStatus): string {
  const lines = [
    `**${s.state}** · mailbox \`${s.mailbox}\` · tenant \`${s.tenantId}\``,
    '',
    `- last success: ${s.lastSuccessAt ?? 'none yet'}`,
    `- next run: ${s.nextRunAt ?? '—'}`,
    `- pending changes: ${s.pendingChanges}`,
  ];
  const last = s.lastSummary;
  if (last) {
    const skipped = Object.entries(last.skipped).map(([reason, n]) => `${n} ${reason}`).join(', ');
    lines.push(`- last sync (${last.kind}, ${last.at}): ${last.created} created, ${last.updated} updated, ${last.deleted} deleted, ${last.unchanged} unchanged${skipped ? `; skipped: ${skipped}` : ''}`);
    if (last.guard) lines.push(`- **safety guard:** ${last.guard}`);
    if (last.skippedBookings?.length) {
      lines.push(`- unreadable bookings, kept as they are in Outlook: ${last.skippedBookings.map((b) => `\`${b.uid ?? '(no UID)'}\` ${b.code}`).join(', ')}`);
    }
  }
  if (s.rejectedSignals) lines.push(`- rejected signals: ${s.rejectedSignals}`);
  if (s.lastError) {
    lines.push('', `**Last error \`${s.lastError.code}\`** (${s.lastError.at}): ${s.lastError.message}`);
    if (s.lastError.advice) lines.push('', `Fix: ${s.lastError.advice}`);
  }
  const problems = s.diagnosis?.checks.filter((c) => c.status !== 'pass') ?? [];
  if (problems.length) {
    lines.push('', '**Diagnosis**', '');
    for (const c of problems) lines.push(`- ${c.status.toUpperCase()} \`${c.code}\`: ${c.evidence} — fix: ${c.fix}`);
  }
  return lines.join('\n');
}
