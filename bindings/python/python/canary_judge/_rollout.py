"""Rollouts: plans, the decision engine and the simulator over the Rust core."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Union

from . import _native
from ._errors import ConfigError
from ._judge import (
    FixtureLike,
    PathLike,
    Verdict,
    _as_fixture,
    _dumps,
    _looks_like_text,
    _serde_json_dumps,
)

__all__ = [
    "Rollout",
    "RolloutPlan",
    "SimulationResult",
    "StepDecision",
    "simulate",
]

#: What :class:`Rollout` and :func:`simulate` accept as a plan.
PlanLike = Union["RolloutPlan", Mapping[str, Any], str, "os.PathLike[str]"]


class RolloutPlan:
    """A checked rollout plan: strategy, steps, analysis config, limits, sequential
    control (the README's "Rollouts" schema).

    Build one with :meth:`from_path` (an ``analysis`` path is read relative to the
    plan's file), :meth:`from_str` or :meth:`from_dict`, or pass any of those inputs to
    ``RolloutPlan(...)``. Errors raise :class:`ConfigError` naming the key path.
    """

    __slots__ = ("_native",)

    def __init__(self, source: PlanLike) -> None:
        self._native: _native.NativePlan = _as_plan(source)._native

    @classmethod
    def _wrap(cls, native: _native.NativePlan) -> RolloutPlan:
        self = cls.__new__(cls)
        self._native = native
        return self

    @classmethod
    def from_path(cls, path: PathLike) -> RolloutPlan:
        """Reads a plan file: YAML, JSON or TOML by extension (YAML otherwise)."""
        return cls._wrap(_native.NativePlan.from_path(os.fspath(path)))

    @classmethod
    def from_str(cls, text: str, format: Optional[str] = None) -> RolloutPlan:
        """Parses plan text; ``format`` is ``"yaml"``, ``"json"`` or ``"toml"`` (default:
        JSON when the text starts with ``{``, YAML otherwise)."""
        if format is None:
            format = "json" if text.lstrip().startswith("{") else "yaml"
        return cls._wrap(_native.NativePlan.from_str(text, format))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RolloutPlan:
        """Builds a plan from a dict of the schema (the analysis inline, or a path
        relative to the current directory)."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"a plan must be a mapping, got {type(data).__name__}")
        try:
            text = _dumps(dict(data))
        except (TypeError, ValueError) as e:
            raise ConfigError(f"<plan>: not JSON-compatible: {e}") from None
        return cls._wrap(_native.NativePlan.from_str(text, "json"))

    @property
    def name(self) -> str:
        """The plan's name (or its strategy)."""
        return self._native.name

    def to_dict(self) -> dict[str, Any]:
        """The plan as a dict, every default filled in, the analysis inline."""
        result: dict[str, Any] = json.loads(self._native.to_json())
        return result

    def to_json(self) -> str:
        """The plan as JSON text."""
        return self._native.to_json()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RolloutPlan) and self.to_json() == other.to_json()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        steps = [s["weight"] for s in self.to_dict()["steps"]]
        return f"RolloutPlan(name={self.name!r}, steps={steps!r})"


def _as_plan(value: PlanLike) -> RolloutPlan:
    if isinstance(value, RolloutPlan):
        return value
    if isinstance(value, Mapping):
        return RolloutPlan.from_dict(value)
    if isinstance(value, str) and _looks_like_text(value):
        return RolloutPlan.from_str(value)
    if isinstance(value, (str, os.PathLike)):
        return RolloutPlan.from_path(value)
    raise TypeError(
        f"plan: expected a RolloutPlan, dict, path or YAML/JSON text, got {type(value).__name__}"
    )


@dataclass(frozen=True)
class StepDecision:
    """The engine's decision after one observation.

    ``action`` is ``advance`` (to ``to_step``), ``complete``, ``hold`` or ``rollback``;
    ``status`` the rollout's status after it (``progressing``, ``paused``,
    ``completed``, ``rolled_back``); ``measurement`` how the observation counted for the
    limits (``successful``, ``failed``, ``inconclusive``, ``error``, or None when the
    step's minimums were not met yet); ``report`` the judge's verdict on the data so far.
    Steps count from 1. :meth:`to_dict` is the JSON of one entry of ``decisions`` in
    ``canary rollout --format json``.
    """

    observation: int
    step: int
    weight: float
    action: str
    status: str
    reasons: list[str]
    counts: dict[str, int]
    progress: dict[str, Any]
    to_step: Optional[int] = None
    to_weight: Optional[float] = None
    measurement: Optional[str] = None
    sequential: Optional[dict[str, Any]] = None
    report: Optional[Verdict] = None
    source: Optional[str] = None
    _json: str = field(default="", repr=False, compare=False)

    @property
    def exit_code(self) -> int:
        """The CLI's exit code for this action: 0 advance/complete, 10 hold, 20 rollback."""
        return {"advance": 0, "complete": 0, "hold": 10, "rollback": 20}[self.action]

    def to_dict(self) -> dict[str, Any]:
        """The decision as a dict (its JSON form)."""
        result: dict[str, Any] = json.loads(self._json)
        return result

    def to_json(self) -> str:
        """The decision as compact JSON."""
        return self._json

    @classmethod
    def _from_json(cls, text: str) -> StepDecision:
        d = json.loads(text)
        report = d.get("report")
        return cls(
            observation=d["observation"],
            step=d["step"],
            weight=float(d["weight"]),
            action=d["action"],
            status=d["status"],
            reasons=list(d["reasons"]),
            counts=dict(d["counts"]),
            progress=dict(d["progress"]),
            to_step=d.get("to_step"),
            to_weight=None if d.get("to_weight") is None else float(d["to_weight"]),
            measurement=d.get("measurement"),
            sequential=d.get("sequential"),
            report=None if report is None else Verdict._from_json(_serde_json_dumps(report)),
            source=d.get("source"),
            _json=text,
        )


class Rollout:
    """A rollout in progress: start one from a plan, feed it each step's window of data
    with :meth:`observe`, act on the returned :class:`StepDecision`.

    >>> r = Rollout("fixtures/plans/canary.yaml")  # doctest: +SKIP
    >>> d = r.observe("fixtures/plans/good/step-1.json")  # doctest: +SKIP
    >>> d.action, d.to_step  # doctest: +SKIP
    ('advance', 2)
    >>> saved = r.to_json(); r2 = Rollout.from_json(saved)  # doctest: +SKIP

    The whole rollout (plan, state, accumulated data) round-trips through
    :meth:`to_json` / :meth:`from_json`, so a controller can persist it between
    reconciles. Bad data raises :class:`DataError` (the state is unchanged); observing a
    rollout that ended or is paused raises :class:`CanaryError`.
    """

    __slots__ = ("_native",)

    def __init__(self, plan: PlanLike) -> None:
        self._native: _native.NativeRollout = _native.NativeRollout.start(_as_plan(plan)._native)

    @classmethod
    def from_json(cls, text: str) -> Rollout:
        """Restores a rollout saved with :meth:`to_json`."""
        self = cls.__new__(cls)
        self._native = _native.NativeRollout.from_json(text)
        return self

    def observe(
        self,
        data: FixtureLike,
        *,
        duration_seconds: Optional[float] = None,
        source: Optional[str] = None,
    ) -> StepDecision:
        """Feeds one observation (a :class:`Fixture`, fixture dict, path or JSON text)
        at the current step and decides. ``duration_seconds``: how long the window
        covers, when its timestamps do not say (histogram-only data). ``source`` names
        the data in the decision (default: the path, when ``data`` is one)."""
        if source is None and isinstance(data, (str, os.PathLike)) and not (
            isinstance(data, str) and _looks_like_text(data)
        ):
            source = os.fspath(data)
        fixture = _as_fixture(data)
        text = self._native.observe(fixture._native, duration_seconds, source)
        return StepDecision._from_json(text)

    def resume(self) -> None:
        """Resumes a paused rollout (inconclusive beyond ``inconclusive_limit``); the
        inconclusive count starts again from 0."""
        self._native.resume()

    def abort(self, reason: str = "") -> StepDecision:
        """Aborts the rollout: a rollback decision."""
        return StepDecision._from_json(self._native.abort(reason))

    @property
    def state(self) -> dict[str, Any]:
        """The state: ``status``, ``step`` (from 1), ``observations``, ``counts``,
        ``totals``, ``step_start`` and ``history`` (every decision so far)."""
        result: dict[str, Any] = json.loads(self._native.state_json())
        return result

    @property
    def status(self) -> str:
        """``progressing``, ``paused``, ``completed`` or ``rolled_back``."""
        return str(self.state["status"])

    @property
    def step(self) -> int:
        """The current step, from 1."""
        return int(self.state["step"])

    @property
    def plan(self) -> RolloutPlan:
        """The plan."""
        return RolloutPlan.from_str(self._native.plan_json(), "json")

    def output(self) -> dict[str, Any]:
        """The rollout so far as ``canary rollout --format json`` prints it."""
        result: dict[str, Any] = json.loads(self._native.output_json())
        return result

    def to_json(self) -> str:
        """The whole rollout (plan, state, data) as JSON; :meth:`from_json` restores it."""
        return self._native.to_json()

    def to_html(self, *, title: Optional[str] = None) -> str:
        """The self-contained HTML report of ``canary report`` on this rollout's output
        (inline CSS and SVG, no scripts): the outcome, the steps, and per observation its
        decision, reasons and judgement."""
        return _native.report_html(self._native.output_json(), None, None, title)

    def __repr__(self) -> str:
        return f"Rollout(plan={self.plan.name!r}, step={self.step}, status={self.status!r})"


@dataclass(frozen=True)
class SimulationResult:
    """The outcome of :func:`simulate`: rates of the plan's own judging, and of naive
    judging on the same data when asked (``naive``, the same fields as a dict)."""

    runs: int
    promote_rate: float
    hold_rate: float
    rollback_rate: float
    mean_step_of_rollback: Optional[float]
    rollbacks_by_step: list[int]
    method: str
    naive: Optional[dict[str, Any]] = None
    _json: str = field(default="", repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The ``canary simulate --format json`` object as a dict."""
        result: dict[str, Any] = json.loads(self._json)
        return result

    def to_json(self) -> str:
        """Compact JSON, identical to ``canary simulate --format json``."""
        return self._json


def simulate(
    plan: PlanLike,
    *,
    scenario: str,
    runs: int = 1000,
    seed: int = 1,
    compare_naive: bool = False,
    requests_per_step: int = 10_000,
    baseline_error_rate: float = 0.003,
    interval_seconds: int = 60,
    default_step_seconds: int = 600,
    latency_median_seconds: float = 0.1,
    latency_sigma: float = 0.5,
    max_observations_per_step: int = 3,
) -> SimulationResult:
    """Runs ``runs`` synthetic rollouts of ``plan`` under ``scenario`` (``"aa"``,
    ``"latency-shift=1.2"``, ``"error-rate=0.003:0.03"``, ``"error-spike-at=2m"``).
    Deterministic: the same seed gives the same result. See the README's "Rollouts"
    section for the data model."""
    native_plan = _as_plan(plan)._native
    text = _native.simulate(
        native_plan,
        scenario,
        runs,
        seed,
        compare_naive,
        requests_per_step,
        baseline_error_rate,
        interval_seconds,
        default_step_seconds,
        latency_median_seconds,
        latency_sigma,
        max_observations_per_step,
    )
    d = json.loads(text)
    mean = d.get("mean_step_of_rollback")
    return SimulationResult(
        runs=d["runs"],
        promote_rate=float(d["promote_rate"]),
        hold_rate=float(d["hold_rate"]),
        rollback_rate=float(d["rollback_rate"]),
        mean_step_of_rollback=None if mean is None else float(mean),
        rollbacks_by_step=list(d["rollbacks_by_step"]),
        method=d["method"],
        naive=d.get("naive"),
        _json=text,
    )
