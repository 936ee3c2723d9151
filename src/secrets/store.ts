import { readFileSync, statSync } from 'node:fs';
import { certificateObjectToBundle } from './credential';

/**
 * Resolves secret references (names) to secrets inside the worker, so that secrets never enter
 * workflow history. Embedded default: a JSON file { "<ref>": "<secret>" } named by WA_SECRETS_FILE,
 * then environment variables WA_SECRET_<REF> (upper-cased, non-alphanumerics as "_"). A value is a
 * client secret, or a certificate: a PEM bundle (private key, then certificate), or in the file the
 * object { "privateKey": "<PEM>", "certificate": "<PEM>" } (see ./credential).
 * A production secret store (Azure Key Vault, Vault, AWS Secrets Manager) plugs in by
 * implementing SecretStore and passing it to createActivities().
 */
export interface SecretStore {
  /** The secret (a client secret or a PEM bundle), or undefined when the reference is unknown. */
  get(ref: string): Promise<string | undefined>;
}

/** A store that cannot be used; its message is ours and never quotes the store's content. */
export class SecretStoreError extends Error {
  override name = 'SecretStoreError';
  constructor(message: string, readonly code: 'SECRET_STORE_UNREADABLE' | 'SECRETS_FILE_EXPOSED' = 'SECRET_STORE_UNREADABLE') {
    super(message);
  }
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
      refuseOpenPermissions(this.file);
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
      const bundle = certificateObjectToBundle(value);
      if (bundle) return bundle;
    }
    return this.env[secretEnvName(ref)] || undefined;
  }
}

/**
 * As ssh does with private keys: a secrets file that group or others may access is refused, since
 * anyone on the machine could already have copied it. (POSIX modes only; Windows uses ACLs.)
 */
function refuseOpenPermissions(file: string): void {
  if (process.platform === 'win32') return;
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (err) {
    throw new SecretStoreError(`The secrets file (WA_SECRETS_FILE) cannot be used: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}.`);
  }
  if ((mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new SecretStoreError(
      `The secrets file (WA_SECRETS_FILE) is accessible by group or others (mode ${octal}); it is refused until only its owner can read it: chmod 600 ${file}`,
      'SECRETS_FILE_EXPOSED');
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
