import { GraphEvent } from '../types';

const escape = (value: unknown): string =>
  String(value ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

type Zoned = { dateTime: string; timeZone: string };
const when = (t: unknown): string => `${(t as Zoned).dateTime.slice(0, 16).replace('T', ' ')} ${(t as Zoned).timeZone}`;

/** Read-only view of a mailbox for people watching the demo; refreshes itself every 3 s. */
export function calendarPage(upn: string, events: GraphEvent[]): string {
  const rows = events.map((e) => {
    const props = ((e.singleValueExtendedProperties as Array<{ id: string; value: string }> | undefined) ?? [])
      .map((p) => `${escape(p.id.split(' ').pop())}=${escape(p.value)}`).join('<br>');
    return `<tr><td>${escape(when(e.start))}</td><td>${escape(when(e.end))}</td><td>${e.isAllDay ? 'yes' : ''}</td>`
      + `<td>${escape(e.subject)}</td><td>${escape((e.location as { displayName?: string }).displayName)}</td>`
      + `<td>${escape((e.categories as string[]).join(', '))}</td><td><small>${props}</small></td>`
      + `<td><small>${escape(e.lastModifiedDateTime)}</small></td></tr>`;
  });
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="3">
<title>Calendar of ${escape(upn)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}</style>
</head><body><h1>Calendar of ${escape(upn)}</h1><p>${events.length} event(s), times in UTC; refreshes every 3 seconds.</p>
<table><tr><th>Start</th><th>End</th><th>All day</th><th>Subject</th><th>Location</th><th>Categories</th><th>Extended properties</th><th>Last modified</th></tr>
${rows.join('\n')}</table></body></html>`;
}
