//! Judging a fixture (or any window of metric data) with a config.

use crate::classify::classify;
use crate::config::{Config, Mode};
use crate::data::MetricData;
use crate::error::JudgeError;
use crate::evaluate::{self, Outcome};
use crate::fixture::Fixture;
use crate::number::Number;
use crate::report::{MetricResult, Report};
use crate::score::decide;
use crate::verdict::Verdict;
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
    let results = evaluate_all(config, name, metrics, &BTreeMap::new())?;
    let (verdict, score, groups, reasons) = decide(config, &results);
    Ok(Report {
        verdict,
        score: Number(score),
        reasons,
        groups,
        metrics: results,
    })
}

/// Judges what a metric source fetched: `metrics` holds the data of the metrics that
/// were fetched (empty data is classified `nodata`), `failures` the cause of each metric
/// whose fetch failed (classified `error`, with the cause as its reason).
///
/// A failed fetch says nothing about the canary, so it never promotes and never rolls
/// back on its own: with failures, the verdict is rollback only when the metrics that
/// were fetched call for it on their own (a critical failure, or their score below
/// `marginal`), and hold otherwise. The score and group scores are computed as always
/// (an `error` counts as a failure).
///
/// # Errors
/// A configured metric in neither map, or data of another kind than configured.
///
/// ```
/// use std::collections::BTreeMap;
/// use canary_judge::{judge_fetched, Classification, Config, Verdict};
///
/// let config = Config::from_yaml_str("version: 1\nmetrics:\n  - {name: latency_ms}\n").unwrap();
/// let failures = BTreeMap::from([("latency_ms".to_owned(), "prometheus: HTTP 503".to_owned())]);
/// let report = judge_fetched(&config, "live", &BTreeMap::new(), &failures).unwrap();
/// assert_eq!(report.verdict, Verdict::Hold);
/// assert_eq!(report.metrics[0].classification, Classification::Error);
/// ```
pub fn judge_fetched(
    config: &Config,
    name: &str,
    metrics: &BTreeMap<String, MetricData>,
    failures: &BTreeMap<String, String>,
) -> Result<Report, JudgeError> {
    if config.mode == Mode::Kayenta {
        return judge_fetched_kayenta(config, name, metrics, failures);
    }
    let results = evaluate_all(config, name, metrics, failures)?;
    let (mut verdict, score, groups, mut reasons) = decide(config, &results);
    let failed: Vec<&str> = config
        .metrics
        .iter()
        .filter(|m| failures.contains_key(&m.name))
        .map(|m| m.name.as_str())
        .collect();
    if !failed.is_empty() {
        // What the fetched metrics alone decide.
        let (fetched_config, fetched_results): (Vec<_>, Vec<_>) = config
            .metrics
            .iter()
            .zip(&results)
            .filter(|(m, _)| !failures.contains_key(&m.name))
            .map(|(m, r)| (m.clone(), r.clone()))
            .unzip();
        let fetched_verdict = if fetched_results.is_empty() {
            Verdict::Hold
        } else {
            let sub = Config {
                metrics: fetched_config,
                ..config.clone()
            };
            decide(&sub, &fetched_results).0
        };
        let head = unfetched_reason(&failed, results.len());
        if fetched_verdict == Verdict::Rollback {
            verdict = Verdict::Rollback;
            reasons.insert(1.min(reasons.len()), head);
        } else {
            verdict = Verdict::Hold;
            reasons.insert(0, head);
        }
    }
    Ok(Report {
        verdict,
        score: Number(score),
        reasons,
        groups,
        metrics: results,
    })
}

/// The first reason of a judgement with failed fetches.
fn unfetched_reason(failed: &[&str], total: usize) -> String {
    format!(
        "{} of {} metrics could not be fetched ({}); never promoting without them",
        failed.len(),
        total,
        failed.join(", ")
    )
}

/// [`judge_fetched`] in Kayenta mode: the fetched metrics are judged and scored by
/// Kayenta's rules; each failed fetch is an `error` result in its config position. With
/// failures the verdict is rollback only when the fetched metrics call for it, hold
/// otherwise (never promote); the score and group scores are those of the fetched
/// metrics (0 when none was fetched).
fn judge_fetched_kayenta(
    config: &Config,
    name: &str,
    metrics: &BTreeMap<String, MetricData>,
    failures: &BTreeMap<String, String>,
) -> Result<Report, JudgeError> {
    let failed: Vec<&str> = config
        .metrics
        .iter()
        .filter(|m| failures.contains_key(&m.name))
        .map(|m| m.name.as_str())
        .collect();
    if failed.is_empty() {
        return crate::kayenta::judge(config, name, metrics);
    }
    let fetched = Config {
        metrics: config
            .metrics
            .iter()
            .filter(|m| !failures.contains_key(&m.name))
            .cloned()
            .collect(),
        ..config.clone()
    };
    let fetched_report = if fetched.metrics.is_empty() {
        None
    } else {
        Some(crate::kayenta::judge(&fetched, name, metrics)?)
    };
    let (fetched_verdict, score, groups, mut reasons, fetched_results) = match fetched_report {
        Some(r) => (r.verdict, r.score, r.groups, r.reasons, r.metrics),
        None => (
            Verdict::Hold,
            Number(0.0),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        ),
    };
    let mut fetched_results = fetched_results.into_iter();
    let mut results = Vec::with_capacity(config.metrics.len());
    for metric in &config.metrics {
        match failures.get(&metric.name) {
            Some(cause) => results.push(classify(
                metric,
                Outcome::Error(format!("could not be fetched: {cause}")),
            )),
            None => results.extend(fetched_results.next()),
        }
    }
    let head = unfetched_reason(&failed, results.len());
    let verdict = if fetched_verdict == Verdict::Rollback {
        reasons.insert(1.min(reasons.len()), head);
        Verdict::Rollback
    } else {
        reasons.insert(0, head);
        Verdict::Hold
    };
    Ok(Report {
        verdict,
        score,
        reasons,
        groups,
        metrics: results,
    })
}

/// Classifies every configured metric: a fetch failure is `error`, data is evaluated.
fn evaluate_all(
    config: &Config,
    name: &str,
    metrics: &BTreeMap<String, MetricData>,
    failures: &BTreeMap<String, String>,
) -> Result<Vec<MetricResult>, JudgeError> {
    let mut results: Vec<MetricResult> = Vec::with_capacity(config.metrics.len());
    for (index, metric) in config.metrics.iter().enumerate() {
        if let Some(cause) = failures.get(&metric.name) {
            results.push(classify(
                metric,
                Outcome::Error(format!("could not be fetched: {cause}")),
            ));
            continue;
        }
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
    Ok(results)
}
