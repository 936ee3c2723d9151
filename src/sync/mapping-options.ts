/**
 * The per-customer mapping options: one definition for the integration's settings (validated when
 * an integration starts or changes, at the edge and by the workflow's check step) and for the
 * mapping, which fills in the defaults.
 */
import { z } from 'zod';
import type { MappingOptions } from './model';
import { canonicalZone } from './time';
import { parseOrThrow } from './validation';

export const SUBJECT_FIELDS = ['title', 'guestName', 'partySize', 'language'] as const;

/** Each option without its default: what a customer's settings may carry. */
export const mappingOptionFields = {
  subjectTemplate: z
    .string()
    .max(200)
    .refine((t) => t.includes('{title}'), 'must contain {title} so every event is recognisable')
    .refine(
      (t) => [...t.matchAll(/\{(\w*)\}/g)].every((m) => (SUBJECT_FIELDS as readonly string[]).includes(m[1])),
      `unknown field; use only ${SUBJECT_FIELDS.map((f) => `{${f}}`).join(' ')}`,
    ),
  includeGuestDetails: z.boolean(),
  reminderMinutes: z.number().int().min(0).max(40320, 'at most 4 weeks (40320 minutes)').nullable(),
  showAs: z.enum(['free', 'tentative', 'busy', 'oof', 'workingElsewhere']),
  categories: z.array(z.string().trim().min(1, 'must not be empty').max(255)).max(25),
};

export const timeZoneSchema = z
  .string()
  .refine((zone) => canonicalZone(zone) !== undefined, 'expected an IANA time zone name such as Europe/Rome')
  .transform((zone) => canonicalZone(zone) as string);

const mappingOptionsSchema = z.strictObject({
  subjectTemplate: mappingOptionFields.subjectTemplate.default('{title}'),
  includeGuestDetails: mappingOptionFields.includeGuestDetails.default(false),
  reminderMinutes: mappingOptionFields.reminderMinutes.default(60),
  showAs: mappingOptionFields.showAs.default('busy'),
  categories: mappingOptionFields.categories.default([]),
  timeZone: timeZoneSchema.default('Europe/Rome'),
});

/**
 * Per-customer options with defaults: subject "{title}", no guest details in the body (personal
 * data stays out of a calendar shared with staff unless the customer opts in), a 60-minute
 * reminder, shown as busy, no extra categories, Europe/Rome.
 */
export function parseMappingOptions(partial: unknown = {}): MappingOptions {
  return parseOrThrow(mappingOptionsSchema, partial, 'mappingOptions');
}
