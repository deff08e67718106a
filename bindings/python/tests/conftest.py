"""Shared fixtures of the canary_judge tests: the repository, the `canary` CLI, and an
HTTP server on 127.0.0.1 for the live-source tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "fixtures"
CONFIG = FIXTURES / "canary.yaml"


@pytest.fixture(scope="session")
def canary_bin() -> Path:
    """The release `canary` binary ($CANARY_BIN, or target/release/canary, built if missing)."""
    path = Path(os.environ.get("CANARY_BIN", REPO / "target" / "release" / "canary"))
    if not path.exists():
        if shutil.which("cargo") is None:
            pytest.skip("no canary binary and no cargo to build it")
        subprocess.run(
            ["cargo", "build", "--release", "--quiet", "-p", "canary-cli"], cwd=REPO, check=True
        )
    return path


# Ten steps of healthy series, the same for both scopes.
SERIES = {
    "latency": [100.0, 102.0, 98.0, 101.0, 99.0, 100.5, 101.5, 99.5, 100.0, 102.5],
    "cpu": [40.0, 41.0, 39.0, 40.5, 39.5, 40.0, 41.5, 38.5, 40.0, 40.2],
}


@dataclass(frozen=True)
class Request:
    """What a test server received."""

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


# (status, body): a str body is sent as it is, anything else as JSON.
Answer = tuple[int, Any]
Handler = Callable[[Request], Answer]


@pytest.fixture()
def serve() -> Iterator[Callable[[Handler], str]]:
    """Starts HTTP servers on 127.0.0.1, each answering GET and POST with a handler, in a
    Python thread (so a call that kept the GIL would starve it); returns their URL."""
    servers: list[ThreadingHTTPServer] = []

    def start(handler: Handler) -> str:
        class H(BaseHTTPRequestHandler):
            def answer(self, method: str) -> None:
                url = urllib.parse.urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=method,
                    path=url.path,
                    params=dict(urllib.parse.parse_qsl(url.query)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                status, answer = handler(request)
                data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                self.answer("GET")

            def do_POST(self) -> None:  # noqa: N802
                self.answer("POST")

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def assert_nowhere(texts: list[str], *secrets: str) -> None:
    """None of `texts` holds any of `secrets`."""
    for text in texts:
        for secret in secrets:
            assert secret not in text, text
