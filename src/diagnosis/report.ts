/** The result of checking one customer's setup: stable codes for machines, evidence and fixes for people. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface CheckResult {
  /** Stable identifier of the check, e.g. "secret". */
  check: string;
  status: CheckStatus;
  /** Stable code of the finding, e.g. INVALID_SECRET; OK when it passed. */
  code: string;
  /** What was observed: AADSTS or Graph error codes, roles found in the token, counts. Never secrets. */
  evidence: string;
  /** What to do, in the words of the Entra and Exchange admin centers; empty when it passed. */
  fix: string;
  /** For a skipped check: the check whose failure made this one impossible to run. */
  blockedBy?: string;
}

/** What was checked: identifiers only; the feed URL without its query (which may hold a token). */
export interface DiagnosisTargetSummary {
  tenantId: string;
  clientId: string;
  secretRef: string;
  mailbox: string;
  feed?: string;
}

export interface DiagnosisReport {
  customerId?: string;
  at: string;
  ok: boolean;
  checks: CheckResult[];
  target?: DiagnosisTargetSummary;
}
