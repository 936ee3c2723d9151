/**
 * RFC 5545 §3.3.11 TEXT escaping for X- properties. ical.js escapes and unescapes the properties it
 * knows; X- properties have no declared type, so it leaves their values raw.
 */
export function escapeText(value: string): string {
  return value.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\r?\n/g, '\\n');
}

export function unescapeText(value: string): string {
  return value.replace(/\\([\\;,nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}
