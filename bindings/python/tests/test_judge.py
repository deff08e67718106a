"""The judge from Python agrees with the CLI, byte for byte."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

import canary_judge as cj
from conftest import CONFIG, FIXTURES

FIXTURE_FILES = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".json", ".csv"))


def test_corpus_present():
    assert len(FIXTURE_FILES) >= 30


@pytest.fixture(scope="module")
def config() -> cj.Config:
    return cj.Config.from_path(CONFIG)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.stem)
def test_judge_matches_cli(path: Path, canary_bin: Path, config: cj.Config):
    cli = subprocess.run(
        [str(canary_bin), "judge", "--config", str(CONFIG), "--fixture", str(path), "--format", "json"],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    assert cli.returncode in (0, 10, 20), cli
    verdict = cj.judge(str(CONFIG), str(path))
    assert verdict.to_json() == cli.stdout.rstrip("\n")
    assert verdict.exit_code == cli.returncode
    # Every input form gives the same bytes.
    assert cj.judge(config, cj.Fixture.from_path(path)).to_json() == verdict.to_json()
    assert cj.judge(CONFIG.read_text(), json.loads(path.read_text())).to_json() == verdict.to_json()
    assert cj.judge(config.to_dict(), path.read_text()).to_json() == verdict.to_json()
    # Objects round-trip through dicts.
    assert cj.Verdict.from_dict(verdict.to_dict()) == verdict
    assert cj.Verdict.from_dict(verdict.to_dict()).to_json() == verdict.to_json()
    assert [m.to_dict() for m in verdict.metrics] == verdict.to_dict()["metrics"]
    if path.stem == "error-spike":
        assert verdict.verdict == "rollback"


def test_replay_matches_cli(canary_bin: Path):
    cli = subprocess.run(
        [str(canary_bin), "replay", "--config", str(CONFIG), str(FIXTURES), "--format", "json"],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    ours = cj.replay(CONFIG, FIXTURES)
    assert ours == json.loads(cli.stdout)
    assert ours["summary"]["total"] == len(FIXTURE_FILES)
    assert cj.replay(CONFIG, [FIXTURES / "error-spike.json"])["results"][0]["verdict"] == "rollback"


def test_verdict_objects(config: cj.Config):
    v = cj.judge(config, FIXTURES / "error-spike.json")
    assert isinstance(v.score, float) and v.reasons
    assert [m.name for m in v.metrics] == config.metric_names
    errors = next(m for m in v.metrics if m.name == "errors")
    assert errors.classification == "high" and errors.critical
    assert errors.evidence["test"] == "rate"
    assert {g.name for g in v.groups} == {"latency", "errors", "saturation"}
    assert cj.Verdict.from_json(v.to_json()) == v


def test_config_round_trips(config: cj.Config):
    again = cj.Config.from_dict(config.to_dict())
    assert again == config and again.to_json() == config.to_json()
    assert cj.Config(str(CONFIG)) == config
    assert cj.Config.from_str(config.to_json()) == config


def continuous_subset_config(config: cj.Config) -> cj.Config:
    d = config.to_dict()
    d["metrics"] = [m for m in d["metrics"] if m["kind"] != "histogram"]
    return cj.Config.from_dict(d)


@pytest.mark.parametrize("name", ["error-spike", "latency-regression-30pct", "nan-laden", "aa-gaussian"])
def test_from_arrays_matches_file(name: str, config: cj.Config):
    """Arrays with synthetic timestamps judge like the recorded file (no histograms)."""
    cfg = continuous_subset_config(config)
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    metrics, counts = {}, {}
    for metric, entry in data["metrics"].items():
        kind = entry.get("kind", "continuous")
        values = lambda side: [np.nan if p[1] is None else p[1] for p in entry[side] or []]
        if kind == "continuous":
            metrics[metric] = (np.array(values("baseline")), values("canary"))
        elif kind == "counts":
            side = lambda s: ([p[1] for p in entry[s] or []], [p[2] for p in entry[s] or []])
            counts[metric] = (side("baseline"), side("canary"))
    fixture = cj.Fixture.from_arrays(name, metrics, counts, expected=data.get("expected"))
    assert fixture.name == name and fixture.expected == data.get("expected")
    assert cj.judge(cfg, fixture).to_json() == cj.judge(cfg, FIXTURES / f"{name}.json").to_json()


def test_from_arrays_unequal_lengths():
    rng = np.random.default_rng(3)
    cfg = {"version": 1, "metrics": [{"name": "latency_ms", "min_samples": 5}]}
    fixture = cj.Fixture.from_arrays(
        metrics={"latency_ms": (rng.normal(100, 5, 500), rng.normal(140, 5, 300))}
    )
    assert fixture.metric_kinds == {"latency_ms": "continuous"}
    v = cj.judge(cfg, fixture)
    assert v.verdict == "rollback" and v.metrics[0].classification == "high"


def test_from_dataframe_matches_csv(tmp_path: Path, config: cj.Config):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(4)
    rows = []
    for side, mean in (("baseline", 100.0), ("canary", 112.0)):
        for i, value in enumerate(rng.normal(mean, 4, 40)):
            rows.append((1_700_000_000 + 60 * i, "latency_ms", side, value if i != 7 else np.nan))
    df = pd.DataFrame(rows, columns=["timestamp", "metric", "side", "value"]).sample(frac=1, random_state=1)
    csv = tmp_path / "run.csv"
    df.to_csv(csv, index=False, na_rep="")
    cfg = {"version": 1, "metrics": [{"name": "latency_ms", "min_samples": 5}]}
    from_df = cj.judge(cfg, cj.Fixture.from_dataframe(df, name="run"))
    assert from_df.to_json() == cj.judge(cfg, csv).to_json()
    # Datetime timestamps are converted to unix seconds.
    df2 = df.assign(timestamp=pd.to_datetime(df["timestamp"], unit="s"))
    assert cj.judge(cfg, cj.Fixture.from_dataframe(df2)).to_json() == from_df.to_json()
    with pytest.raises(cj.DataError, match="missing: value"):
        cj.Fixture.from_dataframe(df.drop(columns=["value"]))
