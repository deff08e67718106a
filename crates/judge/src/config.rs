//! The analysis config: one serde model for YAML, JSON and TOML, with every default in
//! one place ([`defaults`]).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// Every default of the config, in one place.
pub mod defaults {
    /// Confidence level of every test unless a metric overrides it.
    pub const CONFIDENCE: f64 = 0.95;
    /// Kayenta mode's confidence level when the config sets none (NetflixACAJudge-v1.0
    /// hard-codes 0.98).
    pub const KAYENTA_CONFIDENCE: f64 = 0.98;
    /// Kayenta mode's tolerance when the config sets none: the CI must clear
    /// `tolerance · |estimate|` (NetflixACAJudge-v1.0 hard-codes 0.25).
    pub const KAYENTA_TOLERANCE: f64 = 0.25;
    /// Overall score at or above which the verdict can be promote.
    pub const SCORE_PASS: f64 = 75.0;
    /// Overall score below which the verdict is rollback.
    pub const SCORE_MARGINAL: f64 = 50.0;
    /// The IQR factor of outlier removal (values beyond Q1 − f·IQR or Q3 + f·IQR).
    pub const OUTLIER_FACTOR: f64 = 3.0;
    /// The quantile compared by the histogram effect measure `quantile_ratio`.
    pub const EFFECT_QUANTILE: f64 = 0.5;
    /// Minimum points per side for a continuous metric.
    pub const MIN_SAMPLES_CONTINUOUS: u64 = 10;
    /// Minimum requests per side for a counts metric.
    pub const MIN_SAMPLES_COUNTS: u64 = 1;
    /// Minimum observations per side for a histogram metric.
    pub const MIN_SAMPLES_HISTOGRAM: u64 = 1;
    /// The group of a metric that names none.
    pub const GROUP: &str = "default";
}

/// A whole analysis config (`version: 1`).
///
/// ```
/// use canary_judge::Config;
///
/// let config = Config::from_yaml_str(
///     "version: 1\nmetrics:\n  - {name: latency_ms, effect: {measure: hl_ratio, allowed_increase: 1.1}}\n",
/// ).unwrap();
/// assert_eq!(config.metrics[0].name, "latency_ms");
/// assert_eq!(config.confidence, 0.95);
/// ```
///
/// When the config sets no `confidence`, it is 0.95 ([`defaults::CONFIDENCE`]), or 0.98
/// ([`defaults::KAYENTA_CONFIDENCE`]) with `mode: kayenta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "RawConfig")]
pub struct Config {
    /// The schema version; must be 1.
    pub version: u32,
    /// Judging rules: ours (`default`) or Kayenta's (`kayenta`).
    pub mode: Mode,
    /// Default confidence level of every test, in (0, 1).
    pub confidence: f64,
    /// Kayenta mode's tolerance (fraction of the estimate; 0.25 when unset); unused by
    /// the default mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// Score thresholds of the verdict.
    pub score: ScoreThresholds,
    /// Relative weights of metric groups. Groups not listed share what the listed ones
    /// leave of 100; all weights are then normalised (in Kayenta mode they are used as
    /// percentages, as Kayenta does).
    pub groups: BTreeMap<String, f64>,
    /// The metrics to judge, in the order results are reported.
    pub metrics: Vec<MetricConfig>,
    /// Per-backend defaults of live fetches (`canary gate`, `canary record`), by backend
    /// name; see [`crate::SourceDefaults`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, crate::SourceDefaults>,
}

/// The config as written: `confidence` stays unset until the mode is known, so that
/// `mode: kayenta` can default it to 0.98.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    version: u32,
    #[serde(default)]
    mode: Mode,
    #[serde(default)]
    confidence: Option<f64>,
    #[serde(default)]
    tolerance: Option<f64>,
    #[serde(default)]
    score: ScoreThresholds,
    #[serde(default)]
    groups: BTreeMap<String, f64>,
    metrics: Vec<MetricConfig>,
    #[serde(default)]
    sources: BTreeMap<String, crate::SourceDefaults>,
}

impl From<RawConfig> for Config {
    fn from(raw: RawConfig) -> Self {
        let confidence = raw.confidence.unwrap_or(match raw.mode {
            Mode::Default => defaults::CONFIDENCE,
            Mode::Kayenta => defaults::KAYENTA_CONFIDENCE,
        });
        Config {
            version: raw.version,
            mode: raw.mode,
            confidence,
            tolerance: raw.tolerance,
            score: raw.score,
            groups: raw.groups,
            metrics: raw.metrics,
            sources: raw.sources,
        }
    }
}

/// Judging rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Canary Judge's classification and scoring.
    #[default]
    Default,
    /// NetflixACAJudge-v1.0 compatible classification and scoring.
    Kayenta,
}

/// The score thresholds of the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreThresholds {
    /// At or above: promote (when nothing else holds or rolls back).
    #[serde(default = "default_pass")]
    pub pass: f64,
    /// Below: rollback. Between `marginal` and `pass`: hold.
    #[serde(default = "default_marginal")]
    pub marginal: f64,
}

fn default_pass() -> f64 {
    defaults::SCORE_PASS
}

fn default_marginal() -> f64 {
    defaults::SCORE_MARGINAL
}

impl Default for ScoreThresholds {
    fn default() -> Self {
        Self {
            pass: defaults::SCORE_PASS,
            marginal: defaults::SCORE_MARGINAL,
        }
    }
}

/// How one metric is judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricConfig {
    /// The metric's key in the fixture's `metrics`.
    pub name: String,
    /// The scoring group (default `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The kind of data.
    #[serde(default)]
    pub kind: MetricKind,
    /// Which change is bad (default `increase`).
    #[serde(default)]
    pub direction: Direction,
    /// A failure forces rollback.
    #[serde(default)]
    pub critical: bool,
    /// `nodata` counts as a failure in scoring.
    #[serde(default)]
    pub must_have_data: bool,
    /// What to do with missing values.
    #[serde(default)]
    pub nan_strategy: NanStrategy,
    /// Outlier handling.
    #[serde(default)]
    pub outliers: Outliers,
    /// The statistical test (default: `mann_whitney` for continuous and histogram data,
    /// `rate` for counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<TestKind>,
    /// Overrides the top-level confidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    /// Overrides the top-level Kayenta tolerance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// The effect measure and its thresholds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<Effect>,
    /// An absolute gate on a statistic of the canary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<Gate>,
    /// A gate on canary statistic / baseline statistic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative_gate: Option<RelativeGate>,
    /// Minimum data per side: points (continuous), requests (counts), observations
    /// (histogram). Below it the metric is `nodata`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_samples: Option<u64>,
    /// Query templates per backend (used by metric sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<BTreeMap<String, serde_json::Value>>,
}

impl MetricConfig {
    /// The group, or `default`.
    pub fn group_name(&self) -> &str {
        self.group.as_deref().unwrap_or(defaults::GROUP)
    }

    /// The test, or the kind's default.
    pub fn test_kind(&self) -> TestKind {
        self.test.unwrap_or(match self.kind {
            MetricKind::Counts => TestKind::Rate,
            MetricKind::Continuous | MetricKind::Histogram => TestKind::MannWhitney,
        })
    }

    /// The minimum data per side, or the kind's default.
    pub fn min_samples_or_default(&self) -> u64 {
        self.min_samples.unwrap_or(match self.kind {
            MetricKind::Continuous => defaults::MIN_SAMPLES_CONTINUOUS,
            MetricKind::Counts => defaults::MIN_SAMPLES_COUNTS,
            MetricKind::Histogram => defaults::MIN_SAMPLES_HISTOGRAM,
        })
    }

    /// The effect measure, or the kind's default (`hl_ratio`, `rate_ratio`,
    /// `quantile_ratio`).
    pub fn effect_measure(&self) -> EffectMeasure {
        self.effect
            .as_ref()
            .and_then(|e| e.measure)
            .unwrap_or(match self.kind {
                MetricKind::Continuous => EffectMeasure::HlRatio,
                MetricKind::Counts => EffectMeasure::RateRatio,
                MetricKind::Histogram => EffectMeasure::QuantileRatio,
            })
    }
}

/// The kind of metric data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// A time series of values.
    #[default]
    Continuous,
    /// Per-interval `(events, total)`.
    Counts,
    /// A cumulative latency histogram.
    Histogram,
}

impl MetricKind {
    /// `continuous`, `counts` or `histogram`.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Continuous => "continuous",
            MetricKind::Counts => "counts",
            MetricKind::Histogram => "histogram",
        }
    }
}

/// Which change of a metric is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Higher is worse (latency, errors, CPU).
    #[default]
    Increase,
    /// Lower is worse (throughput, cache hit rate).
    Decrease,
    /// Any change is bad.
    Either,
}

/// What to do with missing (null or NaN) values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NanStrategy {
    /// Drop them.
    #[default]
    Remove,
    /// Replace them with 0 (for counters that report nothing when idle).
    Replace,
}

/// Outlier handling.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outliers {
    /// Keep or remove.
    #[serde(default)]
    pub strategy: OutlierStrategy,
    /// The IQR factor (default 3.0).
    #[serde(default = "default_outlier_factor")]
    pub factor: f64,
}

fn default_outlier_factor() -> f64 {
    defaults::OUTLIER_FACTOR
}

impl Default for Outliers {
    fn default() -> Self {
        Self {
            strategy: OutlierStrategy::Keep,
            factor: defaults::OUTLIER_FACTOR,
        }
    }
}

/// Keep or remove outliers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutlierStrategy {
    /// Keep every value.
    #[default]
    Keep,
    /// Remove values outside the IQR fences, per side.
    Remove,
}

/// The statistical test of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestKind {
    /// Mann–Whitney U with Hodges–Lehmann CI (continuous), or the grouped rank test
    /// (histogram).
    MannWhitney,
    /// Two-sample Kolmogorov–Smirnov (continuous).
    Ks,
    /// The exact conditional rate test (counts).
    Rate,
}

impl TestKind {
    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TestKind::MannWhitney => "mann_whitney",
            TestKind::Ks => "ks",
            TestKind::Rate => "rate",
        }
    }
}

/// The effect measure and its thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Effect {
    /// The measure (default by kind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<EffectMeasure>,
    /// A significant increase is a failure only when the effect exceeds this (default:
    /// the measure's neutral value — 1 for ratios, 0.5 for CLES — so significance alone
    /// decides).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_increase: Option<f64>,
    /// A significant decrease is a failure only when the effect is below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_decrease: Option<f64>,
    /// A failure beyond this on the increase side forces rollback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical_increase: Option<f64>,
    /// A failure beyond this on the decrease side forces rollback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical_decrease: Option<f64>,
    /// The quantile of `quantile_ratio` (default 0.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantile: Option<f64>,
}

/// How large a change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectMeasure {
    /// mean(canary) / mean(baseline).
    MeanRatio,
    /// P(canary > baseline) + ½ P(tie); 0.5 is neutral.
    Cles,
    /// 1 + Hodges–Lehmann shift / baseline median.
    HlRatio,
    /// Canary rate / baseline rate (counts).
    RateRatio,
    /// Canary quantile / baseline quantile (histograms).
    QuantileRatio,
}

impl EffectMeasure {
    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EffectMeasure::MeanRatio => "mean_ratio",
            EffectMeasure::Cles => "cles",
            EffectMeasure::HlRatio => "hl_ratio",
            EffectMeasure::RateRatio => "rate_ratio",
            EffectMeasure::QuantileRatio => "quantile_ratio",
        }
    }

    /// The value meaning "no change": 0.5 for CLES, 1 for ratios.
    pub fn neutral(self) -> f64 {
        match self {
            EffectMeasure::Cles => 0.5,
            _ => 1.0,
        }
    }
}

/// An absolute gate on a statistic of the canary.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// The statistic.
    pub stat: Stat,
    /// The canary statistic must not exceed this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// The canary statistic must not fall below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
}

/// A gate on canary statistic / baseline statistic.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelativeGate {
    /// The statistic.
    pub stat: Stat,
    /// The ratio must not exceed this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ratio: Option<f64>,
    /// The ratio must not fall below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ratio: Option<f64>,
}

/// A summary statistic of one side: `mean`, `median`, `max`, `rate` or a percentile
/// `pNN` (`p95`, `p99`, `p99.9`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Stat {
    /// The mean.
    Mean,
    /// The median (p50).
    Median,
    /// The largest value.
    Max,
    /// Events / total (counts only).
    Rate,
    /// A percentile: the value is the quantile level in (0, 1).
    Percentile(f64),
}

impl FromStr for Stat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "mean" => Ok(Stat::Mean),
            "median" => Ok(Stat::Median),
            "max" => Ok(Stat::Max),
            "rate" => Ok(Stat::Rate),
            _ => {
                let digits = s.strip_prefix('p').ok_or_else(|| stat_error(s))?;
                let percent: f64 = digits.parse().map_err(|_| stat_error(s))?;
                if percent > 0.0 && percent < 100.0 && !digits.starts_with(['+', '-']) {
                    Ok(Stat::Percentile(percent / 100.0))
                } else {
                    Err(stat_error(s))
                }
            }
        }
    }
}

fn stat_error(s: &str) -> String {
    format!("unknown statistic {s:?}: expected mean, median, max, rate or pNN (e.g. p95, p99.9)")
}

impl TryFrom<String> for Stat {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Stat> for String {
    fn from(stat: Stat) -> String {
        stat.to_string()
    }
}

impl fmt::Display for Stat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stat::Mean => f.write_str("mean"),
            Stat::Median => f.write_str("median"),
            Stat::Max => f.write_str("max"),
            Stat::Rate => f.write_str("rate"),
            Stat::Percentile(q) => write!(f, "p{}", q * 100.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_parse_and_print() {
        assert_eq!("p95".parse::<Stat>(), Ok(Stat::Percentile(0.95)));
        assert_eq!("p99.9".parse::<Stat>().unwrap().to_string(), "p99.9");
        assert_eq!("median".parse::<Stat>(), Ok(Stat::Median));
        for bad in ["p100", "p0", "q95", "p-5", "pabc", ""] {
            assert!(bad.parse::<Stat>().is_err(), "{bad}");
        }
    }
}
