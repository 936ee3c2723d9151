#!/bin/sh
# Creates Temporal's two PostgreSQL databases and applies every schema version
# this image (or build) ships. Runs in temporalio/admin-tools (docker-compose
# service postgresql-schema) and natively for `npm run cluster` (src/cluster/),
# which sets SQL_TOOL and SCHEMA_ROOT to its own build of the same tool.
# Every step is safe on an existing installation, so the stack can be restarted
# and upgraded (bump the image tags) without manual SQL.
set -eu

: "${POSTGRES_SEEDS:?}" "${DB_PORT:?}" "${POSTGRES_USER:?}" "${POSTGRES_PWD:?}"
export SQL_PASSWORD="$POSTGRES_PWD"
SCHEMA_ROOT=${SCHEMA_ROOT:-/etc/temporal/schema/postgresql/v12}
SQL_TOOL=${SQL_TOOL:-temporal-sql-tool}

sql_tool() {
  db=$1
  shift
  "$SQL_TOOL" --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" --db "$db" "$@"
}

setup_database() {
  db=$1
  versions=$2
  # "create" fails once the database exists, which is the normal case on every
  # start after the first; setup-schema right after fails loudly if it is
  # really missing or unreachable.
  sql_tool "$db" create || echo "database $db not created (it probably exists already); continuing"
  sql_tool "$db" setup-schema -v 0.0
  sql_tool "$db" update-schema -d "$SCHEMA_ROOT/$versions/versioned"
  echo "database $db is at the latest schema"
}

setup_database temporal temporal
setup_database temporal_visibility visibility
