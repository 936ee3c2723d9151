/**
 * `npm run contract`: writes the webhook's published contract from the code — the OpenAPI document
 * (docs/webhook.openapi.json) and the generated parts of docs/webhook.md (field table, answers,
 * examples, the fixed signing example), each between `<!-- contract:NAME -->` and
 * `<!-- /contract:NAME -->`. `--check` only reports drift; a test does the same.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANSWERS, type AnswerStatus } from './answers';
import { NOTIFICATION_EXAMPLES, SIGNING_EXAMPLE } from './examples';
import { webhookOpenApiDocument } from './openapi';
import { sign } from './signature';

export const OPENAPI_FILE = 'docs/webhook.openapi.json';
export const GUIDE_FILE = 'docs/webhook.md';

export function openApiFileText(): string {
  return `${JSON.stringify(webhookOpenApiDocument(), null, 2)}\n`;
}

type JsonSchema = {
  type?: string;
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
};

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function typeOf(schema: JsonSchema): string {
  if (schema.oneOf) return schema.oneOf.map((s) => s.title ?? typeOf(s)).join(' or ');
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.enum) return schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' | ');
  if (schema.type === 'array' && schema.items) return `${typeOf(schema.items)}[]`;
  return schema.type ?? 'any';
}

/** One row per field, depth first; a oneOf's variants are listed once each, by title, after the rows. */
function fieldRows(schema: JsonSchema, prefix: string, rows: string[], variants: Map<string, JsonSchema>): void {
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${name}`;
    const required = schema.required?.includes(name) ? 'yes' : 'no';
    rows.push(`| \`${path}\` | ${cell(typeOf(field))} | ${required} | ${cell(field.description ?? '')} |`);
    for (const variant of field.oneOf ?? []) if (variant.title) variants.set(variant.title, variant);
    if (field.properties) fieldRows(field, `${path}.`, rows, variants);
  }
}

function fieldTable(): string {
  const schema = webhookOpenApiDocument().components.schemas.BookingChangeNotification as JsonSchema;
  const header = ['| field | type | required | meaning |', '| --- | --- | --- | --- |'];
  const rows: string[] = [];
  const variants = new Map<string, JsonSchema>();
  fieldRows(schema, '', rows, variants);
  const parts = [[...header, ...rows].join('\n')];
  for (const [title, variant] of variants) {
    const variantRows: string[] = [];
    fieldRows(variant, '', variantRows, new Map());
    parts.push(`**${title}** (${cell(variant.description ?? '')}):\n\n${[...header, ...variantRows].join('\n')}`);
  }
  return parts.join('\n\n');
}

function answerTable(): string {
  const rows = (Object.keys(ANSWERS).map(Number) as AnswerStatus[]).map((status) => {
    const { description, schema } = ANSWERS[status];
    const shape = schema.shape as Record<string, { options?: readonly string[] }>;
    const codes = 'error' in shape ? (shape.error.options ?? []).map((c) => `\`${c}\``).join(', ') : '—';
    return `| ${status} | ${codes} | ${cell(description)} |`;
  });
  return ['| status | `error` | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

function signingExample(): string {
  const { secret, timestamp, example } = SIGNING_EXAMPLE;
  const body = JSON.stringify(NOTIFICATION_EXAMPLES[example].value);
  return [
    `- secret: \`${secret}\``,
    `- \`X-WA-Timestamp: ${timestamp}\``,
    `- body (the \`${example}\` example above as compact JSON, ${Buffer.byteLength(body)} bytes, no trailing newline):`,
    '',
    '```json',
    body,
    '```',
    '',
    `- \`X-WA-Signature: ${sign(secret, timestamp, body)}\``,
  ].join('\n');
}

/** Every generated block of the guide, by name. */
export function guideBlocks(): Record<string, string> {
  const examples = Object.entries(NOTIFICATION_EXAMPLES).map(([name, { value }]) => [
    `example:${name}`,
    `\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``,
  ]);
  return { fields: fieldTable(), answers: answerTable(), ...Object.fromEntries(examples), signing: signingExample() };
}

/** The guide with each generated block replaced; throws when a block's markers are missing. */
export function renderGuide(current: string): string {
  let text = current;
  for (const [name, content] of Object.entries(guideBlocks())) {
    const open = `<!-- contract:${name} -->`;
    const close = `<!-- /contract:${name} -->`;
    const start = text.indexOf(open);
    const end = text.indexOf(close);
    if (start < 0 || end < start) throw new Error(`${GUIDE_FILE}: the markers ${open} … ${close} are missing; add them where the block belongs`);
    text = `${text.slice(0, start + open.length)}\n${content}\n${text.slice(end)}`;
  }
  return text;
}

/** The contract files as the code says they should be, by path relative to the repository root. */
export function expectedContractFiles(root: string): Record<string, string> {
  return {
    [OPENAPI_FILE]: openApiFileText(),
    [GUIDE_FILE]: renderGuide(readFileSync(join(root, GUIDE_FILE), 'utf8')),
  };
}

if (require.main === module) {
  const root = join(__dirname, '..', '..', '..');
  const check = process.argv.includes('--check');
  let drifted = false;
  for (const [path, expected] of Object.entries(expectedContractFiles(root))) {
    const file = join(root, path);
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // A missing file is drift too.
    }
    if (current === expected) continue;
    drifted = true;
    if (check) console.error(`${path} differs from the code; run: npm run contract`);
    else {
      writeFileSync(file, expected);
      console.log(`wrote ${path}`);
    }
  }
  if (check && drifted) process.exitCode = 1;
}
