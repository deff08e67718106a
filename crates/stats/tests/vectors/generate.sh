#!/usr/bin/env bash
# Regenerates the parity vectors in crates/stats/tests/data/ from R (Debian's r-base-core).
# Every *.R file beside this script writes one JSON file; `cargo test -p canary-stats`
# then checks our results against them. Installs R and jsonlite when they are missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v Rscript >/dev/null || ! Rscript -e 'library(jsonlite)' >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq r-base-core r-cran-jsonlite
fi
out="$here/../data"
mkdir -p "$out"
for script in "$here"/*.R; do
    name="$(basename "$script" .R)"
    echo "== $name"
    Rscript "$script" "$out/$name.json"
done
