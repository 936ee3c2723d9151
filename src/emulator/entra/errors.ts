import { randomUUID } from 'node:crypto';

/**
 * Entra token-endpoint error, always JSON (MSAL parses every body as JSON):
 * {error, error_description "AADSTSnnn: ...", error_codes, timestamp, trace_id, correlation_id, error_uri}.
 * https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 */
export class EntraError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadsts: number,
    readonly description: string,
  ) {
    super(description);
  }
}

export function entraErrorBody(err: EntraError, correlationId: string | undefined): object {
  const traceId = randomUUID();
  const correlation = correlationId ?? randomUUID();
  const timestamp = `${new Date().toISOString().slice(0, 19).replace('T', ' ')}Z`;
  return {
    error: err.error,
    error_description: `AADSTS${err.aadsts}: ${err.description} Trace ID: ${traceId} Correlation ID: ${correlation} Timestamp: ${timestamp}`,
    error_codes: [err.aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${err.aadsts}`,
  };
}
