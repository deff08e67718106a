"""Threshold sweeps over labelled fixtures (``canary tune``) and HTML reports."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Sequence, Union

from . import _native
from ._judge import ConfigLike, PathLike, _as_config

__all__ = ["TuneChoice", "TuneResult", "TuneSetting", "TuneSweep", "tune", "report_html"]


@dataclass(frozen=True)
class TuneSweep:
    """One swept config key and its values, in order."""

    key: str
    values: list[float]


@dataclass(frozen=True)
class TuneSetting:
    """How one setting did on the fixtures.

    ``values`` maps each swept key to its value. Rates are ``None`` when their
    denominator is zero: ``agreement`` = correct / labelled; ``false_rollback_rate`` =
    good releases (expected promote) not promoted / good; ``missed_regression_rate`` =
    bad releases (expected rollback) promoted / bad; ``hold_rate`` = held / total.
    """

    values: dict[str, float]
    agreement: Optional[float]
    false_rollback_rate: Optional[float]
    missed_regression_rate: Optional[float]
    hold_rate: Optional[float]
    correct: int
    labelled: int
    total: int
    false_rollbacks: int
    good: int
    missed_regressions: int
    bad: int
    held: int

    @classmethod
    def _from_dict(cls, d: dict[str, Any]) -> TuneSetting:
        return cls(
            values={k: float(v) for k, v in d["values"].items()},
            agreement=d["agreement"],
            false_rollback_rate=d["false_rollback_rate"],
            missed_regression_rate=d["missed_regression_rate"],
            hold_rate=d["hold_rate"],
            correct=d["correct"],
            labelled=d["labelled"],
            total=d["total"],
            false_rollbacks=d["false_rollbacks"],
            good=d["good"],
            missed_regressions=d["missed_regressions"],
            bad=d["bad"],
            held=d["held"],
        )


@dataclass(frozen=True)
class TuneChoice:
    """The recommended setting (or the runner-up): its index in
    :attr:`TuneResult.settings` and how it did."""

    index: int
    no_missed_regressions: bool
    setting: TuneSetting


@dataclass(frozen=True)
class TuneResult:
    """The outcome of :func:`tune`: every setting and the recommendation.

    :meth:`to_json` is byte for byte what ``canary tune --format json`` prints;
    :meth:`to_html` is the page of ``canary report``.
    """

    sweeps: list[TuneSweep]
    settings: list[TuneSetting]
    recommendation: Optional[TuneChoice]
    runner_up: Optional[TuneChoice]
    _json: str = field(default="", repr=False, compare=False)

    def to_json(self) -> str:
        """Compact JSON, identical to the CLI's ``--format json`` output."""
        return self._json

    def to_dict(self) -> dict[str, Any]:
        """The JSON as a dict."""
        result: dict[str, Any] = json.loads(self._json)
        return result

    def to_html(self, *, title: Optional[str] = None) -> str:
        """The self-contained HTML report (inline CSS and SVG, no scripts): the rates
        against each swept value with the recommendation marked, and every setting."""
        return _native.report_html(self._json, None, None, title)

    @classmethod
    def _from_json(cls, text: str) -> TuneResult:
        d = json.loads(text)

        def choice(c: Optional[dict[str, Any]]) -> Optional[TuneChoice]:
            if c is None:
                return None
            return TuneChoice(
                index=c["index"],
                no_missed_regressions=c["no_missed_regressions"],
                setting=TuneSetting._from_dict(c),
            )

        return cls(
            sweeps=[TuneSweep(s["key"], [float(v) for v in s["values"]]) for s in d["sweeps"]],
            settings=[TuneSetting._from_dict(s) for s in d["settings"]],
            recommendation=choice(d["recommendation"]),
            runner_up=choice(d["runner_up"]),
            _json=text,
        )


def tune(
    config: ConfigLike,
    paths: Union[PathLike, Iterable[PathLike]],
    *,
    sweeps: Sequence[str],
    jobs: Optional[int] = None,
) -> TuneResult:
    """Sweeps config values over labelled fixtures, as ``canary tune`` does.

    ``sweeps``: ``"KEY=FROM..TO:STEP"`` strings (e.g.
    ``"metrics[latency_ms].effect.allowed_increase=1.0..1.5:0.1"``); several form a grid.
    ``paths``: fixture files or folders. ``jobs``: worker threads (default: all cores);
    the GIL is released meanwhile. A bad sweep raises :class:`ConfigError` naming the
    key; unreadable or unfitting fixtures raise :class:`DataError`.
    """
    cfg = _as_config(config)
    if isinstance(sweeps, str):
        raise TypeError("sweeps: expected a list of 'KEY=FROM..TO:STEP' strings, got a str")
    if isinstance(paths, (str, os.PathLike)):
        items: Sequence[PathLike] = [paths]
    else:
        items = list(paths)
    text = _native.tune(cfg._native, [os.fspath(p) for p in items], list(sweeps), jobs)
    return TuneResult._from_json(text)


def report_html(
    result: Union[str, dict[str, Any]],
    *,
    fixture: Optional[Any] = None,
    config: Optional[ConfigLike] = None,
    title: Optional[str] = None,
) -> str:
    """The self-contained HTML page of any result JSON (judge, gate, replay, tune,
    rollout) given as text or a dict, as ``canary report`` writes it. ``fixture`` adds a
    verdict's charts; ``config`` judges a replay's misjudged fixtures again."""
    from ._judge import _as_fixture, _dumps

    text = result if isinstance(result, str) else _dumps(result)
    native_fixture = None if fixture is None else _as_fixture(fixture)._native
    native_config = None if config is None else _as_config(config)._native
    return _native.report_html(text, native_fixture, native_config, title)
