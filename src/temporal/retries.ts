import { defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type ConnectionOptions, type GrpcRetryOptions } from '@temporalio/client';

type CallStatus = Parameters<GrpcRetryOptions['retryableDecider']>[1];

/** Temporal buffers one query per busy workflow and refuses the next with this (RESOURCE_EXHAUSTED, cause BUSY_WORKFLOW). */
export const isBusyWorkflowQuery = (status: Pick<CallStatus, 'code' | 'details'>): boolean =>
  status.code === 8 /* RESOURCE_EXHAUSTED */ && /consistent query buffer is full/.test(status.details);

/**
 * The SDK's retries on failed calls, except a query refused because the workflow already holds
 * one: the SDK would retry it after its backoff for RESOURCE_EXHAUSTED (1 s × 1.7, ±20 %) whatever
 * the call's deadline, so `status` would answer after ≥ 1.4 s instead of its 0.5 s. The caller
 * decides instead (`status` answers from the server).
 */
export function clientInterceptors(): NonNullable<ConnectionOptions['interceptors']> {
  const sdk = defaultGrpcRetryOptions();
  return [makeGrpcRetryInterceptor({ ...sdk, retryableDecider: (attempt, status) => !isBusyWorkflowQuery(status) && sdk.retryableDecider(attempt, status) })];
}
