#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import ms from 'ms';
import type { Client } from '@temporalio/client';
import { loadConfig } from './config';
import { withTemporalClient } from './temporal/connection';
import { registerDiagnoseCommand } from './diagnosis/cli';
import { DEFAULT_LINK_TTL_MS, onboardingLink } from './onboarding/link';
import { Sealer } from './onboarding/seal';
import {
  addStatuses,
  countIntegrations,
  forEachIntegration,
  listIntegrationPage,
  PAGE_SIZE,
  notifyEventChanged,
  OpsError,
  pauseIntegration,
  resumeIntegration,
  startIntegration,
  stopIntegration,
  syncNow,
  updateConfig,
  type IntegrationFilter,
  type IntegrationListing,
} from './ops/integrations';
import { formatCounts, formatListing, formatOutcome, formatServerView, formatStatus, formatSummary, workflowUiLink } from './ops/format';
import { STATUS_QUERY_TIMEOUT_MS, statusWithin } from './ops/status';
import type { ConfigPatch, IntegrationConfigInput } from './sync/integration-config';
import { LIVE_STATES } from './workflows/status';

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

type FilterFlags = { state?: string; errorCode?: string; query?: string; allIntegrations?: boolean; dryRun?: boolean };

/** The filter options of bulk operations: which integrations, or all of them (said explicitly). */
function filterOptions(command: Command): Command {
  return command
    .addOption(new Option('--state <state>', 'every integration in this state').choices(LIVE_STATES))
    .option('--error-code <code>', 'every integration whose last error has this code')
    .option('--query <visibility query>', 'every integration matching this Temporal visibility query')
    .option('--all-integrations', 'every running integration')
    .option('--dry-run', 'list the integrations it would act on, and do nothing');
}

function filterFrom(o: FilterFlags): IntegrationFilter {
  return { state: o.state, errorCode: o.errorCode, query: o.query };
}

function assertNoFilter(o: FilterFlags): void {
  if (o.state || o.errorCode || o.query || o.allIntegrations || o.dryRun) {
    throw new OpsError('Give either a customer or a filter (--state, --error-code, --query, --all-integrations), not both.');
  }
}

/** Runs the operation on every matching integration, printing one line per outcome; exit code 1 if any failed. */
async function bulk(o: FilterFlags, done: string, operation: (client: Client, customerId: string) => Promise<unknown>): Promise<void> {
  const filter = filterFrom(o);
  if (!filter.state && !filter.errorCode && !filter.query?.trim() && !o.allIntegrations) {
    throw new OpsError('Give a customer, or a filter: --state, --error-code, --query, or --all-integrations for every integration.');
  }
  const outcomes = await withClient((c) =>
    forEachIntegration(c, filter, (id) => (o.dryRun ? Promise.resolve() : operation(c, id)), {
      onOutcome: (outcome) => console.log(o.dryRun ? `would act on ${outcome.customerId}` : formatOutcome(done, outcome)),
    }));
  const failed = outcomes.filter((x) => !x.ok).length;
  console.log(`${o.dryRun ? 'Dry run: ' : ''}${outcomes.length} integration(s) matched${o.dryRun ? '' : `: ${outcomes.length - failed} ok, ${failed} failed`}.`);
  if (failed) process.exitCode = 1;
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

  filterOptions(settingsOptions(program.command('update-config [customer]')
    .description('change settings of a running integration (e.g. a rotated --secret-ref), or of every one matching a filter'), false))
    .option('--json', 'machine-readable output')
    .action(async (customer: string | undefined, o: SettingsFlags & FilterFlags & { json?: boolean }) => {
      const patch = settingsFrom(o);
      if (!Object.keys(patch).length) throw new OpsError('Nothing to change: give at least one setting, e.g. --secret-ref.');
      if (customer === undefined) return bulk(o, 'settings updated', (c, id) => updateConfig(c, id, patch));
      assertNoFilter(o);
      const status = await withClient((c) => updateConfig(c, customer, patch));
      print(Boolean(o.json), status, () => formatStatus(status));
    });

  program.command('stop <customer>').description('finish the step in flight, then end the integration')
    .option('--no-wait', 'return once the stop is requested')
    .action(async (customer: string, o: { wait: boolean }) => {
      const final = await withClient((c) => stopIntegration(c, customer, o.wait));
      console.log(final ? `Stopped ${customer}.` : `Stop requested for ${customer}.`);
    });

  const signalCommand = (name: string, description: string, what: string, signal: (client: Client, customerId: string) => Promise<void>) =>
    filterOptions(program.command(`${name} [customer]`).description(`${description} (one integration, or every one matching a filter)`))
      .action(async (customer: string | undefined, o: FilterFlags) => {
        if (customer === undefined) return bulk(o, `${what} requested`, signal);
        assertNoFilter(o);
        await withClient((c) => signal(c, customer));
        console.log(`${what[0].toUpperCase()}${what.slice(1)} requested for ${customer}.`);
      });
  signalCommand('pause', 'hold all writes; changes queue up', 'pause', pauseIntegration);
  signalCommand('resume', 'resume a paused integration, reconciling at once', 'resume', resumeIntegration);

  program.command('status <customer>').description('where an integration stands (from its worker; from the server if the worker does not answer in time)')
    .option('--wait <ms>', 'how long the worker may take to answer', integer, STATUS_QUERY_TIMEOUT_MS)
    .option('--json', 'machine-readable output')
    .action(async (customer: string, o: { wait: number; json?: boolean }) => {
      const { temporal } = loadConfig();
      const answer = await withClient((c) => statusWithin(c, customer, o.wait));
      const uiLink = temporal.uiUrl && workflowUiLink(temporal.uiUrl, temporal.namespace, customer);
      if (answer.from === 'worker') print(Boolean(o.json), { ...answer.status, uiLink }, () => formatStatus(answer.status, uiLink));
      else print(Boolean(o.json), { ...answer, uiLink }, () => formatServerView(answer.view, answer.why, uiLink));
    });

  program.command('list').description('running integrations, a page at a time, with counts per state (from Temporal visibility)')
    .addOption(new Option('--state <state>', 'only integrations in this state').choices(LIVE_STATES))
    .option('--error-code <code>', 'only integrations whose last error has this code, e.g. INVALID_SECRET')
    .option('--query <visibility query>', 'only integrations matching this Temporal visibility query, e.g. \'WaCustomerId STARTS_WITH "cantina-"\'')
    .option('--limit <n>', `integrations per page (default ${PAGE_SIZE.screen}; with --all ${PAGE_SIZE.all})`, integer)
    .option('--page-token <token>', 'continue after the previous page (its last line gives the token)')
    .option('--all', 'every page, not just the first')
    .option('--details', 'also ask each listed integration for its status (last sync, next run, pending changes): slower, needs a worker')
    .option('--json', 'machine-readable output')
    .action(async (o: FilterFlags & { limit?: number; pageToken?: string; all?: boolean; details?: boolean; json?: boolean }) => {
      const filter = filterFrom(o);
      const pageSize = o.limit ?? (o.all ? PAGE_SIZE.all : PAGE_SIZE.screen);
      const { counts, integrations, nextPageToken } = await withClient(async (c) => {
        const countsAsked = countIntegrations(c, { errorCode: filter.errorCode, query: filter.query });
        const listed: IntegrationListing[] = [];
        let token = o.pageToken;
        do {
          const page = await listIntegrationPage(c, filter, { pageSize, nextPageToken: token });
          listed.push(...page.integrations);
          token = page.nextPageToken;
        } while (o.all && token);
        if (o.details) await addStatuses(c, listed);
        return { counts: await countsAsked, integrations: listed, nextPageToken: token };
      });
      print(Boolean(o.json), { counts, integrations, nextPageToken }, () => [
        formatCounts(counts),
        '',
        formatListing(integrations, { details: o.details }),
        ...(nextPageToken ? ['', `More: add --page-token ${nextPageToken} (or --all)`] : []),
      ].join('\n'));
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

  program.command('onboarding-link <customer>')
    .description('a signed, expiring link for the customer\'s IT admin: "Connect Outlook" by admin consent (docs/setup.md, Path A)')
    .requiredOption('--feed <url>', 'the customer\'s WineAround iCal feed URL')
    .option('--expires <duration>', 'how long the link is valid (default 7d, at most 30d)', duration)
    .addOption(new Option('--lang <lang>', 'language of the pages (default: the admin\'s browser)').choices(['en', 'it']))
    .option('--tenant <guid>', 'the customer\'s Directory (tenant) ID, when known: consent goes to that tenant only')
    .option('--json', 'machine-readable output')
    .action((customer: string, o: { feed: string; expires?: number; lang?: 'en' | 'it'; tenant?: string; json?: boolean }) => {
      const { onboarding } = loadConfig();
      if (!onboarding) throw new OpsError('Onboarding by admin consent is not configured: set WA_PUBLIC_URL, WA_ONBOARDING_SECRET, WA_APP_CLIENT_ID and WA_APP_SECRET_REF (README.md#configuration).');
      const link = onboardingLink(new Sealer(onboarding.secret), onboarding.publicUrl, {
        customerId: customer, feedUrl: o.feed, lang: o.lang, tenantId: o.tenant, ttlMs: o.expires ?? DEFAULT_LINK_TTL_MS,
      });
      print(Boolean(o.json), { customerId: customer, url: link.url, expiresAt: link.expiresAt.toISOString() },
        () => `Send this link to the IT admin of ${customer} (valid until ${link.expiresAt.toISOString()}):\n${link.url}`);
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
