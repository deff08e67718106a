#!/usr/bin/env bash
# Sets up and runs the main job: replays the bundled fixture corpus with the default
# config and prints each verdict, the agreement with the labels and the confusion matrix.
# Exit code 0 when every labelled fixture gets its expected verdict (3 otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet -p canary-cli
exec target/release/canary replay --config fixtures/canary.yaml fixtures/ "$@"
