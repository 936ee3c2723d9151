import express, { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { GraphHttpError, graphErrorBody } from '../graph/errors';
import type { MicrosoftEmulator } from '../index';
import { DELTA_EXPIRY_SHAPES } from '../graph/mailbox';
import { RBAC_CALENDAR_ROLES } from '../types';
import { calendarPage } from './calendar-page';

/**
 * JSON admin API mirroring the in-process handle (docs/emulator.md), for the standalone server
 * and the demo. Not counted as requests and never faulted or throttled.
 */
const date = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const schemas = {
  tenant: z.object({ id: z.string().min(1), domain: z.string().optional() }),
  app: z.object({
    tenantId: z.string().min(1), clientId: z.string().min(1), displayName: z.string().optional(),
    secrets: z.array(z.object({ value: z.string().min(1), expiresAt: date.optional(), displayName: z.string().optional() })),
    certificates: z.array(z.object({
      certificate: z.string().min(1), displayName: z.string().optional(), startDateTime: date.optional(), endDateTime: date.optional(),
    })).optional(),
    roles: z.array(z.string()).optional(), delegatedScopes: z.array(z.string()).optional(),
    signInAudience: z.enum(['AzureADMyOrg', 'AzureADMultipleOrgs']).optional(), redirectUris: z.array(z.url()).optional(),
    groupMembershipClaims: z.enum(['None', 'DirectoryRole', 'All']).optional(),
    requiredRoles: z.array(z.string()).optional(),
  }),
  consent: z.object({ tenantId: z.string().min(1), clientId: z.string().min(1) }),
  user: z.object({
    tenantId: z.string().min(1), id: z.string().optional(), userPrincipalName: z.string().min(3),
    displayName: z.string().optional(), mailbox: z.boolean().optional(), licensed: z.boolean().optional(),
  }),
  policy: z.object({ tenantId: z.string().min(1), clientId: z.string().min(1), allowedUsers: z.array(z.string()) }),
  rbac: z.object({
    tenantId: z.string().min(1), clientId: z.string().min(1), role: z.enum(RBAC_CALENDAR_ROLES), mailboxes: z.array(z.string()).min(1),
  }),
  permissions: z.array(z.object({ emailAddress: z.object({ name: z.string(), address: z.string() }), role: z.string() })),
  event: z.record(z.string(), z.unknown()),
  throttling: z.object({
    concurrentPerMailbox: z.number().int().min(1).optional(), requestsPerWindow: z.number().int().min(1).optional(),
    windowMs: z.number().int().min(1).optional(), retryAfterSeconds: z.number().min(0).optional(),
  }),
  latency: z.object({ medianMs: z.number().positive(), p99Ms: z.number().positive(), seed: z.number().int().optional() })
    .refine((l) => l.p99Ms >= l.medianMs, { message: 'p99Ms must be >= medianMs', path: ['p99Ms'] }),
  tokenLifetime: z.object({ minSeconds: z.number().int().min(1), maxSeconds: z.number().int().min(1) })
    .refine((l) => l.maxSeconds >= l.minSeconds, { message: 'maxSeconds must be >= minSeconds', path: ['maxSeconds'] }),
  fault: z.object({
    match: z.object({
      method: z.string().optional(), path: z.string().optional().describe('regular expression source'),
      pathFlags: z.string().optional(), tokenEndpoint: z.boolean().optional(),
    }),
    kind: z.enum(['429', '503', '504', 'slow', 'drop', 'lost-response']),
    times: z.number().int().min(1).optional(), every: z.number().int().min(1).optional(),
    delayMs: z.number().int().min(0).optional(), retryAfterSeconds: z.number().min(0).optional(),
    retryAfterHttpDate: z.boolean().optional(),
  }),
};

export function adminRouter(emulator: MicrosoftEmulator): express.Router {
  const router = express.Router();
  router.use(express.json({ limit: '1mb' }));
  const ok = (res: Response, body: unknown = { ok: true }, status = 200): void => void res.status(status).json(body);
  const upn = (req: Request): string => String(req.params.upn);

  router.post('/tenants', (req, res) => ok(res, emulator.addTenant(schemas.tenant.parse(req.body)), 201));
  router.post('/apps', (req, res) => ok(res, emulator.addApp(schemas.app.parse(req.body)), 201));
  router.post('/admin-consents', (req, res) => {
    const { tenantId, clientId } = schemas.consent.parse(req.body);
    ok(res, emulator.grantAdminConsent(tenantId, clientId), 201);
  });
  router.delete('/admin-consents', (req, res) => {
    const { tenantId, clientId } = schemas.consent.parse(req.body);
    ok(res, emulator.deleteServicePrincipal(tenantId, clientId));
  });
  router.post('/users', (req, res) => ok(res, emulator.addUser(schemas.user.parse(req.body)), 201));
  router.put('/access-policies', (req, res) => ok(res, emulator.setAccessPolicy(schemas.policy.parse(req.body))));
  router.post('/rbac-assignments', (req, res) => ok(res, emulator.addRbacAssignment(schemas.rbac.parse(req.body)), 201));
  router.put('/mailboxes/:upn/calendar-permissions', (req, res) =>
    ok(res, emulator.setCalendarPermissions(upn(req), schemas.permissions.parse(req.body))));
  router.get('/mailboxes/:upn/events', (req, res) => ok(res, { value: emulator.events(upn(req)) }));
  router.post('/mailboxes/:upn/events', (req, res) => ok(res, emulator.personCreateEvent(upn(req), schemas.event.parse(req.body)), 201));
  router.patch('/mailboxes/:upn/events/:id', (req, res) =>
    ok(res, emulator.personUpdateEvent(upn(req), String(req.params.id), schemas.event.parse(req.body))));
  router.delete('/mailboxes/:upn/events/:id', (req, res) => {
    emulator.personDeleteEvent(upn(req), String(req.params.id));
    res.status(204).end();
  });
  router.post('/mailboxes/:upn/expire-delta-tokens', (req, res) =>
    ok(res, emulator.expireDeltaTokens(upn(req), z.object({ shape: z.enum(DELTA_EXPIRY_SHAPES).optional() }).parse(req.body ?? {}).shape)));
  router.get('/requests', (_req, res) => ok(res, emulator.requests));
  router.delete('/requests', (_req, res) => ok(res, emulator.resetCounters()));
  router.put('/throttling', (req, res) => ok(res, emulator.setThrottling(schemas.throttling.parse(req.body))));
  router.delete('/throttling', (_req, res) => ok(res, emulator.resetThrottling()));
  router.post('/faults', (req, res) => {
    const { match, ...fault } = schemas.fault.parse(req.body);
    const { path, pathFlags, ...rest } = match;
    emulator.injectFault({ ...fault, match: { ...rest, ...(path ? { path: new RegExp(path, pathFlags) } : {}) } });
    ok(res, { ok: true }, 201);
  });
  router.delete('/faults', (_req, res) => ok(res, emulator.clearFaults()));
  router.put('/latency', (req, res) => ok(res, emulator.setLatency(schemas.latency.parse(req.body))));
  router.delete('/latency', (_req, res) => ok(res, emulator.setLatency(undefined)));
  router.put('/token-lifetime', (req, res) => ok(res, emulator.setTokenLifetime(schemas.tokenLifetime.parse(req.body))));
  router.delete('/token-lifetime', (_req, res) => ok(res, emulator.setTokenLifetime(undefined)));
  router.get('/calendar/:upn', (req, res) => {
    res.type('html').send(calendarPage(upn(req), emulator.events(upn(req))));
  });

  router.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof z.ZodError) {
      res.status(400).json({ error: err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
    } else if (err instanceof GraphHttpError) {
      res.status(err.status).json(graphErrorBody(err.code, err.message, undefined));
    } else {
      res.status(400).json({ error: err.message });
    }
  });
  return router;
}
