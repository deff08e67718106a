#!/usr/bin/env bash
# Helpers the live-source test scripts (scripts/test-*.sh) source: a free port on
# 127.0.0.1 and waiting for a server to answer.

# Prints a TCP port free on 127.0.0.1 at the time of the call.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http PID URL STATUS: waits up to 30 s for URL to answer with HTTP STATUS while the
# process PID runs; fails when it exits or the time is up.
wait_http() {
    local pid=$1 url=$2 status=$3
    for _ in $(seq 1 150); do
        if ! kill -0 "$pid" 2>/dev/null; then
            return 1
        fi
        if python3 -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('$url', timeout=1).status == $status else 1)" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    return 1
}
