"""cj.gate and cj.record with source="datadog" and source="newrelic" against servers on
127.0.0.1 shaped like Datadog's metrics query API and New Relic's NerdGraph (served from
a Python thread, so a call that kept the GIL would starve it): keys by name from the
environment, backend options, a failing query never promotes, keys never shown."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest

import canary_judge as cj
from conftest import SERIES, Answer, Request, assert_nowhere

DD_API = "py-dd-api-31f0-NEVER-SHOWN"
DD_APP = "py-dd-app-77aa-NEVER-SHOWN"
NR_KEY = "NRAK-py-0c4d-NEVER-SHOWN"
START = 1_763_719_200

CONFIG_YAML = """
version: 1
metrics:
  - name: latency_ms
    min_samples: 5
    query:
      datadog: 'avg:latency{version:${scope}}.rollup(avg, ${step_seconds})'
      newrelic: "SELECT average(duration) FROM Transaction WHERE appVersion = '${scope}' SINCE ${start_ms} UNTIL ${end_ms} TIMESERIES ${step_seconds} seconds"
  - name: cpu
    min_samples: 5
    query:
      datadog: 'avg:cpu{version:${scope}}.rollup(avg, ${step_seconds})'
      newrelic: "SELECT average(cpuPercent) FROM SystemSample WHERE version = '${scope}' SINCE ${start_ms} UNTIL ${end_ms} TIMESERIES ${step_seconds} seconds"
"""

# (method, query or NRQL, lower-cased headers, parsed JSON body) -> (status, body)
Handler = Callable[[str, str, dict[str, str], Any], tuple[int, Any]]


def series_of(query: str) -> str:
    return "cpu" if "cpu" in query else "latency"


def datadog_healthy(method: str, query: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
    if headers.get("dd-api-key") != DD_API or headers.get("dd-application-key") != DD_APP:
        return 403, {"errors": ["Forbidden"]}
    points = [[(START + 60 * i) * 1000.0, v] for i, v in enumerate(SERIES[series_of(query)])]
    return 200, {
        "status": "ok",
        "res_type": "time_series",
        "query": query,
        "from_date": START * 1000,
        "to_date": (START + 540) * 1000,
        "series": [{"pointlist": points, "scope": "*", "tag_set": [], "expression": query}],
    }


def newrelic_healthy(method: str, nrql: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
    if headers.get("api-key") != NR_KEY or body["variables"]["accountId"] != 1234567:
        return 200, {"errors": [{"message": "not authorized"}], "data": None}
    field = "average.cpuPercent" if "cpu" in nrql else "average.duration"
    rows = [
        {"beginTimeSeconds": START + 60 * (i - 1), "endTimeSeconds": START + 60 * i, field: v}
        for i, v in enumerate(SERIES[series_of(nrql)])
        if i > 0
    ]
    return 200, {"data": {"actor": {"account": {"nrql": {"results": rows}}}}}


@pytest.fixture()
def api(serve: Callable[[Callable[[Request], Answer]], str]) -> Callable[[Handler], str]:
    """A server answering Datadog's GET `query` parameter or NerdGraph's POSTed NRQL with
    a handler."""

    def start(handler: Handler) -> str:
        def answer(r: Request) -> Answer:
            if r.method == "POST":
                body = r.json()
                return handler(r.method, body["variables"]["nrql"], r.headers, body)
            return handler(r.method, r.params.get("query", ""), r.headers, None)

        return serve(answer)

    return start


def window() -> dict[str, Any]:
    return {"start": START, "end": START + 540, "step": 60, "baseline_scope": "v1",
            "canary_scope": "v2", "retries": 0, "timeout": 5}


@pytest.fixture()
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PY_DD_API", DD_API)
    monkeypatch.setenv("PY_DD_APP", DD_APP)
    monkeypatch.setenv("CANARY_NEWRELIC_TOKEN", NR_KEY)


def test_datadog_gate_and_record(api, keys, tmp_path):
    url = api(datadog_healthy)
    v = cj.gate(CONFIG_YAML, source="datadog", url=url, auth_env="PY_DD_API",
                credentials_env={"app_key": "PY_DD_APP"}, **window())
    assert v.verdict == "promote"
    assert [m.classification for m in v.metrics] == ["pass", "pass"]
    out = tmp_path / "dd.json"
    fixture = cj.record(CONFIG_YAML, source="datadog", url=url, auth_env="PY_DD_API",
                        credentials_env={"app_key": "PY_DD_APP"}, output=out, **window())
    assert json.loads(out.read_text())["metrics"]["cpu"]["canary"][0] == [START, 40.0]
    assert cj.judge(CONFIG_YAML, out).to_json() == v.to_json()
    assert "NEVER-SHOWN" not in out.read_text() + fixture.to_json()
    # Without the application key nothing is sent: the error names how to give it.
    with pytest.raises(cj.SourceError, match="CANARY_DATADOG_APP_KEY"):
        cj.gate(CONFIG_YAML, source="datadog", url=url, auth_env="PY_DD_API", **window())


def test_newrelic_gate_needs_an_account_option(api, keys):
    url = api(newrelic_healthy)
    v = cj.gate(CONFIG_YAML, source="newrelic", url=url, options={"account_id": 1234567},
                **window())
    assert v.verdict == "promote"
    with pytest.raises(cj.SourceError, match="account_id is required"):
        cj.gate(CONFIG_YAML, source="newrelic", url=url, **window())


@pytest.mark.parametrize("backend", ["datadog", "newrelic"])
def test_a_refused_query_holds_and_echoed_keys_never_show(api, keys, backend):
    def refusing(method: str, query: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        if "cpu" in query and "v2" in query:
            if backend == "datadog":
                return 403, {"errors": [f"keys {DD_API} / {DD_APP} may not read cpu"]}
            return 200, {"errors": [{"message": f"key {NR_KEY} may not read cpu"}], "data": None}
        healthy = datadog_healthy if backend == "datadog" else newrelic_healthy
        return healthy(method, query, headers, body)

    url = api(refusing)
    extra: dict[str, Any] = (
        {"auth_env": "PY_DD_API", "credentials_env": {"app_key": "PY_DD_APP"}}
        if backend == "datadog"
        else {"options": {"account_id": "1234567"}}
    )
    v = cj.gate(CONFIG_YAML, source=backend, url=url, **extra, **window())
    assert v.verdict == "hold"
    cpu = v.metrics[1]
    assert cpu.classification == "error"
    assert "[redacted]" in cpu.reason
    assert_nowhere([v.to_json(), repr(v)], "NEVER-SHOWN")
