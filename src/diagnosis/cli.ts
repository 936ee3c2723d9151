import { Command, Option } from 'commander';
import { loadConfig, type ServiceConfig } from '../config';
import { trustCertificateAuthorityFile } from '../net/trust';
import { getStatus, OpsError } from '../ops/integrations';
import { TokenProvider } from '../outlook/token';
import { FileAndEnvSecretStore } from '../secrets/store';
import { withTemporalClient } from '../temporal/connection';
import { configPatchSchema, customerIdSchema } from '../sync/integration-config';
import { diagnoseSetup, type DiagnosisTarget } from './diagnose';
import { renderJson, renderReport } from './render';
import type { Lang } from './texts';

/** `wa-outlook diagnose`: the setup check, for a running integration or before one exists. */

interface DiagnoseFlags {
  tenant?: string;
  clientId?: string;
  secretRef?: string;
  mailbox?: string;
  feed?: string;
  timeZone?: string;
  lang: Lang;
  json?: boolean;
}

type Settings = Partial<Pick<DiagnosisTarget, 'tenantId' | 'clientId' | 'secretRef' | 'mailbox' | 'feedUrl' | 'timeZone'>>;

const FLAG_OF: Record<keyof Settings, string> = {
  tenantId: '--tenant', clientId: '--client-id', secretRef: '--secret-ref', mailbox: '--mailbox', feedUrl: '--feed', timeZone: '--time-zone',
};
const REQUIRED = ['tenantId', 'clientId', 'secretRef', 'mailbox'] as const;

/** A running integration's settings from its status query; the feed URL is not among them (status shows it redacted). */
async function settingsOfRunning(customerId: string, config: ServiceConfig): Promise<Settings> {
  const s = await withTemporalClient(config, (client) => getStatus(client, customerId));
  return { tenantId: s.tenantId, clientId: s.clientId, secretRef: s.secretRef, mailbox: s.mailbox };
}

async function targetOf(customer: string | undefined, o: DiagnoseFlags, config: ServiceConfig): Promise<DiagnosisTarget> {
  const id = customer === undefined ? undefined : customerIdSchema.safeParse(customer);
  if (id && !id.success) throw new OpsError(`customer: ${id.error.issues[0]?.message}`);
  const flags: Settings = Object.fromEntries(
    Object.entries({ tenantId: o.tenant, clientId: o.clientId, secretRef: o.secretRef, mailbox: o.mailbox, feedUrl: o.feed, timeZone: o.timeZone })
      .filter(([, v]) => v !== undefined),
  );
  // With every Microsoft setting given, no integration needs to exist yet.
  const needsStatus = customer !== undefined && REQUIRED.some((k) => flags[k] === undefined);
  const settings: Settings = { ...(needsStatus ? await settingsOfRunning(customer, config) : {}), ...flags };
  const missing = REQUIRED.filter((k) => !settings[k]).map((k) => FLAG_OF[k]);
  if (missing.length) throw new OpsError(`diagnose needs ${missing.join(', ')}, or the customer id of a running integration.`);
  const parsed = configPatchSchema.safeParse(settings);
  if (!parsed.success) {
    throw new OpsError(parsed.error.issues.map((i) => `${FLAG_OF[i.path[0] as keyof Settings] ?? i.path.join('.')}: ${i.message}`).join('; '));
  }
  return { ...(parsed.data as DiagnosisTarget), ...(customer !== undefined && { customerId: customer }) };
}

export function registerDiagnoseCommand(program: Command): void {
  program
    .command('diagnose [customer]')
    .description('check a customer\'s Microsoft 365 setup and WineAround feed step by step (exit code 2 when a check fails)')
    .option('--tenant <id>', 'Entra Directory (tenant) ID or domain')
    .option('--client-id <id>', 'Application (client) ID of the app registration')
    .option('--secret-ref <name>', 'name of the client secret in the worker\'s secret store (never the secret itself)')
    .option('--mailbox <upn>', 'the dedicated mailbox whose default calendar is synced')
    .option('--feed <url>', 'the customer\'s WineAround iCal feed URL (a running integration\'s is not readable: pass it to check the feed)')
    .option('--time-zone <iana>', 'zone for floating feed times (default Europe/Rome)')
    .addOption(new Option('--lang <lang>', 'language of the report').choices(['en', 'it']).default('en'))
    .option('--json', 'machine-readable output (English, stable codes)')
    .action(async (customer: string | undefined, o: DiagnoseFlags) => {
      const config = loadConfig();
      trustCertificateAuthorityFile(config.microsoft.extraCaFile);
      const target = await targetOf(customer, o, config);
      const endpoints = { authorityHost: config.microsoft.authorityHost, graphBaseUrl: config.microsoft.graphBaseUrl };
      const report = await diagnoseSetup(target, {
        secrets: new FileAndEnvSecretStore(config.secretsFile),
        endpoints,
        tokens: new TokenProvider(endpoints, undefined, config.onboarding?.appClientId),
        multiTenantAppId: config.onboarding?.appClientId,
      });
      console.log(o.json ? renderJson(report) : renderReport(report, { lang: o.lang }));
      if (!report.ok) process.exitCode = 2;
    });
}
