#!/usr/bin/env bash
# Live-source integration tests against a real Prometheus, on 127.0.0.1 only:
#  1. ensures Debian's prometheus package (prometheus, promtool) is installed;
#  2. converts the bundled fixtures to OpenMetrics plus a config whose Prometheus queries
#     read them back (crates/sources/examples/fixture_to_openmetrics.rs);
#  3. backfills them with `promtool tsdb create-blocks-from openmetrics` into a fresh
#     data dir and starts Prometheus on a free port with a long retention (the fixtures'
#     timestamps are in the past);
#  4. runs crates/cli/tests/prometheus_live.rs (a test target outside `cargo test --workspace`), which compare
#     `canary gate` with `canary judge` and round-trip `canary record`;
#  5. stops Prometheus and removes everything on exit.
# Usage: scripts/test-prometheus.sh   (called by scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/live-server-lib.sh
source scripts/live-server-lib.sh

scripts/ensure-debian-packages.sh prometheus=prometheus promtool=prometheus

work=$(mktemp -d "${TMPDIR:-/tmp}/canary-prometheus.XXXXXX")
prometheus_pid=""
cleanup() {
    if [[ -n $prometheus_pid ]] && kill -0 "$prometheus_pid" 2>/dev/null; then
        kill "$prometheus_pid"
        wait "$prometheus_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

cargo run --locked --quiet -p canary-sources --example fixture_to_openmetrics -- \
    --config fixtures/canary.yaml --out "$work/convert" fixtures/
promtool tsdb create-blocks-from openmetrics "$work/convert/data.om" "$work/data" >"$work/promtool.log"

cat >"$work/prometheus.yml" <<'YAML'
# Nothing to scrape: the data was backfilled.
global:
  scrape_interval: 1h
scrape_configs: []
YAML

ready=""
for attempt in 1 2 3; do
    port=$(free_port)
    prometheus \
        --config.file="$work/prometheus.yml" \
        --storage.tsdb.path="$work/data" \
        --storage.tsdb.retention.time=100y \
        --web.listen-address="127.0.0.1:$port" \
        --log.level=warn >"$work/prometheus.log" 2>&1 &
    prometheus_pid=$!
    if wait_http "$prometheus_pid" "http://127.0.0.1:$port/-/ready" 200; then
        ready=yes
        break
    fi
    echo "prometheus did not start (attempt $attempt):" >&2
    cat "$work/prometheus.log" >&2
    kill "$prometheus_pid" 2>/dev/null || true
    wait "$prometheus_pid" 2>/dev/null || true
    prometheus_pid=""
done
if [[ -z $ready ]]; then
    echo "error: could not start prometheus" >&2
    exit 1
fi
echo "prometheus $(prometheus --version 2>&1 | head -n1 | cut -d' ' -f3) ready on 127.0.0.1:$port"

CANARY_PROMETHEUS_URL="http://127.0.0.1:$port" CANARY_PROMETHEUS_DATA="$work/convert" \
    cargo test --locked -p canary-cli --test prometheus_live
