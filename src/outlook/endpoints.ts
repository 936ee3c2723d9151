/**
 * Where Microsoft Entra and Graph are. Defaults are Microsoft's public cloud; tests and the demo
 * point both at the local emulator by configuration alone.
 */
export interface MicrosoftEndpoints {
  /** e.g. https://login.microsoftonline.com (no trailing slash). */
  authorityHost: string;
  /** e.g. https://graph.microsoft.com (no trailing slash). */
  graphBaseUrl: string;
}

export const PUBLIC_CLOUD: MicrosoftEndpoints = {
  authorityHost: 'https://login.microsoftonline.com',
  graphBaseUrl: 'https://graph.microsoft.com',
};

const MICROSOFT_AUTHORITY_HOSTS = new Set(['login.microsoftonline.com', 'login.microsoftonline.us', 'login.partner.microsoftonline.cn']);
const MICROSOFT_GRAPH_HOSTS = new Set(['graph.microsoft.com', 'graph.microsoft.us', 'dod-graph.microsoft.us', 'microsoftgraph.chinacloudapi.cn']);

/** MSAL only trusts other authority hosts when they are listed, host:port included. */
export function knownAuthoritiesFor(authorityHost: string): string[] {
  const { host, hostname } = new URL(authorityHost);
  return MICROSOFT_AUTHORITY_HOSTS.has(hostname) ? [] : [host];
}

/** The Graph client only sends the token to Graph hosts, or to these (host names without port). */
export function customGraphHostsFor(graphBaseUrl: string): Set<string> | undefined {
  const { hostname } = new URL(graphBaseUrl);
  return MICROSOFT_GRAPH_HOSTS.has(hostname) ? undefined : new Set([hostname]);
}
