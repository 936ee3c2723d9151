import type { CheckResult, CheckStatus, DiagnosisReport } from './report';
import { blockedSentence, CHECK_TITLES, fixFor, type CheckId, type Lang } from './texts';

/**
 * The diagnosis for people (English or Italian) and for machines (JSON, English, stable codes).
 * Titles, fixes and the "not checked" lines are translated; evidence stays as observed (error
 * codes, roles, counts), which is what an admin searches for.
 */

const LABELS: Record<Lang, Record<CheckStatus, string> & { title: string; evidence: string; fix: string; result: (r: Tally) => string }> = {
  en: {
    pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP',
    title: 'Setup check', evidence: 'Evidence', fix: 'Fix',
    result: (t) => `Result: ${t.fail} to fix${t.codes}, ${t.warn} warnings, ${t.pass} passed, ${t.skip} not checked.`,
  },
  it: {
    pass: 'OK', fail: 'ERRORE', warn: 'AVVISO', skip: 'SALTATO',
    title: 'Verifica della configurazione', evidence: 'Riscontro', fix: 'Soluzione',
    result: (t) => `Esito: ${t.fail} da correggere${t.codes}, ${t.warn} avvisi, ${t.pass} superati, ${t.skip} non verificati.`,
  },
};

interface Tally {
  pass: number;
  fail: number;
  warn: number;
  skip: number;
  codes: string;
}

function tally(checks: CheckResult[]): Tally {
  const count = (status: CheckStatus) => checks.filter((c) => c.status === status).length;
  const failed = checks.filter((c) => c.status === 'fail').map((c) => c.code);
  return { pass: count('pass'), fail: count('fail'), warn: count('warn'), skip: count('skip'), codes: failed.length ? ` (${failed.join(', ')})` : '' };
}

function renderCheck(c: CheckResult, lang: Lang, report: DiagnosisReport): string[] {
  const l = LABELS[lang];
  const title = CHECK_TITLES[c.check as CheckId]?.[lang] ?? c.check;
  const indent = ' '.repeat(8);
  if (c.status === 'skip' && c.blockedBy) return [`${l.skip.padEnd(7)} ${title}`, `${indent}${blockedSentence(c.blockedBy, lang)}`];
  const head = `${l[c.status].padEnd(7)} ${title}${c.status === 'pass' ? '' : ` — ${c.code}`}`;
  const lines = [head, `${indent}${c.status === 'pass' ? '' : `${l.evidence}: `}${c.evidence}`];
  const fix = c.status === 'pass' ? '' : (lang === 'en' ? c.fix : fixFor(c.code, lang, report.target) || c.fix);
  if (fix) lines.push(`${indent}${l.fix}: ${fix}`);
  return lines;
}

export function renderReport(report: DiagnosisReport, options: { lang?: Lang } = {}): string {
  const lang = options.lang ?? 'en';
  const l = LABELS[lang];
  const t = report.target;
  const header = [
    `${l.title}${report.customerId ? ` — ${report.customerId}` : ''} (${report.at})`,
    t && `tenant ${t.tenantId} · app ${t.clientId} · mailbox ${t.mailbox} · secret ref ${t.secretRef}${t.feed ? ` · feed ${t.feed}` : ''}`,
  ].filter(Boolean) as string[];
  const body = report.checks.flatMap((c) => ['', ...renderCheck(c, lang, report)]);
  return [...header, ...body, '', l.result(tally(report.checks))].join('\n');
}

export function renderJson(report: DiagnosisReport): string {
  return JSON.stringify(report, null, 2);
}
