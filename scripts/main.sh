#!/usr/bin/env bash
# Sets up and runs the main job. Until the judge and its fixture corpus exist, that is the
# statistics example: a canary compared with its baseline, with R-exact figures.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --locked --quiet -p canary-stats --example compare_latency
