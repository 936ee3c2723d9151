import { createHash } from 'node:crypto';
import { ConfidentialClientApplication, LogLevel, type INetworkModule } from '@azure/msal-node';
import type { ClientCredential } from '../secrets/credential';
import { noMetrics, type TokenMetrics } from '../metrics/recorder';
import { knownAuthoritiesFor, type MicrosoftEndpoints } from './endpoints';
import { asConsentNotGranted, classifyTokenError } from './errors';
import { RetryAfterAwareNetwork } from './token-network';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export interface AppCredentials {
  tenantId: string;
  clientId: string;
  /** A client secret, or a certificate (signed client assertion, RFC 7523). */
  credential: ClientCredential;
}

export interface AccessToken {
  token: string;
  fromCache: boolean;
}

/**
 * One MSAL confidential client per tenant + app + credential, kept for the worker's life so that its
 * in-memory cache serves tokens until shortly before expiry (MSAL renews 5 minutes early).
 * A rotated secret gets a new client; tokens never leave the worker.
 */
export class TokenProvider {
  private readonly clients = new Map<string, { app: ConfidentialClientApplication; network: RetryAfterAwareNetwork }>();

  /** `multiTenantAppId`: WineAround's multi-tenant app, for which "no such app in the tenant" means missing consent. */
  constructor(
    private readonly endpoints: MicrosoftEndpoints,
    private readonly metrics: TokenMetrics = noMetrics,
    private readonly multiTenantAppId?: string,
  ) {}

  /** A token, or a SyncError (classifyTokenError) carrying the token endpoint's Retry-After. */
  async acquire(credentials: AppCredentials): Promise<AccessToken> {
    const { app, network } = this.clientFor(credentials);
    let result;
    try {
      result = await app.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] });
    } catch (err) {
      this.metrics.tokenAcquired('error');
      const e = classifyTokenError(err, network.retryAfterMs());
      throw credentials.clientId === this.multiTenantAppId ? asConsentNotGranted(e) : e;
    }
    if (!result?.accessToken) {
      this.metrics.tokenAcquired('error');
      throw new Error('The token endpoint answered without an access token.');
    }
    this.metrics.tokenAcquired(result.fromCache ? 'cache' : 'endpoint');
    return { token: result.accessToken, fromCache: result.fromCache };
  }

  /** Drops the app's client and its cached tokens: the next acquire asks the token endpoint. */
  forget(credentials: AppCredentials): void {
    this.clients.delete(clientKey(credentials));
  }

  private clientFor({ tenantId, clientId, credential }: AppCredentials) {
    const key = clientKey({ tenantId, clientId, credential });
    let client = this.clients.get(key);
    if (!client) {
      const network = new RetryAfterAwareNetwork();
      const app = confidentialClient(this.endpoints, { tenantId, clientId, credential }, network);
      client = { app, network };
      this.clients.set(key, client);
    }
    return client;
  }
}

function clientKey({ tenantId, clientId, credential }: AppCredentials): string {
  const material = credential.kind === 'secret' ? credential.secret : `${credential.privateKey}${credential.certificateChain}`;
  return `${tenantId}|${clientId}|${createHash('sha256').update(material).digest('base64url')}`;
}

/**
 * An MSAL confidential client for WineAround's side of a Microsoft app: `tenantId` is the authority
 * (a tenant, or `organizations` for a sign-in from any work account).
 */
export function confidentialClient(endpoints: MicrosoftEndpoints, { tenantId, clientId, credential }: AppCredentials, networkClient?: INetworkModule): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId,
      // A certificate signs a client assertion (PS256, x5t#S256 header, x5c chain): Microsoft's recommended credential.
      ...(credential.kind === 'secret'
        ? { clientSecret: credential.secret }
        : { clientCertificate: { thumbprintSha256: credential.thumbprintSha256, privateKey: credential.privateKey, x5c: credential.certificateChain } }),
      authority: `${endpoints.authorityHost}/${tenantId}`,
      knownAuthorities: knownAuthoritiesFor(endpoints.authorityHost),
    },
    // MSAL logs PII only when asked; keep it off and quiet.
    system: { ...(networkClient && { networkClient }), loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => undefined } },
  });
}
