import type { z } from 'zod';

/** Thrown for input that fails its schema; the message names each failing field and what it expects. */
export class ValidationError extends Error {
  override name = 'ValidationError';
}

/** "root.a.b[0]: message" per issue, one per line. */
export function describeIssues(error: z.ZodError, root: string): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('');
      return `${root}${path}: ${issue.message}`;
    })
    .join('\n');
}

/** Parses `input` with `schema` or throws a ValidationError naming every failing field under `root`. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, root: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(describeIssues(result.error, root));
  return result.data;
}
