"""The judge: configs, fixtures, verdicts and replays over the Rust core."""

from __future__ import annotations

import copy
import json
import math
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _native
from ._errors import ConfigError, DataError

__all__ = [
    "Config",
    "Fixture",
    "GroupScore",
    "MetricResult",
    "Verdict",
    "judge",
    "replay",
]

PathLike = Union[str, "os.PathLike[str]"]
#: What :func:`judge` and :func:`replay` accept as a config.
ConfigLike = Union["Config", Mapping[str, Any], str, "os.PathLike[str]"]
#: What :func:`judge` accepts as a fixture.
FixtureLike = Union["Fixture", Mapping[str, Any], str, "os.PathLike[str]"]


def _json_default(value: Any) -> Any:
    """json.dumps fallback: numpy scalars and arrays become Python numbers and lists."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-compatible")


def _dumps(data: Any) -> str:
    return json.dumps(data, default=_json_default, allow_nan=False)


def _looks_like_text(value: str) -> bool:
    """A string is config/fixture text (not a path) when it spans several lines or is a
    JSON object."""
    return "\n" in value or value.lstrip().startswith("{")


class Config:
    """A checked analysis config (the design's YAML/JSON/TOML schema).

    Build one with :meth:`from_path`, :meth:`from_str` or :meth:`from_dict`, or pass any
    of those inputs to ``Config(...)`` (a ``Config``, a mapping, a path, or text: a
    string spanning several lines or starting with ``{``). Errors raise
    :class:`ConfigError` naming the key path.
    """

    __slots__ = ("_native",)

    def __init__(self, source: ConfigLike) -> None:
        self._native: _native.NativeConfig = _as_config(source)._native

    @classmethod
    def _wrap(cls, native: _native.NativeConfig) -> Config:
        self = cls.__new__(cls)
        self._native = native
        return self

    @classmethod
    def from_path(cls, path: PathLike) -> Config:
        """Reads a config file: YAML, JSON or TOML by extension (YAML otherwise)."""
        return cls._wrap(_native.NativeConfig.from_path(os.fspath(path)))

    @classmethod
    def from_str(cls, text: str, format: Optional[str] = None) -> Config:
        """Parses config text; ``format`` is ``"yaml"``, ``"json"`` or ``"toml"``
        (default: JSON when the text starts with ``{``, YAML otherwise)."""
        if format is None:
            format = "json" if text.lstrip().startswith("{") else "yaml"
        return cls._wrap(_native.NativeConfig.from_str(text, format))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Config:
        """Builds a config from a dict of the schema (as ``yaml.safe_load`` gives it)."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"a config must be a mapping, got {type(data).__name__}")
        try:
            text = _dumps(dict(data))
        except (TypeError, ValueError) as e:
            raise ConfigError(f"<config>: not JSON-compatible: {e}") from None
        return cls._wrap(_native.NativeConfig.from_str(text, "json"))

    @property
    def metric_names(self) -> list[str]:
        """The configured metrics, in order."""
        return self._native.metric_names

    def to_dict(self) -> dict[str, Any]:
        """The config as a dict, every default filled in; ``Config.from_dict`` accepts it."""
        result: dict[str, Any] = json.loads(self._native.to_json())
        return result

    def to_json(self) -> str:
        """The config as JSON text, every default filled in."""
        return self._native.to_json()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Config) and self.to_json() == other.to_json()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Config(metrics={self.metric_names!r})"


class Fixture:
    """Metric data of one canary run (the design's fixture format, version 1).

    Build one with :meth:`from_path` (JSON, or CSV long format for ``*.csv``),
    :meth:`from_str`, :meth:`from_dict`, :meth:`from_arrays` or :meth:`from_dataframe`,
    or pass any of the first three inputs to ``Fixture(...)``. Errors raise
    :class:`DataError`.
    """

    __slots__ = ("_native",)

    def __init__(self, source: FixtureLike) -> None:
        self._native: _native.NativeFixture = _as_fixture(source)._native

    @classmethod
    def _wrap(cls, native: _native.NativeFixture) -> Fixture:
        self = cls.__new__(cls)
        self._native = native
        return self

    @classmethod
    def from_path(cls, path: PathLike) -> Fixture:
        """Reads a fixture file: JSON, or CSV long format when it ends in ``.csv``."""
        return cls._wrap(_native.NativeFixture.from_path(os.fspath(path)))

    @classmethod
    def from_str(cls, text: str) -> Fixture:
        """Parses fixture JSON text."""
        return cls._wrap(_native.NativeFixture.from_json(text))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fixture:
        """Builds a fixture from a dict in the fixture format (``json.load`` of a file)."""
        if not isinstance(data, Mapping):
            raise DataError(f"a fixture must be a mapping, got {type(data).__name__}")
        try:
            text = _dumps(dict(data))
        except (TypeError, ValueError) as e:
            raise DataError(
                f"fixture not JSON-compatible (use None for missing values): {e}"
            ) from None
        return cls._wrap(_native.NativeFixture.from_json(text))

    @classmethod
    def from_arrays(
        cls,
        name: str = "arrays",
        metrics: Optional[Mapping[str, Tuple[Any, Any]]] = None,
        counts: Optional[Mapping[str, Tuple[Tuple[Any, Any], Tuple[Any, Any]]]] = None,
        *,
        description: Optional[str] = None,
        expected: Optional[str] = None,
        start: int = 0,
        step: int = 60,
    ) -> Fixture:
        """Builds a fixture from data already in memory.

        ``metrics`` maps a continuous metric to ``(baseline_values, canary_values)``
        (array-likes of numbers; NaN marks a missing value). ``counts`` maps a counts
        metric to ``((baseline_events, baseline_totals), (canary_events,
        canary_totals))``, one entry per interval.

        Timestamps are synthetic: the i-th value of each side is at ``start + i * step``
        unix seconds (default 0, 60, 120, ...). The judge compares the distributions of
        the values, so the two sides may have different lengths.
        """
        continuous: dict[str, tuple[Any, Any, Any, Any]] = {}
        for metric, pair in (metrics or {}).items():
            baseline, canary = _pair(metric, pair)
            continuous[metric] = (
                _times(baseline, start, step),
                baseline,
                _times(canary, start, step),
                canary,
            )
        count_data: dict[str, tuple[Any, Any, Any, Any, Any, Any]] = {}
        for metric, pair in (counts or {}).items():
            baseline, canary = _pair(metric, pair)
            (be, bt), (ce, ct) = _pair(f"{metric} baseline", baseline), _pair(
                f"{metric} canary", canary
            )
            count_data[metric] = (_times(be, start, step), be, bt, _times(ce, start, step), ce, ct)
        return cls._wrap(
            _native.NativeFixture.from_arrays(name, description, expected, continuous, count_data)
        )

    @classmethod
    def from_dataframe(
        cls,
        df: Any,
        *,
        name: str = "dataframe",
        description: Optional[str] = None,
        expected: Optional[str] = None,
    ) -> Fixture:
        """Builds a fixture from a long-format pandas DataFrame of continuous data.

        Columns ``timestamp`` (unix seconds, or datetimes: converted to whole unix
        seconds), ``metric``, ``side`` (``"baseline"`` or ``"canary"``) and ``value``
        (NaN = missing) -- the CSV long format as a frame. Rows may come in any order.
        """
        required = ["timestamp", "metric", "side", "value"]
        missing = [c for c in required if c not in df.columns]
        if missing:
            raise DataError(
                f"the DataFrame needs the columns {', '.join(required)}; missing: "
                f"{', '.join(missing)}"
            )
        times = df["timestamp"]
        if np.issubdtype(times.dtype, np.datetime64) or str(times.dtype).startswith("datetime64"):
            import pandas as pd  # type: ignore[import-untyped,unused-ignore]

            stamps = pd.to_datetime(times, utc=True)
            seconds = (stamps - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)
            times_s = np.asarray(seconds, dtype="float64")
        else:
            times_s = np.asarray(times, dtype="float64")
        sides = df["side"].astype(str).to_numpy()
        bad = sorted(set(sides) - {"baseline", "canary"})
        if bad:
            raise DataError(f"side must be baseline or canary, got {bad[0]!r}")
        metrics_col = df["metric"].astype(str).to_numpy()
        values = df["value"].to_numpy()
        continuous: dict[str, tuple[Any, Any, Any, Any]] = {}
        empty = np.empty(0, dtype="float64")
        for metric in sorted(set(metrics_col)):
            parts: list[Any] = []
            for side in ("baseline", "canary"):
                mask = (metrics_col == metric) & (sides == side)
                t, v = times_s[mask], values[mask]
                order = np.argsort(t, kind="stable")
                parts += [t[order], v[order]] if len(t) else [empty, empty]
            continuous[metric] = (parts[0], parts[1], parts[2], parts[3])
        return cls._wrap(
            _native.NativeFixture.from_arrays(name, description, expected, continuous, {})
        )

    def to_json(self) -> str:
        """The fixture as JSON text (format version 1), as ``canary record`` writes it."""
        return _native.fixture_to_json(self._native)

    @property
    def name(self) -> str:
        """The fixture's name."""
        return self._native.name

    @property
    def description(self) -> Optional[str]:
        """What happened in this run."""
        return self._native.description

    @property
    def expected(self) -> Optional[str]:
        """The label: ``"promote"``, ``"hold"``, ``"rollback"``, or None."""
        return self._native.expected

    @property
    def metric_kinds(self) -> dict[str, str]:
        """Metric name to kind (``continuous``, ``counts``, ``histogram``)."""
        return self._native.metric_kinds

    @property
    def metric_names(self) -> list[str]:
        """The metric names, sorted."""
        return list(self._native.metric_kinds)

    def __repr__(self) -> str:
        return f"Fixture(name={self.name!r}, metrics={self.metric_names!r})"


def _pair(what: str, value: Any) -> tuple[Any, Any]:
    try:
        first, second = value
    except (TypeError, ValueError):
        raise DataError(f"{what}: expected a pair (baseline, canary)") from None
    return first, second


def _times(values: Any, start: int, step: int) -> Any:
    try:
        n = len(values)
    except TypeError:
        raise DataError(f"expected a sequence of numbers, got {type(values).__name__}") from None
    return np.arange(n, dtype="float64") * float(step) + float(start)


@dataclass(frozen=True)
class GroupScore:
    """The score of one metric group."""

    name: str
    score: float
    weight: float

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible dict."""
        return {"name": self.name, "score": self.score, "weight": self.weight}


@dataclass(frozen=True)
class MetricResult:
    """How one metric came out.

    ``classification`` is ``pass``, ``high``, ``low``, ``nodata`` or ``error``;
    ``critical`` whether it forces rollback; ``reason`` one sentence; ``evidence`` the
    figures (test, statistic, p_value, estimate, ci, effect, thresholds, gates, side
    summaries) exactly as in the JSON (non-finite numbers are the strings ``"inf"``,
    ``"-inf"``, ``"nan"``).
    """

    name: str
    group: str
    classification: str
    critical: bool
    reason: str
    evidence: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible dict."""
        return {
            "name": self.name,
            "group": self.group,
            "classification": self.classification,
            "critical": self.critical,
            "reason": self.reason,
            "evidence": copy.deepcopy(self.evidence),
        }


def _number(value: Any) -> float:
    return float(value)  # float("inf"), float("nan") accept the JSON's strings


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`judge`: the design's verdict JSON as an object.

    :meth:`to_json` is byte for byte what ``canary judge --format json`` prints;
    :meth:`to_dict` is its parsed form, and ``Verdict.from_dict`` reverses it.
    """

    verdict: str
    score: float
    reasons: list[str]
    groups: list[GroupScore]
    metrics: list[MetricResult]
    _json: str = field(default="", repr=False, compare=False)
    _fixture: Optional[Fixture] = field(default=None, repr=False, compare=False)

    @property
    def exit_code(self) -> int:
        """The CLI's exit code for this verdict: 0 promote, 10 hold, 20 rollback."""
        return {"promote": 0, "hold": 10, "rollback": 20}[self.verdict]

    def to_json(self) -> str:
        """Compact JSON, identical to the CLI's ``--format json`` output."""
        return self._json

    def to_dict(self) -> dict[str, Any]:
        """The verdict JSON as a dict."""
        result: dict[str, Any] = json.loads(self._json)
        return result

    def to_html(
        self, *, fixture: Optional[FixtureLike] = None, title: Optional[str] = None
    ) -> str:
        """The self-contained HTML report of ``canary report`` (inline CSS and SVG, no
        scripts): banner, reasons, and per metric the evidence; with the judged data
        (``fixture``, by default the one :func:`judge` was given) also baseline vs
        canary over time and their distributions."""
        chosen = self._fixture if fixture is None else _as_fixture(fixture)
        native = None if chosen is None else chosen._native
        return _native.report_html(self._json, native, None, title)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        """Rebuilds a verdict from :meth:`to_dict` output (schema-checked by the Rust
        core). ``Verdict.from_dict(v.to_dict()).to_json() == v.to_json()``."""
        data = dict(data)
        metrics = data.get("metrics")
        checked = dict(data)
        if isinstance(metrics, list):
            # The JSON omits empty `thresholds` and `gates`; canary-judge's Report does not
            # (yet) default them when reading, so put them back for the schema check.
            checked["metrics"] = [
                {**m, "evidence": {"thresholds": {}, "gates": [], **m["evidence"]}}
                if isinstance(m, dict) and isinstance(m.get("evidence"), dict)
                else m
                for m in metrics
            ]
        try:
            _native.normalize_report(_dumps(checked))
            text = _serde_json_dumps(data)
        except (TypeError, ValueError) as e:
            if isinstance(e, DataError):
                raise
            raise DataError(f"not a verdict: {e}") from None
        return cls._from_json(text)

    @classmethod
    def from_json(cls, text: str) -> Verdict:
        """Parses verdict JSON (e.g. saved CLI output)."""
        try:
            data = json.loads(text)
        except ValueError as e:
            raise DataError(f"not a verdict: {e}") from None
        if not isinstance(data, dict):
            raise DataError("not a verdict: expected a JSON object")
        return cls.from_dict(data)

    @classmethod
    def _from_json(cls, text: str, fixture: Optional[Fixture] = None) -> Verdict:
        d = json.loads(text)
        return cls(
            verdict=d["verdict"],
            score=_number(d["score"]),
            reasons=list(d["reasons"]),
            groups=[
                GroupScore(g["name"], _number(g["score"]), _number(g["weight"]))
                for g in d["groups"]
            ],
            metrics=[
                MetricResult(
                    name=m["name"],
                    group=m["group"],
                    classification=m["classification"],
                    critical=m["critical"],
                    reason=m["reason"],
                    evidence=m["evidence"],
                )
                for m in d["metrics"]
            ],
            _json=text,
            _fixture=fixture,
        )


def _ryu(value: float) -> str:
    """A finite float as serde_json (Rust's ryu) writes it: the same shortest digits as
    Python's repr, but ``1e16``/``1.5e-7`` instead of ``1e+16``/``1.5e-07``."""
    if value == 0.0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    text = repr(abs(value))
    mantissa, _, exp_text = text.partition("e")
    exponent = int(exp_text) if exp_text else 0
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    k = exponent - len(fraction)
    stripped = digits.rstrip("0")
    k += len(digits) - len(stripped)
    digits = stripped
    length = len(digits)
    kk = length + k
    if 0 <= k and kk <= 16:
        body = digits + "0" * k + ".0"
    elif 0 < kk <= 16:
        body = digits[:kk] + "." + digits[kk:]
    elif -5 < kk <= 0:
        body = "0." + "0" * (-kk) + digits
    elif length == 1:
        body = f"{digits}e{kk - 1}"
    else:
        body = f"{digits[0]}.{digits[1:]}e{kk - 1}"
    return sign + body


def _serde_json_dumps(value: Any) -> str:
    """Compact JSON written exactly as serde_json writes it (the CLI's bytes)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"non-finite number {value} (the JSON spells it \"inf\"/\"nan\")")
        return _ryu(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{" + ",".join(
            json.dumps(str(k), ensure_ascii=False) + ":" + _serde_json_dumps(v)
            for k, v in value.items()
        ) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_serde_json_dumps(v) for v in value) + "]"
    raise TypeError(f"{type(value).__name__} is not JSON-compatible")


def _as_config(value: ConfigLike) -> Config:
    if isinstance(value, Config):
        return value
    if isinstance(value, Mapping):
        return Config.from_dict(value)
    if isinstance(value, str) and _looks_like_text(value):
        return Config.from_str(value)
    if isinstance(value, (str, os.PathLike)):
        return Config.from_path(value)
    raise TypeError(
        f"config: expected a Config, dict, path or YAML/JSON text, got {type(value).__name__}"
    )


def _as_fixture(value: FixtureLike) -> Fixture:
    if isinstance(value, Fixture):
        return value
    if isinstance(value, Mapping):
        return Fixture.from_dict(value)
    if isinstance(value, str) and _looks_like_text(value):
        return Fixture.from_str(value)
    if isinstance(value, (str, os.PathLike)):
        return Fixture.from_path(value)
    raise TypeError(
        f"fixture: expected a Fixture, dict, path or JSON text, got {type(value).__name__}"
    )


def judge(config: ConfigLike, fixture: FixtureLike) -> Verdict:
    """Judges one canary run: promote, hold or rollback, with per-metric evidence.

    ``config``: a :class:`Config`, a dict, a path (str or PathLike) or YAML/JSON text;
    ``fixture``: a :class:`Fixture`, a dict, a path or JSON text. A string is text when
    it spans several lines or starts with ``{``, a path otherwise. Raises
    :class:`ConfigError` for a bad config and :class:`DataError` for bad data or a
    fixture without a configured metric. The GIL is released while judging.
    """
    cfg, fix = _as_config(config), _as_fixture(fixture)
    return Verdict._from_json(_native.judge(cfg._native, fix._native), fix)


def replay(
    config: ConfigLike, paths: Union[PathLike, Iterable[PathLike]]
) -> dict[str, Any]:
    """Judges fixture files and folders (their ``*.json``/``*.csv``, sorted by name).

    Returns the replay schema of ``canary replay --format json``:
    ``{"results": [{"path", "name", "expected", "verdict", "score"}], "summary":
    {"total", "correct", "confusion": {expected: {verdict: n}}}}``.
    """
    cfg = _as_config(config)
    if isinstance(paths, (str, os.PathLike)):
        items: Sequence[PathLike] = [paths]
    else:
        items = list(paths)
    result: dict[str, Any] = json.loads(
        _native.replay(cfg._native, [os.fspath(p) for p in items])
    )
    return result
