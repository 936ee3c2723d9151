/** Public setup, fault and throttling shapes of the emulator (in-process and admin API). */

export interface TenantSetup { id: string; domain?: string }

/** A client secret. Graph lists it (application-get) with `hint` = its first 3 characters; no expiresAt = never expires, listed with endDateTime null. */
export interface SecretSetup { value: string; expiresAt?: Date; displayName?: string }

/**
 * A certificate uploaded to the app (Certificates & secrets > Certificates): the public part only,
 * PEM. Graph lists it as a keyCredential; its validity defaults to the certificate's own, as the
 * admin center takes it from the file. https://learn.microsoft.com/graph/api/resources/keycredential
 */
export interface CertificateSetup { certificate: string; displayName?: string; startDateTime?: Date; endDateTime?: Date }

export interface AppSetup {
  tenantId: string;
  clientId: string;
  secrets: SecretSetup[];
  /** Uploaded certificates, for client assertions (RFC 7523). */
  certificates?: CertificateSetup[];
  /** Admin-consented application permissions, e.g. ['Calendars.ReadWrite']; [] = consent missing. */
  roles?: string[];
  /** Delegated permissions only: never appear in an app-only token (models "wrong permission type"). */
  delegatedScopes?: string[];
  displayName?: string;
  /**
   * Who may use the app (the registration's "Supported account types"): AzureADMyOrg (default, its
   * own tenant only) or AzureADMultipleOrgs (any organization whose admin consents).
   * https://learn.microsoft.com/entra/identity-platform/supported-accounts-validation
   */
  signInAudience?: SignInAudience;
  /** Web redirect URIs (Authentication > Web): where the admin-consent endpoint may send the admin back. */
  redirectUris?: string[];
  /**
   * The application permissions the registration asks for (API permissions), which admin consent
   * grants in the consenting tenant; default: `roles`.
   */
  requiredRoles?: string[];
  /**
   * The manifest's groupMembershipClaims: with 'DirectoryRole' or 'All', id tokens carry `wids`, the
   * signed-in user's directory role template ids. https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference
   */
  groupMembershipClaims?: 'None' | 'DirectoryRole' | 'All';
}

export type SignInAudience = 'AzureADMyOrg' | 'AzureADMultipleOrgs';

export interface UserSetup {
  tenantId: string;
  id?: string;
  userPrincipalName: string;
  displayName?: string;
  /** false = directory user without an Exchange Online mailbox. */
  mailbox?: boolean;
  /** false = mailbox exists but the user holds no Exchange licence (mailbox inactive). */
  licensed?: boolean;
}

export interface AccessPolicySetup { tenantId: string; clientId: string; allowedUsers: string[] }

/** Exchange Online "RBAC for Applications" calendar roles (management role names). */
export const RBAC_CALENDAR_ROLES = ['Application Calendars.Read', 'Application Calendars.ReadWrite'] as const;
export type RbacCalendarRole = (typeof RBAC_CALENDAR_ROLES)[number];

/**
 * A management role assignment for the app's service principal, scoped to these mailboxes
 * (New-ManagementRoleAssignment -App … -Role … -CustomResourceScope …). Grants never appear in the
 * token and add to Entra-consented roles. https://learn.microsoft.com/exchange/permissions-exo/application-rbac
 */
export interface RbacAssignmentSetup { tenantId: string; clientId: string; role: RbacCalendarRole; mailboxes: string[] }

export interface CalendarPermissionSetup {
  emailAddress: { name: string; address: string };
  role: string;
}

export interface ThrottlingSettings {
  concurrentPerMailbox: number;
  requestsPerWindow: number;
  windowMs: number;
  /** Overrides the computed Retry-After of both limits. */
  retryAfterSeconds?: number;
}

export type FaultKind = '429' | '503' | '504' | 'slow' | 'drop' | 'lost-response';

export interface FaultSpec {
  match: { method?: string; path?: RegExp; tokenEndpoint?: boolean };
  kind: FaultKind;
  /** How many times the fault fires (default 1; Infinity = until cleared). */
  times?: number;
  /** Fire on every Nth matching request only. */
  every?: number;
  /** 'slow': extra latency (default 2000 ms). */
  delayMs?: number;
  /** 429/503: Retry-After header value in seconds, fractions allowed (429 default 1). */
  retryAfterSeconds?: number;
  /** Send that Retry-After as an HTTP date (RFC 9110 §10.2.3) instead of seconds. */
  retryAfterHttpDate?: boolean;
}

/** An event body as Graph accepts it on POST/PATCH (validated by the emulator). */
export type EventInput = Record<string, unknown>;

/** An event as Graph returns it (JSON object). */
export type GraphEvent = Record<string, unknown>;
