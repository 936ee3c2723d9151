/**
 * The claims of an app-only Graph access token that explain a setup: which application roles were
 * consented, for which tenant and app. Decoded without verifying the signature: Graph verifies
 * tokens, the diagnosis only reads them (graph-facts §1.4). The token itself is never kept.
 */
export interface TokenClaims {
  /** Admin-consented application permissions; empty when the token has no `roles` claim. */
  roles: string[];
  tid?: string;
  appid?: string;
  /** Issued at, seconds since the epoch. */
  iat?: number;
}

export function decodeTokenClaims(token: string): TokenClaims | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    return {
      roles: Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [],
      tid: typeof claims.tid === 'string' ? claims.tid : undefined,
      appid: typeof claims.appid === 'string' ? claims.appid : typeof claims.azp === 'string' ? claims.azp : undefined,
      iat: typeof claims.iat === 'number' ? claims.iat : undefined,
    };
  } catch {
    return undefined;
  }
}
