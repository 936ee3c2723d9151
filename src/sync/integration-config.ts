import { z } from 'zod';
import { mappingOptionFields, timeZoneSchema } from './mapping-options';

export { redactUrl } from './redact';

/**
 * The configuration of one customer integration: the workflow's input. It holds references to
 * secrets, never secrets: `secretRef` names a client secret that the worker resolves itself.
 * Validated at the edges (CLI, ops API) and, for whatever reaches a workflow, by the check
 * activities (src/activities/checks.ts): the workflow bundle imports types only from here.
 */

const MINUTE = 60_000;

export const customerIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, 'must be 1-63 letters, digits, dots, dashes or underscores, e.g. "cantina-rossi"');

export const mappingOptionsSchema = z.object(mappingOptionFields).partial().strict();

const fields = {
  customerId: customerIdSchema,
  /** Entra tenant: its GUID or a verified domain such as cantinarossi.onmicrosoft.com. */
  tenantId: z.union([z.guid(), z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i)], {
    error: 'must be the Directory (tenant) ID GUID or the tenant domain, from Entra admin center > Overview',
  }),
  clientId: z.guid({ error: 'must be the Application (client) ID GUID from Entra admin center > App registrations' }),
  secretRef: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,127}$/i, 'must be the *name* of a secret known to the worker (e.g. "cantina-rossi-graph"), never the secret itself'),
  /** The dedicated, licensed mailbox whose default calendar is the target: UPN or object id. */
  mailbox: z.union([z.email(), z.guid()], { error: 'must be the mailbox user principal name (e.g. calendario@cantinarossi.it) or its object id' }),
  feedUrl: z.url({ protocol: /^https?$/, error: 'must be the http(s) URL of the WineAround iCal feed' }),
  /** IANA zone for floating feed times and all-day events. */
  timeZone: timeZoneSchema,
  windowPastDays: z.number().int().min(0).max(365),
  windowFutureDays: z.number().int().min(1).max(1096),
  reconcileIntervalMs: z.number().int().min(1000).max(24 * 60 * MINUTE),
  /** How often an integration in needs_attention re-checks its setup on its own. */
  attentionRecheckMs: z.number().int().min(1000).max(24 * 60 * MINUTE),
  /** A full listing of the owned events at least this often, even when the delta says nothing changed. */
  fullReconcileEveryMs: z.number().int().min(1000),
  /** The safety guard: a plan deleting more than this share of the owned events is held back. */
  maxDeleteShare: z.number().min(0).max(1),
  mapping: mappingOptionsSchema,
};

export const INTEGRATION_DEFAULTS = {
  timeZone: 'Europe/Rome',
  windowPastDays: 7,
  windowFutureDays: 365,
  reconcileIntervalMs: 15 * MINUTE,
  attentionRecheckMs: 5 * MINUTE,
  fullReconcileEveryMs: 6 * 60 * MINUTE,
  maxDeleteShare: 0.5,
  mapping: {},
} satisfies Partial<{ [K in keyof typeof fields]: z.infer<(typeof fields)[K]> }>;

type Defaulted = { [K in keyof typeof INTEGRATION_DEFAULTS]: true };
const defaulted = Object.fromEntries(Object.keys(INTEGRATION_DEFAULTS).map((k) => [k, true])) as Defaulted;

export const integrationConfigSchema = z
  .object(fields)
  .partial(defaulted)
  .strict()
  .transform((c) => ({ ...INTEGRATION_DEFAULTS, ...c }) as z.infer<z.ZodObject<typeof fields>>);

export type IntegrationConfig = z.infer<typeof integrationConfigSchema>;
export type IntegrationConfigInput = z.input<typeof integrationConfigSchema>;

/** Fields an operator may change on a running integration (customerId is its identity). */
export const configPatchSchema = z.object(fields).omit({ customerId: true }).partial().strict();
export type ConfigPatch = z.input<typeof configPatchSchema>;
/** A validated patch: zones canonical, every field checked. */
export type ConfigChanges = z.output<typeof configPatchSchema>;

export function describeIssues(error: z.ZodError, prefix: string): string {
  return error.issues.map((i) => `${[prefix, ...i.path].join('.')}: ${i.message}`).join('; ');
}
