# Stubs of the package's public surface; the implementation (fully annotated) is in
# _stats.py, _judge.py, _rollout.py, _tune.py and _errors.py.
from ._errors import (
    CanaryError as CanaryError,
    ConfigError as ConfigError,
    DataError as DataError,
    SourceError as SourceError,
)
from ._judge import (
    Config as Config,
    Fixture as Fixture,
    GroupScore as GroupScore,
    MetricResult as MetricResult,
    Verdict as Verdict,
    judge as judge,
    replay as replay,
)
from ._rollout import (
    Rollout as Rollout,
    RolloutPlan as RolloutPlan,
    SimulationResult as SimulationResult,
    StepDecision as StepDecision,
    simulate as simulate,
)
from ._tune import (
    TuneChoice as TuneChoice,
    TuneResult as TuneResult,
    TuneSetting as TuneSetting,
    TuneSweep as TuneSweep,
    report_html as report_html,
    tune as tune,
)
from ._sources import gate as gate, record as record
from ._stats import (
    ConfidenceInterval as ConfidenceInterval,
    KsResult as KsResult,
    MannWhitneyResult as MannWhitneyResult,
    QuantileEstimate as QuantileEstimate,
    RateTestResult as RateTestResult,
    ks as ks,
    mann_whitney as mann_whitney,
    quantile as quantile,
    quantile_ci as quantile_ci,
    rate_test as rate_test,
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
