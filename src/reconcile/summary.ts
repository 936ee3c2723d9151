/** What a reconcile or a batch of single-event changes did: small, JSON, safe for workflow history. */
export interface SyncSummary {
  kind: 'full' | 'incremental' | 'changes';
  at: string;
  durationMs: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  /** Why some events were not written (stale version, guard, invalid), as counts per reason. */
  skipped: Record<string, number>;
  /** Set when the safety guard held deletions back. */
  guard?: string;
  /** HTTP requests made, by destination. */
  requests: { feed: number; graph: number; token: number };
  /** Events in the source inside the window (full reconciles only). */
  sourceEvents?: number;
  /** A retry that did only the writes its failed attempt had left (no listing). */
  resumed?: boolean;
}

/**
 * Where the incremental path resumes: the feed's validators and the mailbox's delta link.
 * Opaque to the workflow, which only carries it from one reconcile to the next.
 */
export interface SyncCursor {
  feedEtag?: string;
  feedLastModified?: string;
  /** Hash of the desired events the calendar was last made equal to. */
  feedHash?: string;
  deltaLink?: string;
  /** The mailbox and window the delta link was opened for (they are fixed inside the link). */
  mailbox?: string;
  windowStart?: string;
  windowEnd?: string;
  lastFullAt?: string;
  /** Something changed that the last pass could not settle: the next pass must be full. */
  dirty?: boolean;
}

export interface ReconcileResult {
  summary: SyncSummary;
  cursor: SyncCursor;
}
