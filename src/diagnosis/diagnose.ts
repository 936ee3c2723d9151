import { randomUUID } from 'node:crypto';
import type { Client } from '@microsoft/microsoft-graph-client';
import { MailboxCalendar } from '../outlook/calendar';
import type { MicrosoftEndpoints } from '../outlook/endpoints';
import { classifyError, classifyTokenError } from '../outlook/errors';
import { createGraphClient } from '../outlook/graph-client';
import type { TokenProvider } from '../outlook/token';
import { CredentialFormatError, describeCredential, parseCredential, type ClientCredential } from '../secrets/credential';
import { SecretStoreError, type SecretStore } from '../secrets/store';
import { withCredentialEvidence } from '../reconcile/mailbox-session';
import type { GraphEventRead } from '../sync/graph-event';
import { mapEvent, parseMappingOptions } from '../sync/mapping';
import { markerExpand, readMarker } from '../sync/marker';
import type { SourceEvent } from '../sync/model';
import { redactUrl } from '../winearound/errors';
import { fetchFeed } from '../winearound/feed';
import { INTEGRATION_DEFAULTS, type IntegrationConfig } from '../sync/integration-config';
import type { CheckResult, CheckStatus, DiagnosisReport, DiagnosisTargetSummary } from './report';
import { certificateExpiry, readSecretExpiry } from './secret-expiry';
import { assessSharing, type CalendarPermission } from './sharing';
import { blockedSentence, CHECK_IDS, fixFor, type CheckId } from './texts';
import { decodeTokenClaims, type TokenClaims } from './token-claims';

/**
 * Checks a customer's setup in order, the way its IT would walk through it: secret reference,
 * tenant, app, secret, consent, mailbox, access policy, a write probe, sharing, feed. Each check
 * ends pass / fail / warn / skip with a stable code; a check that depends on a failed one is
 * skipped, so exactly the real problem shows as a failure. Never throws for a finding, and writes
 * nothing but one probe event that it deletes again.
 */

export type DiagnosisTarget = Pick<IntegrationConfig, 'tenantId' | 'clientId' | 'secretRef' | 'mailbox'> &
  Partial<Pick<IntegrationConfig, 'customerId' | 'feedUrl' | 'timeZone' | 'windowPastDays' | 'windowFutureDays'>>;

export interface DiagnosisDeps {
  secrets: SecretStore;
  endpoints: MicrosoftEndpoints;
  tokens: TokenProvider;
  /** WineAround's multi-tenant app (WA_APP_CLIENT_ID), whose credential is WineAround's to renew; `tokens` reads its missing app as missing consent. */
  multiTenantAppId?: string;
  /** Called with each check as it ends (the onboarding page shows them live). */
  onCheck?: (result: CheckResult) => void;
}

const CALENDAR_ROLE = 'Calendars.ReadWrite';
const DAY_MS = 86_400_000;
/** Marks probes written before an integration exists; with one, the probe carries its customer id (dated 2000, outside any sync window, so only the diagnosis itself removes it). */
const PRE_INTEGRATION_OWNER = 'wa-diagnosis';

class Findings {
  private readonly results = new Map<CheckId, CheckResult>();
  private blocker?: CheckId;

  constructor(private readonly target: DiagnosisTargetSummary, private readonly onCheck?: (result: CheckResult) => void) {}

  pass(check: CheckId, evidence: string): void {
    this.add(check, 'pass', 'OK', evidence);
  }

  warn(check: CheckId, code: string, evidence: string): void {
    this.add(check, 'warn', code, evidence);
  }

  fail(check: CheckId, code: string, evidence: string): void {
    this.blocker ??= check;
    this.add(check, 'fail', code, evidence);
  }

  skip(check: CheckId, code: string, evidence: string, blockedBy?: CheckId): void {
    this.add(check, 'skip', code, evidence, blockedBy);
  }

  /** Every check, in order; those never reached are skipped because of the first failure. */
  all(): CheckResult[] {
    for (const check of CHECK_IDS) {
      if (!this.results.has(check) && this.blocker) this.skip(check, 'BLOCKED', blockedSentence(this.blocker, 'en'), this.blocker);
    }
    return CHECK_IDS.flatMap((check) => this.results.get(check) ?? []);
  }

  private add(check: CheckId, status: CheckStatus, code: string, evidence: string, blockedBy?: CheckId): void {
    const fix = status === 'pass' ? '' : fixFor(code, 'en', this.target);
    const result: CheckResult = { check, status, code, evidence, fix, ...(blockedBy && { blockedBy }) };
    this.results.set(check, result);
    this.onCheck?.(result);
  }
}

export async function diagnoseSetup(config: DiagnosisTarget, deps: DiagnosisDeps): Promise<DiagnosisReport> {
  const target: DiagnosisTargetSummary = {
    tenantId: config.tenantId,
    clientId: config.clientId,
    secretRef: config.secretRef,
    mailbox: config.mailbox,
    ...(config.feedUrl && { feed: redactUrl(config.feedUrl) }),
  };
  const findings = new Findings(target, deps.onCheck);
  await checkMicrosoft(config, deps, findings);
  await checkFeed(config, findings);
  const checks = findings.all();
  return {
    ...(config.customerId && { customerId: config.customerId }),
    at: new Date().toISOString(),
    ok: !checks.some((c) => c.status === 'fail'),
    checks,
    target,
  };
}

async function checkMicrosoft(config: DiagnosisTarget, deps: DiagnosisDeps, f: Findings): Promise<void> {
  const credential = await resolveCredential(config.secretRef, deps.secrets, f);
  if (!credential) return;
  const token = await acquireToken(config, credential, deps, f);
  if (!token) return;
  const { claims } = token;
  const client = createGraphClient({ graphBaseUrl: deps.endpoints.graphBaseUrl, getAccessToken: async () => token.value });

  if (config.clientId === deps.multiTenantAppId) {
    // WineAround's own credential: its registration lives in WineAround's tenant, and renewing it is
    // WineAround's task, never the customer's (the certificate's date is still said, for operations).
    const expiry = credential.kind === 'certificate' ? ` ${certificateExpiry(credential.notAfter, new Date()).evidence}` : '';
    f.pass('client-secret', `The token endpoint accepted WineAround's own app credential (admin consent path); WineAround renews it, the customer has nothing to do.${expiry}`);
  } else if (credential.kind === 'certificate') {
    // The certificate itself says when it expires: no directory role needed to read it.
    const expiry = certificateExpiry(credential.notAfter, new Date());
    const accepted = `The token endpoint accepted the ${describeCredential(credential)}.`;
    if (expiry.expiringSoon) f.warn('client-secret', 'CERTIFICATE_EXPIRING', `${accepted} ${expiry.evidence}`);
    else f.pass('client-secret', `${accepted} ${expiry.evidence}`);
  } else {
    const expiry = await readSecretExpiry(client, config.clientId, credential.secret, claims?.roles ?? [], new Date());
    const accepted = 'The token endpoint accepted the secret.';
    if (expiry.expiringSoon) f.warn('client-secret', 'SECRET_EXPIRING', `${accepted} ${expiry.evidence}`);
    else f.pass('client-secret', `${accepted} ${expiry.evidence}`);
  }

  const permission = readPermission(claims, token.fromCache, f);
  const calendar = new MailboxCalendar({ client, mailbox: config.mailbox, customerId: config.customerId ?? PRE_INTEGRATION_OWNER });
  if (!(await checkMailbox(client, calendar, config, permission, f))) return;
  await probeWrite(client, calendar, config.customerId ?? PRE_INTEGRATION_OWNER, f);
  await checkSharing(client, calendar, f);
}

async function resolveCredential(secretRef: string, secrets: SecretStore, f: Findings): Promise<ClientCredential | undefined> {
  let secret: string | undefined;
  try {
    secret = await secrets.get(secretRef);
  } catch (err) {
    // Our store's messages never quote its content; another store's error might: name only its kind.
    if (err instanceof SecretStoreError) f.fail('secret-ref', err.code, err.message);
    else f.fail('secret-ref', 'SECRET_STORE_UNREADABLE', `The secret store could not be read (${(err as Error)?.name ?? 'error'}).`);
    return undefined;
  }
  if (!secret) {
    f.fail('secret-ref', 'SECRET_REF_UNKNOWN', `The worker's secret store has no secret named "${secretRef}".`);
    return undefined;
  }
  try {
    const credential = parseCredential(secret);
    f.pass('secret-ref', `The worker's secret store holds a ${credential.kind === 'secret' ? 'client secret' : describeCredential(credential)} named "${secretRef}".`);
    return credential;
  } catch (err) {
    if (!(err instanceof CredentialFormatError)) throw err;
    f.fail('secret-ref', 'CERTIFICATE_UNREADABLE', `The value named "${secretRef}" is a PEM text but not a usable certificate: ${err.message}.`);
    return undefined;
  }
}

interface Token {
  value: string;
  fromCache: boolean;
  claims?: TokenClaims;
}

/** One token request answers three checks: the AADSTS code names the tenant, the app or the secret. */
async function acquireToken(config: DiagnosisTarget, credential: ClientCredential, deps: DiagnosisDeps, f: Findings): Promise<Token | undefined> {
  try {
    const token = await deps.tokens.acquire({ tenantId: config.tenantId, clientId: config.clientId, credential });
    const claims = decodeTokenClaims(token.token);
    f.pass('tenant', `Microsoft Entra issued a token in tenant ${claims?.tid ?? config.tenantId}.`);
    f.pass('app', `The token was issued to app ${claims?.appid ?? config.clientId}.`);
    return { value: token.token, fromCache: token.fromCache, claims };
  } catch (err) {
    const e = withCredentialEvidence(classifyTokenError(err), credential);
    switch (e.code) {
      case 'APP_NOT_FOUND':
      case 'CONSENT_NOT_GRANTED':
        f.pass('tenant', 'The token endpoint knows the tenant: it looked for the app in it.');
        f.fail('app', e.code, e.message);
        break;
      case 'INVALID_SECRET':
      case 'SECRET_EXPIRED':
      case 'SECRET_MISSING':
      case 'CERTIFICATE_REJECTED':
      case 'CERTIFICATE_EXPIRED':
      case 'CLOCK_SKEW':
      case 'CLIENT_ASSERTION_INVALID':
        f.pass('tenant', 'The token endpoint knows the tenant: it found the app in it.');
        f.pass('app', `The app is registered in the tenant: the token endpoint checked its ${credential.kind === 'secret' ? 'secret' : 'certificate'}.`);
        f.fail('client-secret', e.code, e.message);
        break;
      default:
        // TENANT_NOT_FOUND, or the endpoint could not be reached: nothing past the tenant is known.
        f.fail('tenant', e.code, e.message);
    }
    return undefined;
  }
}

/** What the token says about the permission; without the role, Graph's answer decides (see checkMailbox). */
interface Permission {
  /** undefined when the token cannot be read. */
  hasCalendarRole?: boolean;
  evidence: string;
}

function readPermission(claims: TokenClaims | undefined, fromCache: boolean, f: Findings): Permission {
  if (!claims) {
    f.skip('permission', 'TOKEN_UNREADABLE', 'The access token is not a readable JWT, so its roles are unknown; Graph\'s answers below tell instead.');
    return { evidence: '' };
  }
  const issued = claims.iat ? ` (issued ${new Date(claims.iat * 1000).toISOString()}${fromCache ? ', from the worker\'s token cache' : ''})` : '';
  if (claims.roles.includes(CALENDAR_ROLE)) {
    f.pass('permission', `Application roles in the access token${issued}: ${claims.roles.join(', ')}.`);
    return { hasCalendarRole: true, evidence: '' };
  }
  const found = claims.roles.length
    ? `Application roles in the access token${issued}: ${claims.roles.join(', ')}; ${CALENDAR_ROLE} is not among them.`
    : `The access token${issued} carries no application roles at all.`;
  const cached = fromCache ? ' Consent granted after it was issued applies to the next token, within an hour.' : '';
  return { hasCalendarRole: false, evidence: found + cached };
}

/**
 * A token without Calendars.ReadWrite is still right when Exchange grants the app the mailbox
 * through RBAC for Applications (whose grants never appear in the token, and which restricts only
 * once the Entra consent is removed); only Graph's refusal proves the consent missing.
 */
function recordRoleless(permission: Permission, outcome: { granted: true } | { granted: false; code: string; evidence: string }, f: Findings): void {
  if (outcome.granted) {
    f.pass('permission', `${permission.evidence} Exchange grants the app this mailbox all the same: RBAC for Applications (an Exchange role assignment) gives the access.`);
    return;
  }
  if (outcome.code === 'UNAVAILABLE') {
    f.fail('permission', outcome.code, `${permission.evidence} Whether Exchange grants access without it could not be checked: ${outcome.evidence}`);
    return;
  }
  f.fail('permission', 'CONSENT_MISSING',
    `${permission.evidence} Admin consent for the application permission ${CALENDAR_ROLE} was not granted, or it was added as a Delegated permission, ` +
    `which app-only tokens never carry; nor does an Exchange RBAC for Applications assignment grant the mailbox (${outcome.evidence})`);
}

const GRAPH_MEANING: Record<string, string> = {
  MAILBOX_NOT_FOUND: 'there is no such user in the tenant',
  NO_EXCHANGE_LICENSE: 'the user has no active Exchange Online mailbox (no licence, or the mailbox is inactive, soft-deleted or on-premises)',
  ACCESS_POLICY_DENIED: 'Exchange refused this mailbox to the app: an ApplicationAccessPolicy or RBAC for Applications scope excludes it',
  CONSENT_MISSING: 'the app may not access calendars',
  TOKEN_REJECTED: 'Graph did not accept the access token',
};

/**
 * A Graph failure as a finding. A 403 to a token that does carry Calendars.ReadWrite cannot be
 * missing consent: it is Exchange's own scoping (whatever the wording of its message).
 */
function graphFinding(err: unknown, hasCalendarRole: boolean | undefined): { code: string; evidence: string } {
  const e = classifyError(err);
  const g = err as { statusCode?: number; code?: string | null; message?: string };
  if (!(typeof g.statusCode === 'number' && g.statusCode > 0)) return { code: e.code, evidence: e.message };
  const code = e.code === 'CONSENT_MISSING' && hasCalendarRole ? 'ACCESS_POLICY_DENIED' : e.code;
  const said = (g.message ?? '').slice(0, 200);
  const meaning = GRAPH_MEANING[code] ? `: ${GRAPH_MEANING[code]}` : '';
  return { code, evidence: `Graph answered ${g.statusCode} ${g.code ?? ''} "${said}"${meaning}.` };
}

const POLICY_TEST = (config: DiagnosisTarget) =>
  `Test-ApplicationAccessPolicy -Identity ${config.mailbox} -AppId ${config.clientId}, or Test-ServicePrincipalAuthorization -Identity ${config.clientId} -Resource ${config.mailbox}`;

/** GET /users/{mailbox}/calendar: the user, its licence and mailbox, and Exchange's app scoping in one read. */
async function checkMailbox(client: Client, calendar: MailboxCalendar, config: DiagnosisTarget, permission: Permission, f: Findings): Promise<boolean> {
  try {
    const found = (await client.api(`${calendar.base}/calendar`).get()) as { name?: string; owner?: { address?: string } };
    if (permission.hasCalendarRole === false) recordRoleless(permission, { granted: true }, f);
    f.pass('mailbox', `The default calendar "${found.name ?? 'Calendar'}" of ${found.owner?.address ?? config.mailbox} answers.`);
    f.pass('access-policy',
      `The app may use this mailbox. Whether it is limited to this mailbox alone only an Exchange admin can see: ${POLICY_TEST(config)} (docs/setup.md, step 5).`);
    return true;
  } catch (err) {
    const { code, evidence } = graphFinding(err, permission.hasCalendarRole);
    if (permission.hasCalendarRole === false) {
      recordRoleless(permission, { granted: false, code, evidence }, f);
    } else if (code === 'ACCESS_POLICY_DENIED') {
      f.skip('mailbox', 'BLOCKED', 'Exchange refused the app before showing the mailbox; see the access policy check.', 'access-policy');
      f.fail('access-policy', code, `${evidence} Test it with ${POLICY_TEST(config)}.`);
    } else {
      f.fail('mailbox', code, evidence);
    }
    return false;
  }
}

const PROBE_OPTIONS = parseMappingOptions({ reminderMinutes: null, showAs: 'free', timeZone: 'UTC' });

/** Far in the past: no one's view, no reminder, no notification. */
function probeEvent(sourceId: string): SourceEvent {
  return {
    id: sourceId,
    version: Date.now(),
    title: 'WineAround connection test (removed automatically)',
    description: 'Written by the WineAround setup diagnosis to prove write access, and deleted at once.',
    start: { kind: 'dateTime', dateTime: '2000-01-01T00:00:00', timeZone: 'UTC' },
    end: { kind: 'dateTime', dateTime: '2000-01-01T00:15:00', timeZone: 'UTC' },
    allDay: false,
  };
}

/** Create (with a transactionId, as the sync does), read back with its marker, delete; remove it even when a step fails. */
async function probeWrite(client: Client, calendar: MailboxCalendar, owner: string, f: Findings): Promise<void> {
  const sourceId = `wa-diagnosis-probe-${randomUUID()}`;
  const payload = { ...mapEvent(probeEvent(sourceId), PROBE_OPTIONS, owner), transactionId: randomUUID() };
  let graphId: string | undefined;
  let removed = false;
  let createAnswered = false;
  let step = 'create';
  let finding: { status: 'pass' | 'fail'; code: string; evidence: string };
  try {
    graphId = ((await client.api(`${calendar.base}/events`).post(payload)) as { id: string }).id;
    step = 'read back';
    const read = (await client.api(calendar.eventUrl(graphId)).expand(markerExpand()).select('subject').get()) as GraphEventRead;
    step = 'delete';
    await client.api(calendar.eventUrl(graphId)).delete();
    removed = true;
    finding = readMarker(read)?.sourceId === sourceId
      ? { status: 'pass', code: 'OK', evidence: 'Created a marked probe event, read it back with its marker, and deleted it.' }
      : { status: 'fail', code: 'WRITE_PROBE_FAILED', evidence: 'The probe event was created but read back without its WineAround marker.' };
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode ?? 0;
    createAnswered = step === 'create' && status >= 400 && status < 500;
    const { code, evidence } = graphFinding(err, true);
    finding = { status: 'fail', code, evidence: `The probe failed at "${step}": ${evidence}` };
  }
  // A create refused outright left nothing behind; any other failure may have.
  if (!removed && !createAnswered && !(await removeProbe(calendar, client, graphId, sourceId))) {
    finding = {
      status: 'fail', code: 'PROBE_NOT_REMOVED',
      evidence: `${finding.evidence} The probe event (1 January 2000, "WineAround connection test") could not be removed.`,
    };
  }
  if (finding.status === 'pass') f.pass('write-probe', finding.evidence);
  else f.fail('write-probe', finding.code, finding.evidence);
}

async function removeProbe(calendar: MailboxCalendar, client: Client, graphId: string | undefined, sourceId: string): Promise<boolean> {
  try {
    const ids = graphId ? [graphId] : ((await calendar.findBySource([sourceId])).get(sourceId) ?? []).map((e) => e.id);
    for (const id of ids) {
      await client.api(calendar.eventUrl(id)).delete().catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 404) throw err;
      });
    }
    return true;
  } catch {
    return false;
  }
}

async function checkSharing(client: Client, calendar: MailboxCalendar, f: Findings): Promise<void> {
  try {
    const answer = (await client.api(`${calendar.base}/calendar/calendarPermissions`).get()) as { value?: CalendarPermission[] };
    const finding = assessSharing(answer.value ?? []);
    if (finding.status === 'pass') f.pass('sharing', finding.evidence);
    else f.warn('sharing', finding.code, finding.evidence);
  } catch (err) {
    f.skip('sharing', 'SHARING_UNREADABLE', `The calendar's sharing could not be read with the app's permissions: ${graphFinding(err, true).evidence}`);
  }
}

async function checkFeed(config: DiagnosisTarget, f: Findings): Promise<void> {
  if (!config.feedUrl) {
    f.skip('feed', 'FEED_URL_NOT_GIVEN', 'No feed URL was given (a running integration\'s status shows it only without its token).');
    return;
  }
  const now = Date.now();
  const window = {
    start: new Date(now - (config.windowPastDays ?? INTEGRATION_DEFAULTS.windowPastDays) * DAY_MS),
    end: new Date(now + (config.windowFutureDays ?? INTEGRATION_DEFAULTS.windowFutureDays) * DAY_MS),
  };
  try {
    const feed = await fetchFeed({ url: config.feedUrl, window, defaultTimeZone: config.timeZone ?? INTEGRATION_DEFAULTS.timeZone });
    // Sent without validators, the fetch never answers "not modified".
    const { events, skipped } = feed.notModified ? { events: [], skipped: [] } : feed;
    const unusable = skipped.length ? `; ${skipped.length} unusable and skipped` : '';
    f.pass('feed', `${redactUrl(config.feedUrl)} answered and parsed: ${events.length} events in the sync window${unusable}.`);
  } catch (err) {
    const e = classifyError(err);
    f.fail('feed', e.code, e.message);
  }
}
