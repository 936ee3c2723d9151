/**
 * What the service counts, as an interface the I/O code is handed (like its other deps): the Graph
 * client, the feed fetch, the token provider and the activities record into it. The worker passes
 * the Prometheus implementation (./prometheus); everything else runs with `noMetrics`.
 */

export type SyncKind = 'full' | 'incremental' | 'changes';
/** ok; transient: Temporal retries; config: the customer's setup is wrong (needs_attention); cancelled. */
export type SyncOutcome = 'ok' | 'transient' | 'config' | 'cancelled';
/** Where a throttling wait happened: inside one Graph call (Retry-After) or between $batch rounds. */
export type ThrottleWhere = 'request' | 'batch';

export interface GraphMetrics {
  /** One HTTP answer from Graph (retries included), or `network` when none came. */
  graphResponse(status: number | 'network'): void;
  /** Time spent waiting after Graph throttled (429/503/504) before asking again. */
  throttleWaited(where: ThrottleWhere, ms: number): void;
}

export interface FeedMetrics {
  /** modified, not_modified, or the FeedError code (FEED_TIMEOUT, FEED_NOT_FOUND, …). */
  feedFetched(outcome: string): void;
}

export interface TokenMetrics {
  /** cache: MSAL's cache answered; endpoint: a request to Entra; error: it failed. */
  tokenAcquired(source: 'cache' | 'endpoint' | 'error'): void;
}

export interface MetricsRecorder extends GraphMetrics, FeedMetrics, TokenMetrics {
  syncFinished(kind: SyncKind, outcome: SyncOutcome, durationMs: number): void;
  /** From a change's version (the booking's updatedAt in WineAround, when it signalled) to its write in Outlook. */
  changeApplied(latencyMs: number): void;
}

export const noMetrics: MetricsRecorder = {
  graphResponse: () => undefined,
  throttleWaited: () => undefined,
  feedFetched: () => undefined,
  tokenAcquired: () => undefined,
  syncFinished: () => undefined,
  changeApplied: () => undefined,
};
