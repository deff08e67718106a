"""Statistics: scipy-like functions and result objects over the Rust core."""

from __future__ import annotations


from dataclasses import dataclass, fields
from typing import Any, NamedTuple, Optional, Sequence, TypeVar, Union, overload

from . import _native

__all__ = [
    "ConfidenceInterval",
    "KsResult",
    "MannWhitneyResult",
    "QuantileEstimate",
    "RateTestResult",
    "ks",
    "mann_whitney",
    "quantile",
    "quantile_ci",
    "rate_test",
]


class ConfidenceInterval(NamedTuple):
    """A confidence interval; one-sided intervals have an infinite end."""

    low: float
    high: float


def _ci_to_dict(ci: ConfidenceInterval) -> dict[str, float]:
    return {"low": ci.low, "high": ci.high}


def _ci_from(value: Any) -> ConfidenceInterval:
    if isinstance(value, dict):
        return ConfidenceInterval(float(value["low"]), float(value["high"]))
    low, high = value
    return ConfidenceInterval(float(low), float(high))


_R = TypeVar("_R", bound="_Result")


class _Result:
    """``to_dict`` / ``from_dict`` for the result dataclasses, derived from their fields
    (a ``confidence_interval`` becomes ``{"low", "high"}`` and back)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible dict; ``from_dict`` reverses it."""
        out: dict[str, Any] = {}
        for field in fields(self):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            out[field.name] = _ci_to_dict(value) if isinstance(value, ConfidenceInterval) else value
        return out

    @classmethod
    def from_dict(cls: type[_R], data: dict[str, Any]) -> _R:
        """The inverse of :meth:`to_dict`."""
        values = dict(data)
        if "confidence_interval" in values:
            values["confidence_interval"] = _ci_from(values["confidence_interval"])
        return cls(**values)


@dataclass(frozen=True)
class MannWhitneyResult(_Result):
    """Result of :func:`mann_whitney` (R's ``wilcox.test(x, y, conf.int = TRUE)``).

    ``statistic`` is U of ``x`` (R's W, scipy's U1); ``estimate`` the Hodges-Lehmann
    shift ``x - y`` (median of all pairwise differences); ``confidence_interval`` its
    interval, whose achieved level is ``confidence_level`` (lower than asked for only
    when the exact distribution cannot reach it, as in R); ``method`` is ``"exact"`` or
    ``"asymptotic"`` (what was used); ``z`` the normal deviate (``None`` when exact).
    """

    statistic: float
    pvalue: float
    estimate: float
    confidence_interval: ConfidenceInterval
    confidence_level: float
    method: str
    alternative: str
    z: Optional[float]
    n_x: int
    n_y: int
    has_ties: bool



@dataclass(frozen=True)
class KsResult(_Result):
    """Result of :func:`ks` (R's ``ks.test(x, y)``, scipy's ``ks_2samp``)."""

    statistic: float
    pvalue: float
    method: str
    alternative: str
    n_x: int
    n_y: int
    ties: bool


@dataclass(frozen=True)
class RateTestResult(_Result):
    """Result of :func:`rate_test` (R's ``poisson.test(c(xc, xb), c(Tc, Tb))``).

    ``estimate`` is the rate ratio canary/baseline (``inf`` with no baseline events),
    ``confidence_interval`` its exact interval at ``confidence_level``.
    """

    pvalue: float
    estimate: float
    confidence_interval: ConfidenceInterval
    confidence_level: float
    canary_rate: float
    baseline_rate: float
    expected_share: float
    null_ratio: float
    alternative: str



@dataclass(frozen=True)
class QuantileEstimate(_Result):
    """Result of :func:`quantile_ci`: the type-7 quantile and a distribution-free CI.

    The interval is ``[x_(lower_order), x_(upper_order)]`` (1-based order statistics;
    ``None`` where the order statistic does not exist and the end is infinite), with
    achieved coverage ``confidence_level`` >= the confidence asked for.
    """

    q: float
    estimate: float
    confidence_interval: ConfidenceInterval
    confidence_level: float
    lower_order: Optional[int]
    upper_order: Optional[int]
    n: int



def mann_whitney(
    x: Any,
    y: Any,
    *,
    alternative: str = "two-sided",
    confidence: float = 0.95,
    method: str = "auto",
    continuity_correction: bool = True,
) -> MannWhitneyResult:
    """Mann-Whitney U / Wilcoxon rank-sum test with Hodges-Lehmann estimate and CI.

    Semantics of R's ``wilcox.test(x, y, conf.int = TRUE)``; statistic and p-value equal
    ``scipy.stats.mannwhitneyu(x, y, method=...)``. ``method``: ``"auto"`` (exact when
    both samples have < 50 values and no ties), ``"exact"`` or ``"asymptotic"`` (normal
    approximation with tie and continuity correction). ``alternative``: ``"two-sided"``,
    ``"less"`` or ``"greater"`` (x tends to be larger than y).

    ``x`` and ``y``: 1-D numpy arrays (float64 and contiguous: used without copying),
    lists, tuples or pandas Series of real numbers. NaN/inf, empty samples, 2-D arrays
    and non-numeric data raise :class:`DataError`. The GIL is released while computing.
    """
    r = _native.mann_whitney(
        x, y, alternative, float(confidence), method, bool(continuity_correction)
    )
    return MannWhitneyResult(
        statistic=r[0],
        pvalue=r[1],
        z=r[2],
        estimate=r[3],
        confidence_interval=ConfidenceInterval(r[4], r[5]),
        confidence_level=r[6],
        method=r[7],
        alternative=r[8],
        n_x=r[9],
        n_y=r[10],
        has_ties=r[11],
    )


def ks(x: Any, y: Any, *, alternative: str = "two-sided", method: str = "auto") -> KsResult:
    """Two-sample Kolmogorov-Smirnov test (R's ``ks.test``, scipy's ``ks_2samp``).

    ``method``: ``"auto"`` (exact when ``n_x * n_y < 10000``), ``"exact"`` or
    ``"asymptotic"``. ``alternative`` in R's and scipy's sense: ``"greater"`` means the
    CDF of ``x`` lies above that of ``y`` somewhere (x tends to be smaller).
    Inputs as for :func:`mann_whitney`.
    """
    r = _native.ks(x, y, alternative, method)
    return KsResult(
        statistic=r[0],
        pvalue=r[1],
        method=r[2],
        alternative=r[3],
        n_x=r[4],
        n_y=r[5],
        ties=r[6],
    )


def rate_test(
    canary_events: float,
    canary_exposure: float,
    baseline_events: float,
    baseline_exposure: float,
    *,
    alternative: str = "two-sided",
    confidence: float = 0.95,
    null_ratio: float = 1.0,
) -> RateTestResult:
    """Exact conditional test comparing two event rates (e.g. errors per request).

    Given the total, the canary's events are Binomial(total, canary share of the
    exposure); the p-value is that binomial test's, the estimate the rate ratio
    canary/baseline with its exact CI. Works with zero events on either side.
    Counts must be non-negative whole numbers, exposures positive (else
    :class:`DataError`).
    """
    r = _native.rate_test(
        float(canary_events),
        float(canary_exposure),
        float(baseline_events),
        float(baseline_exposure),
        alternative,
        float(confidence),
        float(null_ratio),
    )
    return RateTestResult(
        pvalue=r[0],
        estimate=r[1],
        confidence_interval=ConfidenceInterval(r[2], r[3]),
        confidence_level=r[4],
        canary_rate=r[5],
        baseline_rate=r[6],
        expected_share=r[7],
        null_ratio=r[8],
        alternative=r[9],
    )


@overload
def quantile(values: Any, q: float) -> float: ...
@overload
def quantile(values: Any, q: Sequence[float]) -> list[float]: ...
def quantile(values: Any, q: Union[float, Sequence[float]]) -> Union[float, list[float]]:
    """R's ``quantile(values, q, type = 7)`` (numpy's default ``"linear"`` method).

    ``q`` a probability in [0, 1] gives a float; a sequence of them a list (the sample
    is sorted once).
    """
    if isinstance(q, (int, float)) and not isinstance(q, bool):
        return _native.quantile(values, float(q))
    return _native.quantiles(values, q)


def quantile_ci(values: Any, q: float, *, confidence: float = 0.95) -> QuantileEstimate:
    """A sample quantile with a distribution-free confidence interval from order statistics."""
    r = _native.quantile_ci(values, float(q), float(confidence))
    return QuantileEstimate(
        q=r[0],
        estimate=r[1],
        confidence_interval=ConfidenceInterval(r[2], r[3]),
        confidence_level=r[4],
        lower_order=r[5],
        upper_order=r[6],
        n=r[7],
    )


