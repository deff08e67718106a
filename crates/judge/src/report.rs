//! What a judgement returns: the verdict, the score, and per-metric evidence. The JSON
//! form is the design's stable schema.

use crate::number::Number;
use crate::verdict::Verdict;
use serde::{Deserialize, Serialize};

/// How one metric came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// No harmful change.
    Pass,
    /// A harmful increase (significant and large enough), or a gate breached on the high
    /// side.
    High,
    /// A harmful decrease, or a gate breached on the low side.
    Low,
    /// Not enough data to judge.
    Nodata,
    /// The data could not be obtained or used.
    Error,
}

impl Classification {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Pass => "pass",
            Classification::High => "high",
            Classification::Low => "low",
            Classification::Nodata => "nodata",
            Classification::Error => "error",
        }
    }

    /// Whether the metric failed (high or low).
    pub fn is_failure(self) -> bool {
        matches!(self, Classification::High | Classification::Low)
    }
}

/// The result for one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricResult {
    /// The metric's name.
    pub name: String,
    /// Its scoring group.
    pub group: String,
    /// How it came out.
    pub classification: Classification,
    /// Whether this result forces rollback.
    pub critical: bool,
    /// One sentence a person can act on.
    pub reason: String,
    /// The figures behind the classification.
    pub evidence: Evidence,
}

/// The figures behind a classification. Absent fields were not computed (e.g. no test
/// ran on `nodata`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Evidence {
    /// `mann_whitney`, `ks`, `rate` or `grouped_rank`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<String>,
    /// The test statistic (U of the canary, D, canary events, W of the canary).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statistic: Option<Number>,
    /// The two-sided p-value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value: Option<Number>,
    /// The estimate: Hodges–Lehmann shift canary − baseline, or the rate ratio.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate: Option<Number>,
    /// Confidence interval of the estimate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci: Option<[Number; 2]>,
    /// The confidence level used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Number>,
    /// The effect measure's value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<Number>,
    /// The effect measure (`hl_ratio`, `mean_ratio`, `cles`, `rate_ratio`,
    /// `quantile_ratio`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect_measure: Option<String>,
    /// Whether the test found a significant change, and which way (`increase`,
    /// `decrease`, or `none`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
    /// The thresholds that applied.
    #[serde(default, skip_serializing_if = "Thresholds::is_empty")]
    pub thresholds: Thresholds,
    /// Gate checks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gates: Vec<GateCheck>,
    /// Summary of the baseline side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<SideSummary>,
    /// Summary of the canary side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canary: Option<SideSummary>,
}

/// The effect thresholds that applied to a metric.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Thresholds {
    /// Allowed increase of the effect measure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_increase: Option<Number>,
    /// Allowed decrease of the effect measure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_decrease: Option<Number>,
    /// Increase beyond which a failure is critical.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub critical_increase: Option<Number>,
    /// Decrease beyond which a failure is critical.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub critical_decrease: Option<Number>,
}

impl Thresholds {
    /// Whether no threshold is set.
    pub fn is_empty(&self) -> bool {
        *self == Thresholds::default()
    }
}

/// One gate check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateCheck {
    /// `gate` (absolute, on the canary) or `relative_gate` (canary / baseline).
    pub kind: String,
    /// The statistic (`p95`, `mean`, `rate`, …).
    pub stat: String,
    /// The canary's value of the statistic.
    pub canary: Number,
    /// The baseline's value (relative gates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Number>,
    /// The compared value: the canary's (absolute) or the ratio (relative).
    pub value: Number,
    /// Lower limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<Number>,
    /// Upper limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<Number>,
    /// `high` or `low` when breached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breached: Option<Classification>,
}

/// A summary of one side's data.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SideSummary {
    /// Values used (continuous), requests (counts) or observations (histogram).
    pub n: Number,
    /// Missing values in the raw series (continuous).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<u64>,
    /// Outliers removed (continuous).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outliers_removed: Option<u64>,
    /// Events (counts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Number>,
    /// Events / requests (counts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<Number>,
    /// Mean (continuous).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean: Option<Number>,
    /// Median (continuous; histogram: interpolated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median: Option<Number>,
    /// 95th percentile (continuous; histogram: interpolated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p95: Option<Number>,
    /// 99th percentile (continuous; histogram: interpolated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p99: Option<Number>,
    /// Largest value (continuous).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<Number>,
}

/// The score of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupScore {
    /// The group's name.
    pub name: String,
    /// 100 · pass / (pass + failures), or 100 when nothing counts.
    pub score: Number,
    /// The group's weight in the overall score, as a percentage (normalised).
    pub weight: Number,
}

/// The outcome of judging one window: the design's verdict JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Promote, hold or rollback.
    pub verdict: Verdict,
    /// The overall score, 0–100.
    pub score: Number,
    /// Why, most important first.
    pub reasons: Vec<String>,
    /// Group scores, in the order groups first appear in the config's metrics.
    pub groups: Vec<GroupScore>,
    /// Per-metric results, in config order.
    pub metrics: Vec<MetricResult>,
}

impl Report {
    /// The report as compact JSON (identical input gives identical bytes).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// The report as indented JSON.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}
