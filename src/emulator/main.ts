import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { applyDemoSetup, DEMO_SETUP } from './demo-setup';
import { startMicrosoftEmulator } from './index';

/** `npm run emulator -- --port N`: the emulator as a standalone server with the demo setup. */
async function main(): Promise<void> {
  const options = new Command('emulator')
    .description('Local Microsoft Entra + Graph calendar emulator (HTTPS on loopback)')
    .option('--port <port>', 'port to listen on (0 = random)', (v) => Number.parseInt(v, 10), 8443)
    .option('--ca-file <path>', 'where to write the run-time certificate (PEM)', '.data/emulator/ca.pem')
    .parse()
    .opts<{ port: number; caFile: string }>();
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new Error('--port must be an integer between 0 and 65535');
  }
  const emulator = await startMicrosoftEmulator({ port: options.port, host: '127.0.0.1' });
  applyDemoSetup(emulator);
  const caFile = resolve(options.caFile);
  mkdirSync(resolve(caFile, '..'), { recursive: true });
  writeFileSync(caFile, emulator.caPem);

  console.log(`Microsoft emulator listening on ${emulator.baseUrl}
  authority        ${emulator.baseUrl}/${DEMO_SETUP.tenantId}   (MSAL knownAuthorities: ["${emulator.authorityHost}"])
  graph base URL   ${emulator.baseUrl}/   (Graph client customHosts: ["localhost"])
  tenant           ${DEMO_SETUP.tenantId} (${DEMO_SETUP.tenantDomain})
  client id        ${DEMO_SETUP.clientId}
  client secret    ${DEMO_SETUP.clientSecret}   (demo only, exists nowhere else)
  mailbox          ${DEMO_SETUP.mailboxUpn}
  CA certificate   ${caFile}   (NODE_EXTRA_CA_CERTS=${caFile})
  calendar page    ${emulator.baseUrl}/_emulator/calendar/${DEMO_SETUP.mailboxUpn}
  admin API        ${emulator.baseUrl}/_emulator/...   (see docs/emulator.md)
Ctrl+C stops it.`);
  const stop = (): void => void emulator.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: Error) => {
  console.error(`emulator: ${err.message}`);
  process.exit(1);
});
