import { CredentialFormatError, describeCredential, parseCredential, type ClientCredential } from '../secrets/credential';
import type { MetricsRecorder } from '../metrics/recorder';
import { SecretStoreError, type SecretStore } from '../secrets/store';
import type { IntegrationConfig } from '../sync/integration-config';
import { MailboxCalendar } from '../outlook/calendar';
import type { MicrosoftEndpoints } from '../outlook/endpoints';
import { classifyError, classifyTokenError, configError, transientError, type SyncError } from '../outlook/errors';
import { createGraphClient } from '../outlook/graph-client';
import type { TokenProvider } from '../outlook/token';
import type { ReconcileProgress } from './reconcile';
import type { SyncSummary } from './summary';

/** What a sync needs from its host (the worker's activities, the bench, the diagnose CLI). */
export interface SyncDeps {
  secrets: SecretStore;
  endpoints: MicrosoftEndpoints;
  tokens: TokenProvider;
  /** Called on every outgoing request: an activity heartbeats here. */
  heartbeat?: () => void;
  /** A cancellable sleep (the activity's), for waits between throttled batch rounds. */
  pause?: (ms: number) => Promise<void>;
  /** The caller gave up (an activity's cancellation): every Graph request and the feed fetch abort. */
  signal?: AbortSignal;
  /** Limits of the feed read (the worker's WA_FEED_MAX_BYTES, WA_FEED_PARSE_BUDGET_MS); defaults when absent. */
  feed?: FeedLimits;
  /** Where Graph answers, throttling waits and feed fetches are counted (the worker's Prometheus metrics). */
  metrics?: MetricsRecorder;
  /** Records a full pass's progress (an activity heartbeats it as details, for its next attempt). */
  progress?: (progress: ReconcileProgress) => void;
}

export interface FeedLimits {
  maxBytes?: number;
  parseBudgetMs?: number;
}

/** One sync's connection to one mailbox, with the requests it made counted by destination. */
export interface MailboxSession {
  calendar: MailboxCalendar;
  requests: SyncSummary['requests'];
  /** Graph, token and network errors as SyncErrors (the Graph client wraps token failures). */
  classify(err: unknown): SyncError;
}

export async function openMailboxSession(config: IntegrationConfig, deps: SyncDeps): Promise<MailboxSession> {
  const secret = await deps.secrets.get(config.secretRef).catch((err: Error) => {
    throw err instanceof SecretStoreError ? configError(err.code, err.message) : err;
  });
  if (!secret) {
    throw configError('SECRET_REF_UNKNOWN', `No client secret or certificate is stored under the reference "${config.secretRef}".`);
  }
  let credential;
  try {
    credential = parseCredential(secret);
  } catch (err) {
    if (!(err instanceof CredentialFormatError)) throw err;
    throw configError('CERTIFICATE_UNREADABLE', `The certificate stored under "${config.secretRef}" cannot be used: ${err.message}.`);
  }
  const requests = { feed: 0, graph: 0, token: 0 };
  let tokenFailure: SyncError | undefined;
  const app = { tenantId: config.tenantId, clientId: config.clientId, credential };
  const getAccessToken = async () => {
    try {
      const token = await deps.tokens.acquire(app);
      if (!token.fromCache) requests.token += 1;
      return token.token;
    } catch (err) {
      tokenFailure = withCredentialEvidence(classifyTokenError(err), credential);
      throw tokenFailure;
    }
  };
  // Fail on credentials before any Graph call, with the token endpoint's own diagnosis.
  await getAccessToken();
  const client = createGraphClient({
    graphBaseUrl: deps.endpoints.graphBaseUrl,
    getAccessToken,
    resendOnStaleConnection: true,
    metrics: deps.metrics,
    signal: deps.signal,
    onRequest: () => {
      requests.graph += 1;
      deps.heartbeat?.();
    },
  });
  return {
    calendar: new MailboxCalendar({ client, mailbox: config.mailbox, customerId: config.customerId, pause: deps.pause }),
    requests,
    classify: (err) => {
      const wrappedTokenFailure = (err as { code?: string })?.code === 'SyncError' && tokenFailure;
      const e = wrappedTokenFailure || classifyError(err);
      // A token from before this session that Graph no longer accepts (consent removed, app deleted,
      // credential revoked): drop it and let Temporal retry with a new one, which either works or
      // names the real cause. A token fetched in this session and refused is the customer's TOKEN_REJECTED.
      if (e.code === 'TOKEN_REJECTED' && requests.token === 0) {
        deps.tokens.forget(app);
        return transientError(`${e.message} It came from the worker's token cache: a new token is requested.`);
      }
      return e;
    },
  };
}

/** Names the certificate Entra refused (subject, thumbprint as the admin center shows it, expiry): public facts, no key. */
export function withCredentialEvidence(err: SyncError, credential: ClientCredential): SyncError {
  if (credential.kind !== 'certificate' || !/^(CERTIFICATE_|CLOCK_SKEW|CLIENT_ASSERTION)/.test(err.code)) return err;
  return configError(err.code, `${err.message} The worker used the ${describeCredential(credential)}.`);
}
