import { CryptoProvider, ResponseMode } from '@azure/msal-node';
import type { MicrosoftEndpoints } from '../outlook/endpoints';
import { confidentialClient } from '../outlook/token';
import { parseCredential } from '../secrets/credential';
import type { SecretStore } from '../secrets/store';

/**
 * Who consented: Entra's admin-consent answer names a tenant but proves nothing (Microsoft's docs:
 * never trust it), so the admin then signs in with OpenID Connect (authorization code + PKCE, with
 * WineAround's app credential) and the id_token's `tid` — the admin's home tenant, issued to us by
 * the token endpoint — must be the tenant that consented. Right after consent Entra's session signs
 * the admin in without a prompt.
 * https://learn.microsoft.com/entra/identity-platform/v2-admin-consent
 */
export interface AdminSignInOptions {
  endpoints: MicrosoftEndpoints;
  appClientId: string;
  appSecretRef: string;
  secrets: SecretStore;
}

export class AdminSignIn {
  private readonly pkce = new CryptoProvider();

  constructor(private readonly options: AdminSignInOptions) {}

  /** Where to send the browser, and the PKCE verifier to keep (sealed) until it comes back. */
  async start(redirectUri: string, state: (verifier: string) => string): Promise<string> {
    const { verifier, challenge } = await this.pkce.generatePkceCodes();
    return (await this.client()).getAuthCodeUrl({
      scopes: ['openid'], redirectUri, state: state(verifier), codeChallenge: challenge, codeChallengeMethod: 'S256', responseMode: ResponseMode.QUERY,
    });
  }

  /** The signed-in admin's home tenant, from the id_token the code redeems for. */
  async tenantOf(code: string, verifier: string, redirectUri: string): Promise<{ tenantId: string; username?: string }> {
    const result = await (await this.client()).acquireTokenByCode({ code, scopes: ['openid'], redirectUri, codeVerifier: verifier });
    const claims = result.idTokenClaims as { tid?: string; preferred_username?: string };
    if (!claims?.tid) throw new Error('the id_token carries no tenant (tid)');
    return { tenantId: claims.tid, username: claims.preferred_username };
  }

  private async client() {
    const { endpoints, appClientId, appSecretRef, secrets } = this.options;
    const secret = await secrets.get(appSecretRef);
    if (!secret) throw new Error(`the secret store has no credential named "${appSecretRef}" (WA_APP_SECRET_REF)`);
    return confidentialClient(endpoints, { tenantId: 'organizations', clientId: appClientId, credential: parseCredential(secret) });
  }
}
