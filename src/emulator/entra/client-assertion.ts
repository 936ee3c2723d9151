import jwt from 'jsonwebtoken';
import { App, StoredCertificate, Tenant } from '../directory';
import { EntraError } from './errors';

/**
 * Certificate credentials: a client assertion (RFC 7523 JWT, client_assertion_type
 * urn:ietf:params:oauth:client-assertion-type:jwt-bearer) signed with the private key of a
 * certificate uploaded to the app. Header x5t#S256 (or the older x5t) names the certificate;
 * aud is the tenant's token endpoint; iss = sub = the client id; exp, nbf bound it in time.
 * https://learn.microsoft.com/entra/identity-platform/certificate-credentials
 * Codes and wording as Entra answers them in public reports (docs/emulator.md lists the sources
 * and what is uncertain).
 */
export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Entra's tolerance for clock skew is not documented; 5 minutes is the usual identity-stack default. */
const CLOCK_SKEW_SECONDS = 300;
const DOCS = 'Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .';

const invalidClient = (aadsts: number, description: string) => new EntraError(401, 'invalid_client', aadsts, description);

/** `segment`: the token endpoint's tenant segment when it names no tenant (organizations), also accepted as audience. */
export interface AssertionContext { tenant: Tenant; app: App; baseUrl: string; clientId: string; segment?: string }

export function checkClientAssertion(assertionType: string | undefined, assertion: string, ctx: AssertionContext): void {
  if (assertionType !== JWT_BEARER) {
    throw new EntraError(400, 'invalid_request', 90014, "The required field 'client_assertion_type' is missing or not 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.");
  }
  const decoded = jwt.decode(assertion, { complete: true });
  if (!decoded || typeof decoded.payload !== 'object') throw invalidClient(50027, 'JWT token is invalid or malformed.');
  const header = decoded.header as jwt.JwtHeader & { 'x5t#S256'?: string };
  const claims = decoded.payload as jwt.JwtPayload;

  if (claims.iss?.toLowerCase() !== ctx.clientId || claims.sub?.toLowerCase() !== ctx.clientId) {
    throw invalidClient(700021, `Client assertion application identifier doesn't match 'client_id' parameter. ${DOCS}`);
  }
  if (!acceptedAudiences(ctx).has(String(claims.aud ?? '').toLowerCase())) {
    throw invalidClient(700023, `Client assertion audience claim does not match Realm issuer. ${DOCS}`);
  }
  const thumbprint = header['x5t#S256'] ?? header.x5t;
  if (!thumbprint) throw invalidClient(50027, 'Invalid JWT token. No certificate thumbprint specified in token header.');
  const cert = ctx.app.certificates.find((c) => (header['x5t#S256'] ? c.x5tS256 === header['x5t#S256'] : c.x5t === header.x5t));
  const shown = hexThumbprint(thumbprint);
  if (!cert) {
    throw invalidClient(700027,
      `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${shown}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${ctx.app.clientId}'.]`);
  }
  try {
    jwt.verify(assertion, cert.publicKey, { algorithms: ['RS256', 'PS256'], ignoreExpiration: true, ignoreNotBefore: true });
  } catch {
    throw invalidClient(700027,
      `Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '${shown}', Found key '${keyWindow(cert)}']`);
  }
  const now = Date.now();
  if (cert.end.getTime() <= now || cert.start.getTime() > now) {
    throw invalidClient(700027,
      `Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '${shown}', Found key '${keyWindow(cert)}']`);
  }
  checkTimeRange(claims, Math.floor(now / 1000));
}

/** The tenant's token endpoints (v2.0 and v1), by id or domain: MSAL uses the one from the OpenID configuration. */
function acceptedAudiences({ tenant, baseUrl, segment: extra }: AssertionContext): Set<string> {
  const audiences = new Set<string>();
  for (const segment of [tenant.id, tenant.domain, ...(extra ? [extra] : [])]) {
    for (const path of ['oauth2/v2.0/token', 'oauth2/token']) audiences.add(`${baseUrl}/${segment}/${path}`.toLowerCase());
  }
  return audiences;
}

function checkTimeRange(claims: jwt.JwtPayload, now: number): void {
  const exp = claims.exp;
  const nbf = claims.nbf ?? 0;
  if (typeof exp === 'number' && exp + CLOCK_SKEW_SECONDS > now && nbf - CLOCK_SKEW_SECONDS <= now) return;
  const at = (s: number | undefined) => (s === undefined ? 'unset' : new Date(s * 1000).toISOString().replace('Z', '0000Z'));
  throw invalidClient(700024,
    `Client assertion is not within its valid time range. Current time: ${at(now)}, assertion valid from ${at(nbf)}, expiry time of assertion ${at(exp)}. ${DOCS}`);
}

/** The thumbprint as Entra prints it: upper-case hex. */
function hexThumbprint(base64url: string): string {
  return Buffer.from(base64url, 'base64url').toString('hex').toUpperCase();
}

function keyWindow(cert: StoredCertificate): string {
  const us = (d: Date) => d.toISOString().replace(/^(\d+)-(\d+)-(\d+)T([\d:]+).*$/, '$2/$3/$1 $4');
  return `Start=${us(cert.start)}, End=${us(cert.end)}`;
}
