"""cj.tune (parity with `canary tune --format json`, determinism, errors) and the HTML
reports of Verdict.to_html, TuneResult.to_html and report_html."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import canary_judge as cj

from conftest import CONFIG, FIXTURES

ERRORS = "metrics[errors].effect.allowed_increase"
SWEEP = f"{ERRORS}=1.0..3.0:0.25"


def test_tune_matches_the_cli_byte_for_byte(canary_bin: Path) -> None:
    result = cj.tune(CONFIG, FIXTURES, sweeps=[SWEEP])
    cli = subprocess.run(
        [str(canary_bin), "tune", "--config", str(CONFIG), "--sweep", SWEEP, str(FIXTURES),
         "--format", "json"],
        capture_output=True, text=True, check=True,
    )
    assert result.to_json() == cli.stdout.strip()


def test_tune_result_shows_the_trade_off_and_recommends_the_corpus_labels() -> None:
    result = cj.tune(str(CONFIG), [FIXTURES], sweeps=[SWEEP], jobs=2)
    assert [s.key for s in result.sweeps] == [ERRORS]
    assert result.sweeps[0].values[:3] == [1.0, 1.25, 1.5]
    by_value = {s.values[ERRORS]: s for s in result.settings}
    assert (by_value[1.0].false_rollbacks, by_value[1.0].missed_regressions) == (1, 0)
    assert (by_value[3.0].false_rollbacks, by_value[3.0].missed_regressions) == (0, 1)
    rec = result.recommendation
    assert rec is not None and rec.no_missed_regressions
    assert rec.setting.values == {ERRORS: 1.25}
    assert (rec.setting.correct, rec.setting.labelled) == (38, 38)
    assert rec.setting.agreement == 1.0
    assert result.runner_up is not None and result.runner_up.index == 2
    assert result.to_dict()["recommendation"]["index"] == rec.index == 1


def test_tune_is_deterministic_across_thread_counts() -> None:
    grid = [f"{ERRORS}=1.0..2.0:0.5", "score.pass=70..80:5"]
    a = cj.tune(CONFIG, FIXTURES, sweeps=grid, jobs=1)
    b = cj.tune(CONFIG, FIXTURES, sweeps=grid)
    assert a.to_json() == b.to_json()
    assert len(a.settings) == 9
    assert a.to_html() == b.to_html()


def test_tune_errors_name_the_key() -> None:
    with pytest.raises(cj.ConfigError, match=r"metrics\[nope\]\.confidence: no metric named"):
        cj.tune(CONFIG, FIXTURES, sweeps=["metrics[nope].confidence=0.9..0.95:0.05"])
    with pytest.raises(cj.ConfigError, match="expected KEY=FROM..TO:STEP"):
        cj.tune(CONFIG, FIXTURES, sweeps=["confidence"])
    with pytest.raises(cj.ConfigError, match="swept more than once"):
        cj.tune(CONFIG, FIXTURES, sweeps=["confidence=0.9..0.95:0.05"] * 2)
    with pytest.raises(cj.DataError):
        cj.tune(CONFIG, FIXTURES / "missing-dir", sweeps=["confidence=0.9..0.95:0.05"])
    with pytest.raises(cj.DataError, match="jobs"):
        cj.tune(CONFIG, FIXTURES, sweeps=["confidence=0.9..0.95:0.05"], jobs=0)
    with pytest.raises(TypeError):
        cj.tune(CONFIG, FIXTURES, sweeps="confidence=0.9..0.95:0.05")  # type: ignore[arg-type]


def _svg_ids(html: str, prefix: str) -> int:
    return html.count(f'<svg id="{prefix}')


def test_verdict_to_html_uses_the_judged_fixture(canary_bin: Path, tmp_path: Path) -> None:
    fixture = FIXTURES / "error-spike.json"
    v = cj.judge(CONFIG, fixture)
    html = v.to_html()
    assert html.startswith("<!DOCTYPE html>")
    assert 'class="banner rollback"' in html
    assert _svg_ids(html, "series-") == 4 and _svg_ids(html, "dist-") == 5
    assert "<script" not in html
    # The same bytes as the CLI's page.
    result = tmp_path / "verdict.json"
    result.write_text(v.to_json())
    cli = subprocess.run(
        [str(canary_bin), "report", str(result), "--fixture", str(fixture)],
        capture_output=True, text=True, check=True,
    )
    assert html == cli.stdout
    # Deterministic.
    assert cj.judge(CONFIG, fixture).to_html() == html


def test_verdict_to_html_without_data_or_with_another_fixture() -> None:
    v = cj.Verdict.from_json(cj.judge(CONFIG, FIXTURES / "aa-gaussian.json").to_json())
    bare = v.to_html(title="A/A")
    assert "<svg" not in bare and "--fixture F" in bare
    assert "<title>A/A</title>" in bare
    with_data = v.to_html(fixture=FIXTURES / "aa-gaussian.json")
    assert _svg_ids(with_data, "series-") == 4


def test_report_html_renders_replay_json() -> None:
    replay = cj.replay(CONFIG, FIXTURES)
    html = cj.report_html(replay)
    assert 'id="confusion"' in html and "38 of 38 agree" in html
    assert html == cj.report_html(json.dumps(replay))
    with pytest.raises(cj.DataError, match="not the JSON of"):
        cj.report_html({"hello": 1})
