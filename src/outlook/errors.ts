import { ValidationError } from '../sync/validation';
import { FeedError } from '../winearound/errors';
import { parseRetryAfterMs } from './retry-after';

/**
 * Every failure of a sync, classified: transient ones are retried (honouring Retry-After);
 * configuration ones stop the integration in needs_attention with a code, evidence and a fix.
 * Messages carry codes and statuses only: never tokens, secrets, URLs' queries or guest data.
 */
export class SyncError extends Error {
  override name = 'SyncError';
  constructor(
    readonly code: string,
    message: string,
    readonly transient: boolean,
    readonly advice?: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** The fix for each configuration code, in the words of the admin centers. */
export const ADVICE: Record<string, string> = {
  SECRET_REF_UNKNOWN:
    'The worker has no secret under this reference. Add it to the worker\'s secret store (WA_SECRETS_FILE or WA_SECRET_<REF>), or correct --secret-ref with "wa-outlook update-config".',
  TENANT_NOT_FOUND:
    'Check the Tenant ID: Entra admin center > Identity > Overview > Tenant ID (or the tenant\'s .onmicrosoft.com domain).',
  CONSENT_NOT_GRANTED:
    'WineAround\'s app is not (yet) consented in this tenant. Open the onboarding link from WineAround again and choose "Connect Outlook", signed in as a Global Administrator or Privileged Role Administrator, then Accept. If you accepted minutes ago, Microsoft may still be propagating it: check again in a few minutes. If the app was removed under Entra admin center > Enterprise applications, consent again the same way.',
  APP_NOT_FOUND:
    'No app with this Client ID in the tenant. Entra admin center > Identity > Applications > App registrations: copy the "Application (client) ID" of the WineAround app, and check it was registered in this tenant.',
  INVALID_SECRET:
    'The client secret is wrong. In App registrations > the app > Certificates & secrets, create a new client secret and hand WineAround its Value (not its Secret ID).',
  SECRET_EXPIRED:
    'The client secret has expired. In App registrations > the app > Certificates & secrets, add a new client secret, hand WineAround its Value, then delete the expired one.',
  SECRET_MISSING: 'The secret store holds an empty secret for this reference; store the client secret Value.',
  CERTIFICATE_REJECTED:
    'Microsoft Entra does not accept the certificate: it is not uploaded to this app registration, or the stored private key belongs to another certificate. In App registrations > the app > Certificates & secrets > Certificates, compare the Thumbprint column with the SHA-1 thumbprint in the evidence; upload the certificate (its .crt / .pem, never the key) or store under the secret reference the key and certificate that were uploaded (docs/setup.md, step 4a).',
  CERTIFICATE_EXPIRED:
    'The certificate has expired. Create a new one (docs/setup.md, step 4a), upload it in App registrations > the app > Certificates & secrets > Certificates, store it under a new secret reference and switch with "wa-outlook update-config --secret-ref", then delete the expired certificate.',
  CERTIFICATE_UNREADABLE:
    'The value under the secret reference looks like a certificate but cannot be used (see the message). Store the unencrypted private key followed by the certificate as one PEM text, or in WA_SECRETS_FILE the object {"privateKey": "<PEM>", "certificate": "<PEM>"} (docs/setup.md, step 4a).',
  CLOCK_SKEW:
    'Microsoft Entra found the signed client assertion outside its validity time: the worker\'s clock is wrong. Synchronise the server\'s clock (NTP) and check its time zone setting.',
  CLIENT_ASSERTION_INVALID:
    'Microsoft Entra refused the form of the signed client assertion (audience, issuer or header). Check MS_AUTHORITY_HOST, and report the evidence to WineAround engineering.',
  SECRETS_FILE_EXPOSED:
    'The secrets file can be read by other users of the machine, so the worker refuses it (as ssh refuses such private keys). Run chmod 600 on it (owner read/write only), keep it owned by the worker\'s user, and rotate the secrets in it if someone else may have copied them.',
  SECRET_STORE_UNREADABLE: 'The worker cannot read its secrets file (WA_SECRETS_FILE): check that it exists and is a JSON object {"<ref>": "<secret>"}.',
  INVALID_SETTINGS: 'A setting of the integration is invalid (named in the message); correct it with "wa-outlook update-config".',
  CONSENT_MISSING:
    'The app has no admin-consented application permission Calendars.ReadWrite. App registrations > the app > API permissions > Add a permission > Microsoft Graph > Application permissions > Calendars.ReadWrite, then "Grant admin consent for <tenant>". A Delegated permission does not work.',
  ACCESS_POLICY_DENIED:
    'An Exchange application access policy or RBAC for Applications scope excludes this mailbox. In Exchange Online PowerShell check Test-ApplicationAccessPolicy -Identity <mailbox> -AppId <client id> (or Test-ServicePrincipalAuthorization) and add the mailbox to the policy\'s group or scope.',
  MAILBOX_NOT_FOUND:
    'No such user in the tenant. Microsoft 365 admin center > Users > Active users: check the dedicated calendar user\'s user principal name.',
  NO_EXCHANGE_LICENSE:
    'The user has no Exchange Online mailbox. Microsoft 365 admin center > Users > Active users > the user > Licenses and apps: assign a licence that includes Exchange Online, then wait for the mailbox to be provisioned.',
  TOKEN_REJECTED: 'Graph rejected the access token. Check that the app and the mailbox are in the same tenant and that the server clock is correct.',
  GRAPH_REJECTED: 'Graph refused the request as invalid; see the message, and report it to WineAround engineering if it persists.',
  FEED_NOT_FOUND: 'The WineAround feed URL answers 404. Copy the iCal feed URL again from WineAround and update --feed.',
  FEED_ACCESS_DENIED: 'The WineAround feed refuses access (its token may have been regenerated). Copy the iCal feed URL again from WineAround and update --feed.',
  FEED_INVALID: 'The WineAround feed did not answer with an iCalendar document (an HTML page, an empty body, no BEGIN:VCALENDAR). Check the feed URL; if it is right, WineAround engineering must look at what the feed serves.',
  FEED_TOO_LARGE:
    'The WineAround feed is larger than this worker reads (WA_FEED_MAX_BYTES, 32 MiB by default). WineAround: check why the customer\'s feed is so large (bookings far in the past or future, a runaway export); raise WA_FEED_MAX_BYTES only if the size is genuine.',
  FEED_PARSE_BUDGET:
    'Parsing the WineAround feed overran its time budget (WA_FEED_PARSE_BUDGET_MS, 120 s by default) and was stopped, so that other customers on the worker are not held up. WineAround: check the customer\'s feed for its size and for recurrence rules that expand without end; the integration re-checks on its interval.',
  FEED_HTTP_ERROR: 'The WineAround feed answered with an unexpected status. Check the feed URL.',
};

const TOKEN_ERROR_CODES: Record<string, string> = {
  '90002': 'TENANT_NOT_FOUND',
  '900023': 'TENANT_NOT_FOUND',
  '700016': 'APP_NOT_FOUND',
  // A multi-tenant app whose service principal is missing in the tenant (no consent yet, or removed).
  '7000229': 'APP_NOT_FOUND',
  '7000215': 'INVALID_SECRET',
  '7000222': 'SECRET_EXPIRED',
  '7000218': 'SECRET_MISSING',
  // Certificate credentials (client assertions): https://learn.microsoft.com/entra/identity-platform/certificate-credentials
  '700027': 'CERTIFICATE_REJECTED',
  '700024': 'CLOCK_SKEW',
  '700021': 'CLIENT_ASSERTION_INVALID',
  '700023': 'CLIENT_ASSERTION_INVALID',
  '50027': 'CLIENT_ASSERTION_INVALID',
};

/** AADSTS700027 covers an unknown key, a wrong signature and an expired key; only its reason tells them apart. */
function tokenErrorCode(errorNo: string, description: string): string | undefined {
  const code = TOKEN_ERROR_CODES[errorNo];
  return code === 'CERTIFICATE_REJECTED' && /key used is expired/i.test(description) ? 'CERTIFICATE_EXPIRED' : code;
}

/**
 * For WineAround's multi-tenant app, "no such app in the tenant" means its consent is missing there:
 * never granted, revoked (the enterprise application deleted), or not propagated yet.
 */
export function asConsentNotGranted(e: SyncError): SyncError {
  if (e.code !== 'APP_NOT_FOUND') return e;
  return configError('CONSENT_NOT_GRANTED', `${e.message} WineAround's multi-tenant app has no service principal in this tenant: admin consent was not granted, was revoked, or has not reached the token endpoint yet.`);
}

export function configError(code: string, message: string): SyncError {
  return new SyncError(code, message, false, ADVICE[code]);
}

export function transientError(message: string, retryAfterMs?: number): SyncError {
  return new SyncError('UNAVAILABLE', message, true, undefined, retryAfterMs);
}

function isNetworkError(err: unknown): boolean {
  const e = err as { name?: string; message?: string; code?: string; cause?: unknown };
  return e?.name === 'TypeError' && /fetch failed|terminated|socket/i.test(e.message ?? '')
    || e?.name === 'AbortError' || e?.name === 'TimeoutError'
    || /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|UND_ERR/.test(String(e?.code ?? ''))
    || (e?.cause !== undefined && e.cause !== err && isNetworkError(e.cause));
}

/**
 * Which network failure it was, by the names and codes along its causes (e.g. "TypeError,
 * ECONNRESET" or "TimeoutError"): enough to tell a reset from a timeout; never a message, which may quote a URL.
 */
function networkErrorKind(err: unknown): string {
  const said: string[] = [];
  let e = err as { name?: unknown; code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++, e = e.cause as typeof e) {
    for (const part of [e.name, e.code]) if (typeof part === 'string' && part && !said.includes(part)) said.push(part);
  }
  return said.join(', ') || 'unknown';
}

/**
 * Classifies a failure of MSAL's token acquisition. `retryAfterMs`: how long the token endpoint
 * asked to wait (MSAL refuses new requests until then), for transient failures.
 */
export function classifyTokenError(err: unknown, retryAfterMs?: number): SyncError {
  if (err instanceof SyncError) return err;
  const e = err as { errorCode?: string; errorNo?: string | number; status?: number; name?: string; errorMessage?: string };
  const code = e.errorNo !== undefined ? tokenErrorCode(String(e.errorNo), e.errorMessage ?? '') : undefined;
  if (code) return configError(code, `The token endpoint refused the app: AADSTS${e.errorNo} (${e.errorCode}).`);
  const wait = retryAfterMs ? retryAfterMs : undefined;
  if (e.status !== undefined && (e.status === 429 || e.status >= 500)) {
    return transientError(`The token endpoint is unavailable (HTTP ${e.status}).`, wait);
  }
  if (e.errorCode === 'invalid_tenant') return configError('TENANT_NOT_FOUND', `The authority did not resolve the tenant (${e.errorCode}).`);
  // MSAL's metadata fetch failed: the network or the authority host, not the tenant. An unknown
  // tenant is refused at the token request itself (AADSTS90002, above), since MSAL knows the
  // public cloud's metadata without fetching it.
  if (e.errorCode === 'endpoints_resolution_error') {
    return transientError(`The authority's endpoints could not be fetched (${e.errorCode}): a network failure or an unreachable authority host.`, wait);
  }
  if (e.errorCode === 'network_error' || isNetworkError(err)) return transientError(`The token endpoint could not be reached (${e.errorCode ?? e.name}).`, wait);
  if (e.errorCode === 'unauthorized_client') return configError('APP_NOT_FOUND', `The token endpoint refused the app (${e.errorCode}).`);
  if (e.errorCode === 'invalid_client') return configError('INVALID_SECRET', `The token endpoint refused the client credentials (${e.errorCode}).`);
  // Also MSAL's own refusal while the endpoint's Retry-After runs (a ServerError without status).
  return transientError(`Token acquisition failed (${e.errorCode ?? e.name ?? 'unknown error'}).`, wait);
}

function retryAfterMs(headers: { get(name: string): string | null } | undefined): number | undefined {
  return parseRetryAfterMs(headers?.get('retry-after'));
}

/** Classifies a Graph answer (status + error code) the same way for whole requests and batch items. */
export function classifyGraphStatus(status: number, code: string | null | undefined, message: string, retryAfter?: number): SyncError {
  const evidence = `Graph ${status} ${code ?? ''}`.trim();
  if (status === 429 || status === 503 || status === 504 || status >= 500) {
    return transientError(`${evidence}: Microsoft Graph is throttling or unavailable.`, retryAfter);
  }
  if (status === 401) return configError('TOKEN_REJECTED', `${evidence}: the access token was not accepted.`);
  if (status === 403) {
    return /OData is disabled|access policy|ApplicationAccessPolicy/i.test(message)
      ? configError('ACCESS_POLICY_DENIED', `${evidence}: an application access policy blocks this mailbox.`)
      : configError('CONSENT_MISSING', `${evidence}: the app may not access calendars (no Calendars.ReadWrite application role).`);
  }
  if (status === 404 && code === 'MailboxNotEnabledForRESTAPI') {
    return configError('NO_EXCHANGE_LICENSE', `${evidence}: the user has no Exchange Online mailbox.`);
  }
  if (status === 404 && (code === 'ErrorInvalidUser' || code === 'Request_ResourceNotFound' || code === 'ResourceNotFound')) {
    return configError('MAILBOX_NOT_FOUND', `${evidence}: the mailbox user does not exist in this tenant.`);
  }
  return configError('GRAPH_REJECTED', `${evidence}.`);
}

/** Classifies an error thrown by the Graph client, the feed reader or the network. */
export function classifyError(err: unknown): SyncError {
  if (err instanceof SyncError) return err;
  if (err instanceof ValidationError) return configError('INVALID_SETTINGS', err.message);
  if (err instanceof FeedError) {
    return new SyncError(err.code, err.message, err.transient, ADVICE[err.code], err.retryAfterMs);
  }
  const g = err as { statusCode?: number; code?: string | null; message?: string; headers?: { get(n: string): string | null } };
  if (typeof g?.statusCode === 'number' && g.statusCode > 0) {
    return classifyGraphStatus(g.statusCode, g.code, g.message ?? '', retryAfterMs(g.headers));
  }
  if (isNetworkError(err) || g?.statusCode === -1) return transientError(`Network error talking to Microsoft Graph (${networkErrorKind(err)}).`);
  return transientError(`Unexpected error: ${(err as Error)?.message ?? String(err)}`);
}

export { retryAfterMs };
