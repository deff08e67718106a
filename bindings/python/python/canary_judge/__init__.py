"""canary_judge: canary analysis with R-exact statistics and verdicts that explain themselves.

>>> import canary_judge as cj
>>> r = cj.mann_whitney([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
>>> r.statistic, round(r.pvalue, 3)
(0.0, 0.1)
>>> v = cj.judge("fixtures/canary.yaml", "fixtures/error-spike.json")  # doctest: +SKIP
>>> v.verdict, v.score, v.to_json()  # doctest: +SKIP

numpy arrays (zero-copy when contiguous float64), lists, tuples and pandas Series are
accepted as samples; the heavy work releases the GIL; errors are exceptions
(:class:`CanaryError`; :class:`ConfigError` and :class:`DataError` also subclass
:class:`ValueError`; :class:`SourceError`).
"""

from __future__ import annotations

from ._errors import CanaryError, ConfigError, DataError, SourceError
from ._judge import Config, Fixture, GroupScore, MetricResult, Verdict, judge, replay
from ._rollout import Rollout, RolloutPlan, SimulationResult, StepDecision, simulate
from ._tune import TuneChoice, TuneResult, TuneSetting, TuneSweep, report_html, tune
from ._sources import gate, record
from ._stats import (
    ConfidenceInterval,
    KsResult,
    MannWhitneyResult,
    QuantileEstimate,
    RateTestResult,
    ks,
    mann_whitney,
    quantile,
    quantile_ci,
    rate_test,
)

__all__ = [
    "CanaryError",
    "ConfidenceInterval",
    "Config",
    "ConfigError",
    "DataError",
    "Fixture",
    "GroupScore",
    "KsResult",
    "MannWhitneyResult",
    "MetricResult",
    "QuantileEstimate",
    "RateTestResult",
    "Rollout",
    "RolloutPlan",
    "SimulationResult",
    "SourceError",
    "StepDecision",
    "TuneChoice",
    "TuneResult",
    "TuneSetting",
    "TuneSweep",
    "Verdict",
    "gate",
    "judge",
    "ks",
    "mann_whitney",
    "quantile",
    "quantile_ci",
    "rate_test",
    "record",
    "replay",
    "simulate",
    "report_html",
    "tune",
]
