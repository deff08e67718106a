# Stubs of the extension module canary_judge._native (bindings/python/src). The public,
# documented API is the Python package canary_judge; these are its building blocks.
from typing import Any, Optional, final

__all__ = [
    "_panic_for_tests",
    "NativeConfig",
    "NativeFixture",
    "NativePlan",
    "NativeRollout",
    "fixture_to_json",
    "gate",
    "judge",
    "ks",
    "mann_whitney",
    "normalize_report",
    "quantile",
    "quantile_ci",
    "quantiles",
    "rate_test",
    "record",
    "replay",
    "simulate",
    "report_html",
    "tune",
]

def mann_whitney(
    x: Any,
    y: Any,
    alternative: str,
    confidence: float,
    method: str,
    continuity_correction: bool,
) -> tuple[
    float, float, Optional[float], float, float, float, float, str, str, int, int, bool
]: ...
def ks(
    x: Any, y: Any, alternative: str, method: str
) -> tuple[float, float, str, str, int, int, bool]: ...
def rate_test(
    canary_events: float,
    canary_exposure: float,
    baseline_events: float,
    baseline_exposure: float,
    alternative: str,
    confidence: float,
    null_ratio: float,
) -> tuple[float, float, float, float, float, float, float, float, float, str]: ...
def quantile(values: Any, q: float) -> float: ...
def quantiles(values: Any, qs: Any) -> list[float]: ...
def quantile_ci(
    values: Any, q: float, confidence: float
) -> tuple[float, float, float, float, float, Optional[int], Optional[int], int]: ...
def judge(config: NativeConfig, fixture: NativeFixture) -> str: ...
def replay(config: NativeConfig, paths: list[str]) -> str: ...
def normalize_report(text: str) -> str: ...
def tune(
    config: NativeConfig, paths: list[str], sweeps: list[str], jobs: Optional[int] = None
) -> str: ...
def report_html(
    result_json: str,
    fixture: Optional[NativeFixture] = None,
    config: Optional[NativeConfig] = None,
    title: Optional[str] = None,
) -> str: ...
def _panic_for_tests() -> None: ...
def gate(config: NativeConfig, request: dict[str, Any]) -> str: ...
def record(
    config: NativeConfig,
    request: dict[str, Any],
    name: str,
    output: Optional[str],
) -> NativeFixture: ...
def fixture_to_json(fixture: NativeFixture) -> str: ...

@final
class NativeConfig:
    @staticmethod
    def from_path(path: str) -> NativeConfig: ...
    @staticmethod
    def from_str(text: str, format: str) -> NativeConfig: ...
    def to_json(self) -> str: ...
    @property
    def metric_names(self) -> list[str]: ...

@final
class NativeFixture:
    @staticmethod
    def from_path(path: str) -> NativeFixture: ...
    @staticmethod
    def from_json(text: str) -> NativeFixture: ...
    @staticmethod
    def from_csv(text: str, name: str) -> NativeFixture: ...
    @staticmethod
    def from_arrays(
        name: str,
        description: Optional[str],
        expected: Optional[str],
        continuous: dict[str, tuple[Any, Any, Any, Any]],
        counts: dict[str, tuple[Any, Any, Any, Any, Any, Any]],
    ) -> NativeFixture: ...
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> Optional[str]: ...
    @property
    def expected(self) -> Optional[str]: ...
    @property
    def metric_kinds(self) -> dict[str, str]: ...

@final
class NativePlan:
    @staticmethod
    def from_path(path: str) -> NativePlan: ...
    @staticmethod
    def from_str(text: str, format: str) -> NativePlan: ...
    def to_json(self) -> str: ...
    @property
    def name(self) -> str: ...

@final
class NativeRollout:
    @staticmethod
    def start(plan: NativePlan) -> NativeRollout: ...
    @staticmethod
    def from_json(text: str) -> NativeRollout: ...
    def observe(
        self, fixture: NativeFixture, duration_seconds: Optional[float], source: Optional[str]
    ) -> str: ...
    def resume(self) -> None: ...
    def abort(self, reason: str) -> str: ...
    def state_json(self) -> str: ...
    def output_json(self) -> str: ...
    def plan_json(self) -> str: ...
    def to_json(self) -> str: ...

def simulate(
    plan: NativePlan,
    scenario: str,
    runs: int,
    seed: int,
    compare_naive: bool,
    requests_per_step: int,
    baseline_error_rate: float,
    interval_seconds: int,
    default_step_seconds: int,
    latency_median_seconds: float,
    latency_sigma: float,
    max_observations_per_step: int,
) -> str: ...
