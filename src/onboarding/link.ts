import { z } from 'zod';
import type { Lang } from '../diagnosis/texts';
import { customerIdSchema, describeIssues } from '../sync/integration-config';
import { OpsError } from '../ops/integrations';
import type { Sealer } from './seal';

/**
 * The per-customer onboarding link WineAround sends to a winery's IT: sealed (the feed URL and its
 * token stay unreadable), expiring, and good for one customer only.
 */

export interface LinkPayload {
  /** Customer id. */
  c: string;
  /** WineAround iCal feed URL. */
  f: string;
  /** Page language chosen by WineAround; the browser's otherwise. */
  l?: Lang;
  /** When the link was made (ms): a run of the integration started later means the link was used. */
  i: number;
  /** The customer's tenant (GUID), when WineAround knows it: consent goes there, and the sign-in must match. */
  t?: string;
}

export const DEFAULT_LINK_TTL_MS = 7 * 86_400_000;
export const MAX_LINK_TTL_MS = 30 * 86_400_000;

const linkInput = z.object({
  customerId: customerIdSchema,
  feedUrl: z.url({ protocol: /^https?$/, error: 'must be the http(s) URL of the WineAround iCal feed' }),
  lang: z.enum(['en', 'it']).optional(),
  tenantId: z.guid('must be the customer\'s Directory (tenant) ID, a GUID').optional(),
  ttlMs: z.number().int().min(60_000, 'must be at least a minute').max(MAX_LINK_TTL_MS, 'must be at most 30 days: links travel by e-mail'),
});

export type LinkInput = z.input<typeof linkInput>;

export const ONBOARDING_PATH = '/onboarding';

export function onboardingLink(sealer: Sealer, publicUrl: string, input: LinkInput): { url: string; expiresAt: Date } {
  const parsed = linkInput.safeParse(input);
  if (!parsed.success) throw new OpsError(`Invalid onboarding link: ${describeIssues(parsed.error, 'link')}`);
  const { customerId, feedUrl, lang, tenantId, ttlMs } = parsed.data;
  const token = sealer.seal<LinkPayload>('link', { c: customerId, f: feedUrl, i: Date.now(), ...(lang && { l: lang }), ...(tenantId && { t: tenantId }) }, ttlMs);
  return { url: `${publicUrl}${ONBOARDING_PATH}/l/${token}`, expiresAt: new Date(Date.now() + ttlMs) };
}
