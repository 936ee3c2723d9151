import { ClientAuthError, type INetworkModule, type NetworkRequestOptions, type NetworkResponse } from '@azure/msal-node';
import { parseRetryAfterMs } from './retry-after';

/** MSAL sends token POSTs without a deadline; a hung token endpoint must not hold an activity. */
const TOKEN_REQUEST_TIMEOUT_MS = 20_000;
/** MSAL blocks identical requests this long after a 429/5xx without Retry-After (msal-common DEFAULT_THROTTLE_TIME_SECONDS). */
const MSAL_DEFAULT_BLOCK_MS = 60_000;

/**
 * MSAL's HTTP transport (as msal-node's own fetch client: JSON bodies, header dictionary), which
 * also remembers the token endpoint's Retry-After: MSAL honours it by refusing requests until then
 * (graph-facts §2.4) but does not surface it, and the activity must tell Temporal how long to wait.
 */
export class RetryAfterAwareNetwork implements INetworkModule {
  private blockedUntil = 0;

  /** How long MSAL will refuse new token requests, in ms (0 = not blocked). */
  retryAfterMs(now = Date.now()): number {
    return Math.max(0, this.blockedUntil - now);
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>(url, 'GET', options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>(url, 'POST', options);
  }

  private async send<T>(url: string, method: 'GET' | 'POST', options?: NetworkRequestOptions, timeout = TOKEN_REQUEST_TIMEOUT_MS): Promise<NetworkResponse<T>> {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: options?.headers,
        ...(method === 'POST' && { body: options?.body ?? '' }),
        signal: AbortSignal.timeout(timeout),
      });
    } catch (err) {
      throw new ClientAuthError('network_error', `Network request failed: ${(err as Error).name}`);
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    if (response.status === 429 || response.status >= 500) {
      const wait = parseRetryAfterMs(headers['retry-after']);
      this.blockedUntil = Date.now() + (wait ?? MSAL_DEFAULT_BLOCK_MS);
    }
    try {
      return { headers, body: (await response.json()) as T, status: response.status };
    } catch {
      throw new ClientAuthError('token_parsing_error', `Failed to parse the token endpoint's response (HTTP ${response.status}).`);
    }
  }
}
