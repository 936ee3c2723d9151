#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import ms from 'ms';
import type { Client } from '@temporalio/client';
import { loadConfig } from './config';
import { withTemporalClient } from './temporal/connection';
import { registerDiagnoseCommand } from './diagnosis/cli';
import {
  getStatus,
  listIntegrations,
  notifyEventChanged,
  OpsError,
  pauseIntegration,
  resumeIntegration,
  startIntegration,
  stopIntegration,
  syncNow,
  updateConfig,
} from './ops/integrations';
import { formatListing, formatStatus, formatSummary } from './ops/format';
import type { ConfigPatch, IntegrationConfigInput } from './workflows/integration-config';

/**
 * `wa-outlook`: the operations CLI. The functions WineAround's backend calls are exported from
 * ./ops/integrations (notifyEventChanged) and re-exported here.
 */
export * from './ops/integrations';

function duration(value: string): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : ms(value as ms.StringValue);
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed <= 0) {
    throw new InvalidArgumentError('expected a duration such as 30s, 15m or 1h');
  }
  return parsed;
}

function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

const withClient = <T>(fn: (client: Client, taskQueue: string) => Promise<T>): Promise<T> => withTemporalClient(loadConfig(), fn);

const print = (json: boolean, value: unknown, human: () => string) =>
  console.log(json ? JSON.stringify(value, null, 2) : human());

/** Integration settings shared by start and update-config. */
function settingsOptions(command: Command, required: boolean): Command {
  const opt = (flags: string, description: string) => (required ? command.requiredOption(flags, description) : command.option(flags, description));
  opt('--tenant <id>', 'Entra Directory (tenant) ID or domain');
  opt('--client-id <id>', 'Application (client) ID of the app registration');
  opt('--secret-ref <name>', 'name of the client secret in the worker\'s secret store (never the secret itself)');
  opt('--mailbox <upn>', 'the dedicated mailbox whose default calendar is synced');
  opt('--feed <url>', 'the customer\'s WineAround iCal feed URL');
  return command
    .option('--interval <duration>', 'reconcile interval (default 15m)', duration)
    .option('--time-zone <iana>', 'zone for floating times and all-day events (default Europe/Rome)')
    .option('--window-past-days <n>', 'days before today kept in sync (default 7)', integer)
    .option('--window-future-days <n>', 'days after today kept in sync (default 365)', integer)
    .option('--subject-template <template>', 'event subject, e.g. "{title} – {guestName} ({partySize})"')
    .option('--guest-details', 'put guest details (name, phone, party size, language) in the event body')
    .option('--no-guest-details', 'keep guest details out of the event body (the default)')
    .option('--max-delete-share <share>', 'safety guard: hold back plans deleting more than this share (0-1)', Number);
}

type SettingsFlags = {
  tenant?: string; clientId?: string; secretRef?: string; mailbox?: string; feed?: string; interval?: number;
  timeZone?: string; windowPastDays?: number; windowFutureDays?: number; subjectTemplate?: string;
  guestDetails?: boolean; maxDeleteShare?: number;
};

function settingsFrom(o: SettingsFlags): ConfigPatch {
  const mapping = {
    ...(o.subjectTemplate !== undefined && { subjectTemplate: o.subjectTemplate }),
    ...(o.guestDetails !== undefined && { includeGuestDetails: o.guestDetails }),
  };
  const patch: ConfigPatch = {
    tenantId: o.tenant, clientId: o.clientId, secretRef: o.secretRef, mailbox: o.mailbox, feedUrl: o.feed,
    reconcileIntervalMs: o.interval, timeZone: o.timeZone, windowPastDays: o.windowPastDays,
    windowFutureDays: o.windowFutureDays, maxDeleteShare: o.maxDeleteShare,
    mapping: Object.keys(mapping).length ? mapping : undefined,
  };
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as ConfigPatch;
}

export function buildCli(): Command {
  const program = new Command('wa-outlook')
    .description('Operate WineAround → Outlook calendar integrations (one Temporal workflow per customer).')
    .showHelpAfterError();

  settingsOptions(program.command('start <customer>').description('start the integration of a customer'), true)
    .action(async (customer: string, o: SettingsFlags) => {
      const workflowId = await withClient((c, q) => startIntegration(c, q, { customerId: customer, ...settingsFrom(o) } as IntegrationConfigInput));
      console.log(`Started ${workflowId}. Follow it with: wa-outlook status ${customer}`);
    });

  settingsOptions(program.command('update-config <customer>').description('change settings of a running integration (e.g. a rotated --secret-ref)'), false)
    .option('--json', 'machine-readable output')
    .action(async (customer: string, o: SettingsFlags & { json?: boolean }) => {
      const status = await withClient((c) => updateConfig(c, customer, settingsFrom(o)));
      print(Boolean(o.json), status, () => formatStatus(status));
    });

  program.command('stop <customer>').description('finish the step in flight, then end the integration')
    .option('--no-wait', 'return once the stop is requested')
    .action(async (customer: string, o: { wait: boolean }) => {
      const final = await withClient((c) => stopIntegration(c, customer, o.wait));
      console.log(final ? `Stopped ${customer}.` : `Stop requested for ${customer}.`);
    });

  program.command('pause <customer>').description('hold all writes; changes queue up').action(async (customer: string) => {
    await withClient((c) => pauseIntegration(c, customer));
    console.log(`Pause requested for ${customer}.`);
  });

  program.command('resume <customer>').description('resume a paused integration, reconciling at once').action(async (customer: string) => {
    await withClient((c) => resumeIntegration(c, customer));
    console.log(`Resume requested for ${customer}.`);
  });

  program.command('status <customer>').description('where an integration stands').option('--json', 'machine-readable output')
    .action(async (customer: string, o: { json?: boolean }) => {
      const status = await withClient((c) => getStatus(c, customer));
      print(Boolean(o.json), status, () => formatStatus(status));
    });

  program.command('list').description('all running integrations')
    .addOption(new Option('--state <state>', 'only integrations in this state').choices(['running', 'paused', 'needs_attention', 'stopping']))
    .option('--error-code <code>', 'only integrations whose last error has this code, e.g. INVALID_SECRET')
    .option('--json', 'machine-readable output')
    .action(async (o: { state?: string; errorCode?: string; json?: boolean }) => {
      const listings = await withClient((c) => listIntegrations(c, { state: o.state, errorCode: o.errorCode }));
      print(Boolean(o.json), listings, () => formatListing(listings));
    });

  program.command('sync-now <customer>').description('run a full reconcile now and print its summary').option('--json', 'machine-readable output')
    .option('--force', 'apply deletions the safety guard held back (check the WineAround feed first)')
    .action(async (customer: string, o: { json?: boolean; force?: boolean }) => {
      const summary = await withClient((c) => syncNow(c, customer, { force: o.force }));
      print(Boolean(o.json), summary, () => formatSummary(summary));
    });

  program.command('notify <customer>').description('send a booking change as WineAround would')
    .requiredOption('--file <path>', 'JSON of the change without customerId: {eventId, operation, version, event?} ("-" for stdin)')
    .action(async (customer: string, o: { file: string }) => {
      const body = JSON.parse(readFileSync(o.file === '-' ? 0 : o.file, 'utf8')) as Record<string, unknown>;
      const change = await withClient((c, q) => notifyEventChanged(c, q, { ...body, customerId: customer }));
      console.log(`Sent ${change.operation} of ${change.eventId} (version ${change.version}) to ${customer}.`);
    });

  registerDiagnoseCommand(program);
  return program;
}

if (require.main === module) {
  buildCli()
    .parseAsync(process.argv)
    .catch((err: Error) => {
      // Known failures get their message only; anything else keeps its stack for engineers.
      const known = err instanceof OpsError || err.name === 'ConfigError' || /Cannot reach the Temporal server/.test(err.message);
      console.error(known ? `wa-outlook: ${err.message}` : err);
      process.exit(1);
    });
}
