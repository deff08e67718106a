"""cj.gate and cj.record with the cloudwatch and http sources against servers on
127.0.0.1 (Python threads, so a call that kept the GIL would starve them): named
credentials from the environment, options, and secrets that never appear."""

from __future__ import annotations

import json
from typing import Any

import pytest

import canary_judge as cj
from conftest import SERIES, Answer, Request, assert_nowhere

KEY_ID = "AKIAPYTESTKEY0000001"
SECRET = "py-cw-SECRET-NEVER-SHOWN"
TOKEN = "py-http-TOKEN-NEVER-SHOWN"

CONFIG_YAML = """
version: 1
metrics:
  - name: latency_ms
    min_samples: 5
    query:
      cloudwatch: {namespace: App, metric: Latency, dimensions: {Version: "${scope}"}, stat: Average}
      http: {url: "/series/latency?v=${scope}", points: "$.data[*]", time: "$.t", value: "$.v"}
  - name: cpu
    min_samples: 5
    query:
      cloudwatch: {namespace: App, metric: CPU, dimensions: {Version: "${scope}"}, stat: Average}
      http: {url: "/series/cpu?v=${scope}", points: "$.data[*]", time: "$.t", value: "$.v"}
"""

TIMES = [1200 + 60 * i for i in range(10)]


def window() -> dict[str, Any]:
    return {"start": 1200, "end": 1800, "step": 60, "baseline_scope": "v1", "canary_scope": "v2"}


def test_cloudwatch_gate_signs_requests_and_never_shows_the_secret(
    serve, monkeypatch, tmp_path
):
    seen: list[tuple[dict[str, str], bytes]] = []

    def cloudwatch(r: Request) -> Answer:
        seen.append((r.headers, r.body))
        metric = r.json()["MetricDataQueries"][0]["MetricStat"]["Metric"]["MetricName"]
        if metric == "CPU":
            message = f"key {SECRET} may not read CPU"
            return 403, {"__type": "AccessDeniedException", "message": message}
        result = {
            "Id": "q",
            "Label": metric,
            "Timestamps": TIMES,
            "Values": SERIES["latency"],
            "StatusCode": "Complete",
        }
        return 200, {"MetricDataResults": [result], "Messages": []}

    monkeypatch.setenv("PY_TEST_AWS_KEY_ID", KEY_ID)
    monkeypatch.setenv("CANARY_CLOUDWATCH_SECRET_ACCESS_KEY", SECRET)
    common: dict[str, Any] = {
        "source": "cloudwatch",
        "url": serve(cloudwatch),
        "options": {"region": "eu-west-1"},
        "credentials_env": {"access_key_id": "PY_TEST_AWS_KEY_ID"},
        "retries": 0,
        **window(),
    }
    v = cj.gate(CONFIG_YAML, **common)
    assert v.verdict == "hold"
    classes = {m.name: m.classification for m in v.metrics}
    assert classes == {"latency_ms": "pass", "cpu": "error"}
    assert "[redacted]" in v.to_json()
    for headers, body in seen:
        assert headers["x-amz-target"] == "GraniteServiceVersion20100801.GetMetricData"
        assert headers["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={KEY_ID}/")
        assert "/eu-west-1/monitoring/aws4_request" in headers["authorization"]
        assert SECRET not in json.dumps(headers) and SECRET.encode() not in body
    with pytest.raises(cj.SourceError) as e:
        cj.record(CONFIG_YAML, output=tmp_path / "x.json", **common)
    assert not (tmp_path / "x.json").exists()
    assert_nowhere([v.to_json(), repr(v), str(e.value), repr(e.value)], SECRET, "NEVER-SHOWN")


def test_cloudwatch_needs_its_region_and_keys(monkeypatch):
    monkeypatch.delenv("CANARY_CLOUDWATCH_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("CANARY_CLOUDWATCH_SECRET_ACCESS_KEY", raising=False)
    with pytest.raises(cj.SourceError, match="needs the option region"):
        cj.gate(CONFIG_YAML, source="cloudwatch", **window())
    with pytest.raises(cj.SourceError, match="needs access_key_id"):
        cj.gate(CONFIG_YAML, source="cloudwatch", options={"region": "eu-west-1"}, **window())


def test_http_gate_and_record_send_the_token_as_a_header(serve, monkeypatch, tmp_path):
    seen: list[str] = []

    def api(r: Request) -> Answer:
        seen.append(r.headers.get("x-api-key", ""))
        name = r.path.rsplit("/", 1)[-1]
        return 200, {"data": [{"t": t, "v": v} for t, v in zip(TIMES, SERIES[name])]}

    monkeypatch.setenv("CANARY_HTTP_TOKEN", TOKEN)
    url = serve(api)
    common: dict[str, Any] = {
        "source": "http",
        "url": url,
        "options": {"auth_header": "X-API-Key"},
        **window(),
    }
    v = cj.gate(CONFIG_YAML, **common)
    assert v.verdict == "promote"
    fixture = cj.record(CONFIG_YAML, output=tmp_path / "run.json", **common)
    assert fixture.metric_kinds == {"cpu": "continuous", "latency_ms": "continuous"}
    assert set(seen) == {TOKEN}
    assert_nowhere([v.to_json(), (tmp_path / "run.json").read_text()], TOKEN, "NEVER-SHOWN")
