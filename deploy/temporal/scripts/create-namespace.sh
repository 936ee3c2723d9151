#!/bin/sh
# Registers the namespace and the search attributes the worker and
# `wa-outlook list` rely on. Runs in temporalio/admin-tools (docker-compose
# service temporal-namespace) and natively for `npm run cluster` (src/cluster/),
# which sets TEMPORAL_CLI to the project's Temporal CLI.
# Safe to re-run: an existing namespace and attributes are kept.
set -eu

: "${TEMPORAL_ADDRESS:?}" "${TEMPORAL_NAMESPACE:?}"
RETENTION=${TEMPORAL_NAMESPACE_RETENTION:-720h}
MAX_ATTEMPTS=30
TEMPORAL_CLI=${TEMPORAL_CLI:-temporal}

ns() { "$TEMPORAL_CLI" operator "$@" --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE"; }

# retry WHAT COMMAND...: the server answers before it is fully up, and a new
# namespace takes a moment to reach every service's cache.
retry() {
  what=$1
  shift
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge "$MAX_ATTEMPTS" ]; then
      echo "$what still failing after $MAX_ATTEMPTS attempts" >&2
      exit 1
    fi
    echo "$what not ready yet (attempt $attempt/$MAX_ATTEMPTS)"
    attempt=$((attempt + 1))
    sleep 2
  done
}

retry "Temporal at $TEMPORAL_ADDRESS" "$TEMPORAL_CLI" operator cluster health --address "$TEMPORAL_ADDRESS"

if ns namespace describe >/dev/null 2>&1; then
  echo "namespace $TEMPORAL_NAMESPACE exists"
else
  ns namespace create --retention "$RETENTION"
fi

# Same names as the dev server registers for `npm start` (issue 2, item 3).
if ns search-attribute list 2>/dev/null | grep -q WaErrorCode; then
  echo "search attributes exist"
else
  retry "search attributes in $TEMPORAL_NAMESPACE" ns search-attribute create \
    --name WaCustomerId --type Keyword \
    --name WaIntegrationStatus --type Keyword \
    --name WaErrorCode --type Keyword
  # Each Temporal service reads search attributes from a cache it refreshes once a minute
  # (server: common/searchattribute/manager.go, cacheRefreshInterval). Wait that out, so that the
  # first start or upsert does not meet an unknown attribute. (Forcing a refresh on every read,
  # system.forceSearchAttributesCacheRefreshOnRead, is for tests: it serialises every read of
  # them through one lock and a database query, which a fleet's start-up wave queued behind.)
  echo "waiting 61 s until every Temporal service sees the new search attributes"
  sleep 61
fi
