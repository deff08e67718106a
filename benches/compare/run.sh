#!/usr/bin/env bash
# Sets up what benches/compare/mann_whitney.py needs, idempotently, then runs it with the
# arguments given (e.g. `bash benches/compare/run.sh --sizes 1e3,1e4 --json`):
#   * a virtualenv at benches/compare/.venv (gitignored) with numpy and scipy from PyPI;
#   * R (`apt-get install -y r-base-core`) only when Rscript is missing.
# Needs python3 (with venv) and cargo on PATH.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"

if [[ ! -x "$venv/bin/python" ]]; then
    echo "run.sh: creating $venv" >&2
    "$python" -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import numpy, scipy' 2>/dev/null; then
    echo "run.sh: installing numpy and scipy into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check numpy scipy
fi

if ! command -v Rscript >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        sudo=""
        if [[ "$(id -u)" -ne 0 ]]; then sudo="sudo"; fi
        echo "run.sh: Rscript missing; installing r-base-core" >&2
        $sudo apt-get update
        $sudo apt-get install -y r-base-core
    else
        echo "run.sh: Rscript missing and no apt-get; the R column will be skipped" >&2
    fi
fi

exec "$venv/bin/python" "$here/mann_whitney.py" "$@"
