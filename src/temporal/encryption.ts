import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/**
 * Encrypts every payload the project sends through Temporal (workflow inputs, signals with booking
 * fields, activity results, failure messages) with AES-256-GCM, so that history holds no personal
 * data in clear. Worker, CLI and webhook share the key (WA_PAYLOAD_KEY); the key id travels in
 * each payload's metadata so keys can be rotated: old ids stay decryptable while listed.
 * Each payload also carries the key's check value (an HMAC of a constant under the key, which
 * reveals nothing of it): a key id later reused for another key is then named as such, instead of
 * failing as a tampered payload. Payloads written without encryption (before it was switched on,
 * or by a plain client) are decoded as they are, unless refuseUnencrypted is set.
 */
const ENCODING = 'binary/encrypted';
const KEY_CHECK = 'encryption-key-check';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The key check value: 8 bytes of HMAC-SHA256(key, constant), base64. */
export function keyCheckValue(key: Buffer): string {
  return createHmac('sha256', key).update('wa-outlook-sync payload key check v1').digest().subarray(0, 8).toString('base64');
}

export class PayloadKeyError extends Error {
  override name = 'PayloadKeyError';
}

export class AesGcmCodec implements PayloadCodec {
  private readonly checks = new Map<string, string>();

  constructor(
    private readonly keyId: string,
    private readonly keys: ReadonlyMap<string, Buffer>,
    private readonly options: { refuseUnencrypted?: boolean } = {},
  ) {
    const key = keys.get(keyId);
    if (!key || key.length !== 32) throw new Error(`payload key "${keyId}" must be 32 bytes (base64 of 32 random bytes)`);
    for (const [id, k] of keys) this.checks.set(id, keyCheckValue(k));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.keyId)!, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: encoder.encode(ENCODING), 'encryption-key-id': encoder.encode(this.keyId), [KEY_CHECK]: encoder.encode(this.checks.get(this.keyId)) },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (decoder.decode(payload.metadata?.encoding ?? new Uint8Array()) !== ENCODING) {
        if (this.options.refuseUnencrypted) {
          throw new PayloadKeyError('an unencrypted payload was refused (WA_PAYLOAD_UNENCRYPTED=refuse): it was written without the payload key');
        }
        return payload;
      }
      const keyId = decoder.decode(payload.metadata?.['encryption-key-id'] ?? new Uint8Array());
      const key = this.keys.get(keyId);
      if (!key) throw new PayloadKeyError(`no payload key "${keyId}" to decrypt with; add it to WA_PAYLOAD_KEYS_OLD`);
      const check = payload.metadata?.[KEY_CHECK];
      if (check && decoder.decode(check) !== this.checks.get(keyId)) {
        throw new PayloadKeyError(
          `payload key id "${keyId}" was reused for a different key: this payload was sealed with another key under that id. ` +
          `Put the original key back under "${keyId}" (WA_PAYLOAD_KEYS_OLD=${keyId}:<original key>) and give the new key its own id (WA_PAYLOAD_KEY_ID)`);
      }
      const sealed = Buffer.from(payload.data ?? new Uint8Array());
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      const plain = Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

export interface PayloadKeys {
  /** Key id and base64 key used to encrypt. */
  current?: { id: string; key: string };
  /** Older keys still accepted for decryption, by id. */
  old?: Record<string, string>;
  /** Refuse payloads written without encryption instead of decoding them as they are. */
  refuseUnencrypted?: boolean;
}

/** Said by the worker and the CLI at every start while encryption is switched off. */
export const PAYLOAD_ENCRYPTION_OFF =
  'Payload encryption is OFF (WA_PAYLOAD_ENCRYPTION=off): workflow histories keep booking fields and guest data in clear. Set WA_PAYLOAD_KEY to encrypt.';

/** The data converter every Temporal client and worker of the project uses; without a key, payloads stay plain. */
export function dataConverterFor(keys: PayloadKeys): DataConverter | undefined {
  if (!keys.current) return undefined;
  const all = new Map<string, Buffer>([
    ...Object.entries(keys.old ?? {}).map(([id, k]): [string, Buffer] => [id, Buffer.from(k, 'base64')]),
    [keys.current.id, Buffer.from(keys.current.key, 'base64')],
  ]);
  return {
    payloadCodecs: [new AesGcmCodec(keys.current.id, all, { refuseUnencrypted: keys.refuseUnencrypted })],
    // Failure messages and stack traces carry error text: encrypt them too.
    failureConverterPath: require.resolve('./failure-converter'),
  };
}
