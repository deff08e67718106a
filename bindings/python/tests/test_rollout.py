"""Rollouts from Python: the engine agrees with `canary rollout`, the state round-trips,
errors are typed, and the simulator is deterministic and matches `canary simulate`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import canary_judge as cj
from conftest import FIXTURES, REPO

PLANS = FIXTURES / "plans"
PLAN = PLANS / "canary.yaml"


def steps(kind: str) -> list[Path]:
    return [PLANS / kind / f"step-{i}.json" for i in range(1, 6)]


def counts_window(t: int, canary_events: int, canary_total: int = 1000) -> dict:
    return {
        "version": 1,
        "name": f"w{t}",
        "metrics": {
            "errors": {
                "kind": "counts",
                "baseline": [[t, 3, 1000]],
                "canary": [[t, canary_events, canary_total]],
            }
        },
    }


SMALL_PLAN = {
    "version": 1,
    "steps": [{"weight": 10}, {"weight": 50}],
    "analysis": {"version": 1, "metrics": [{"name": "errors", "kind": "counts", "critical": True}]},
    "limits": {"failure_limit": 1},
}


@pytest.mark.parametrize("kind", ["good", "bad"])
def test_rollout_matches_the_cli(kind: str, canary_bin: Path):
    files = steps(kind)
    cli = subprocess.run(
        [str(canary_bin), "rollout", "--plan", str(PLAN), "--format", "json", *map(str, files)],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
        cwd=REPO,
    )
    expected = json.loads(cli.stdout)
    r = cj.Rollout(str(PLAN))
    decisions = []
    for f in files:
        if r.status != "progressing":
            break
        decisions.append(r.observe(str(f)))
    out = r.output()
    assert out == expected
    assert decisions[-1].exit_code == cli.returncode
    assert [d.to_dict() for d in decisions] == expected["decisions"]
    # The HTML report is the one `canary report` writes for the same output.
    html = r.to_html(title=f"{kind} rollout")
    assert html == cj.report_html(cli.stdout, title=f"{kind} rollout")
    assert html.count('<details id="observation-') == len(decisions)
    if kind == "good":
        assert [d.action for d in decisions] == ["advance"] * 4 + ["complete"]
        assert r.status == "completed"
    else:
        assert decisions[-1].action == "rollback" and decisions[-1].step == 2
        assert decisions[-1].report is not None
        assert decisions[-1].report.verdict == "rollback"


def test_decision_fields_and_limits():
    r = cj.Rollout(SMALL_PLAN)
    d = r.observe(counts_window(0, 2))
    assert (d.action, d.to_step, d.to_weight, d.measurement) == ("advance", 2, 50.0, "successful")
    assert d.status == "progressing" and r.step == 2
    d = r.observe(counts_window(60, 60))  # a failure within failure_limit 1: hold
    assert (d.action, d.measurement, d.counts["failed"]) == ("hold", "failed", 1)
    assert d.exit_code == 10
    d = r.observe(counts_window(120, 60))
    assert d.action == "rollback" and r.status == "rolled_back"
    with pytest.raises(cj.CanaryError, match="rolled_back"):
        r.observe(counts_window(180, 2))


def test_state_round_trips_at_every_step():
    r = cj.Rollout(SMALL_PLAN | {"limits": {"failure_limit": 3}})
    for i, events in enumerate([2, 60, 60, 60, 60]):
        saved = r.to_json()
        restored = cj.Rollout.from_json(saved)
        assert restored.to_json() == saved
        a = r.observe(counts_window(60 * i, events))
        b = restored.observe(counts_window(60 * i, events))
        assert a == b and a.to_json() == b.to_json()
        assert restored.state == r.state
    actions = [d["action"] for d in r.state["history"]]
    assert actions == ["advance", "hold", "hold", "hold", "rollback"]  # 4 failures > 3
    with pytest.raises(cj.DataError):
        cj.Rollout.from_json("{}")


def test_missing_data_holds_and_bad_data_is_refused():
    r = cj.Rollout(SMALL_PLAN)
    empty = counts_window(0, 0, canary_total=0)
    d = r.observe(empty)
    assert (d.action, d.measurement) == ("hold", None)
    assert "no canary data" in d.reasons[0]
    r.observe(counts_window(60, 2))
    before = r.to_json()
    with pytest.raises(cj.DataError, match="must continue after"):
        r.observe(counts_window(30, 2))  # time going backwards
    assert r.to_json() == before


def test_pause_resume_and_abort():
    plan = SMALL_PLAN | {
        "analysis": {
            "version": 1,
            "metrics": [{"name": "errors", "kind": "counts", "critical": True, "min_samples": 5000}],
        }
    }
    r = cj.Rollout(plan)
    d = r.observe(counts_window(0, 2))  # too few requests for min_samples: inconclusive
    assert (d.action, d.measurement, d.status) == ("hold", "inconclusive", "paused")
    with pytest.raises(cj.CanaryError, match="paused"):
        r.observe(counts_window(60, 2))
    r.resume()
    assert r.status == "progressing"
    d = r.abort("manual stop")
    assert (d.action, d.status) == ("rollback", "rolled_back")


def test_plan_errors_name_the_key_path():
    with pytest.raises(cj.ConfigError, match=r"steps\[0\]\.weight"):
        cj.RolloutPlan(SMALL_PLAN | {"steps": [{"weight": 0}]})
    with pytest.raises(cj.ConfigError, match=r"analysis\.metrics\[0\]\.kind"):
        cj.RolloutPlan(
            SMALL_PLAN | {"analysis": {"version": 1, "metrics": [{"name": "e", "kind": "x"}]}}
        )
    plan = cj.RolloutPlan.from_path(PLAN)
    assert plan.name == "checkout-canary"
    assert cj.RolloutPlan(plan.to_dict()) == plan
    assert plan.to_dict()["limits"] == {
        "failure_limit": 0,
        "inconclusive_limit": 0,
        "consecutive_error_limit": 4,
    }


def test_simulate_is_deterministic_and_matches_the_cli(canary_bin: Path):
    a = cj.simulate(str(PLAN), scenario="aa", runs=200, seed=3, compare_naive=True)
    b = cj.simulate(cj.RolloutPlan.from_path(PLAN), scenario="aa", runs=200, seed=3, compare_naive=True)
    assert a == b and a.to_json() == b.to_json()
    assert a.runs == 200 and a.method == "pocock"
    assert a.naive is not None and a.naive["rollback_rate"] >= a.rollback_rate
    assert abs(a.promote_rate + a.hold_rate + a.rollback_rate - 1.0) < 1e-12
    cli = subprocess.run(
        [str(canary_bin), "simulate", "--plan", str(PLAN), "--scenario", "aa", "--runs", "200",
         "--seed", "3", "--compare", "naive", "--format", "json"],
        stdout=subprocess.PIPE, text=True, check=True, cwd=REPO,
    )
    assert a.to_json() == cli.stdout.rstrip("\n")
    spike = cj.simulate(str(PLAN), scenario="error-rate=0.003:0.03", runs=100, seed=1)
    assert spike.rollbacks_by_step[0] >= 99
    with pytest.raises(cj.DataError, match="invalid scenario"):
        cj.simulate(str(PLAN), scenario="chaos")
    with pytest.raises(cj.DataError, match="runs"):
        cj.simulate(str(PLAN), scenario="aa", runs=0)
