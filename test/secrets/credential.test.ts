import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialFormatError, parseCredential } from '../../src/secrets/credential';
import { FileAndEnvSecretStore, SecretStoreError } from '../../src/secrets/store';
import { makeCertificate, type TestCertificate } from '../support/certificates';

describe('secret references: client secrets and certificates', function () {
  this.timeout(30_000);
  let cert: TestCertificate;
  let other: TestCertificate;
  const dirs: string[] = [];
  const tempDir = () => {
    dirs.push(mkdtempSync(join(tmpdir(), 'wa-secrets-')));
    return dirs[dirs.length - 1];
  };
  before(async () => {
    [cert, other] = await Promise.all([makeCertificate({ cn: 'Cantina Rossi sync' }), makeCertificate()]);
  });
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('reads a plain value as a client secret and a PEM bundle as a certificate with its SHA-256 thumbprint and validity', () => {
    assert.deepEqual(parseCredential('s3cr~et'), { kind: 'secret', secret: 's3cr~et' });
    const c = parseCredential(cert.bundle);
    assert.equal(c.kind, 'certificate');
    const x509 = new X509Certificate(cert.certificate);
    assert.equal(c.thumbprintSha256, createHash('sha256').update(x509.raw).digest('hex'));
    assert.equal(c.notAfter.getTime(), Date.parse(x509.validTo));
    assert.match(c.subject, /Cantina Rossi sync/);
    // The certificate first and the key after it is as good.
    assert.equal((parseCredential(`${cert.certificate}\n${cert.privateKey}`) as { thumbprintSha256: string }).thumbprintSha256, c.thumbprintSha256);
  });

  it('names what is wrong with a bundle, without quoting it', () => {
    const cases: [string, RegExp][] = [
      [cert.privateKey, /holds no certificate/],
      [cert.certificate, /exactly one private key, found 0/],
      [`${other.privateKey}\n${cert.certificate}`, /does not belong to the certificate/],
      [`${cert.privateKey}\n-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n`, /certificate in the PEM bundle cannot be read/],
      ['-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n', /encrypted/],
    ];
    for (const [value, message] of cases) {
      assert.throws(() => parseCredential(value), (err: Error) => {
        assert.ok(err instanceof CredentialFormatError);
        assert.match(err.message, message);
        assert.ok(!err.message.includes('MII'), 'no key or certificate material in the message');
        return true;
      });
    }
  });

  it('resolves the secrets file\'s {privateKey, certificate} object to the bundle', async () => {
    const file = join(tempDir(), 'secrets.json');
    writeFileSync(file, JSON.stringify({ cert: { privateKey: cert.privateKey, certificate: cert.certificate }, plain: 'value' }), { mode: 0o600 });
    const store = new FileAndEnvSecretStore(file, {});
    assert.equal(parseCredential((await store.get('cert'))!).kind, 'certificate');
    assert.equal(await store.get('plain'), 'value');
  });

  it('refuses a secrets file that group or others can access, as ssh refuses such keys', async () => {
    const file = join(tempDir(), 'secrets.json');
    writeFileSync(file, JSON.stringify({ ref: 'value' }));
    const store = new FileAndEnvSecretStore(file, {});
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      chmodSync(file, mode);
      await assert.rejects(store.get('ref'), (err: SecretStoreError) => {
        assert.equal(err.code, 'SECRETS_FILE_EXPOSED');
        assert.match(err.message, new RegExp(`mode 0${mode.toString(8)}.*chmod 600 ${file}`));
        return true;
      });
    }
    chmodSync(file, 0o600);
    assert.equal(await store.get('ref'), 'value');
    chmodSync(file, 0o400);
    assert.equal(await store.get('ref'), 'value');
  });
});
