import { generate } from 'selfsigned';

/**
 * A self-signed certificate for loopback, generated at every start and never written to the repo:
 * MSAL refuses non-https authorities and the Graph client sends tokens to https hosts only.
 * Clients trust it through trustCertificateAuthority(caPem) or NODE_EXTRA_CA_CERTS.
 */
export async function createLoopbackCertificate(): Promise<{ key: string; cert: string }> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 30 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
