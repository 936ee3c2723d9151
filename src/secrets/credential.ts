import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';

/**
 * What a secret reference resolves to: the app's client secret, or its certificate. A certificate
 * is stored as a PEM bundle, the private key and the certificate (chain) one after the other, as
 * `cat app.key app.crt` gives it and as Azure Key Vault hands out a certificate's secret
 * (content type application/x-pem-file). Only unencrypted keys (PKCS#8 or PKCS#1): the store
 * protects them. Messages name what is wrong, never any of the content.
 */
export type ClientCredential =
  | { kind: 'secret'; secret: string }
  | {
      kind: 'certificate';
      /** PEM of the private key, as MSAL's clientCertificate.privateKey takes it. */
      privateKey: string;
      /** PEM of the certificate and any chain after it (sent as x5c). */
      certificateChain: string;
      /** Hex SHA-256 of the leaf certificate's DER: the x5t#S256 Entra looks the key up by. */
      thumbprintSha256: string;
      /** Hex SHA-1 of the same: the Thumbprint the Entra admin center lists. */
      thumbprintSha1: string;
      notBefore: Date;
      notAfter: Date;
      subject: string;
    };

export class CredentialFormatError extends Error {
  override name = 'CredentialFormatError';
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]+?\r?\n-----END \1-----/g;
const KEY_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY']);

/** A client secret, or a certificate when the value is a PEM bundle. */
export function parseCredential(value: string): ClientCredential {
  if (!value.trimStart().startsWith('-----BEGIN ')) return { kind: 'secret', secret: value };
  const blocks = [...value.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1], pem: m[0] }));
  const keys = blocks.filter((b) => KEY_LABELS.has(b.label));
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE');
  if (blocks.some((b) => b.label === 'ENCRYPTED PRIVATE KEY') || /Proc-Type: 4,ENCRYPTED/.test(value)) {
    throw new CredentialFormatError('the private key is encrypted; store it unencrypted (openssl pkey -in key.pem -out plain.pem) in the protected secret store');
  }
  if (keys.length !== 1) throw new CredentialFormatError(`the PEM bundle must hold exactly one private key, found ${keys.length}`);
  if (certs.length === 0) throw new CredentialFormatError('the PEM bundle holds no certificate (-----BEGIN CERTIFICATE-----); append the certificate after the key');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certs[0].pem);
  } catch {
    throw new CredentialFormatError('the certificate in the PEM bundle cannot be read');
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(keys[0].pem))) {
      throw new CredentialFormatError('the private key does not belong to the certificate (the first certificate must be the key\'s own)');
    }
  } catch (err) {
    if (err instanceof CredentialFormatError) throw err;
    throw new CredentialFormatError('the private key in the PEM bundle cannot be read');
  }
  return {
    kind: 'certificate',
    privateKey: keys[0].pem,
    certificateChain: certs.map((c) => c.pem).join('\n'),
    thumbprintSha256: createHash('sha256').update(cert.raw).digest('hex'),
    thumbprintSha1: createHash('sha1').update(cert.raw).digest('hex'),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    subject: cert.subject.replace(/\n/g, ', '),
  };
}

/** The secrets file's object form {"privateKey": PEM, "certificate": PEM} as the PEM bundle. */
export function certificateObjectToBundle(value: unknown): string | undefined {
  const o = value as { privateKey?: unknown; certificate?: unknown };
  if (typeof o !== 'object' || o === null || typeof o.privateKey !== 'string' || typeof o.certificate !== 'string') return undefined;
  return `${o.privateKey.trim()}\n${o.certificate.trim()}\n`;
}

/** A short, non-secret name for logs and reports. */
export function describeCredential(credential: ClientCredential): string {
  return credential.kind === 'secret'
    ? 'client secret'
    : `certificate "${credential.subject}" (thumbprint ${credential.thumbprintSha1.toUpperCase()}, expires ${credential.notAfter.toISOString().slice(0, 10)})`;
}
