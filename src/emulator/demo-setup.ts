/**
 * The tenant, app, secret and mailbox the standalone emulator creates at start, for the demo and
 * for people trying the service locally. Not real credentials: they exist only in the emulator.
 */
export const DEMO_SETUP = {
  tenantId: '7d1c5e1a-0b6f-4c3e-9f1a-2b8d4e6f8a10',
  tenantDomain: 'demo-winery.onmicrosoft.com',
  clientId: '3f2a9c4e-5b1d-4e8f-a7c6-9d0e1f2a3b4c',
  clientSecret: 'demo-secret-not-for-production',
  mailboxUpn: 'tastings@demo-winery.onmicrosoft.com',
  mailboxDisplayName: 'Tasting room',
  roles: ['Calendars.ReadWrite'],
} as const;

/** Creates the demo tenant, app (with its secret and consented role) and mailbox in an emulator. */
export function applyDemoSetup(emulator: Pick<import('./index').MicrosoftEmulator, 'addTenant' | 'addApp' | 'addUser'>): void {
  emulator.addTenant({ id: DEMO_SETUP.tenantId, domain: DEMO_SETUP.tenantDomain });
  emulator.addApp({
    tenantId: DEMO_SETUP.tenantId, clientId: DEMO_SETUP.clientId, displayName: 'WineAround Outlook sync (demo)',
    secrets: [{ value: DEMO_SETUP.clientSecret }], roles: [...DEMO_SETUP.roles],
  });
  emulator.addUser({ tenantId: DEMO_SETUP.tenantId, userPrincipalName: DEMO_SETUP.mailboxUpn, displayName: DEMO_SETUP.mailboxDisplayName });
}
