#!/usr/bin/env bash
# Live-source integration tests against a real InfluxDB 1.x, on 127.0.0.1 only:
#  1. ensures Debian's influxdb package (influxd) is installed;
#  2. converts the bundled fixtures to line protocol plus a config whose InfluxQL queries
#     read them back (crates/sources/examples/fixture_to_influx.rs);
#  3. writes an influxd config with its own meta/data/wal dirs in a temporary dir, HTTP
#     on a free 127.0.0.1 port, the RPC (backup) bind address on another, authentication
#     on, every other service and reporting off; starts influxd and waits for /ping;
#  4. creates an admin user with a random password, a database, and loads the line
#     protocol through /write (precision=s) with HTTP Basic authentication;
#  5. runs crates/cli/tests/influxdb_live.rs (a test target outside
#     `cargo test --workspace`), which compares `canary gate --source influxdb` with
#     `canary judge` and round-trips `canary record`;
#  6. stops influxd and removes everything on exit.
# Usage: scripts/test-influxdb.sh   (called by scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/live-server-lib.sh
source scripts/live-server-lib.sh

scripts/ensure-debian-packages.sh influxd=influxdb

work=$(mktemp -d "${TMPDIR:-/tmp}/canary-influxdb.XXXXXX")
influxd_pid=""
cleanup() {
    if [[ -n $influxd_pid ]] && kill -0 "$influxd_pid" 2>/dev/null; then
        kill "$influxd_pid"
        wait "$influxd_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

cargo run --locked --quiet -p canary-sources --example fixture_to_influx -- \
    --config fixtures/canary.yaml --out "$work/convert" fixtures/

write_config() {
    cat >"$work/influxdb.conf" <<TOML
reporting-disabled = true
bind-address = "127.0.0.1:$2"

[meta]
  dir = "$work/meta"

[data]
  dir = "$work/data"
  wal-dir = "$work/wal"
  query-log-enabled = false

[retention]
  enabled = false

[shard-precreation]
  enabled = false

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[continuous_queries]
  enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:$1"
  auth-enabled = true
  log-enabled = false
  write-tracing = false
  pprof-enabled = false

[[graphite]]
  enabled = false

[[collectd]]
  enabled = false

[[opentsdb]]
  enabled = false

[[udp]]
  enabled = false
TOML
}

ready=""
for attempt in 1 2 3; do
    port=$(free_port)
    rpc_port=$(free_port)
    [[ $port == "$rpc_port" ]] && continue
    write_config "$port" "$rpc_port"
    influxd run -config "$work/influxdb.conf" >"$work/influxd.log" 2>&1 &
    influxd_pid=$!
    if wait_http "$influxd_pid" "http://127.0.0.1:$port/ping" 204; then
        ready=yes
        break
    fi
    echo "influxd did not start (attempt $attempt):" >&2
    cat "$work/influxd.log" >&2
    kill "$influxd_pid" 2>/dev/null || true
    wait "$influxd_pid" 2>/dev/null || true
    influxd_pid=""
done
if [[ -z $ready ]]; then
    echo "error: could not start influxd" >&2
    exit 1
fi

# The first admin user may be created without credentials; everything after needs them.
password="live-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
CANARY_INFLUXDB_LIVE_PASSWORD="$password" python3 - "$port" "$work/convert/data.lp" <<'PY'
import base64, os, sys, urllib.parse, urllib.request

port, data = sys.argv[1], sys.argv[2]
base = f"http://127.0.0.1:{port}"
password = os.environ["CANARY_INFLUXDB_LIVE_PASSWORD"]
auth = "Basic " + base64.b64encode(f"canary:{password}".encode()).decode()

def post(path, params, body=None, authenticated=True):
    url = f"{base}{path}?{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(url, data=body or b"", method="POST")
    if authenticated:
        request.add_header("Authorization", auth)
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read().decode()
        if '"error"' in text:
            sys.exit(f"{path}: {text}")

post("/query", {"q": f"CREATE USER \"canary\" WITH PASSWORD '{password}' WITH ALL PRIVILEGES"},
     authenticated=False)
post("/query", {"q": "CREATE DATABASE \"canary\""})
with open(data, "rb") as f:
    post("/write", {"db": "canary", "precision": "s"}, f.read())
PY
echo "influxdb $(influxd version | cut -d' ' -f2) ready on 127.0.0.1:$port, fixtures loaded"

CANARY_INFLUXDB_URL="http://127.0.0.1:$port" CANARY_INFLUXDB_DATA="$work/convert" \
    CANARY_INFLUXDB_LIVE_PASSWORD="$password" \
    cargo test --locked -p canary-cli --test influxdb_live
