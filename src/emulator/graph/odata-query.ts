import { badRequest } from './errors';
import { extendedPropertyKey, StoredEvent } from './event-model';
import { EVENT_PROPERTIES } from './event-view';

/**
 * The OData query options the emulator implements for events: $select, $top, $skip, $orderby
 * (start/dateTime only), $filter and $expand on single-value extended properties.
 * https://learn.microsoft.com/graph/query-parameters
 * https://learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-get
 */
export interface EventQuery {
  select?: Set<string>;
  expandKeys?: string[];
  filter?: (event: StoredEvent) => boolean;
  top?: number;
  skip: number;
}

/** Page size of Outlook collections without $top. */
export const DEFAULT_PAGE_SIZE = 10;
const QUOTED = String.raw`'((?:[^']|'')*)'`;
const unquote = (s: string): string => s.replace(/''/g, "'");

export function parseEventQuery(query: URLSearchParams): EventQuery {
  for (const name of ['$search', '$count', '$apply']) {
    if (query.has(name)) throw badRequest(`The query option '${name}' is not supported by the emulator.`);
  }
  const orderBy = query.get('$orderby');
  if (orderBy !== null && !/^start\/dateTime( asc)?$/i.test(orderBy.trim())) {
    throw badRequest(`The emulator supports only $orderby=start/dateTime, not '${orderBy}'.`);
  }
  return {
    select: parseSelect(query.get('$select'), EVENT_PROPERTIES, 'microsoft.graph.event', 'RequestBroker--ParseUri'),
    expandKeys: parseExpand(query.get('$expand')),
    filter: parseFilter(query.get('$filter')),
    top: integerOption(query, '$top', 1),
    skip: integerOption(query, '$skip', 0) ?? 0,
  };
}

function integerOption(query: URLSearchParams, name: string, min: number): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw badRequest(`Invalid value '${raw}' for query option '${name}'.`);
  return value;
}

/** `$select=a,b` against a type's properties; an unknown one answers 400 with the error code of the type's workload. */
export function parseSelect(raw: string | null, properties: readonly string[], typeName: string, errorCode: string): Set<string> | undefined {
  if (raw === null) return undefined;
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!properties.includes(name)) throw badRequest(`Could not find a property named '${name}' on type '${typeName}'.`, errorCode);
  }
  return new Set(names);
}

/** singleValueExtendedProperties($filter=id eq '...' [or id eq '...']) */
function parseExpand(raw: string | null): string[] | undefined {
  if (raw === null) return undefined;
  const match = /^singleValueExtendedProperties\(\$filter=(.+)\)$/i.exec(raw.trim());
  const clauses = match ? match[1].split(/\s+or\s+/i) : [];
  const keys = clauses.map((clause) => {
    const id = new RegExp(`^\\s*id\\s+eq\\s+${QUOTED}\\s*$`, 'i').exec(clause);
    return id ? extendedPropertyKey(unquote(id[1])) : undefined;
  });
  if (keys.length === 0 || keys.some((k) => k === undefined)) {
    throw badRequest(`The emulator supports only $expand=singleValueExtendedProperties($filter=id eq '{id}' [or id eq '{id}']), not '${raw}'.`);
  }
  return keys as string[];
}

/** singleValueExtendedProperties/Any(ep: ep/id eq '...' and ep/value eq '...'); value case-insensitive. */
function parseFilter(raw: string | null): ((event: StoredEvent) => boolean) | undefined {
  if (raw === null) return undefined;
  const pattern = new RegExp(
    `^singleValueExtendedProperties/any\\((\\w+)\\s*:\\s*\\1/id\\s+eq\\s+${QUOTED}\\s+and\\s+\\1/value\\s+eq\\s+${QUOTED}\\)$`, 'i');
  const match = pattern.exec(raw.trim());
  const key = match ? extendedPropertyKey(unquote(match[2])) : undefined;
  if (!match || !key) {
    throw badRequest(`The emulator supports only $filter=singleValueExtendedProperties/Any(ep: ep/id eq '{id}' and ep/value eq '{value}'), not '${raw}'.`);
  }
  const value = unquote(match[3]).toLowerCase();
  return (event) => event.extendedProperties.some((p) => extendedPropertyKey(p.id) === key && p.value.toLowerCase() === value);
}
