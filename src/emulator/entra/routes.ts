import express, { Request, Response } from 'express';
import { EmulatorContext } from '../context';
import { delay, retryAfterHeader } from '../faults';
import { FaultSpec } from '../types';
import { adminConsentRouter } from './admin-consent';
import { entraErrorBody, EntraError } from './errors';
import { redeemCode, signInRouter } from './sign-in';
import { drawTokenLifetime, issueToken } from './token';

/**
 * The Entra endpoints MSAL uses with a custom authority (graph-facts §2.2): OpenID configuration,
 * instance discovery, JWKS and the v2.0 token endpoint; and the admin-consent and authorize endpoints a browser visits.
 * https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc#fetch-the-openid-configuration-document
 */
export function entraRouter(ctx: EmulatorContext): express.Router {
  const router = express.Router();
  const urlencoded = express.urlencoded({ extended: false });

  /**
   * Served for any tenant segment on purpose: MSAL has this metadata hard-coded for
   * login.microsoftonline.com and so reports an unknown tenant only at the token POST (AADSTS90002);
   * failing here instead would surface as endpoints_resolution_error, which production never shows.
   */
  router.get('/:tenant/v2.0/.well-known/openid-configuration', entraEndpoint(ctx, 'openid-configuration', false, (req) => {
    const segment = String(req.params.tenant).toLowerCase();
    const base = `${ctx.baseUrl}/${ctx.directory.findTenant(segment)?.id ?? segment}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'localhost',
    };
  }));

  /** MSAL asks this only without knownAuthorities/cloudDiscoveryMetadata. */
  router.get('/:tenant/discovery/instance', entraEndpoint(ctx, 'instance-discovery', false, () => {
    const host = new URL(ctx.baseUrl).host;
    return {
      tenant_discovery_endpoint: `${ctx.baseUrl}/{tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    };
  }));

  router.get('/:tenant/discovery/v2.0/keys', entraEndpoint(ctx, 'jwks', false, () => ctx.signingKey.jwks));

  router.post('/:tenant/oauth2/v2.0/token', urlencoded, entraEndpoint(ctx, 'token', true, (req) => {
    const request = {
      tenant: String(req.params.tenant),
      form: (req.body ?? {}) as Record<string, string>,
      authorization: req.headers.authorization,
      baseUrl: ctx.baseUrl,
      lifetimeSeconds: drawTokenLifetime(ctx.tokenLifetime),
    };
    return request.form.grant_type === 'authorization_code'
      ? redeemCode(ctx.directory, ctx.signingKey, ctx.authCodes, request)
      : issueToken(ctx.directory, ctx.signingKey, request);
  }));

  router.use(adminConsentRouter(ctx));
  router.use(signInRouter(ctx));
  return router;
}

function entraEndpoint(ctx: EmulatorContext, kind: string, tokenEndpoint: boolean, produce: (req: Request) => object) {
  return async (req: Request, res: Response): Promise<void> => {
    ctx.counters.count(kind);
    const correlationId = typeof req.query['client-request-id'] === 'string' ? req.query['client-request-id'] : undefined;
    const fault = ctx.faults.take({ method: req.method, path: req.originalUrl, tokenEndpoint });
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    const serviceMs = (fault?.kind === 'slow' ? fault.delayMs ?? 2000 : 0) + (tokenEndpoint ? ctx.latency.sample() : 0);
    if (serviceMs > 0) await delay(serviceMs);
    let status = 200;
    let body: object;
    try {
      if (fault && ['429', '503', '504'].includes(fault.kind)) throw faultError(fault);
      body = produce(req);
    } catch (err) {
      if (!(err instanceof EntraError)) throw err;
      status = err.status;
      body = entraErrorBody(err, correlationId);
      if (fault) res.set(retryAfterHeader(fault));
    }
    if (fault?.kind === 'lost-response') {
      req.socket.destroy();
      return;
    }
    res.status(status).set('Cache-Control', 'no-store, no-cache').json(body);
  };
}

/** Token-endpoint outages; MSAL parses these bodies as JSON like any other error. */
function faultError(fault: FaultSpec): EntraError {
  if (fault.kind === '429') return new EntraError(429, 'temporarily_unavailable', 90055, 'TenantThrottlingError: There are too many incoming requests.');
  return new EntraError(Number(fault.kind), 'temporarily_unavailable', 90033, 'The service is temporarily unavailable.');
}
