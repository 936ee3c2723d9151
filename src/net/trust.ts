import { createSecureContext, rootCertificates } from 'node:tls';
import { readFileSync } from 'node:fs';
import { Agent, setGlobalDispatcher } from 'undici';

/**
 * Trust one more certificate authority for every outgoing HTTPS request made with the global
 * fetch (MSAL, the Graph client and the feed reader all use it). Production leaves this unset and
 * trusts only the public roots; tests and the demo trust the emulator's run-time certificate.
 * NODE_EXTRA_CA_CERTS does the same but is read only at process start.
 */
export function trustCertificateAuthority(pem: string): void {
  // One secure context for every connection: given `ca` instead, each new TLS connection parses
  // all ~140 roots again (tens of ms of CPU each; the fleet bench found it the worker's top cost).
  const secureContext = createSecureContext({ ca: [...rootCertificates, pem] });
  setGlobalDispatcher(new Agent({ connect: { secureContext } }));
}

export function trustCertificateAuthorityFile(path: string | undefined): void {
  if (path) trustCertificateAuthority(readFileSync(path, 'utf8'));
}
