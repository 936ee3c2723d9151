import { randomUUID } from 'node:crypto';

/**
 * A Graph error response. Body shape: {"error":{"code","message","innerError":{"date",
 * "request-id","client-request-id"}}} (innerError with capital E, date without zone).
 * https://learn.microsoft.com/graph/errors
 */
export class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function graphErrorBody(code: string, message: string, clientRequestId: string | undefined, requestId = randomUUID()): object {
  return {
    error: {
      code,
      message,
      innerError: {
        date: new Date().toISOString().slice(0, 19),
        'request-id': requestId,
        'client-request-id': clientRequestId ?? requestId,
      },
    },
  };
}

export const itemNotFound = (): GraphHttpError =>
  new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');

export const badRequest = (message: string, code = 'BadRequest'): GraphHttpError => new GraphHttpError(400, code, message);
