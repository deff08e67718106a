#!/usr/bin/env bash
# Browser test of `canary report`: renders a page of each kind (judge with its fixture,
# replay with misjudged fixtures, tune, rollout, and a 50-metric x 10k-point report) in
# headless Chromium, checks the DOM for the expected charts and tables, and checks that a
# screenshot is not blank. Installs Debian's chromium when missing; fails without it.
# Usage: scripts/test-browser.sh   (CANARY_BIN: the canary binary; default: a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== browser (canary report in headless Chromium)"

scripts/ensure-debian-packages.sh chromium=chromium
if ! command -v chromium >/dev/null 2>&1; then
    echo "test-browser: chromium is missing after installing it" >&2
    exit 1
fi

if [[ -z "${CANARY_BIN:-}" ]]; then
    cargo build --release --locked --quiet -p canary-cli
    CANARY_BIN="${CARGO_TARGET_DIR:-target}/release/canary"
fi
canary="$CANARY_BIN"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# chromium ARGS... with a fresh profile, no network services, no sandbox (root in CI).
browser() {
    local profile
    profile="$(mktemp -d "$work/profile.XXXXXX")"
    timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --no-first-run --disable-sync --disable-quic \
        --hide-scrollbars --user-data-dir="$profile" "$@" 2>"$profile.log"
}

# check NAME FILE.html EXPECTED_MIN_SVG EXPECTED_MIN_TABLE ID...
check() {
    local name=$1 page=$2 min_svg=$3 min_table=$4
    shift 4
    local dom="$work/$name.dom.html" png="$work/$name.png" start end
    start=$(date +%s%N)
    if ! browser --dump-dom "file://$page" >"$dom"; then
        fail "$name: chromium --dump-dom failed"
        return
    fi
    end=$(date +%s%N)
    local svgs tables
    svgs=$(grep -o '<svg ' "$dom" | wc -l)
    tables=$(grep -o '<table ' "$dom" | wc -l)
    ((svgs >= min_svg)) || fail "$name: $svgs <svg> elements, expected at least $min_svg"
    ((tables >= min_table)) || fail "$name: $tables <table> elements, expected at least $min_table"
    grep -q '<script' "$dom" && fail "$name: the page has a script"
    for id in "$@"; do
        grep -q "id=\"$id\"" "$dom" || fail "$name: no element with id=\"$id\""
    done
    if ! browser --screenshot="$png" --window-size=1280,2000 "file://$page" >/dev/null; then
        fail "$name: chromium --screenshot failed"
        return
    fi
    local size colours
    read -r _ _ colours < <(python3 scripts/png-colours.py "$png" 500)
    size=$(stat -c %s "$page")
    # A blank or broken page has a handful of colours; charts and text have thousands.
    ((colours > 500)) || fail "$name: the screenshot has only $colours colours (blank?)"
    echo "ok $name: $svgs svg, $tables tables, over 500 colours, $size bytes, DOM in $(((end - start) / 1000000)) ms"
}

config=fixtures/canary.yaml

# judge (the verdict schema, as gate writes it) with its fixture.
"$canary" judge -c "$config" -f fixtures/error-spike.json --format json >"$work/judge.json" || true
"$canary" report "$work/judge.json" -f fixtures/error-spike.json -o "$work/judge.html"
check judge "$work/judge.html" 9 15 banner reasons series-errors dist-errors evidence-errors \
    sides-errors gates-errors dist-latency_seconds

# replay with a strict errors threshold: one misjudged fixture, judged again on the page.
sed 's/allowed_increase: 1.5}/allowed_increase: 1.0}/' "$config" >"$work/strict.yaml"
"$canary" replay -c "$work/strict.yaml" fixtures/ --format json >"$work/replay.json" || true
"$canary" report "$work/replay.json" -c "$work/strict.yaml" -o "$work/replay.html"
check replay "$work/replay.html" 2 4 banner confusion misjudged results detail-1

# tune: the README's sweep.
"$canary" tune -c "$config" --sweep 'metrics[errors].effect.allowed_increase=1.0..3.0:0.25' \
    fixtures/ --format json >"$work/tune.json"
"$canary" report "$work/tune.json" -o "$work/tune.html"
check tune "$work/tune.html" 1 1 banner reasons tune-chart-0 settings

# rollout: a recorded rollout's JSON (errors regress at step 2: rolled back).
"$canary" report crates/report/tests/data/rollout-rollback.json -o "$work/rollout.html"
check rollout "$work/rollout.html" 1 5 banner reasons rollout-chart steps limits decisions \
    observation-2 evidence-o2-errors

# A large report: 50 metrics x 10,000 points per side.
python3 - "$work/large.json" "$work/large.yaml" <<'EOF'
import json, random, sys
rng = random.Random(7)
metrics, config = {}, ["version: 1", "metrics:"]
for m in range(50):
    name = f"latency_{m:02d}"
    config.append(f"  - {{name: {name}, effect: {{measure: hl_ratio, allowed_increase: 1.1}}}}")
    shift = 1.05 if m % 4 == 0 else 1.0
    side = lambda k: [[1763719200 + 10 * i, round(rng.lognormvariate(4.8, 0.35) * k, 3)]
                      for i in range(10_000)]
    metrics[name] = {"baseline": side(1.0), "canary": side(shift)}
json.dump({"version": 1, "name": "large", "metrics": metrics}, open(sys.argv[1], "w"))
open(sys.argv[2], "w").write("\n".join(config) + "\n")
EOF
"$canary" judge -c "$work/large.yaml" -f "$work/large.json" --format json >"$work/large-verdict.json" || true
start=$(date +%s%N)
"$canary" report "$work/large-verdict.json" -f "$work/large.json" -o "$work/large.html"
end=$(date +%s%N)
echo "large report written in $(((end - start) / 1000000)) ms (including reading the 20 MB fixture)"
check large "$work/large.html" 100 100 banner series-latency_00 dist-latency_49

if ((failures > 0)); then
    echo "test-browser: $failures failure(s)" >&2
    exit 1
fi
echo "test-browser: all report kinds render in Chromium"
