import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerDiagnoseCommand } from '../../src/diagnosis/cli';
import type { DiagnosisReport } from '../../src/diagnosis/report';
import { startMicrosoftEmulator, type MicrosoftEmulator } from '../../src/emulator';

/**
 * `wa-outlook diagnose` with flags, before any integration exists: configuration from the
 * environment (endpoints, CA file, secrets file), JSON or Italian output, exit code 2 on a failure.
 */
describe('diagnosis: the diagnose command', () => {
  const TENANT = 'c0ffee00-1111-4222-8333-444444444444';
  const APP = 'c0ffee00-aaaa-4bbb-8ccc-000000000001';
  const MAILBOX = 'calendario@rossi.onmicrosoft.com';
  const SECRET = 'cli-secret-value-42';
  let emu: MicrosoftEmulator;
  let dir: string;
  const saved = { exitCode: process.exitCode };
  const ENV_KEYS = ['MS_AUTHORITY_HOST', 'MS_GRAPH_BASE_URL', 'WA_EXTRA_CA_FILE', 'WA_SECRETS_FILE'];
  const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));

  before(async () => {
    emu = await startMicrosoftEmulator();
    emu.addTenant({ id: TENANT, domain: 'rossi.onmicrosoft.com' });
    emu.addApp({ tenantId: TENANT, clientId: APP, secrets: [{ value: SECRET }], roles: [] });
    emu.addUser({ tenantId: TENANT, userPrincipalName: MAILBOX });
    dir = mkdtempSync(join(tmpdir(), 'wa-diagnose-'));
    writeFileSync(join(dir, 'ca.pem'), emu.caPem);
    // Owner-only, as the store demands (like ssh with private keys).
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ 'rossi-graph': SECRET }), { mode: 0o600 });
    Object.assign(process.env, {
      MS_AUTHORITY_HOST: emu.baseUrl, MS_GRAPH_BASE_URL: emu.baseUrl,
      WA_EXTRA_CA_FILE: join(dir, 'ca.pem'), WA_SECRETS_FILE: join(dir, 'secrets.json'),
    });
  });

  after(async () => {
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    process.exitCode = saved.exitCode;
    rmSync(dir, { recursive: true, force: true });
    await emu.close();
  });

  /** Runs `diagnose …` and returns what it printed and the exit code it set. */
  async function run(...args: string[]): Promise<{ out: string; exitCode: number }> {
    const program = new Command('wa-outlook').exitOverride();
    registerDiagnoseCommand(program);
    const printed: string[] = [];
    const log = console.log;
    console.log = (text: string) => void printed.push(text);
    process.exitCode = 0;
    try {
      await program.parseAsync(['diagnose', ...args], { from: 'user' });
      return { out: printed.join('\n'), exitCode: Number(process.exitCode ?? 0) };
    } finally {
      console.log = log;
      process.exitCode = saved.exitCode;
    }
  }

  const flags = ['--tenant', TENANT, '--client-id', APP, '--secret-ref', 'rossi-graph', '--mailbox', MAILBOX];

  it('prints the report as JSON and exits with 2 when a check fails', async () => {
    const { out, exitCode } = await run(...flags, '--json');
    const report = JSON.parse(out) as DiagnosisReport;
    assert.equal(exitCode, 2);
    assert.deepEqual(report.checks.filter((c) => c.status === 'fail').map((c) => c.code), ['CONSENT_MISSING']);
    assert.equal(report.target?.mailbox, MAILBOX);
    assert.ok(!out.includes(SECRET));
  });

  it('prints the Italian report with --lang it', async () => {
    const { out } = await run(...flags, '--lang', 'it');
    assert.match(out, /ERRORE +Autorizzazione applicazione Calendars\.ReadWrite — CONSENT_MISSING/);
    assert.match(out, /Concedi il consenso amministratore/);
  });

  it('refuses a secrets file that others can read, naming chmod 600 as the fix', async () => {
    const exposed = join(dir, 'exposed.json');
    writeFileSync(exposed, JSON.stringify({ 'rossi-graph': SECRET }), { mode: 0o644 });
    chmodSync(exposed, 0o644); // whatever the umask
    process.env.WA_SECRETS_FILE = exposed;
    try {
      const { out, exitCode } = await run(...flags, '--json');
      const ref = (JSON.parse(out) as DiagnosisReport).checks.find((c) => c.check === 'secret-ref');
      assert.equal(exitCode, 2);
      assert.equal(ref?.code, 'SECRETS_FILE_EXPOSED');
      assert.match(ref?.evidence ?? '', /mode 0644.*chmod 600/);
      assert.match(ref?.fix ?? '', /chmod 600/);
      assert.ok(!out.includes(SECRET));
    } finally {
      process.env.WA_SECRETS_FILE = join(dir, 'secrets.json');
    }
  });

  it('names the missing and the malformed flags', async () => {
    await assert.rejects(run('--tenant', TENANT), /diagnose needs --client-id, --secret-ref, --mailbox/);
    await assert.rejects(run(...flags.slice(0, -1), 'not-an-address'), /--mailbox: must be the mailbox user principal name/);
  });
});
