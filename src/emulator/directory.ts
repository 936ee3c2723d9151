import { randomUUID } from 'node:crypto';
import { Mailbox } from './graph/mailbox';
import { AccessPolicySetup, AppSetup, CalendarPermissionSetup, SecretSetup, TenantSetup, UserSetup } from './types';

export interface Tenant { id: string; domain: string }
export interface App {
  tenantId: string; clientId: string; displayName: string; servicePrincipalId: string;
  secrets: SecretSetup[]; roles: string[]; delegatedScopes: string[];
}
export interface User {
  tenantId: string; id: string; userPrincipalName: string; displayName: string;
  hasMailbox: boolean; licensed: boolean; mailbox: Mailbox; calendarPermissions: CalendarPermissionSetup[];
}

const lower = (s: string): string => s.toLowerCase();

/** Tenants, app registrations, users with their mailboxes, and Exchange access policies. */
export class Directory {
  private readonly tenants = new Map<string, Tenant>();
  private readonly apps = new Map<string, App>();
  private readonly users = new Map<string, User>();
  private readonly policies = new Map<string, Set<string>>();

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
    if (!Array.isArray(setup.secrets)) throw new Error('addApp: secrets must be an array of { value, expiresAt? }');
    const app: App = {
      tenantId: tenant.id, clientId: lower(setup.clientId), displayName: setup.displayName ?? 'Emulated app',
      servicePrincipalId: randomUUID(), secrets: [...setup.secrets], roles: [...(setup.roles ?? [])],
      delegatedScopes: [...(setup.delegatedScopes ?? [])],
    };
    this.apps.set(`${tenant.id}|${app.clientId}`, app);
    return app;
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
    const allowed = setup.allowedUsers.map((u) => {
      const user = this.findUser(tenant.id, u);
      if (!user) throw new Error(`setAccessPolicy: allowedUsers entry ${u} is not a user of tenant ${tenant.id}`);
      return user.id;
    });
    this.policies.set(`${tenant.id}|${lower(setup.clientId)}`, new Set(allowed));
  }

  /** No policy = the app reaches every mailbox of the tenant (Calendars.ReadWrite is tenant-wide). */
  policyAllows(app: App, user: User): boolean {
    const allowed = this.policies.get(`${app.tenantId}|${app.clientId}`);
    return !allowed || allowed.has(user.id);
  }

  private requireTenant(tenantId: string, operation: string): Tenant {
    const tenant = tenantId ? this.findTenant(tenantId) : undefined;
    if (!tenant) throw new Error(`${operation}: tenantId ${tenantId} is unknown; call addTenant first`);
    return tenant;
  }
}
