import { createHash } from 'node:crypto';
import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import { knownAuthoritiesFor, type MicrosoftEndpoints } from './endpoints';
import { classifyTokenError } from './errors';
import { RetryAfterAwareNetwork } from './token-network';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export interface AppCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface AccessToken {
  token: string;
  fromCache: boolean;
}

/**
 * One MSAL confidential client per tenant + app + secret, kept for the worker's life so that its
 * in-memory cache serves tokens until shortly before expiry (MSAL renews 5 minutes early).
 * A rotated secret gets a new client; tokens never leave the worker.
 */
export class TokenProvider {
  private readonly clients = new Map<string, { app: ConfidentialClientApplication; network: RetryAfterAwareNetwork }>();

  constructor(private readonly endpoints: MicrosoftEndpoints) {}

  /** A token, or a SyncError (classifyTokenError) carrying the token endpoint's Retry-After. */
  async acquire(credentials: AppCredentials): Promise<AccessToken> {
    const { app, network } = this.clientFor(credentials);
    let result;
    try {
      result = await app.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] });
    } catch (err) {
      throw classifyTokenError(err, network.retryAfterMs());
    }
    if (!result?.accessToken) throw new Error('The token endpoint answered without an access token.');
    return { token: result.accessToken, fromCache: result.fromCache };
  }

  private clientFor({ tenantId, clientId, clientSecret }: AppCredentials) {
    const secretDigest = createHash('sha256').update(clientSecret).digest('base64url');
    const key = `${tenantId}|${clientId}|${secretDigest}`;
    let client = this.clients.get(key);
    if (!client) {
      const network = new RetryAfterAwareNetwork();
      const app = new ConfidentialClientApplication({
        auth: {
          clientId,
          clientSecret,
          authority: `${this.endpoints.authorityHost}/${tenantId}`,
          knownAuthorities: knownAuthoritiesFor(this.endpoints.authorityHost),
        },
        // MSAL logs PII only when asked; keep it off and quiet.
        system: { networkClient: network, loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => undefined } },
      });
      client = { app, network };
      this.clients.set(key, client);
    }
    return client;
  }
}
