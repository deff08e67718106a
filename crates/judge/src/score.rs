//! Group scores, the overall score and the verdict.

use crate::config::Config;
use crate::number::Number;
use crate::report::{Classification, GroupScore, MetricResult};
use crate::verdict::Verdict;

/// Scores groups and decides the verdict, with the reasons behind it.
pub(crate) fn decide(
    config: &Config,
    results: &[MetricResult],
) -> (Verdict, f64, Vec<GroupScore>, Vec<String>) {
    let groups = group_scores(config, results);
    let score: f64 = groups.iter().map(|g| g.score.0 * g.weight.0 / 100.0).sum();
    let score = (score * 1e9).round() / 1e9;
    let mut reasons = Vec::new();

    let critical: Vec<&MetricResult> = results.iter().filter(|r| r.critical).collect();
    let failures: Vec<&MetricResult> = results
        .iter()
        .filter(|r| r.classification.is_failure())
        .collect();
    let missing: Vec<&MetricResult> = results
        .iter()
        .filter(|r| {
            matches!(
                r.classification,
                Classification::Nodata | Classification::Error
            )
        })
        .collect();
    let errors = results
        .iter()
        .filter(|r| r.classification == Classification::Error)
        .count();
    let critical_missing: Vec<&MetricResult> = config
        .metrics
        .iter()
        .zip(results)
        .filter(|(m, r)| {
            m.critical
                && matches!(
                    r.classification,
                    Classification::Nodata | Classification::Error
                )
        })
        .map(|(_, r)| r)
        .collect();
    let (pass, marginal) = (config.score.pass, config.score.marginal);

    let verdict = if !critical.is_empty() {
        let names: Vec<&str> = critical.iter().map(|r| r.name.as_str()).collect();
        reasons.push(format!("critical failure: {}", names.join(", ")));
        Verdict::Rollback
    } else if score < marginal {
        reasons.push(format!(
            "score {} is below the marginal threshold {marginal}",
            fmt_score(score)
        ));
        Verdict::Rollback
    } else if !missing.is_empty() && 2 * missing.len() >= results.len() {
        reasons.push(format!(
            "not enough data: {} of {} metrics have no usable data",
            missing.len(),
            results.len()
        ));
        Verdict::Hold
    } else if !critical_missing.is_empty() {
        let names: Vec<&str> = critical_missing.iter().map(|r| r.name.as_str()).collect();
        reasons.push(format!(
            "no data for critical metric(s): {}",
            names.join(", ")
        ));
        Verdict::Hold
    } else if errors > 0 {
        reasons.push(format!(
            "{errors} metric(s) could not be judged; never promoting on broken data"
        ));
        Verdict::Hold
    } else if !missing.is_empty() {
        // Fail-safe: a metric without data might have failed; never promote past it.
        let names: Vec<&str> = missing.iter().map(|r| r.name.as_str()).collect();
        reasons.push(format!(
            "no data for {}; never promoting on missing data",
            names.join(", ")
        ));
        Verdict::Hold
    } else if score < pass {
        reasons.push(format!(
            "score {} is marginal (at least {marginal}, below {pass})",
            fmt_score(score)
        ));
        Verdict::Hold
    } else {
        reasons.push(format!(
            "score {} meets the pass threshold {pass}",
            fmt_score(score)
        ));
        Verdict::Promote
    };
    // Then every metric that failed or lacked data, in config order.
    for r in failures.iter().chain(missing.iter()) {
        reasons.push(r.reason.clone());
    }
    (verdict, score, groups, reasons)
}

fn fmt_score(score: f64) -> String {
    let rounded = (score * 10.0).round() / 10.0;
    format!("{rounded}")
}

/// Group score = 100·pass / (pass + high + low + must-have nodata + error); 100 when
/// nothing counts. Weights: configured groups keep theirs; unlisted groups share what the
/// listed ones leave of 100 (equally); then all are normalised to sum to 100.
fn group_scores(config: &Config, results: &[MetricResult]) -> Vec<GroupScore> {
    let mut names: Vec<&str> = Vec::new();
    for r in results {
        if !names.contains(&r.group.as_str()) {
            names.push(&r.group);
        }
    }
    let listed: f64 = names.iter().filter_map(|n| config.groups.get(*n)).sum();
    let unlisted = names
        .iter()
        .filter(|n| !config.groups.contains_key(**n))
        .count();
    let share = if unlisted > 0 {
        (100.0 - listed).max(0.0) / unlisted as f64
    } else {
        0.0
    };
    let raw: Vec<f64> = names
        .iter()
        .map(|n| config.groups.get(*n).copied().unwrap_or(share))
        .collect();
    let total: f64 = raw.iter().sum();
    let weights: Vec<f64> = if total > 0.0 {
        raw.iter().map(|w| 100.0 * w / total).collect()
    } else {
        vec![100.0 / names.len().max(1) as f64; names.len()]
    };
    names
        .iter()
        .zip(weights)
        .map(|(name, weight)| {
            let (mut passed, mut failed) = (0usize, 0usize);
            for (metric, r) in config
                .metrics
                .iter()
                .zip(results)
                .filter(|(_, r)| r.group == *name)
            {
                match r.classification {
                    Classification::Pass => passed += 1,
                    Classification::High | Classification::Low | Classification::Error => {
                        failed += 1
                    }
                    Classification::Nodata if metric.must_have_data => failed += 1,
                    Classification::Nodata => {}
                }
            }
            let score = if passed + failed == 0 {
                100.0
            } else {
                100.0 * passed as f64 / (passed + failed) as f64
            };
            GroupScore {
                name: (*name).to_owned(),
                score: Number(score),
                weight: Number(weight),
            }
        })
        .collect()
}
