import { readFileSync } from 'node:fs';

/**
 * Resolves secret references (names) to secrets inside the worker, so that secrets never enter
 * workflow history. Embedded default: a JSON file { "<ref>": "<secret>" } named by WA_SECRETS_FILE,
 * then environment variables WA_SECRET_<REF> (upper-cased, non-alphanumerics as "_").
 * A production secret store (Azure Key Vault, Vault, AWS Secrets Manager) plugs in by
 * implementing SecretStore and passing it to createActivities().
 */
export interface SecretStore {
  /** The secret, or undefined when the reference is unknown. */
  get(ref: string): Promise<string | undefined>;
}

export class SecretStoreError extends Error {
  override name = 'SecretStoreError';
}

export function secretEnvName(ref: string): string {
  return `WA_SECRET_${ref.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export class FileAndEnvSecretStore implements SecretStore {
  constructor(
    private readonly file: string | undefined,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async get(ref: string): Promise<string | undefined> {
    // Read on every call: a rotated secret is picked up without restarting the worker.
    if (this.file) {
      let secrets: Record<string, unknown>;
      try {
        secrets = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, unknown>;
      } catch (err) {
        // Never the parser's message: it quotes the file's content, secrets included.
        const why = (err as NodeJS.ErrnoException).code ?? 'not valid JSON';
        throw new SecretStoreError(`The secrets file (WA_SECRETS_FILE) cannot be used: ${why}.`);
      }
      const value = secrets[ref];
      if (typeof value === 'string' && value) return value;
    }
    return this.env[secretEnvName(ref)] || undefined;
  }
}

/** For tests and the demo. */
export class MemorySecretStore implements SecretStore {
  private readonly secrets = new Map<string, string>();
  set(ref: string, secret: string): this {
    this.secrets.set(ref, secret);
    return this;
  }
  async get(ref: string): Promise<string | undefined> {
    return this.secrets.get(ref);
  }
}
