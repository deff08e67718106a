//! # canary-judge
//!
//! What deploy tools link: the analysis config, the metric data model, fixtures,
//! classification, scoring and the verdict. No async, no network: data comes in, a
//! [`Report`] goes out.
//!
//! ```
//! use canary_judge::{judge, Config, Fixture, Verdict};
//!
//! let config = Config::from_yaml_str(r#"
//! version: 1
//! metrics:
//!   - name: errors
//!     kind: counts
//!     critical: true
//! "#).unwrap();
//! let fixture = Fixture::from_json_str(r#"{"version": 1, "name": "spike", "metrics": {"errors": {
//!     "kind": "counts",
//!     "baseline": [[0, 3, 1000], [60, 2, 1000]],
//!     "canary":   [[0, 30, 1000], [60, 35, 1000]]}}}"#).unwrap();
//! let report = judge(&config, &fixture).unwrap();
//! assert_eq!(report.verdict, Verdict::Rollback);
//! assert_eq!(Verdict::Rollback.exit_code(), 20);
//! ```

pub use canary_stats as stats;

mod classify;
mod clean;
mod config;
mod config_load;
pub mod convert;
mod data;
mod error;
mod evaluate;
mod fixture;
mod fixture_write;
mod judge;
pub mod kayenta;
mod number;
mod replay;
mod report;
pub mod rollout;
mod score;
pub mod simulate;
mod sources_config;
mod sweep;
mod tuning;
mod verdict;

pub use config::{
    Config, Direction, Effect, EffectMeasure, Gate, MetricConfig, MetricKind, Mode, NanStrategy,
    OutlierStrategy, Outliers, RelativeGate, ScoreThresholds, Stat, TestKind, defaults,
};
pub use config_load::ConfigFormat;
pub use data::{CountPoint, MetricData, Point, Sides};
pub use error::{ConfigError, ConfigProblem, Error, FixtureError, JudgeError};
pub use fixture::{Fixture, collect_fixture_files};
pub use judge::{judge, judge_fetched, judge_metrics};
pub use number::Number;
pub use replay::{Replay, ReplayResult, ReplaySummary};
pub use report::{
    Classification, Evidence, GateCheck, GroupScore, MetricResult, Report, SideSummary, Thresholds,
};
pub use sources_config::{
    BUILTIN_VARIABLES, CredentialRef, MAX_RETRIES, ScopeValues, SourceDefaults, parse_duration,
};
pub use sweep::{
    MAX_GRID_SETTINGS, MAX_SWEEP_VALUES, OverrideError, Sweep, SweepError, Tune, TuneChoice,
    TuneSetting, grid,
};
pub use tuning::{TuneError, TunePlan};
pub use verdict::{UnknownVerdict, Verdict};
