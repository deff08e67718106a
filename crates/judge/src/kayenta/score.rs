//! Kayenta's `WeightedSumScorer` and `ThresholdScoreClassifier`.

use super::classify::Label;
use std::collections::BTreeMap;

/// Kayenta's nodata rule: this percentage of nodata metrics (or more) scores 0.
pub const NODATA_THRESHOLD_PERCENT: f64 = 50.0;

/// One classified metric, as the scorer sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredMetric<'a> {
    /// The metric's group.
    pub group: &'a str,
    /// Its label.
    pub label: Label,
    /// Whether the result is critical.
    pub critical: bool,
}

/// One group's score.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupResult {
    /// The group.
    pub name: String,
    /// `100 · Pass / (Pass + High + Low + NodataFailMetric)`, or 0 when that is empty
    /// (Kayenta reports 0 then, but counts the group as 100 in the summary).
    pub score: f64,
    /// Nothing in the group counted (all its metrics `Nodata` or `Error`).
    pub no_data: bool,
    /// The weight used, in percent: the configured one, or an equal share of what the
    /// configured weights leave of 100 (floored at 0; Kayenta would go negative).
    pub weight: f64,
}

/// The outcome of [`score`].
#[derive(Debug, Clone, PartialEq)]
pub struct KayentaScore {
    /// The summary score, 0–100, rounded half-up to two decimals as Kayenta does.
    pub summary: f64,
    /// Group scores, in order of first appearance.
    pub groups: Vec<GroupResult>,
    /// Indices of critical results that are not `Pass` (any of them scores 0).
    pub critical_failures: Vec<usize>,
    /// Results labelled `Nodata` (`NodataFailMetric` is not counted, as in Kayenta).
    pub nodata: usize,
    /// Whether `nodata` is at least half of the results (scores 0).
    pub too_many_nodata: bool,
}

/// Kayenta's weighted-sum scorer: group scores, then the summary — 0 when any critical
/// result is not `Pass`, 0 when 50 % or more of the results are `Nodata`, otherwise
/// `Σ group score × weight / 100` with groups that had nothing to count taken as 100.
/// Weights are percentages and are not normalised; groups without a configured weight
/// share `100 − Σ configured` equally.
///
/// ```
/// use canary_judge::kayenta::{score, Label, ScoredMetric};
/// use std::collections::BTreeMap;
/// let m = |group, label| ScoredMetric { group, label, critical: false };
/// let weights = BTreeMap::from([("group-1".to_owned(), 75.0), ("group-2".to_owned(), 25.0)]);
/// let s = score(&[m("group-1", Label::Pass), m("group-1", Label::Pass), m("group-2", Label::High)], &weights);
/// assert_eq!(s.summary, 75.0);
/// ```
pub fn score(metrics: &[ScoredMetric<'_>], weights: &BTreeMap<String, f64>) -> KayentaScore {
    let mut names: Vec<&str> = Vec::new();
    for m in metrics {
        if !names.contains(&m.group) {
            names.push(m.group);
        }
    }
    let configured: f64 = weights.values().sum();
    let unweighted = names.iter().filter(|n| !weights.contains_key(**n)).count();
    let share = if unweighted > 0 {
        ((100.0 - configured) / unweighted as f64).max(0.0)
    } else {
        0.0
    };
    let groups: Vec<GroupResult> = names
        .iter()
        .map(|name| {
            let (mut pass, mut total) = (0usize, 0usize);
            for m in metrics.iter().filter(|m| m.group == *name) {
                match m.label {
                    Label::Pass => {
                        pass += 1;
                        total += 1;
                    }
                    Label::High | Label::Low | Label::NodataFailMetric => total += 1,
                    Label::Nodata | Label::Error => {}
                }
            }
            let no_data = total == 0;
            GroupResult {
                name: (*name).to_owned(),
                score: if no_data {
                    0.0
                } else {
                    100.0 * pass as f64 / total as f64
                },
                no_data,
                weight: weights.get(*name).copied().unwrap_or(share),
            }
        })
        .collect();
    let critical_failures: Vec<usize> = metrics
        .iter()
        .enumerate()
        .filter(|(_, m)| m.critical && m.label != Label::Pass)
        .map(|(i, _)| i)
        .collect();
    let nodata = metrics.iter().filter(|m| m.label == Label::Nodata).count();
    let too_many_nodata = !metrics.is_empty()
        && nodata as f64 / metrics.len() as f64 * 100.0 >= NODATA_THRESHOLD_PERCENT;
    let summary = if !critical_failures.is_empty() || too_many_nodata {
        0.0
    } else {
        let sum: f64 = groups
            .iter()
            .map(|g| (if g.no_data { 100.0 } else { g.score }) * (g.weight / 100.0))
            .sum();
        round_half_up_2(sum)
    };
    KayentaScore {
        summary,
        groups,
        critical_failures,
        nodata,
        too_many_nodata,
    }
}

/// Rounds to two decimals, half up, on the shortest decimal form of `x` (what Apache
/// Commons `Precision.round(x, 2)` does), so that 33.335 becomes 33.34.
fn round_half_up_2(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let text = format!("{}", x.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    if frac.len() <= 2 {
        return x;
    }
    let (Ok(whole), Ok(cents)) = (int.parse::<u64>(), frac[..2].parse::<u64>()) else {
        return (x * 100.0).round() / 100.0;
    };
    let up = frac.as_bytes()[2] >= b'5';
    let total = whole * 100 + cents + u64::from(up);
    (total as f64 / 100.0).copysign(x)
}

/// Kayenta's classification of a summary score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreClass {
    /// At or above the pass threshold.
    Pass,
    /// At or above the marginal threshold, below pass.
    Marginal,
    /// Below the marginal threshold.
    Fail,
}

/// Kayenta's `ThresholdScoreClassifier`.
///
/// ```
/// use canary_judge::kayenta::{classify_score, ScoreClass};
/// assert_eq!(classify_score(75.0, 75.0, 50.0), ScoreClass::Pass);
/// assert_eq!(classify_score(49.99, 75.0, 50.0), ScoreClass::Fail);
/// ```
pub fn classify_score(summary: f64, pass: f64, marginal: f64) -> ScoreClass {
    if summary >= pass {
        ScoreClass::Pass
    } else if summary >= marginal {
        ScoreClass::Marginal
    } else {
        ScoreClass::Fail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_up_on_the_decimal_form() {
        assert_eq!(round_half_up_2(33.333333), 33.33);
        assert_eq!(round_half_up_2(33.335), 33.34);
        assert_eq!(round_half_up_2(1.005), 1.01);
        assert_eq!(round_half_up_2(66.666666), 66.67);
        assert_eq!(round_half_up_2(100.0), 100.0);
        assert_eq!(round_half_up_2(0.0), 0.0);
    }
}
