# The Temporal server as production runs it, for the sandbox's `--temporal server` mode: built from its Go module
# (go.temporal.io/server, the same version as docker-compose.yml's image), with its SQL schema tool, and PostgreSQL
# from Debian (scripts/tools/debian.sh installs it):
#   TEMPORAL_SERVER        temporal-server (./cmd/server)
#   TEMPORAL_SQL_TOOL      temporal-sql-tool (./cmd/tools/sql), which creates and migrates the databases
#   TEMPORAL_SCHEMA_DIR    the module's schema/postgresql/v12 (temporal/ and visibility/ versioned migrations)
#   POSTGRES_BIN_DIR       the PostgreSQL server's bin folder (initdb, pg_ctl, postgres)
#   TEMPORAL_UI_SERVER     the Web UI server (github.com/temporalio/ui-server/v2 ./cmd/server, the UI's assets
#                          embedded), the version docker-compose.yml's temporal-ui runs
TEMPORAL_SERVER_VERSION=1.29.1
TEMPORAL_SERVER_MODULE=go.temporal.io/server
TEMPORAL_UI_VERSION=2.34.0
TEMPORAL_UI_MODULE=github.com/temporalio/ui-server/v2

install_temporal_server() {
  build_beside install_temporal_sql_tool install_temporal_ui -- install_temporal_server_binary
  local dir
  dir=$( (go_env && cd "$COZY_CACHE" && go mod download -json "$TEMPORAL_SERVER_MODULE@v$TEMPORAL_SERVER_VERSION") 2>&1 | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir/schema/postgresql/v12/temporal/versioned" ] || die "no PostgreSQL schema in $TEMPORAL_SERVER_MODULE@v$TEMPORAL_SERVER_VERSION (looked in $dir/schema/postgresql/v12)"
  emit TEMPORAL_SCHEMA_DIR "$dir/schema/postgresql/v12"
  emit POSTGRES_BIN_DIR "$(postgres_bin_dir)"
}

install_temporal_server_binary() {
  module_tool_build temporal-server "$TEMPORAL_SERVER_VERSION" "$TEMPORAL_SERVER_MODULE" ./cmd/server temporal-server "-s -w"
  emit TEMPORAL_SERVER "$(tool_dir temporal-server "$TEMPORAL_SERVER_VERSION")/bin/temporal-server"
}

install_temporal_ui() {
  module_tool_build temporal-ui-server "$TEMPORAL_UI_VERSION" "$TEMPORAL_UI_MODULE" ./cmd/server temporal-ui-server "-s -w"
  emit TEMPORAL_UI_SERVER "$(tool_dir temporal-ui-server "$TEMPORAL_UI_VERSION")/bin/temporal-ui-server"
}

install_temporal_sql_tool() {
  module_tool_build temporal-sql-tool "$TEMPORAL_SERVER_VERSION" "$TEMPORAL_SERVER_MODULE" ./cmd/tools/sql temporal-sql-tool "-s -w"
  emit TEMPORAL_SQL_TOOL "$(tool_dir temporal-sql-tool "$TEMPORAL_SERVER_VERSION")/bin/temporal-sql-tool"
}

# The newest PostgreSQL server Debian installed (/usr/lib/postgresql/<major>/bin).
postgres_bin_dir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] || die "no PostgreSQL server found under /usr/lib/postgresql (the Debian package postgresql installs it: npm run tools -- debian)"
  printf '%s' "$dir"
}
