//! Kayenta mode (`mode: kayenta`): NetflixACAJudge-v1.0's classification and scoring,
//! and its building blocks, public so that Kayenta's own test cases can be run against
//! them (`crates/judge/tests/kayenta.rs`).
//!
//! Per metric: missing values removed or replaced by 0 ([`transform`]), outliers
//! outside the widened IQR fences removed when asked ([`iqr_fences`]), then
//! [`classify`]: the Mann–Whitney interval of the shift at `confidence` (0.98 unless
//! set) must clear `tolerance · |estimate|` (0.25 unless set) and the effect (mean
//! ratio or CLES) must reach the allowed increase or decrease. Then [`score`]: group
//! scores, weights in percent (unweighted groups share the rest), 0 on any critical
//! failure or when half the metrics have no data; the verdict follows Kayenta's
//! pass/marginal thresholds (promote / hold / rollback).
//!
//! Differences from Kayenta (also in the README, "Kayenta mode"): both sides constant
//! at different values are decided without random noise; the Mann–Whitney interval
//! ends are exact where Kayenta's root finder stops within its tolerance, and the
//! estimate is the Hodges–Lehmann median; counts data are judged as their per-interval
//! ratio series; a verdict never promotes while a metric has no data or failed.

mod classify;
mod outliers;
mod score;

pub use classify::{
    ClassifierSettings, KayentaClassification, Label, Rule, TestFigures, classify, cles, mean_ratio,
};
pub use outliers::{IqrFences, Transformed, iqr_fences, iqr_outliers, percentile, transform};
pub use score::{
    GroupResult, KayentaScore, NODATA_THRESHOLD_PERCENT, ScoreClass, ScoredMetric, classify_score,
    score,
};

use crate::classify::fmt_num;
use crate::config::{
    Config, Direction, EffectMeasure, MetricConfig, MetricKind, OutlierStrategy, TestKind, defaults,
};
use crate::config_load::{check_positive, check_probability};
use crate::data::MetricData;
use crate::error::JudgeError;
use crate::number::Number;
use crate::report::{
    Classification, Evidence, GroupScore, MetricResult, Report, SideSummary, Thresholds,
};
use crate::verdict::Verdict;
use std::collections::BTreeMap;

/// The classifier settings of one metric under a config.
pub(crate) fn settings(config: &Config, metric: &MetricConfig) -> ClassifierSettings {
    let effect = metric.effect.unwrap_or_default();
    let measure = effect.measure.unwrap_or(EffectMeasure::MeanRatio);
    let neutral = measure.neutral();
    ClassifierSettings {
        tolerance: metric
            .tolerance
            .or(config.tolerance)
            .unwrap_or(defaults::KAYENTA_TOLERANCE),
        confidence: metric.confidence.unwrap_or(config.confidence),
        measure,
        allowed_increase: effect.allowed_increase.unwrap_or(neutral),
        allowed_decrease: effect.allowed_decrease.unwrap_or(neutral),
        critical_increase: effect.critical_increase.unwrap_or(neutral),
        critical_decrease: effect.critical_decrease.unwrap_or(neutral),
        direction: metric.direction,
        nan_strategy: metric.nan_strategy,
        critical: metric.critical,
        must_have_data: metric.must_have_data,
    }
}

/// Config checks of a metric in Kayenta mode (instead of the default mode's).
pub(crate) fn metric_problems(
    metric: &MetricConfig,
    at: &dyn Fn(&str) -> String,
    problem: &mut dyn FnMut(String, String),
) {
    let unsupported =
        |what: &str| format!("{what} is not part of Kayenta's judge; use mode: default");
    if metric.kind == MetricKind::Histogram {
        problem(
            at("kind"),
            "kayenta mode judges time series (continuous, or counts as per-interval ratios), not histograms".into(),
        );
    }
    if metric.test.is_some_and(|t| t != TestKind::MannWhitney) {
        problem(at("test"), "kayenta mode always uses mann_whitney".into());
    }
    if metric.gate.is_some() {
        problem(at("gate"), unsupported("an absolute gate"));
    }
    if metric.relative_gate.is_some() {
        problem(at("relative_gate"), unsupported("a relative gate"));
    }
    if metric.min_samples.is_some() {
        problem(
            at("min_samples"),
            unsupported("a minimum sample size (an empty side is nodata)"),
        );
    }
    if let Some(c) = metric.confidence {
        check_probability(problem, &at("confidence"), c);
    }
    if let Some(t) = metric.tolerance {
        check_positive(problem, &at("tolerance"), t);
    }
    if metric.outliers.strategy == OutlierStrategy::Remove || metric.outliers.factor != 3.0 {
        check_positive(problem, &at("outliers.factor"), metric.outliers.factor);
    }
    let Some(effect) = metric.effect else { return };
    let measure = effect.measure.unwrap_or(EffectMeasure::MeanRatio);
    if !matches!(measure, EffectMeasure::MeanRatio | EffectMeasure::Cles) {
        problem(
            at("effect.measure"),
            format!(
                "{} is not a Kayenta effect size; expected mean_ratio or cles",
                measure.as_str()
            ),
        );
    }
    if effect.quantile.is_some() {
        problem(
            at("effect.quantile"),
            "only applies to quantile_ratio".into(),
        );
    }
    for (key, value) in [
        ("allowed_increase", effect.allowed_increase),
        ("allowed_decrease", effect.allowed_decrease),
        ("critical_increase", effect.critical_increase),
        ("critical_decrease", effect.critical_decrease),
    ] {
        let Some(value) = value else { continue };
        let key = at(&format!("effect.{key}"));
        if measure == EffectMeasure::Cles {
            check_probability(problem, &key, value);
        } else {
            check_positive(problem, &key, value);
        }
    }
}

/// The values of one side as Kayenta would receive them: the series (missing = NaN),
/// or for counts the per-interval ratio events / total (NaN when total is 0).
fn side_values(data: &MetricData) -> Option<(Vec<f64>, Vec<f64>)> {
    match data {
        MetricData::Continuous(s) => {
            let v =
                |p: &[crate::data::Point]| p.iter().map(|p| p.value.unwrap_or(f64::NAN)).collect();
            Some((v(&s.baseline), v(&s.canary)))
        }
        MetricData::Counts(s) => {
            let v = |p: &[crate::data::CountPoint]| {
                p.iter()
                    .map(|p| {
                        if p.total > 0.0 {
                            p.events / p.total
                        } else {
                            f64::NAN
                        }
                    })
                    .collect()
            };
            Some((v(&s.baseline), v(&s.canary)))
        }
        MetricData::Histogram(_) => None,
    }
}

/// Judges one window in Kayenta mode (see the module docs).
pub(crate) fn judge(
    config: &Config,
    name: &str,
    metrics: &BTreeMap<String, MetricData>,
) -> Result<Report, JudgeError> {
    let mut results: Vec<MetricResult> = Vec::with_capacity(config.metrics.len());
    let mut labels: Vec<(Label, bool)> = Vec::with_capacity(config.metrics.len());
    let mut missing: Vec<bool> = Vec::with_capacity(config.metrics.len());
    for (index, metric) in config.metrics.iter().enumerate() {
        let data = metrics
            .get(&metric.name)
            .ok_or_else(|| JudgeError::MissingMetric {
                fixture: name.to_owned(),
                metric: metric.name.clone(),
                index,
            })?;
        let (baseline_raw, canary_raw) =
            side_values(data).ok_or_else(|| JudgeError::KindMismatch {
                metric: metric.name.clone(),
                expected: metric.kind.as_str(),
                found: data.kind().as_str(),
            })?;
        let s = settings(config, metric);
        let factor =
            (metric.outliers.strategy == OutlierStrategy::Remove).then_some(metric.outliers.factor);
        let baseline = transform(&baseline_raw, s.nan_strategy, factor);
        let canary = transform(&canary_raw, s.nan_strategy, factor);
        let c = classify(&baseline.values, &canary.values, &s);
        // A side whose every value is missing has no usable data, even when the
        // `replace` strategy turned it into zeros (Kayenta passes that).
        let unusable = |raw: &[f64]| raw.iter().all(|v| !v.is_finite());
        missing.push(
            matches!(
                c.label,
                Label::Nodata | Label::NodataFailMetric | Label::Error
            ) || unusable(&baseline_raw)
                || unusable(&canary_raw),
        );
        labels.push((c.label, c.critical));
        results.push(metric_result(metric, &s, &c, &baseline, &canary));
    }
    let scored: Vec<ScoredMetric<'_>> = results
        .iter()
        .zip(&labels)
        .map(|(r, &(label, critical))| ScoredMetric {
            group: &r.group,
            label,
            critical,
        })
        .collect();
    let outcome = score(&scored, &config.groups);
    let (verdict, reasons) = verdict(config, &outcome, &results, &labels, &missing);
    let groups = outcome
        .groups
        .iter()
        .map(|g| GroupScore {
            name: g.name.clone(),
            score: Number(if g.no_data { 100.0 } else { g.score }),
            weight: Number(g.weight),
        })
        .collect();
    Ok(Report {
        verdict,
        score: Number(outcome.summary),
        reasons,
        groups,
        metrics: results,
    })
}

fn verdict(
    config: &Config,
    outcome: &KayentaScore,
    results: &[MetricResult],
    labels: &[(Label, bool)],
    missing: &[bool],
) -> (Verdict, Vec<String>) {
    let mut reasons = Vec::new();
    let (pass, marginal) = (config.score.pass, config.score.marginal);
    let summary = outcome.summary;
    let verdict = if !outcome.critical_failures.is_empty() {
        let failed: Vec<&str> = outcome
            .critical_failures
            .iter()
            .map(|&i| results[i].name.as_str())
            .collect();
        reasons.push(format!(
            "critical failure: {} (score 0, as Kayenta)",
            failed.join(", ")
        ));
        Verdict::Rollback
    } else if outcome.too_many_nodata {
        reasons.push(format!(
            "{} of {} metrics have no data (50 % or more): score 0, as Kayenta",
            outcome.nodata,
            results.len()
        ));
        match classify_score(summary, pass, marginal) {
            ScoreClass::Fail => Verdict::Rollback,
            ScoreClass::Marginal | ScoreClass::Pass => Verdict::Hold,
        }
    } else {
        match classify_score(summary, pass, marginal) {
            ScoreClass::Fail => {
                reasons.push(format!(
                    "score {} is below the marginal threshold {marginal}",
                    fmt_score(summary)
                ));
                Verdict::Rollback
            }
            ScoreClass::Marginal => {
                reasons.push(format!(
                    "score {} is marginal (at least {marginal}, below {pass})",
                    fmt_score(summary)
                ));
                Verdict::Hold
            }
            ScoreClass::Pass => {
                let missing: Vec<&str> = results
                    .iter()
                    .zip(missing)
                    .filter(|(_, m)| **m)
                    .map(|(r, _)| r.name.as_str())
                    .collect();
                if missing.is_empty() {
                    reasons.push(format!(
                        "score {} meets the pass threshold {pass}",
                        fmt_score(summary)
                    ));
                    Verdict::Promote
                } else {
                    reasons.push(format!(
                        "score {} meets the pass threshold {pass} (Kayenta would pass), but {} {} no usable data; never promoting on missing data",
                        fmt_score(summary),
                        missing.join(", "),
                        if missing.len() == 1 { "has" } else { "have" }
                    ));
                    Verdict::Hold
                }
            }
        }
    };
    for ((r, (label, _)), m) in results.iter().zip(labels).zip(missing) {
        if *label != Label::Pass || *m {
            reasons.push(r.reason.clone());
        }
    }
    (verdict, reasons)
}

fn fmt_score(score: f64) -> String {
    format!("{score}")
}

fn summary(t: &Transformed) -> Option<SideSummary> {
    let sample = canary_stats::SortedSample::new(&t.values).ok()?;
    let values = sample.as_slice();
    let q = |p: f64| sample.quantile(p).ok().map(Number);
    Some(SideSummary {
        n: Number(values.len() as f64),
        missing: Some(t.missing as u64),
        outliers_removed: (t.outliers_removed > 0).then_some(t.outliers_removed as u64),
        mean: Some(Number(values.iter().sum::<f64>() / values.len() as f64)),
        median: q(0.5),
        p95: q(0.95),
        p99: q(0.99),
        max: values.last().copied().map(Number),
        ..SideSummary::default()
    })
}

fn metric_result(
    metric: &MetricConfig,
    s: &ClassifierSettings,
    c: &KayentaClassification,
    baseline: &Transformed,
    canary: &Transformed,
) -> MetricResult {
    let classification = match c.label {
        Label::Pass => Classification::Pass,
        Label::High => Classification::High,
        Label::Low => Classification::Low,
        Label::Nodata | Label::NodataFailMetric => Classification::Nodata,
        Label::Error => Classification::Error,
    };
    let finite = |v: f64| v.is_finite().then_some(Number(v));
    let mut evidence = Evidence {
        confidence: Some(Number(s.confidence)),
        thresholds: Thresholds {
            allowed_increase: Some(Number(s.allowed_increase)),
            allowed_decrease: Some(Number(s.allowed_decrease)),
            critical_increase: metric.critical.then_some(Number(s.critical_increase)),
            critical_decrease: metric.critical.then_some(Number(s.critical_decrease)),
        },
        baseline: summary(baseline),
        canary: summary(canary),
        ..Evidence::default()
    };
    if let Some(t) = c.test {
        evidence.test = Some(
            match c.rule {
                Rule::ConstantSides => "constant_sides",
                _ => "mann_whitney",
            }
            .into(),
        );
        evidence.statistic = finite(t.statistic);
        evidence.p_value = finite(t.p_value);
        evidence.estimate = Some(Number(t.estimate));
        evidence.ci = Some([Number(t.ci_low), Number(t.ci_high)]);
        evidence.effect = Some(Number(c.effect));
        evidence.effect_measure = Some(
            match s.measure {
                EffectMeasure::Cles => "cles",
                _ => "mean_ratio",
            }
            .into(),
        );
        evidence.change = Some(
            if t.ci_low > t.band {
                "increase"
            } else if t.ci_high < -t.band {
                "decrease"
            } else {
                "none"
            }
            .into(),
        );
    }
    MetricResult {
        name: metric.name.clone(),
        group: metric.group_name().to_owned(),
        classification,
        critical: c.critical,
        reason: sentence(&metric.name, s, c, baseline, canary),
        evidence,
    }
}

fn sentence(
    name: &str,
    s: &ClassifierSettings,
    c: &KayentaClassification,
    baseline: &Transformed,
    canary: &Transformed,
) -> String {
    let critical = if c.critical { " [critical]" } else { "" };
    let empty_side = if canary.values.is_empty() {
        "canary"
    } else {
        "baseline"
    };
    let mean = |t: &Transformed| t.values.iter().sum::<f64>() / t.values.len() as f64;
    match c.rule {
        Rule::Empty => match c.label {
            Label::Pass => format!(
                "{name}: no {empty_side} data; passed, as Kayenta does under nan_strategy replace"
            ),
            Label::NodataFailMetric => {
                format!("{name}: no {empty_side} data (must have data: counts as a failure)")
            }
            _ => format!("{name}: no {empty_side} data{critical}"),
        },
        Rule::Identical => format!("{name}: the canary and baseline data are identical"),
        Rule::SingleValue => format!(
            "{name}: every value on both sides is {}",
            fmt_num(baseline.values.first().copied().unwrap_or(f64::NAN))
        ),
        Rule::Failed => format!(
            "{name}: {}",
            c.error.as_deref().unwrap_or("classification failed")
        ),
        Rule::ConstantSides | Rule::MannWhitney => {
            let Some(t) = c.test else {
                return format!("{name}: classification failed");
            };
            let figures = if c.rule == Rule::ConstantSides {
                format!(
                    "both sides constant, {} → {}; decided without Kayenta's random noise",
                    fmt_num(mean(baseline)),
                    fmt_num(mean(canary))
                )
            } else {
                format!(
                    "mean {} → {}, {} % CI of the shift {} to {}, tolerance band ±{}",
                    fmt_num(mean(baseline)),
                    fmt_num(mean(canary)),
                    fmt_num(s.confidence * 100.0),
                    signed(t.ci_low),
                    signed(t.ci_high),
                    fmt_num(t.band)
                )
            };
            let effect = match s.measure {
                EffectMeasure::Cles if c.effect.is_nan() => "CLES undefined".to_owned(),
                EffectMeasure::Cles => format!("CLES {}", fmt_num(c.effect)),
                _ if c.effect.is_nan() => "mean ratio undefined (a mean is 0)".to_owned(),
                _ => format!("mean ratio {}", fmt_num(c.effect)),
            };
            let up = t.ci_low > t.band;
            let down = t.ci_high < -t.band;
            match c.label {
                Label::High => format!(
                    "{name} is high: the CI of the shift lies above the tolerance band and the {effect} reaches the allowed increase {} ({figures}){critical}",
                    fmt_num(s.allowed_increase)
                ),
                Label::Low => format!(
                    "{name} is low: the CI of the shift lies below the tolerance band and the {effect} reaches the allowed decrease {} ({figures}){critical}",
                    fmt_num(s.allowed_decrease)
                ),
                _ if up && s.direction == Direction::Decrease => format!(
                    "{name} rose beyond the tolerance band; an increase is not a regression for this metric ({figures})"
                ),
                _ if down && s.direction == Direction::Increase => format!(
                    "{name} fell beyond the tolerance band; a decrease is not a regression for this metric ({figures})"
                ),
                _ if up => format!(
                    "{name} rose beyond the tolerance band, {effect} within the allowed increase {} ({figures})",
                    fmt_num(s.allowed_increase)
                ),
                _ if down => format!(
                    "{name} fell beyond the tolerance band, {effect} within the allowed decrease {} ({figures})",
                    fmt_num(s.allowed_decrease)
                ),
                _ => format!("{name}: no change beyond the tolerance band ({figures})"),
            }
        }
    }
}

fn signed(v: f64) -> String {
    if v > 0.0 {
        format!("+{}", fmt_num(v))
    } else {
        fmt_num(v)
    }
}
