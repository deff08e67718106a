//! Judging a fixture (or any window of metric data) with a config.

use crate::classify::classify;
use crate::config::{Config, Mode};
use crate::data::MetricData;
use crate::error::JudgeError;
use crate::evaluate;
use crate::fixture::Fixture;
use crate::number::Number;
use crate::report::{MetricResult, Report};
use crate::score::decide;
use std::collections::BTreeMap;

/// Judges one window of metric data with a config: every configured metric is cleaned,
/// tested, gated and classified, then scored; the verdict follows the design's rules
/// (critical failure or a score below `marginal` → rollback; too little data, a critical
/// metric without data, a broken metric or a marginal score → hold; otherwise promote).
///
/// Deterministic: the same inputs give a byte-identical [`Report::to_json`].
///
/// # Errors
/// A configured metric missing from the data, or data of another kind than configured.
///
/// ```
/// use canary_judge::{judge, Config, Fixture, Verdict};
///
/// let config = Config::from_yaml_str("version: 1\nmetrics:\n  - {name: latency_ms, min_samples: 3}\n").unwrap();
/// let fixture = Fixture::from_json_str(r#"{"version": 1, "name": "doc", "metrics": {"latency_ms": {
///     "baseline": [[0, 100], [60, 101], [120, 99], [180, 100]],
///     "canary":   [[0, 100], [60, 102], [120, 99], [180, 101]]}}}"#).unwrap();
/// let report = judge(&config, &fixture).unwrap();
/// assert_eq!(report.verdict, Verdict::Promote);
/// ```
pub fn judge(config: &Config, fixture: &Fixture) -> Result<Report, JudgeError> {
    judge_metrics(config, &fixture.name, &fixture.metrics)
}

/// [`judge`] on metric data not wrapped in a fixture (`name` is used in errors).
pub fn judge_metrics(
    config: &Config,
    name: &str,
    metrics: &BTreeMap<String, MetricData>,
) -> Result<Report, JudgeError> {
    if config.mode == Mode::Kayenta {
        return crate::kayenta::judge(config, name, metrics);
    }
    let mut results: Vec<MetricResult> = Vec::with_capacity(config.metrics.len());
    for (index, metric) in config.metrics.iter().enumerate() {
        let data = metrics
            .get(&metric.name)
            .ok_or_else(|| JudgeError::MissingMetric {
                fixture: name.to_owned(),
                metric: metric.name.clone(),
                index,
            })?;
        if data.kind() != metric.kind {
            return Err(JudgeError::KindMismatch {
                metric: metric.name.clone(),
                expected: metric.kind.as_str(),
                found: data.kind().as_str(),
            });
        }
        let confidence = metric.confidence.unwrap_or(config.confidence);
        let outcome = match data {
            MetricData::Continuous(sides) => evaluate::continuous(metric, confidence, sides),
            MetricData::Counts(sides) => evaluate::counts(metric, confidence, sides),
            MetricData::Histogram(sides) => evaluate::histogram(metric, confidence, sides),
        };
        results.push(classify(metric, outcome));
    }
    let (verdict, score, groups, reasons) = decide(config, &results);
    Ok(Report {
        verdict,
        score: Number(score),
        reasons,
        groups,
        metrics: results,
    })
}
