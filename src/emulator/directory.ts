import { createHash, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { Mailbox } from './graph/mailbox';
import {
  AccessPolicySetup, AppSetup, CalendarPermissionSetup, CertificateSetup, RBAC_CALENDAR_ROLES, RbacAssignmentSetup, RbacCalendarRole, SecretSetup,
  SignInAudience, TenantSetup, UserSetup,
} from './types';

export interface Tenant { id: string; domain: string }
/** A secret as Entra keeps it: `keyId` and `addedAt` are what Graph lists as keyId / startDateTime. */
export interface StoredSecret extends SecretSetup { keyId: string; addedAt: Date }
/** An uploaded certificate as Entra keeps it: looked up by its thumbprints (x5t#S256, x5t). */
export interface StoredCertificate {
  keyId: string; displayName?: string; start: Date; end: Date; publicKey: KeyObject;
  /** base64url of the DER's SHA-256 / SHA-1, as the assertion's x5t#S256 / x5t headers carry them. */
  x5tS256: string; x5t: string;
}
/**
 * An app as one tenant sees it: its service principal there, with the roles granted in that
 * tenant. In its home tenant it is also the registration (objectId, credentials, redirect URIs);
 * in a tenant that consented to a multi-tenant app it is a service principal only, sharing the
 * registration's credentials (they live on the application object in the home tenant).
 */
export interface App {
  tenantId: string; clientId: string; displayName: string;
  /** The tenant holding the application object (the registration). */
  homeTenantId: string;
  /** The application object's id (Graph `id`), distinct from clientId (`appId`) and the service principal. */
  objectId: string; servicePrincipalId: string;
  secrets: StoredSecret[]; certificates: StoredCertificate[]; roles: string[]; delegatedScopes: string[];
  signInAudience: SignInAudience; redirectUris: string[]; requiredRoles: string[];
  groupMembershipClaims: 'None' | 'DirectoryRole' | 'All';
}
export interface User {
  tenantId: string; id: string; userPrincipalName: string; displayName: string;
  hasMailbox: boolean; licensed: boolean; mailbox: Mailbox; calendarPermissions: CalendarPermissionSetup[];
}

const lower = (s: string): string => s.toLowerCase();

function storeCertificate(setup: CertificateSetup): StoredCertificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(setup.certificate);
  } catch {
    throw new Error('addApp: certificates[].certificate must be a PEM certificate (-----BEGIN CERTIFICATE-----)');
  }
  return {
    keyId: randomUUID(), displayName: setup.displayName ?? cert.subject.replace(/\n/g, ', '),
    start: setup.startDateTime ?? new Date(cert.validFrom), end: setup.endDateTime ?? new Date(cert.validTo),
    publicKey: cert.publicKey,
    x5tS256: createHash('sha256').update(cert.raw).digest('base64url'),
    x5t: createHash('sha1').update(cert.raw).digest('base64url'),
  };
}
const appKey = (app: App): string => `${app.tenantId}|${app.clientId}`;

/** Tenants, app registrations, users with their mailboxes, and Exchange access policies and RBAC assignments. */
export class Directory {
  private readonly tenants = new Map<string, Tenant>();
  private readonly apps = new Map<string, App>();
  private readonly users = new Map<string, User>();
  private readonly policies = new Map<string, Set<string>>();
  /** App key -> RBAC role -> user ids in the role's scope. */
  private readonly rbac = new Map<string, Map<RbacCalendarRole, Set<string>>>();

  addTenant(setup: TenantSetup): Tenant {
    if (!setup.id) throw new Error('addTenant: id is required (a tenant GUID or name)');
    const tenant = { id: lower(setup.id), domain: lower(setup.domain ?? `${setup.id}.onmicrosoft.com`) };
    this.tenants.set(tenant.id, tenant);
    return tenant;
  }

  /** By tenant id or verified domain, case-insensitively (MSAL lower-cases the authority). */
  findTenant(idOrDomain: string): Tenant | undefined {
    const key = lower(idOrDomain);
    return this.tenants.get(key) ?? [...this.tenants.values()].find((t) => t.domain === key);
  }

  addApp(setup: AppSetup): App {
    const tenant = this.requireTenant(setup.tenantId, 'addApp');
    if (!setup.clientId) throw new Error('addApp: clientId is required');
    if (!Array.isArray(setup.secrets)) throw new Error('addApp: secrets must be an array of { value, expiresAt?, displayName? }');
    const addedAt = new Date();
    const app: App = {
      tenantId: tenant.id, homeTenantId: tenant.id, clientId: lower(setup.clientId), displayName: setup.displayName ?? 'Emulated app',
      objectId: randomUUID(), servicePrincipalId: randomUUID(),
      secrets: setup.secrets.map((s) => ({ ...s, keyId: randomUUID(), addedAt })),
      certificates: (setup.certificates ?? []).map(storeCertificate), roles: [...(setup.roles ?? [])],
      delegatedScopes: [...(setup.delegatedScopes ?? [])],
      signInAudience: setup.signInAudience ?? 'AzureADMyOrg', redirectUris: [...(setup.redirectUris ?? [])],
      requiredRoles: [...(setup.requiredRoles ?? setup.roles ?? [])], groupMembershipClaims: setup.groupMembershipClaims ?? 'None',
    };
    const registered = this.registration(app.clientId);
    if (registered && registered.tenantId !== tenant.id) {
      throw new Error(`addApp: clientId ${setup.clientId} is registered in tenant ${registered.tenantId}; a client id names one app registration (use signInAudience 'AzureADMultipleOrgs' and grantAdminConsent to use it in another tenant)`);
    }
    this.apps.set(appKey(app), app);
    return app;
  }

  /** The app registration (application object) with this client id, in whichever tenant holds it. */
  registration(clientId: string): App | undefined {
    return [...this.apps.values()].find((a) => a.clientId === lower(clientId) && a.tenantId === a.homeTenantId);
  }

  /**
   * Admin consent in `tenantId`: the app's service principal there (created on first consent) is
   * granted the registration's required application permissions. Callers check that the app may be
   * used from that tenant (signInAudience).
   */
  grantAdminConsent(tenantId: string, clientId: string): App {
    const tenant = this.requireTenant(tenantId, 'grantAdminConsent');
    const registration = this.registration(clientId);
    if (!registration) throw new Error(`grantAdminConsent: no app registration has clientId ${clientId}; call addApp first`);
    const existing = this.findApp(tenant.id, registration.clientId);
    if (existing) {
      existing.roles = [...new Set([...existing.roles, ...registration.requiredRoles])];
      return existing;
    }
    const principal: App = {
      ...registration, tenantId: tenant.id, servicePrincipalId: randomUUID(), roles: [...registration.requiredRoles], delegatedScopes: [],
    };
    this.apps.set(appKey(principal), principal);
    return principal;
  }

  /**
   * What deleting the enterprise application does in a consenting tenant: the service principal
   * and its grants are gone (the registration in its home tenant stays).
   */
  deleteServicePrincipal(tenantId: string, clientId: string): void {
    const tenant = this.requireTenant(tenantId, 'deleteServicePrincipal');
    const app = this.findApp(tenant.id, clientId);
    if (!app || app.tenantId === app.homeTenantId) throw new Error(`deleteServicePrincipal: tenant ${tenantId} holds no consented service principal of ${clientId}`);
    this.apps.delete(appKey(app));
  }

  /** Uploads another certificate to an app (certificate rotation). */
  addCertificate(tenantId: string, clientId: string, setup: CertificateSetup): void {
    const app = this.findApp(tenantId, clientId);
    if (!app) throw new Error(`addCertificate: clientId ${clientId} is not an app of tenant ${tenantId}; call addApp first`);
    app.certificates.push(storeCertificate(setup));
  }

  findApp(tenantId: string, clientId: string): App | undefined {
    return this.apps.get(`${lower(tenantId)}|${lower(clientId)}`);
  }

  addUser(setup: UserSetup): User {
    const tenant = this.requireTenant(setup.tenantId, 'addUser');
    if (!setup.userPrincipalName?.includes('@')) throw new Error('addUser: userPrincipalName must look like name@domain');
    if (this.userByUpn(setup.userPrincipalName)) throw new Error(`addUser: userPrincipalName ${setup.userPrincipalName} already exists`);
    const user: User = {
      tenantId: tenant.id, id: lower(setup.id ?? randomUUID()), userPrincipalName: setup.userPrincipalName,
      displayName: setup.displayName ?? setup.userPrincipalName.split('@')[0], hasMailbox: setup.mailbox ?? true,
      licensed: setup.licensed ?? true, mailbox: new Mailbox(), calendarPermissions: [],
    };
    this.users.set(user.id, user);
    return user;
  }

  /** Resolves `/users/{id | userPrincipalName}` inside one tenant. */
  findUser(tenantId: string, idOrUpn: string): User | undefined {
    const key = lower(idOrUpn);
    const user = this.users.get(key) ?? [...this.users.values()].find((u) => lower(u.userPrincipalName) === key);
    return user?.tenantId === lower(tenantId) ? user : undefined;
  }

  userByUpn(upn: string): User | undefined {
    return [...this.users.values()].find((u) => lower(u.userPrincipalName) === lower(upn));
  }

  requireUserByUpn(upn: string): User {
    const user = this.userByUpn(upn);
    if (!user) throw new Error(`No emulated user with userPrincipalName ${upn}; add it with addUser first`);
    return user;
  }

  setAccessPolicy(setup: AccessPolicySetup): void {
    const tenant = this.requireTenant(setup.tenantId, 'setAccessPolicy');
    const allowed = this.userIds(tenant, setup.allowedUsers, 'setAccessPolicy: allowedUsers');
    this.policies.set(`${tenant.id}|${lower(setup.clientId)}`, new Set(allowed));
  }

  /** Adds to the app's assignments of this role (assignments are additive, like several New-ManagementRoleAssignment). */
  addRbacAssignment(setup: RbacAssignmentSetup): void {
    const tenant = this.requireTenant(setup.tenantId, 'addRbacAssignment');
    if (!RBAC_CALENDAR_ROLES.includes(setup.role)) {
      throw new Error(`addRbacAssignment: role must be one of ${RBAC_CALENDAR_ROLES.map((r) => `'${r}'`).join(', ')}, not '${setup.role}'`);
    }
    const app = this.findApp(tenant.id, setup.clientId ?? '');
    if (!app) throw new Error(`addRbacAssignment: clientId ${setup.clientId} is not an app of tenant ${tenant.id}; call addApp first`);
    if (!Array.isArray(setup.mailboxes) || setup.mailboxes.length === 0) {
      throw new Error('addRbacAssignment: mailboxes must list at least one userPrincipalName or user id (the management scope)');
    }
    const ids = this.userIds(tenant, setup.mailboxes, 'addRbacAssignment: mailboxes');
    const roles = this.rbac.get(appKey(app)) ?? new Map<RbacCalendarRole, Set<string>>();
    roles.set(setup.role, new Set([...(roles.get(setup.role) ?? []), ...ids]));
    this.rbac.set(appKey(app), roles);
  }

  /** Whether the app holds any of these RBAC roles, for any mailbox. */
  hasRbacRole(app: App, roles: readonly RbacCalendarRole[]): boolean {
    const assigned = this.rbac.get(appKey(app));
    return roles.some((role) => (assigned?.get(role)?.size ?? 0) > 0);
  }

  /** Whether one of these RBAC roles is assigned to the app with the user's mailbox in scope. */
  rbacGrants(app: App, user: User, roles: readonly RbacCalendarRole[]): boolean {
    const assigned = this.rbac.get(appKey(app));
    return roles.some((role) => assigned?.get(role)?.has(user.id) ?? false);
  }

  /** No policy = the app reaches every mailbox of the tenant (Calendars.ReadWrite is tenant-wide). */
  policyAllows(app: App, user: User): boolean {
    const allowed = this.policies.get(appKey(app));
    return !allowed || allowed.has(user.id);
  }

  private userIds(tenant: Tenant, refs: string[], field: string): string[] {
    return refs.map((ref) => {
      const user = this.findUser(tenant.id, ref);
      if (!user) throw new Error(`${field} entry ${ref} is not a user of tenant ${tenant.id}; add it with addUser first`);
      return user.id;
    });
  }

  private requireTenant(tenantId: string, operation: string): Tenant {
    const tenant = tenantId ? this.findTenant(tenantId) : undefined;
    if (!tenant) throw new Error(`${operation}: tenantId ${tenantId} is unknown; call addTenant first`);
    return tenant;
  }
}
