import { createHash, generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';

/** The RS256 key pair the emulated Entra signs access tokens with; generated per start. */
export interface SigningKey { kid: string; privateKey: KeyObject; publicKey: KeyObject; jwks: { keys: object[] } }

export function createSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = createHash('sha256').update(randomUUID()).digest('base64url').slice(0, 27);
  const jwk = publicKey.export({ format: 'jwk' });
  return { kid, privateKey, publicKey, jwks: { keys: [{ ...jwk, kid, use: 'sig', alg: 'RS256' }] } };
}
