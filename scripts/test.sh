#!/usr/bin/env bash
# Sets up and runs every check and test of the project. Idempotent; safe on a fresh clone.
# Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt"
cargo fmt --all --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
echo "== cargo test"
cargo test --workspace --locked
echo "== live sources against a real Prometheus, InfluxDB and graphite-web"
scripts/test-prometheus.sh
scripts/test-influxdb.sh
scripts/test-graphite.sh

# Python bindings (bindings/python): a project virtualenv at .venv (gitignored), the
# extension built with maturin and installed into it, then pytest and mypy's stubtest.
echo "== python bindings"
python="${PYTHON:-python3}"
venv=.venv
if [[ ! -x "$venv/bin/python" ]]; then
    "$python" -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import maturin, numpy, pytest, scipy, pandas, mypy' 2>/dev/null; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "maturin>=1.9,<2" "numpy>=1.24" "pytest>=7" "scipy>=1.11" "pandas>=2" "mypy>=1.10"
fi
# The CLI the tests compare against, and the extension (both release builds, shared deps).
cargo build --release --locked --quiet -p canary-cli
VIRTUAL_ENV="$PWD/$venv" PATH="$PWD/$venv/bin:$PATH" \
    "$venv/bin/maturin" develop --release --locked --quiet -m bindings/python/Cargo.toml
CANARY_BIN="$PWD/target/release/canary" "$venv/bin/python" -m pytest -q -p no:cacheprovider bindings/python/tests
"$venv/bin/python" -m mypy.stubtest --mypy-config-file bindings/python/pyproject.toml canary_judge
CANARY_BIN="$PWD/target/release/canary" scripts/test-browser.sh
