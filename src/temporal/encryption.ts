import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/**
 * Encrypts every payload the project sends through Temporal (workflow inputs, signals with booking
 * fields, activity results, failure messages) with AES-256-GCM, so that history holds no personal
 * data in clear. Worker, CLI and webhook share the key (WA_PAYLOAD_KEY); the key id travels in
 * each payload's metadata so keys can be rotated: old ids stay decryptable while listed.
 */
const ENCODING = 'binary/encrypted';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class AesGcmCodec implements PayloadCodec {
  constructor(
    private readonly keyId: string,
    private readonly keys: ReadonlyMap<string, Buffer>,
  ) {
    const key = keys.get(keyId);
    if (!key || key.length !== 32) throw new Error(`payload key "${keyId}" must be 32 bytes (base64 of 32 random bytes)`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.keyId)!, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: encoder.encode(ENCODING), 'encryption-key-id': encoder.encode(this.keyId) }, data: sealed };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (decoder.decode(payload.metadata?.encoding ?? new Uint8Array()) !== ENCODING) return payload;
      const keyId = decoder.decode(payload.metadata?.['encryption-key-id'] ?? new Uint8Array());
      const key = this.keys.get(keyId);
      if (!key) throw new Error(`no payload key "${keyId}" to decrypt with; add it to WA_PAYLOAD_KEYS_OLD`);
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
}

/** The data converter every Temporal client and worker of the project uses; without a key, payloads stay plain. */
export function dataConverterFor(keys: PayloadKeys): DataConverter | undefined {
  if (!keys.current) return undefined;
  const all = new Map<string, Buffer>([
    ...Object.entries(keys.old ?? {}).map(([id, k]): [string, Buffer] => [id, Buffer.from(k, 'base64')]),
    [keys.current.id, Buffer.from(keys.current.key, 'base64')],
  ]);
  return {
    payloadCodecs: [new AesGcmCodec(keys.current.id, all)],
    // Failure messages and stack traces carry error text: encrypt them too.
    failureConverterPath: require.resolve('./failure-converter'),
  };
}
