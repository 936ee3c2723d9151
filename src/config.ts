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

const envSchema = z
  .object({
    TEMPORAL_ADDRESS: z.string().regex(/^[^\s:/]+:\d+$/, 'must be host:port, e.g. temporal:7233').optional(),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('wa-outlook-sync'),
    TEMPORAL_TLS: flag.optional(),
    TEMPORAL_TLS_CERT: z.string().min(1).optional(),
    TEMPORAL_TLS_KEY: z.string().min(1).optional(),
    TEMPORAL_API_KEY: z.string().min(1).optional(),
    TEMPORAL_DEV_PORT: port.default(7233),
    TEMPORAL_UI_PORT: port.default(8233),
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
        return Object.fromEntries(entries);
      })
      .optional(),
    WA_CODEC_PORT: port.optional(),
    WA_CODEC_CORS_ORIGIN: z.url().default('http://localhost:8233'),
    WA_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0, 'must be 0 (no cache) or more').optional(),
    WA_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2, 'must be at least 2').optional(),
    WA_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1, 'must be at least 1').optional(),
    WA_WORKFLOW_THREADS: z.coerce.number().int().min(1, 'must be at least 1').max(16).optional(),
    WA_STATS_INTERVAL_MS: z.coerce.number().int().min(100, 'must be at least 100 (ms between "Worker stats" log lines)').optional(),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  })
  .refine((e) => !e.TEMPORAL_TLS_CERT === !e.TEMPORAL_TLS_KEY, {
    path: ['TEMPORAL_TLS_KEY'],
    message: 'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (mTLS client certificate and its key)',
  });

/** A random key in the data folder, made on first use (git-ignored; readable by its owner only). */
function localPayloadKey(dataDir: string): string {
  const file = join(dataDir, 'payload-key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  }
  return readFileSync(file, 'utf8').trim();
}

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
      /** Unset: payloads travel and rest in clear (a warning is logged). */
      // The embedded default encrypts too, with a key kept in the data folder and shared by the
      // worker, the demo and the CLI on this machine.
      payloadKeys: {
        current: e.WA_PAYLOAD_KEY
          ? { id: e.WA_PAYLOAD_KEY_ID, key: e.WA_PAYLOAD_KEY }
          : e.TEMPORAL_ADDRESS ? undefined : { id: 'local', key: localPayloadKey(dataDir) },
        old: e.WA_PAYLOAD_KEYS_OLD,
      },
      codecPort: e.WA_CODEC_PORT ?? (e.TEMPORAL_ADDRESS ? undefined : 8234),
      codecCorsOrigin: e.WA_CODEC_CORS_ORIGIN.replace(/\/+$/, ''),
    },
    dataDir,
    microsoft: { authorityHost: e.MS_AUTHORITY_HOST, graphBaseUrl: e.MS_GRAPH_BASE_URL, extraCaFile: e.WA_EXTRA_CA_FILE },
    secretsFile: e.WA_SECRETS_FILE,
    webhook: { port: e.WA_WEBHOOK_PORT, secret: e.WA_WEBHOOK_SECRET },
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
