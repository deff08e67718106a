"""Live fetches from Python: cj.gate and cj.record against a Prometheus-shaped HTTP
server on 127.0.0.1 (served from a Python thread, so a call that kept the GIL would
starve it), and the files source."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest

import canary_judge as cj
from conftest import CONFIG, FIXTURES, SERIES, Handler, assert_nowhere

TOKEN = "py-token-5be1-NEVER-SHOWN"

CONFIG_YAML = """
version: 1
metrics:
  - name: latency_ms
    min_samples: 5
    query: {prometheus: 'latency{v="${scope}"}'}
  - name: cpu
    min_samples: 5
    query: {prometheus: 'cpu{v="${scope}"}'}
"""

# (PromQL query, lower-cased headers) -> (status, body)
QueryHandler = Callable[[str, dict[str, str]], tuple[int, Any]]


def healthy(query: str, headers: dict[str, str]) -> tuple[int, Any]:
    name = query.split("{")[0]
    values = [[1000 + 60 * i, repr(v)] for i, v in enumerate(SERIES[name])]
    return 200, {
        "status": "success",
        "data": {"resultType": "matrix", "result": [{"metric": {}, "values": values}]},
    }


@pytest.fixture()
def prometheus(serve: Callable[[Handler], str]) -> Callable[[QueryHandler], str]:
    """A Prometheus-shaped server answering each `query` parameter with a handler."""
    return lambda handler: serve(lambda r: handler(r.params.get("query", ""), r.headers))


def window() -> dict[str, Any]:
    return {"start": 1000, "end": 1540, "step": 60, "baseline_scope": "v1", "canary_scope": "v2"}


def test_gate_fetches_and_judges_with_the_gil_released(prometheus):
    url = prometheus(healthy)
    v = cj.gate(CONFIG_YAML, url=url, timeout=5, retries=0, **window())
    assert v.verdict == "promote"
    assert [m.classification for m in v.metrics] == ["pass", "pass"]
    # Times and durations in every accepted form give the same answer.
    same = cj.gate(
        cj.Config(CONFIG_YAML),
        source="prometheus",
        url=url,
        start=dt.datetime.fromtimestamp(1000, dt.timezone.utc),
        end="1970-01-01T00:25:40Z",
        step=dt.timedelta(minutes=1),
        baseline_scope="v1",
        canary_scope="v2",
        timeout="5s",
    )
    assert same.to_json() == v.to_json()


def test_a_failing_metric_is_error_and_never_promotes(prometheus):
    def flaky(query: str, headers: dict[str, str]) -> tuple[int, Any]:
        if query.startswith("cpu"):
            return 503, "overloaded"
        return healthy(query, headers)

    v = cj.gate(CONFIG_YAML, url=prometheus(flaky), retries=1, timeout=5, **window())
    assert v.verdict == "hold"
    cpu = v.metrics[1]
    assert cpu.classification == "error"
    assert "HTTP 503: overloaded" in cpu.reason
    assert v.exit_code == 10


def test_nothing_fetched_raises_source_error():
    # A port nobody listens on (bound, then released).
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(cj.SourceError, match="no metric could be fetched") as e:
        cj.gate(CONFIG_YAML, url=f"http://127.0.0.1:{port}", retries=0, **window())
    assert "cannot connect" in str(e.value)
    with pytest.raises(cj.SourceError, match="unknown source \"nosuch\""):
        cj.gate(CONFIG_YAML, source="nosuch", url="http://127.0.0.1:9", **window())
    with pytest.raises(cj.SourceError, match="expected a time"):
        cj.gate(CONFIG_YAML, url="http://127.0.0.1:9", **{**window(), "start": "yesterday"})
    with pytest.raises(cj.DataError, match="naive datetime"):
        cj.gate(CONFIG_YAML, url="http://127.0.0.1:9", **{**window(), "start": dt.datetime(2025, 1, 1)})


def test_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        cj.gate(CONFIG_YAML, "prometheus", "http://127.0.0.1:9", 1000)  # type: ignore[misc]


def test_the_token_never_appears(prometheus, monkeypatch, tmp_path):
    seen_headers: list[str] = []

    def echo(query: str, headers: dict[str, str]) -> tuple[int, Any]:
        seen_headers.append(headers.get("authorization", ""))
        if query.startswith("cpu"):
            return 401, f"token {TOKEN} is not allowed to read cpu"
        return healthy(query, headers)

    monkeypatch.setenv("CANARY_PROMETHEUS_TOKEN", TOKEN)
    url = prometheus(echo)
    v = cj.gate(CONFIG_YAML, url=url, retries=0, **window())
    assert v.verdict == "hold"
    assert set(seen_headers) == {f"Bearer {TOKEN}"}
    with pytest.raises(cj.SourceError) as e:
        cj.record(CONFIG_YAML, url=url, retries=0, output=tmp_path / "x.json", **window())
    assert not (tmp_path / "x.json").exists()
    assert "[redacted]" in v.to_json()
    assert_nowhere([v.to_json(), repr(v), str(e.value), repr(e.value)], TOKEN, "NEVER-SHOWN")


def test_record_round_trips_and_writes_atomically(prometheus, tmp_path):
    url = prometheus(healthy)
    out = tmp_path / "run.json"
    fixture = cj.record(CONFIG_YAML, url=url, output=out, **window())
    assert fixture.name == "run"
    assert fixture.metric_kinds == {"cpu": "continuous", "latency_ms": "continuous"}
    assert out.read_text() == fixture.to_json()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json"]
    saved = json.loads(out.read_text())
    assert saved["metrics"]["cpu"]["canary"][0] == [1000, 40.0]
    assert cj.judge(CONFIG_YAML, out).to_json() == cj.gate(CONFIG_YAML, url=url, **window()).to_json()
    in_memory = cj.record(CONFIG_YAML, url=url, **window())
    assert in_memory.name == "recording"


def test_files_source_matches_judge_and_the_cli(canary_bin: Path):
    fixture = FIXTURES / "latency-regression-30pct.json"
    v = cj.gate(
        CONFIG, source="files", url=str(fixture), start=1763719200, end=1763720990, step="10s"
    )
    assert v.to_json() == cj.judge(CONFIG, fixture).to_json()
    assert v.verdict == "rollback"
    cli = subprocess.run(
        [str(canary_bin), "gate", "--config", str(CONFIG), "--source", "files", "--url",
         str(fixture), "--start", "1763719200", "--end", "1763720990", "--step", "10s",
         "--format", "json"],
        capture_output=True, text=True,
    )
    assert cli.returncode == 20, cli.stderr
    assert cli.stdout.strip() == v.to_json()


def test_options_and_named_credentials_reach_the_backend(tmp_path):
    fixture = str(FIXTURES / "latency-regression-30pct.json")
    span = {"start": 1763719200, "end": 1763720990, "step": "10s"}
    # An option the backend does not know is refused by name, not silently ignored.
    with pytest.raises(cj.SourceError, match='unknown option "regoin" for files'):
        cj.gate(CONFIG, source="files", url=fixture, options={"regoin": "eu-west-1"}, **span)
    # Named credentials are loaded (and a missing one is an error naming its variable).
    with pytest.raises(cj.SourceError, match="CANARY_TEST_PY_UNSET_VARIABLE"):
        cj.gate(CONFIG, source="files", url=fixture,
                credentials_env={"app_key": "CANARY_TEST_PY_UNSET_VARIABLE"}, **span)
    secret = tmp_path / "key"
    secret.write_text("py-named-secret-NEVER-SHOWN\n")
    v = cj.gate(CONFIG, source="files", url=fixture, credentials_file={"app_key": secret}, **span)
    assert v.verdict == "rollback"
    assert "NEVER-SHOWN" not in v.to_json()
    with pytest.raises(cj.DataError, match="options: expected a mapping"):
        cj.gate(CONFIG, source="files", url=fixture, options=["region"], **span)  # type: ignore[arg-type]
