import { resolveTimeZone } from './time-zones';

/**
 * The Prefer preferences Outlook honours: outlook.timezone (response zone of start/end),
 * outlook.body-content-type ("text" | "html"), odata.maxpagesize (delta page size). Each applied
 * preference is echoed in Preference-Applied.
 * https://learn.microsoft.com/graph/api/user-list-events#request-headers
 * https://learn.microsoft.com/graph/api/event-delta#request-headers
 */
export interface Preferences {
  timeZone?: { name: string; zone: string };
  bodyType?: 'text' | 'html';
  maxPageSize?: number;
  applied: string[];
}

export function parsePreferences(header: string | undefined): Preferences {
  const result: Preferences = { applied: [] };
  const pattern = /([\w.-]+)\s*=\s*(?:"([^"]*)"|([^,;\s]+))/g;
  for (const match of (header ?? '').matchAll(pattern)) {
    const name = match[1].toLowerCase();
    const value = match[2] ?? match[3];
    if (name === 'outlook.timezone') {
      const zone = resolveTimeZone(value);
      if (zone) {
        result.timeZone = { name: value, zone };
        result.applied.push(`outlook.timezone="${value}"`);
      }
    } else if (name === 'outlook.body-content-type' && (value === 'text' || value === 'html')) {
      result.bodyType = value;
      result.applied.push(`outlook.body-content-type="${value}"`);
    } else if (name === 'odata.maxpagesize' && Number(value) >= 1) {
      result.maxPageSize = Math.floor(Number(value));
      result.applied.push(`odata.maxpagesize=${result.maxPageSize}`);
    }
  }
  return result;
}

export function preferenceHeaders(prefs: Preferences): Record<string, string> {
  return prefs.applied.length > 0 ? { 'Preference-Applied': prefs.applied.join(', ') } : {};
}
