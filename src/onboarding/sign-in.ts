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
/**
 * Directory roles that may grant admin consent to Microsoft Graph application permissions: Global
 * Administrator and Privileged Role Administrator (role template ids, the `wids` claim).
 * https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference
 */
export const CONSENTING_ROLES = ['62e90394-69f5-4237-9190-012177145e10', 'e8611ab8-c189-46e8-94e1-60213ab1f814'];

export interface SignedInAdmin {
  tenantId: string;
  /** The account holds one of CONSENTING_ROLES. */
  mayConsent: boolean;
}

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

  /**
   * Who signed in, from the id_token the code redeems for: the home tenant, and whether the account
   * holds a directory role that may grant admin consent (`wids`, emitted because the app's manifest
   * sets groupMembershipClaims to DirectoryRole).
   */
  async whoSignedIn(code: string, verifier: string, redirectUri: string): Promise<SignedInAdmin> {
    const result = await (await this.client()).acquireTokenByCode({ code, scopes: ['openid'], redirectUri, codeVerifier: verifier });
    const claims = result.idTokenClaims as { tid?: string; wids?: string[] };
    if (!claims?.tid) throw new Error('the id_token carries no tenant (tid)');
    return { tenantId: claims.tid, mayConsent: (claims.wids ?? []).some((role) => CONSENTING_ROLES.includes(role)) };
  }

  private async client() {
    const { endpoints, appClientId, appSecretRef, secrets } = this.options;
    const secret = await secrets.get(appSecretRef);
    if (!secret) throw new Error(`the secret store has no credential named "${appSecretRef}" (WA_APP_SECRET_REF)`);
    return confidentialClient(endpoints, { tenantId: 'organizations', clientId: appClientId, credential: parseCredential(secret) });
  }
}
