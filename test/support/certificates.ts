import { generate } from 'selfsigned';

/** A self-signed app certificate as `openssl req -x509 -newkey rsa:2048` makes one, valid over [notBefore, notAfter]. */
export interface TestCertificate { privateKey: string; certificate: string; bundle: string }

const DAY_MS = 86_400_000;

export async function makeCertificate(options: { cn?: string; validFromDays?: number; validToDays?: number } = {}): Promise<TestCertificate> {
  const pems = await generate([{ name: 'commonName', value: options.cn ?? 'WineAround Outlook sync (test)' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() + (options.validFromDays ?? -1) * DAY_MS),
    notAfterDate: new Date(Date.now() + (options.validToDays ?? 365) * DAY_MS),
  });
  return { privateKey: pems.private, certificate: pems.cert, bundle: `${pems.private.trim()}\n${pems.cert.trim()}\n` };
}
