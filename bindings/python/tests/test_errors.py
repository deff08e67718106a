"""Bad input raises the documented exception with a clear message; never a crash."""

from __future__ import annotations

import numpy as np
import pytest

import canary_judge as cj
from conftest import CONFIG, FIXTURES


def test_exception_hierarchy():
    assert issubclass(cj.ConfigError, cj.CanaryError) and issubclass(cj.ConfigError, ValueError)
    assert issubclass(cj.DataError, cj.CanaryError) and issubclass(cj.DataError, ValueError)
    assert issubclass(cj.SourceError, cj.CanaryError)
    assert not issubclass(cj.SourceError, ValueError)


@pytest.mark.parametrize(
    "x,message",
    [
        ([1.0, float("nan"), 3.0], r"x\[1\] is NaN"),
        ([1.0, None, 3.0], r"x\[1\] is NaN"),
        ([1.0, float("inf")], r"x\[1\] is \+infinity"),
        (np.array([], dtype=float), r"x has 0 value\(s\); at least 1 needed"),
        ([], r"x has 0 value\(s\)"),
        (["a", "b"], r"x must hold real numbers, got dtype <U1"),
        (np.array([1 + 2j, 3j]), r"x must hold real numbers, got dtype complex128"),
        (np.ones((3, 2)), r"x must be one-dimensional, got an array of shape \(3, 2\)"),
        ([[1.0, 2.0], [3.0, 4.0]], r"x must be one-dimensional"),
        (5.0, r"x must be one-dimensional, got an array of shape \(\)"),
        ([1.0, "x"], r"x must hold real numbers"),
    ],
)
def test_bad_samples_raise_data_error(x, message):
    with pytest.raises(cj.DataError, match=message):
        cj.mann_whitney(x, [1.0, 2.0, 3.0])


def test_bad_options_raise_data_error():
    x, y = [1.0, 2.0, 3.0], [2.0, 3.0, 4.0]
    with pytest.raises(cj.DataError, match="alternative is invalid: expected two-sided, less or greater"):
        cj.mann_whitney(x, y, alternative="sideways")
    with pytest.raises(cj.DataError, match="method is invalid"):
        cj.mann_whitney(x, y, method="bootstrap")
    with pytest.raises(cj.DataError, match="method is invalid"):
        cj.ks(x, y, method="bootstrap")
    with pytest.raises(cj.DataError, match="confidence must be strictly between 0 and 1, got 1.5"):
        cj.mann_whitney(x, y, confidence=1.5)
    with pytest.raises(ValueError):  # DataError is a ValueError
        cj.quantile(x, 2.0)
    with pytest.raises(cj.DataError, match="non-negative whole number, got 2.5"):
        cj.rate_test(2.5, 10, 20, 10)
    with pytest.raises(cj.DataError, match="positive and finite"):
        cj.rate_test(2, 0, 20, 10)
    with pytest.raises(TypeError):
        cj.mann_whitney(x, y, "less")  # options are keyword-only


def test_bad_config_dict_raises_config_error():
    with pytest.raises(cj.ConfigError, match=r"metrics\[0\]\.effect\.allowed_increase"):
        cj.Config.from_dict(
            {"version": 1, "metrics": [{"name": "x", "effect": {"allowed_increase": -1}}]}
        )
    with pytest.raises(cj.ConfigError, match="unknown field"):
        cj.Config.from_dict({"version": 1, "metrics": [{"name": "x", "colour": "red"}]})
    with pytest.raises(cj.ConfigError, match="not JSON-compatible"):
        cj.Config.from_dict({"version": 1, "confidence": float("nan"), "metrics": []})
    with pytest.raises(cj.ConfigError, match="must be a mapping"):
        cj.Config.from_dict([1, 2])  # type: ignore[arg-type]
    with pytest.raises(cj.ConfigError):
        cj.judge({"version": 2, "metrics": []}, FIXTURES / "error-spike.json")


def test_missing_files():
    with pytest.raises(cj.ConfigError, match=r"no-such\.yaml: cannot read"):
        cj.judge("no-such.yaml", FIXTURES / "error-spike.json")
    with pytest.raises(cj.DataError, match=r"no-such\.json: cannot read"):
        cj.judge(CONFIG, "no-such.json")
    with pytest.raises(cj.DataError, match="no such file or folder"):
        cj.replay(CONFIG, ["no-such-folder/"])


def test_bad_fixtures_raise_data_error():
    with pytest.raises(cj.DataError, match=r"metrics\.lat\.canary\[0\]"):
        cj.Fixture.from_dict(
            {"version": 1, "name": "f", "metrics": {"lat": {"baseline": [], "canary": [[0, "x"]]}}}
        )
    with pytest.raises(cj.DataError, match="has no data for metric"):
        cj.judge(CONFIG, {"version": 1, "name": "empty", "metrics": {}})
    with pytest.raises(cj.DataError, match="timestamps but 2 values|infinite"):
        cj.Fixture.from_arrays(metrics={"lat": ([1.0, float("inf")], [1.0])})
    with pytest.raises(cj.DataError, match="events out of a total"):
        cj.Fixture.from_arrays(counts={"errors": (([5], [3]), ([1], [10]))})
    with pytest.raises(TypeError):
        cj.judge(CONFIG, 42)  # type: ignore[arg-type]


def test_panic_becomes_canary_error():
    with pytest.raises(cj.CanaryError, match="internal error"):
        cj._native._panic_for_tests()
