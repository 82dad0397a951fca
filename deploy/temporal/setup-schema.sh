#!/bin/sh
# Creates (if missing) and migrates Temporal's two PostgreSQL databases with temporal-sql-tool from the
# temporalio/admin-tools image. Safe to run on every `docker compose up`: existing databases are kept and
# update-schema applies only the versions not yet applied, which is also how a Temporal upgrade migrates.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS must name the PostgreSQL host}"
: "${POSTGRES_USER:?POSTGRES_USER must be set}"
: "${POSTGRES_PWD:?POSTGRES_PWD must be set}"
DB_PORT="${DB_PORT:-5432}"
DBNAME="${DBNAME:-temporal}"
VISIBILITY_DBNAME="${VISIBILITY_DBNAME:-temporal_visibility}"
SCHEMA_ROOT="${SCHEMA_ROOT:-/etc/temporal/schema/postgresql/v12}"
# temporal-sql-tool reads the password from SQL_PASSWORD, which keeps it off the command line.
export SQL_PASSWORD="$POSTGRES_PWD"

sql() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"; }

# nc is in the admin-tools image; elsewhere the caller waits for the port itself.
until ! command -v nc >/dev/null || nc -z "$POSTGRES_SEEDS" "$DB_PORT"; do
  echo "waiting for PostgreSQL at $POSTGRES_SEEDS:$DB_PORT"
  sleep 1
done

for pair in "$DBNAME:temporal" "$VISIBILITY_DBNAME:visibility"; do
  db="${pair%%:*}"
  dir="$SCHEMA_ROOT/${pair#*:}/versioned"
  echo "schema of database $db from $dir"
  # --db is a global option of temporal-sql-tool: given after `create` it is refused. Only "already exists" is fine.
  if out=$(sql --db "$db" create 2>&1); then
    echo "database $db created"
  elif printf '%s\n' "$out" | grep -q 'already exists'; then
    echo "database $db exists"
  else
    printf '%s\n' "$out" >&2
    exit 1
  fi
  sql --db "$db" setup-schema -v 0.0
  sql --db "$db" update-schema -d "$dir"
done
echo "Temporal schema is up to date"
