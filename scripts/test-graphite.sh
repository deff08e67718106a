#!/usr/bin/env bash
# Live-source integration tests against a real graphite-web, on 127.0.0.1 only:
#  1. ensures Debian's graphite-web (graphite-manage) and python3-whisper (whisper-create)
#     are installed;
#  2. converts the bundled fixtures to whisper series plus a config whose render targets
#     read them back (crates/sources/examples/fixture_to_graphite.rs) and writes them as
#     whisper files (Debian's python3-whisper, one archive at each fixture's step whose
#     retention reaches back past the fixtures' old timestamps; the files are sparse);
#  3. writes a graphite-web settings module pointing its storage, whisper, log and index
#     paths and a SQLite database into a temporary dir (random SECRET_KEY), creates the
#     database with `django-admin migrate`, serves graphite-web with Django's
#     `runserver --noreload` on a free 127.0.0.1 port and waits for /metrics/find;
#  4. runs crates/cli/tests/graphite_live.rs (a test target outside
#     `cargo test --workspace`), which compares `canary gate --source graphite` with
#     `canary judge` and round-trips `canary record`;
#  5. stops graphite-web and removes everything on exit.
# No carbon daemon: the whisper files are written directly.
# Usage: scripts/test-graphite.sh [CARGO TEST ARGS, e.g. -- --nocapture]   (called by scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/live-server-lib.sh
source scripts/live-server-lib.sh

scripts/ensure-debian-packages.sh graphite-manage=graphite-web whisper-create=python3-whisper
# Debian's modules live in Debian's Python, whatever python3 is first on PATH.
debian_python=/usr/bin/python3

work=$(mktemp -d "${TMPDIR:-/tmp}/canary-graphite.XXXXXX")
server_pid=""
cleanup() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid"
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

cargo run --locked --quiet -p canary-sources --example fixture_to_graphite -- \
    --config fixtures/canary.yaml --out "$work/convert" fixtures/

storage="$work/storage"
mkdir -p "$storage/whisper" "$storage/log" "$work/settings"

secret=$("$debian_python" -c 'import secrets; print(secrets.token_urlsafe(48))')
umask 077
cat >"$work/settings/canary_graphite_settings.py" <<PY
# graphite-web's local settings for scripts/test-graphite.sh: everything in $work.
SECRET_KEY = "$secret"
ALLOWED_HOSTS = ["127.0.0.1"]
STORAGE_DIR = "$storage"
WHISPER_DIR = "$storage/whisper"
STANDARD_DIRS = ["$storage/whisper"]
LOG_DIR = "$storage/log"
INDEX_FILE = "$storage/index"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "$storage/graphite.db"}}
PY
umask 022
export PYTHONPATH="$work/settings" GRAPHITE_SETTINGS_MODULE=canary_graphite_settings \
    DJANGO_SETTINGS_MODULE=graphite.settings
django-admin migrate --noinput >"$work/migrate.log" 2>&1 || {
    cat "$work/migrate.log" >&2
    exit 1
}
# The fixtures as whisper files, the tagged series in graphite-web's tag database.
"$debian_python" - "$work/convert/whisper.json" "$storage/whisper" <<'PY'
import json, math, os, sys, time
import django
import whisper

django.setup()
from graphite.storage import STORE
from graphite.tags.utils import TaggedSeries

series, root = json.load(open(sys.argv[1])), sys.argv[2]
now = int(time.time())
tagged = []
for s in series:
    step, since, points = s["step"], s["since"], s["points"]
    if "tagged" in s:
        # Where carbon would store it: _tagged/<hash>/<name;tags>.wsp.
        tagged.append(s["tagged"])
        path = os.path.join(root, TaggedSeries.encode(s["tagged"], os.sep) + ".wsp")
    else:
        path = os.path.join(root, s["path"])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # whisper drops points older than its retention without a word, and graphite-web
    # returns no series for a window before it: one archive at the fixture's step reaching
    # back a day past the fixture's start.
    slots = math.ceil((now - since) / step) + 86400 // step
    whisper.create(path, [(step, slots)], xFilesFactor=0, aggregationMethod="average",
                   sparse=True)
    if points:
        whisper.update_many(path, points)
        (start, end, _), values = whisper.fetch(path, min(t for t, _ in points) - 1,
                                                 max(t for t, _ in points))
        stored = sum(v is not None for v in values)
        if stored != len(points):
            sys.exit(f"{path}: wrote {len(points)} points, whisper kept {stored}")
STORE.tagdb.tag_multi_series(tagged)
print(f"wrote {len(series)} whisper files, {len(tagged)} of them tagged", file=sys.stderr)
PY

ready=""
for attempt in 1 2 3; do
    port=$(free_port)
    django-admin runserver --noreload "127.0.0.1:$port" >"$work/graphite.log" 2>&1 &
    server_pid=$!
    if wait_http "$server_pid" "http://127.0.0.1:$port/metrics/find?query=canary" 200; then
        ready=yes
        break
    fi
    echo "graphite-web did not start (attempt $attempt):" >&2
    cat "$work/graphite.log" >&2
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
done
if [[ -z $ready ]]; then
    echo "error: could not start graphite-web" >&2
    exit 1
fi
unset PYTHONPATH GRAPHITE_SETTINGS_MODULE DJANGO_SETTINGS_MODULE
version=$(dpkg-query -W -f '${Version}' graphite-web)
echo "graphite-web $version ready on 127.0.0.1:$port, fixtures loaded"

CANARY_GRAPHITE_URL="http://127.0.0.1:$port" CANARY_GRAPHITE_DATA="$work/convert" \
    cargo test --locked -p canary-cli --test graphite_live "$@"
