import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Registered on every Temporal server the project uses (dev server flags, docker-compose setup). */
export const customerIdKey = defineSearchAttributeKey('WaCustomerId', SearchAttributeType.KEYWORD);
export const integrationStatusKey = defineSearchAttributeKey('WaIntegrationStatus', SearchAttributeType.KEYWORD);

/** The code of the integration's last error (empty once a sync succeeds), to filter the fleet by it. */
export const errorCodeKey = defineSearchAttributeKey('WaErrorCode', SearchAttributeType.KEYWORD);

export const projectSearchAttributes = [customerIdKey, integrationStatusKey, errorCodeKey];
