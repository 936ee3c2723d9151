/**
 * Who can see or change the synced calendar. Staff should read it; anyone who can write moves or
 * edits synced events, and the next reconcile puts them back, so the setup guide forbids it.
 * Roles: https://learn.microsoft.com/graph/api/resources/calendarpermission
 */

export interface CalendarPermission {
  role?: string;
  emailAddress?: { name?: string | null; address?: string | null } | null;
}

export interface SharingFinding {
  status: 'pass' | 'warn';
  code: 'OK' | 'CALENDAR_SHARED_WRITABLE' | 'CALENDAR_NOT_SHARED';
  evidence: string;
}

/** `custom` may include write rights, so it counts as writing. */
const WRITE_ROLES = new Set(['write', 'delegateWithoutPrivateEventAccess', 'delegateWithPrivateEventAccess', 'custom']);
/** Roles that show the bookings themselves (freeBusyRead shows only busy times). */
const READ_ROLES = new Set(['read', 'limitedRead']);

const who = (p: CalendarPermission) => `${p.emailAddress?.address ?? p.emailAddress?.name ?? 'unnamed'} (${p.role ?? 'no role'})`;

export function assessSharing(permissions: CalendarPermission[]): SharingFinding {
  const writers = permissions.filter((p) => WRITE_ROLES.has(p.role ?? ''));
  const readers = permissions.filter((p) => READ_ROLES.has(p.role ?? ''));
  const others = permissions.filter((p) => !WRITE_ROLES.has(p.role ?? '') && !READ_ROLES.has(p.role ?? ''));
  const list = (label: string, ps: CalendarPermission[]) => (ps.length ? `${label}: ${ps.map(who).join(', ')}.` : '');
  const evidence = [list('Can edit', writers), list('Can read', readers), list('Other', others)].filter(Boolean).join(' ');
  if (writers.length) return { status: 'warn', code: 'CALENDAR_SHARED_WRITABLE', evidence };
  if (!readers.length) return { status: 'warn', code: 'CALENDAR_NOT_SHARED', evidence: `No one can read the bookings. ${evidence}`.trim() };
  return { status: 'pass', code: 'OK', evidence };
}
