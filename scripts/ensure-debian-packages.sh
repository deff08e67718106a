#!/usr/bin/env bash
# Installs Debian packages whose commands are missing. Idempotent: does nothing (and
# needs no network) when every command is already on PATH.
# Usage: scripts/ensure-debian-packages.sh COMMAND=PACKAGE [COMMAND=PACKAGE ...]
#   e.g. scripts/ensure-debian-packages.sh prometheus=prometheus promtool=prometheus
set -euo pipefail
missing=()
for pair in "$@"; do
    command_name="${pair%%=*}"
    package="${pair#*=}"
    if ! command -v "$command_name" >/dev/null 2>&1; then
        missing+=("$package")
    fi
done
if ((${#missing[@]} == 0)); then
    exit 0
fi
# Deduplicate (several commands can come from one package).
mapfile -t packages < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "installing Debian packages: ${packages[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
    sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
