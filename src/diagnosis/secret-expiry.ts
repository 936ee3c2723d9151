import type { Client } from '@microsoft/microsoft-graph-client';

/**
 * When the client secret in use expires. Graph shows an app's secrets (passwordCredentials: end
 * date and `hint`, the secret's first three characters) only to apps holding a directory role such
 * as Application.Read.All; Calendars.ReadWrite alone cannot read them, and the report says so.
 * https://learn.microsoft.com/graph/api/application-get , https://learn.microsoft.com/graph/api/resources/passwordcredential
 */

export const APPLICATION_READ_ROLES = [
  'Application.Read.All', 'Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy', 'Directory.Read.All', 'Directory.ReadWrite.All',
];
export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

export interface PasswordCredential {
  hint?: string | null;
  endDateTime?: string | null;
}

export interface ExpiryFinding {
  expiringSoon: boolean;
  evidence: string;
}

/** Names the roles the token does hold: with RBAC for Applications it may hold none at all. */
function unreadable(roles: string[]): string {
  const held = roles.length === 0 ? 'a token without application roles' : `${roles.join(', ')}${roles.length === 1 ? ' alone' : ''}`;
  return `Its expiry date cannot be read with ${held} (Graph needs Application.Read.All for the app's passwordCredentials); ` +
    'look it up in Entra admin center > App registrations > the app > Certificates & secrets > Expires.';
}

/** The expiry of the secret in use among the app's secrets, matched by hint; the earliest when several share it. */
export function secretExpiry(credentials: PasswordCredential[], secret: string, now: Date): ExpiryFinding {
  const matches = credentials.filter((c) => c.hint && secret.startsWith(c.hint));
  if (matches.length === 0) return { expiringSoon: false, evidence: 'None of the app\'s secrets matches the one in use by its hint; its expiry is unknown.' };
  const ends = matches.map((c) => (c.endDateTime ? Date.parse(c.endDateTime) : Infinity)).sort((a, b) => a - b);
  if (ends[0] === Infinity) return { expiringSoon: false, evidence: 'The secret in use has no expiry date.' };
  const daysLeft = Math.floor((ends[0] - now.getTime()) / DAY_MS);
  const shared = matches.length > 1 ? ` (${matches.length} secrets share its hint; the earliest counts)` : '';
  return {
    expiringSoon: daysLeft <= EXPIRY_WARNING_DAYS,
    evidence: `The secret in use expires on ${new Date(ends[0]).toISOString().slice(0, 10)}, in ${daysLeft} days${shared}.`,
  };
}

/** When a certificate in use expires, read from the certificate itself. */
export function certificateExpiry(notAfter: Date, now: Date): ExpiryFinding {
  const daysLeft = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
  return {
    expiringSoon: daysLeft <= EXPIRY_WARNING_DAYS,
    evidence: daysLeft < 0
      ? `The certificate expired on ${notAfter.toISOString().slice(0, 10)}.`
      : `The certificate expires on ${notAfter.toISOString().slice(0, 10)}, in ${daysLeft} days.`,
  };
}

export async function readSecretExpiry(client: Client, clientId: string, secret: string, roles: string[], now: Date): Promise<ExpiryFinding> {
  if (!roles.some((r) => APPLICATION_READ_ROLES.includes(r))) return { expiringSoon: false, evidence: unreadable(roles) };
  try {
    const app = (await client.api(`/applications(appId='${encodeURIComponent(clientId)}')`).select('passwordCredentials').get()) as {
      passwordCredentials?: PasswordCredential[];
    };
    return secretExpiry(app.passwordCredentials ?? [], secret, now);
  } catch (err) {
    const e = err as { statusCode?: number; code?: string };
    return { expiringSoon: false, evidence: `Graph did not show the app's secrets (${e.statusCode ?? ''} ${e.code ?? (err as Error).name}). ${unreadable(roles)}` };
  }
}
