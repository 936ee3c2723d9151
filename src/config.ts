import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from './temporal/cli';

/**
 * The service's configuration, read from environment variables only (12-factor) and validated
 * once at start. Every variable is documented in README.md and .env.example.
 */

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const port = z.coerce.number().int().min(0).max(65535);
const base64Key = z
  .string()
  .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 random bytes in base64, e.g. from: openssl rand -base64 32');
const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).transform((u) => u.replace(/\/+$/, ''));

const envVariables = z.object({
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:/]+:\d+$/, 'must be host:port, e.g. temporal:7233').optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('wa-outlook-sync'),
  TEMPORAL_TLS: flag.optional(),
  TEMPORAL_TLS_CERT: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_UI_URL: z.url({ protocol: /^https?$/, error: 'must be the Temporal UI\'s http(s):// address, e.g. https://temporal-ui.example' })
    .transform((u) => u.replace(/\/+$/, '')).optional(),
  WA_DATA_DIR: z.string().min(1).default('.data'),
  MS_AUTHORITY_HOST: httpsUrl.default('https://login.microsoftonline.com'),
  MS_GRAPH_BASE_URL: httpsUrl.default('https://graph.microsoft.com'),
  WA_EXTRA_CA_FILE: z.string().min(1).optional(),
  WA_SECRETS_FILE: z.string().min(1).optional(),
  WA_WEBHOOK_PORT: port.optional(),
  WA_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters (shared with WineAround for HMAC-SHA256)').optional(),
  WA_PAYLOAD_KEY: base64Key.optional(),
  WA_PAYLOAD_KEY_ID: z.string().regex(/^[\w.-]{1,32}$/, 'must be a short id such as k2').default('k1'),
  WA_PAYLOAD_KEYS_OLD: z
    .string()
    .transform((v, ctx) => {
      const entries = v.split(',').filter(Boolean).map((pair) => pair.split(':'));
      if (entries.some(([id, key]) => !id || !base64Key.safeParse(key).success)) {
        ctx.addIssue({ code: 'custom', message: 'must be id:base64key pairs separated by commas, each key 32 bytes' });
      }
      const ids = entries.map(([id]) => id);
      const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
      if (repeated) ctx.addIssue({ code: 'custom', message: `lists key id "${repeated}" twice; each id names exactly one key` });
      return Object.fromEntries(entries);
    })
    .optional(),
  WA_PAYLOAD_ENCRYPTION: z.enum(['on', 'off'], 'must be on or off').default('on'),
  WA_PAYLOAD_UNENCRYPTED: z.enum(['accept', 'refuse'], 'must be accept or refuse').default('accept'),
  WA_CODEC_PORT: port.optional(),
  WA_CODEC_HOST: z.string().min(1).default('127.0.0.1'),
  WA_CODEC_TOKEN: z.string().min(32, 'must be at least 32 characters, e.g. from: openssl rand -hex 32').optional(),
  WA_CODEC_CORS_ORIGIN: z
    .string()
    .default('http://localhost:8233')
    .transform((v) => v.split(',').map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean))
    .refine((list) => list.every((o) => URL.canParse(o)), 'must be origins (scheme://host:port) separated by commas'),
  WA_FEED_MAX_BYTES: z.coerce.number().int().min(1024, 'must be at least 1024 bytes').default(32 * 1024 * 1024),
  WA_FEED_PARSE_BUDGET_MS: z.coerce.number().int().min(1000, 'must be at least 1000 ms').max(240_000, 'must stay under the reconcile activity\'s 5-minute limit (at most 240000)').default(120_000),
  WA_FEED_PARSE_THREADS: z.coerce.number().int().min(1).max(64).optional(),
  WA_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be the http(s):// address where customers reach this service, e.g. https://sync.winearound.com' })
    // Entra accepts http redirect URIs for localhost only.
    .refine((u) => !URL.canParse(u) || u.startsWith('https:') || ['localhost', '127.0.0.1'].includes(new URL(u).hostname), 'must be https:// (Entra accepts http:// redirect URIs only for localhost)')
    // The pages link to /onboarding/… and scope their cookies to it: the service owns the root of this address.
    .refine((u) => !URL.canParse(u) || ['', '/'].includes(new URL(u).pathname) && !new URL(u).search, 'must be an origin without a path, e.g. https://sync.winearound.com')
    .transform((u) => u.replace(/\/+$/, '')).optional(),
  WA_ONBOARDING_SECRET: z.string().min(32, 'must be at least 32 characters, e.g. from: openssl rand -hex 32').optional(),
  WA_APP_CLIENT_ID: z.uuid('must be the Application (client) ID of WineAround\'s multi-tenant app, a GUID').optional(),
  WA_APP_SECRET_REF: z.string().min(1).optional(),
  WA_METRICS_PORT: port.optional(),
  WA_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0, 'must be 0 (no cache) or more').optional(),
  WA_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2, 'must be at least 2').optional(),
  WA_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1, 'must be at least 1').optional(),
  WA_WORKFLOW_THREADS: z.coerce.number().int().min(1, 'must be at least 1').max(16).optional(),
  WA_STATS_INTERVAL_MS: z.coerce.number().int().min(100, 'must be at least 100 (ms between "Worker stats" log lines)').optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
});
type Env = z.infer<typeof envVariables>;

const envSchema = envVariables
  .refine((e) => !e.TEMPORAL_TLS_CERT === !e.TEMPORAL_TLS_KEY, {
    path: ['TEMPORAL_TLS_KEY'],
    message: 'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (mTLS client certificate and its key)',
  })
  .superRefine(checkPayloadProtection)
  .superRefine(checkOnboarding);

const ONBOARDING_VARIABLES = ['WA_PUBLIC_URL', 'WA_ONBOARDING_SECRET', 'WA_APP_CLIENT_ID', 'WA_APP_SECRET_REF'] as const;

/** Onboarding by admin consent needs all four, and the public server (WA_WEBHOOK_PORT) that serves its pages. */
function checkOnboarding(e: Env, ctx: z.RefinementCtx): void {
  const set = ONBOARDING_VARIABLES.filter((name) => e[name] !== undefined);
  if (set.length === 0) return;
  for (const name of ONBOARDING_VARIABLES.filter((n) => e[n] === undefined)) {
    ctx.addIssue({ code: 'custom', path: [name], message: `is required with ${set.join(', ')}: onboarding by admin consent needs ${ONBOARDING_VARIABLES.join(', ')} (docs/setup.md, Path A)` });
  }
  if (e.WA_WEBHOOK_PORT === undefined) {
    ctx.addIssue({ code: 'custom', path: ['WA_WEBHOOK_PORT'], message: 'is required with onboarding: the onboarding pages are served by the public server on this port' });
  }
}

/**
 * Fail closed: a Temporal server of its own (TEMPORAL_ADDRESS) stores every booking and guest name
 * it is given, so encryption is required there unless switched off on purpose. A key id names one
 * key for ever: payloads carry only the id, so an id reused for another key would make older
 * histories undecryptable (the codec also checks each payload's key check value).
 */
function checkPayloadProtection(e: Env, ctx: z.RefinementCtx): void {
  const off = e.WA_PAYLOAD_ENCRYPTION === 'off';
  if (e.TEMPORAL_ADDRESS && !e.WA_PAYLOAD_KEY && !off) {
    ctx.addIssue({
      code: 'custom', path: ['WA_PAYLOAD_KEY'],
      message: 'is required with TEMPORAL_ADDRESS: workflow payloads hold guest data. Make one with `openssl rand -base64 32` and give the worker, the CLI and the webhook the same key; or set WA_PAYLOAD_ENCRYPTION=off to run unencrypted on purpose',
    });
  }
  if (off && e.WA_PAYLOAD_KEY) {
    ctx.addIssue({ code: 'custom', path: ['WA_PAYLOAD_ENCRYPTION'], message: 'is off, yet WA_PAYLOAD_KEY is set: unset one of them' });
  }
  if (e.TEMPORAL_ADDRESS && e.WA_CODEC_PORT !== undefined && !e.WA_CODEC_TOKEN) {
    ctx.addIssue({ code: 'custom', path: ['WA_CODEC_TOKEN'], message: 'is required with WA_CODEC_PORT: the codec server decrypts for whoever holds it. Make one with `openssl rand -hex 32`' });
  }
  const reused = e.WA_PAYLOAD_KEY && e.WA_PAYLOAD_KEYS_OLD?.[e.WA_PAYLOAD_KEY_ID];
  if (reused && Buffer.compare(Buffer.from(reused, 'base64'), Buffer.from(e.WA_PAYLOAD_KEY!, 'base64')) !== 0) {
    ctx.addIssue({
      code: 'custom', path: ['WA_PAYLOAD_KEY_ID'],
      message: `"${e.WA_PAYLOAD_KEY_ID}" names another key in WA_PAYLOAD_KEYS_OLD: a key id is never reused for a different key. Give the new key a new id (e.g. WA_PAYLOAD_KEY_ID=k2) and keep the old one under its id`,
    });
  }
}

/** A random value in the data folder, made on first use (git-ignored; readable by its owner only). */
function localSecret(dataDir: string, name: string, make: () => string): string {
  const file = join(dataDir, name);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, make(), { mode: 0o600, flag: 'wx' });
  }
  return readFileSync(file, 'utf8').trim();
}

const localPayloadKey = (dataDir: string): string => localSecret(dataDir, 'payload-key', () => randomBytes(32).toString('base64'));

export type ServiceConfig = ReturnType<typeof loadConfig>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  // An empty variable means "not set", as in most .env tooling.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration (environment variables):\n${lines.join('\n')}\nSee README.md#configuration.`);
  }
  const e = parsed.data;
  const dataDir = isAbsolute(e.WA_DATA_DIR) ? e.WA_DATA_DIR : join(PROJECT_ROOT, e.WA_DATA_DIR);
  return {
    temporal: {
      /** Undefined: the worker starts an embedded dev server. */
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      tls: e.TEMPORAL_TLS ?? Boolean(e.TEMPORAL_API_KEY || e.TEMPORAL_TLS_CERT),
      tlsCertFile: e.TEMPORAL_TLS_CERT,
      tlsKeyFile: e.TEMPORAL_TLS_KEY,
      apiKey: e.TEMPORAL_API_KEY,
      devPort: e.TEMPORAL_DEV_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      /** Where operators open the Temporal UI (links in `wa-outlook status`); the embedded UI by default. */
      uiUrl: e.TEMPORAL_UI_URL ?? (e.TEMPORAL_ADDRESS ? undefined : `http://localhost:${e.TEMPORAL_UI_PORT}`),
      /** No current key only with WA_PAYLOAD_ENCRYPTION=off: payloads travel and rest in clear (said at every start). */
      // The embedded default encrypts too, with a key kept in the data folder and shared by the
      // worker, the demo and the CLI on this machine.
      payloadKeys: {
        current: e.WA_PAYLOAD_KEY
          ? { id: e.WA_PAYLOAD_KEY_ID, key: e.WA_PAYLOAD_KEY }
          : e.TEMPORAL_ADDRESS || e.WA_PAYLOAD_ENCRYPTION === 'off' ? undefined : { id: 'local', key: localPayloadKey(dataDir) },
        old: e.WA_PAYLOAD_KEYS_OLD,
        refuseUnencrypted: e.WA_PAYLOAD_UNENCRYPTED === 'refuse',
      },
      codecPort: e.WA_CODEC_PORT ?? (e.TEMPORAL_ADDRESS ? undefined : 8234),
      codecHost: e.WA_CODEC_HOST,
      /** Embedded default: a random token in the data folder, handed to the embedded UI in its codec endpoint. */
      codecToken: e.WA_CODEC_TOKEN ?? (e.TEMPORAL_ADDRESS ? undefined : localSecret(dataDir, 'codec-token', () => randomBytes(32).toString('hex'))),
      codecAllowedOrigins: e.WA_CODEC_CORS_ORIGIN,
    },
    dataDir,
    microsoft: { authorityHost: e.MS_AUTHORITY_HOST, graphBaseUrl: e.MS_GRAPH_BASE_URL, extraCaFile: e.WA_EXTRA_CA_FILE },
    secretsFile: e.WA_SECRETS_FILE,
    webhook: { port: e.WA_WEBHOOK_PORT, secret: e.WA_WEBHOOK_SECRET },
    /** Onboarding by admin consent ("Connect Outlook"); undefined unless all four variables are set. */
    onboarding: e.WA_PUBLIC_URL && e.WA_ONBOARDING_SECRET && e.WA_APP_CLIENT_ID && e.WA_APP_SECRET_REF
      ? { publicUrl: e.WA_PUBLIC_URL, secret: e.WA_ONBOARDING_SECRET, appClientId: e.WA_APP_CLIENT_ID, appSecretRef: e.WA_APP_SECRET_REF }
      : undefined,
    feed: { maxBytes: e.WA_FEED_MAX_BYTES, parseBudgetMs: e.WA_FEED_PARSE_BUDGET_MS, parseThreads: e.WA_FEED_PARSE_THREADS },
    /** GET /metrics, /healthz, /readyz on this port (0: any free one); unset: not served. */
    metricsPort: e.WA_METRICS_PORT,
    logLevel: e.LOG_LEVEL,
    /** SDK worker sizing; unset: the defaults in src/worker.ts (see docs/benchmark.md for why). */
    worker: {
      maxCachedWorkflows: e.WA_MAX_CACHED_WORKFLOWS,
      maxConcurrentWorkflowTasks: e.WA_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxConcurrentActivities: e.WA_MAX_CONCURRENT_ACTIVITIES,
      workflowThreads: e.WA_WORKFLOW_THREADS,
    },
    /** Log a "Worker stats" line this often (ms); unset: never. */
    statsIntervalMs: e.WA_STATS_INTERVAL_MS,
  };
}
