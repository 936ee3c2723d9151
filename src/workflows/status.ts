import type { DiagnosisReport } from '../diagnosis/report';
import type { SyncSummary } from '../reconcile/summary';

export type IntegrationState = 'running' | 'paused' | 'needs_attention' | 'stopping' | 'stopped';

/** The states a running integration publishes in its WaIntegrationStatus search attribute (`stopped` ends the workflow). */
export const LIVE_STATES: readonly IntegrationState[] = ['running', 'paused', 'needs_attention', 'stopping'];

export interface IntegrationError {
  code: string;
  message: string;
  advice?: string;
  at: string;
}

/** What the `status` query answers. No secrets and no guest data. */
export interface IntegrationStatus {
  customerId: string;
  state: IntegrationState;
  tenantId: string;
  clientId: string;
  mailbox: string;
  secretRef: string;
  feed: string;
  reconcileIntervalMs: number;
  lastSuccessAt?: string;
  lastSummary?: SyncSummary;
  lastError?: IntegrationError;
  diagnosis?: DiagnosisReport;
  pendingChanges: number;
  rejectedSignals: number;
  lastRejectedSignal?: string;
  nextRunAt?: string;
  runCycles: number;
}
