/**
 * The ownership marker: named single-value extended properties (String, one fixed GUID namespace)
 * stamped on every event this service creates. Events without it are a person's own and are never
 * touched. The integration property holds the customer id so the writer lists exactly its own
 * events with one `$filter`.
 */
import type { GraphEventRead, GraphExtendedProperty } from './graph-event';

/** The property-set GUID of all WineAround marker properties. Never change it: existing events carry it. */
export const MARKER_PROPERTY_SET = '{B797E5AA-C034-4BFB-BEF6-D35241D6833A}';

const propertyId = (name: string) => `String ${MARKER_PROPERTY_SET} Name ${name}`;

export const MARKER_PROPERTY_IDS = {
  eventId: propertyId('WineAroundEventId'),
  contentHash: propertyId('WineAroundContentHash'),
  version: propertyId('WineAroundVersion'),
  integration: propertyId('WineAroundIntegration'),
} as const;

export interface Marker {
  customerId: string;
  sourceId: string;
  contentHash: string;
  version: number;
}

export function markerProperties(marker: Marker): GraphExtendedProperty[] {
  return [
    { id: MARKER_PROPERTY_IDS.eventId, value: marker.sourceId },
    { id: MARKER_PROPERTY_IDS.contentHash, value: marker.contentHash },
    { id: MARKER_PROPERTY_IDS.version, value: String(marker.version) },
    { id: MARKER_PROPERTY_IDS.integration, value: marker.customerId },
  ];
}

/** The marker read from an event fetched with `markerExpand()`; undefined when the event carries no event id. */
export function readMarker(event: GraphEventRead): Partial<Marker> & { sourceId: string } | undefined {
  // Graph matches property names case-sensitively but GUIDs are returned in its own casing: compare case-insensitively.
  const value = (id: string) =>
    event.singleValueExtendedProperties?.find((p) => p.id.toLowerCase() === id.toLowerCase())?.value;
  const sourceId = value(MARKER_PROPERTY_IDS.eventId);
  if (!sourceId) return undefined;
  const version = Number(value(MARKER_PROPERTY_IDS.version));
  return {
    sourceId,
    customerId: value(MARKER_PROPERTY_IDS.integration),
    contentHash: value(MARKER_PROPERTY_IDS.contentHash),
    version: Number.isSafeInteger(version) ? version : undefined,
  };
}

/** OData string literal: single quotes doubled. */
const odataString = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** `$filter` selecting exactly the events this integration owns (value match is case-insensitive in Graph). */
export function ownedEventsFilter(customerId: string): string {
  return (
    `singleValueExtendedProperties/Any(ep: ep/id eq ${odataString(MARKER_PROPERTY_IDS.integration)}` +
    ` and ep/value eq ${odataString(customerId)})`
  );
}

/** `$expand` returning the marker properties with each event (Graph returns them only when expanded). */
export function markerExpand(): string {
  const ids = Object.values(MARKER_PROPERTY_IDS);
  return `singleValueExtendedProperties($filter=${ids.map((id) => `id eq ${odataString(id)}`).join(' or ')})`;
}
