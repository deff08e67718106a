//! Running the configured test and gates on one metric's data: the figures that
//! classification then reads.

use crate::clean::{CleanSide, clean};
use crate::config::{EffectMeasure, MetricConfig, Stat, TestKind, defaults};
use crate::data::{CountPoint, Point, Sides, totals};
use crate::number::Number;
use crate::report::{Classification, Evidence, GateCheck, SideSummary, Thresholds};
use canary_stats::{
    Alternative, Histogram, KsOptions, MannWhitneyOptions, RateTestOptions, SortedSample,
    StatsError, effect_sizes, grouped_rank_test, histogram_quantile, ks_two_sample,
    mann_whitney_sorted, rate_test_totals,
};

/// Which way a statistically significant change went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// No significant change.
    None,
    /// Significantly higher on the canary.
    Increase,
    /// Significantly lower on the canary.
    Decrease,
}

impl Change {
    fn as_str(self) -> &'static str {
        match self {
            Change::None => "none",
            Change::Increase => "increase",
            Change::Decrease => "decrease",
        }
    }
}

/// What the test and gates found for one metric, before classification.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    /// Not enough data; the sentence says what is missing.
    NoData(String),
    /// The data could not be tested (should not happen on validated data).
    Error(String),
    /// The test ran.
    Tested(Box<Tested>),
}

/// A metric whose test ran.
#[derive(Debug, Clone)]
pub(crate) struct Tested {
    pub(crate) change: Change,
    pub(crate) effect: f64,
    pub(crate) measure: EffectMeasure,
    pub(crate) evidence: Evidence,
    /// A description of the central tendency: ("median", baseline, canary) or
    /// ("rate", ...), for the sentence.
    pub(crate) center: (&'static str, f64, f64),
    /// Interval of the shift (continuous) or ratio (counts), when there is one.
    pub(crate) interval: Option<(f64, f64, &'static str)>,
}

fn num(v: f64) -> Option<Number> {
    Some(Number(v))
}

fn thresholds(metric: &MetricConfig) -> Thresholds {
    let e = metric.effect.unwrap_or_default();
    Thresholds {
        allowed_increase: e.allowed_increase.map(Number),
        allowed_decrease: e.allowed_decrease.map(Number),
        critical_increase: e.critical_increase.map(Number),
        critical_decrease: e.critical_decrease.map(Number),
    }
}

/// Judges a continuous metric's data.
pub(crate) fn continuous(
    metric: &MetricConfig,
    confidence: f64,
    sides: &Sides<Vec<Point>>,
) -> Outcome {
    let mut baseline = clean(&sides.baseline, metric.nan_strategy, metric.outliers);
    let mut canary = clean(&sides.canary, metric.nan_strategy, metric.outliers);
    let min = metric.min_samples_or_default();
    for (name, side) in [("canary", &canary), ("baseline", &baseline)] {
        if side.sorted.is_empty() {
            return Outcome::NoData(if side.raw_points == 0 {
                format!("no {name} data")
            } else {
                format!("no {name} data: all {} points are missing", side.raw_points)
            });
        }
        if (side.sorted.len() as u64) < min {
            return Outcome::NoData(format!(
                "too few {name} points: {} usable, min_samples is {min}",
                side.sorted.len()
            ));
        }
    }
    // Cleaning sorted the values and kept only finite ones: wrap them without copying.
    let (b, c) = match (sorted_sample(&mut baseline), sorted_sample(&mut canary)) {
        (Some(b), Some(c)) => (b, c),
        _ => return Outcome::Error("cleaned values are not sorted finite numbers".into()),
    };
    let (bs, cs) = (b.as_slice(), c.as_slice());
    let baseline_median = b.quantile(0.5).unwrap_or(f64::NAN);
    let canary_median = c.quantile(0.5).unwrap_or(f64::NAN);
    let mut evidence = Evidence {
        confidence: num(confidence),
        thresholds: thresholds(metric),
        baseline: Some(summarize(&baseline, &b)),
        canary: Some(summarize(&canary, &c)),
        ..Evidence::default()
    };
    let measure = metric.effect_measure();
    let alpha = 1.0 - confidence;
    let mut interval = None;
    // The effect sizes: from the Mann–Whitney result when it ran (CLES = U/(n·m), the
    // Hodges–Lehmann shift is its estimate), otherwise computed on their own.
    let (change, hl_shift, cles) = match metric.test_kind() {
        TestKind::Ks => {
            let effects = match effect_sizes(cs, bs) {
                Ok(e) => e,
                Err(e) => return Outcome::Error(format!("effect sizes: {e}")),
            };
            let r = match ks_two_sample(cs, bs, &KsOptions::default()) {
                Ok(r) => r,
                Err(e) => return Outcome::Error(format!("Kolmogorov-Smirnov test: {e}")),
            };
            evidence.test = Some("ks".into());
            evidence.statistic = num(r.statistic);
            evidence.p_value = num(r.p_value);
            evidence.estimate = num(effects.hl_shift);
            let change = if r.p_value < alpha {
                direction_of(effects.hl_shift, effects.mean_ratio)
            } else {
                Change::None
            };
            (change, effects.hl_shift, effects.cles)
        }
        _ => {
            let options = MannWhitneyOptions {
                alternative: Alternative::TwoSided,
                confidence,
                ..MannWhitneyOptions::default()
            };
            evidence.test = Some("mann_whitney".into());
            match mann_whitney_sorted(cs, bs, &options) {
                Ok(r) => {
                    let ci = r.confidence_interval;
                    evidence.statistic = num(r.statistic);
                    evidence.p_value = num(r.p_value);
                    evidence.estimate = num(r.estimate);
                    evidence.ci = Some([Number(ci.low), Number(ci.high)]);
                    interval = Some((ci.low, ci.high, "shift"));
                    let change = if ci.low > 0.0 {
                        Change::Increase
                    } else if ci.high < 0.0 {
                        Change::Decrease
                    } else {
                        Change::None
                    };
                    (change, r.estimate, r.cles())
                }
                // Every value on both sides equal: nothing changed.
                Err(StatsError::Degenerate(_)) => {
                    evidence.statistic = num((cs.len() * bs.len()) as f64 / 2.0);
                    evidence.p_value = num(1.0);
                    evidence.estimate = num(0.0);
                    evidence.ci = Some([Number(0.0), Number(0.0)]);
                    (Change::None, 0.0, 0.5)
                }
                Err(e) => return Outcome::Error(format!("Mann-Whitney test: {e}")),
            }
        }
    };
    let effect = match measure {
        EffectMeasure::MeanRatio => mean_ratio(cs, bs),
        EffectMeasure::Cles => cles,
        _ if baseline_median == 0.0 => f64::NAN,
        _ => 1.0 + hl_shift / baseline_median,
    };
    evidence.effect = num(effect);
    evidence.effect_measure = Some(measure.as_str().into());
    evidence.change = Some(change.as_str().into());
    evidence.gates = check_gates(
        metric,
        |stat| continuous_stat(&c, stat),
        |stat| continuous_stat(&b, stat),
    );
    Outcome::Tested(Box::new(Tested {
        change,
        effect,
        measure,
        evidence,
        center: ("median", baseline_median, canary_median),
        interval,
    }))
}

/// Moves the cleaned values of a side into a [`SortedSample`] (they are sorted and
/// finite, so this only checks).
fn sorted_sample(side: &mut CleanSide) -> Option<SortedSample> {
    SortedSample::from_sorted(std::mem::take(&mut side.sorted)).ok()
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// mean(canary) / mean(baseline); NaN when the baseline mean is 0.
fn mean_ratio(canary: &[f64], baseline: &[f64]) -> f64 {
    let base = mean(baseline);
    if base == 0.0 {
        f64::NAN
    } else {
        mean(canary) / base
    }
}

/// The direction of a significant KS difference: the sign of the Hodges–Lehmann shift,
/// or of the mean difference when the shift is zero.
fn direction_of(hl_shift: f64, mean_ratio: f64) -> Change {
    if hl_shift > 0.0 || (hl_shift == 0.0 && mean_ratio > 1.0) {
        Change::Increase
    } else if hl_shift < 0.0 || (hl_shift == 0.0 && mean_ratio < 1.0) {
        Change::Decrease
    } else {
        Change::None
    }
}

fn continuous_stat(sample: &SortedSample, stat: Stat) -> f64 {
    let values = sample.as_slice();
    match stat {
        Stat::Mean => values.iter().sum::<f64>() / values.len() as f64,
        Stat::Median => sample.quantile(0.5).unwrap_or(f64::NAN),
        Stat::Max => values.last().copied().unwrap_or(f64::NAN),
        Stat::Percentile(q) => sample.quantile(q).unwrap_or(f64::NAN),
        Stat::Rate => f64::NAN,
    }
}

fn summarize(side: &CleanSide, sample: &SortedSample) -> SideSummary {
    let values = sample.as_slice();
    let q = |p: f64| sample.quantile(p).ok().map(Number);
    SideSummary {
        n: Number(values.len() as f64),
        missing: Some(side.missing as u64),
        outliers_removed: (side.outliers_removed > 0).then_some(side.outliers_removed as u64),
        mean: num(mean(values)),
        median: q(0.5),
        p95: q(0.95),
        p99: q(0.99),
        max: values.last().copied().map(Number),
        ..SideSummary::default()
    }
}

/// Judges a counts metric's data on window totals.
pub(crate) fn counts(
    metric: &MetricConfig,
    confidence: f64,
    sides: &Sides<Vec<CountPoint>>,
) -> Outcome {
    let (eb, tb) = totals(&sides.baseline);
    let (ec, tc) = totals(&sides.canary);
    let min = metric.min_samples_or_default() as f64;
    for (name, total) in [("canary", tc), ("baseline", tb)] {
        if total == 0.0 {
            return Outcome::NoData(format!("no {name} requests"));
        }
        if total < min {
            return Outcome::NoData(format!(
                "too few {name} requests: {total}, min_samples is {min}"
            ));
        }
    }
    let options = RateTestOptions {
        alternative: Alternative::TwoSided,
        confidence,
        ..RateTestOptions::default()
    };
    let r = match rate_test_totals(ec, tc, eb, tb, &options) {
        Ok(r) => r,
        Err(e) => return Outcome::Error(format!("rate test: {e}")),
    };
    let ci = r.confidence_interval;
    let change = if ci.low > 1.0 {
        Change::Increase
    } else if ci.high < 1.0 {
        Change::Decrease
    } else {
        Change::None
    };
    let (rate_b, rate_c) = (eb / tb, ec / tc);
    let summary = |events: f64, total: f64| SideSummary {
        n: Number(total),
        events: num(events),
        rate: num(events / total),
        ..SideSummary::default()
    };
    let evidence = Evidence {
        test: Some("rate".into()),
        statistic: num(ec),
        p_value: num(r.p_value),
        estimate: num(r.estimate),
        ci: Some([Number(ci.low), Number(ci.high)]),
        confidence: num(confidence),
        effect: num(r.estimate),
        effect_measure: Some(EffectMeasure::RateRatio.as_str().into()),
        change: Some(change.as_str().into()),
        thresholds: thresholds(metric),
        gates: check_gates(
            metric,
            |stat| if stat == Stat::Rate { rate_c } else { f64::NAN },
            |stat| if stat == Stat::Rate { rate_b } else { f64::NAN },
        ),
        baseline: Some(summary(eb, tb)),
        canary: Some(summary(ec, tc)),
    };
    Outcome::Tested(Box::new(Tested {
        change,
        effect: r.estimate,
        measure: EffectMeasure::RateRatio,
        evidence,
        center: ("rate", rate_b, rate_c),
        interval: Some((ci.low, ci.high, "ratio")),
    }))
}

/// Judges a histogram metric's data.
pub(crate) fn histogram(
    metric: &MetricConfig,
    confidence: f64,
    sides: &Sides<Option<Histogram>>,
) -> Outcome {
    let min = metric.min_samples_or_default() as f64;
    let mut pair = Vec::with_capacity(2);
    for (name, side) in [("canary", &sides.canary), ("baseline", &sides.baseline)] {
        let Some(h) = side else {
            return Outcome::NoData(format!("no {name} histogram"));
        };
        let total = h.total();
        if total == 0.0 {
            return Outcome::NoData(format!("no {name} observations"));
        }
        if total < min {
            return Outcome::NoData(format!(
                "too few {name} observations: {total}, min_samples is {min}"
            ));
        }
        pair.push(h);
    }
    let (canary, baseline) = (pair[0], pair[1]);
    let alpha = 1.0 - confidence;
    let (statistic, p_value, change) =
        match grouped_rank_test(canary, baseline, Alternative::TwoSided) {
            Ok(r) => {
                let change = if r.p_value < alpha {
                    if r.cles > 0.5 {
                        Change::Increase
                    } else if r.cles < 0.5 {
                        Change::Decrease
                    } else {
                        Change::None
                    }
                } else {
                    Change::None
                };
                (r.statistic, r.p_value, change)
            }
            Err(StatsError::Degenerate(_)) => {
                (canary.total() * baseline.total() / 2.0, 1.0, Change::None)
            }
            Err(e) => return Outcome::Error(format!("grouped rank test: {e}")),
        };
    let quantile = metric
        .effect
        .and_then(|e| e.quantile)
        .unwrap_or(defaults::EFFECT_QUANTILE);
    let (qb, qc) = (
        histogram_quantile(quantile, baseline),
        histogram_quantile(quantile, canary),
    );
    let effect = ratio(qc, qb);
    let summary = |h: &Histogram| SideSummary {
        n: Number(h.total()),
        median: num(histogram_quantile(0.5, h)),
        p95: num(histogram_quantile(0.95, h)),
        p99: num(histogram_quantile(0.99, h)),
        ..SideSummary::default()
    };
    let hist_stat = |h: &Histogram, stat: Stat| match stat {
        Stat::Median => histogram_quantile(0.5, h),
        Stat::Percentile(q) => histogram_quantile(q, h),
        _ => f64::NAN,
    };
    let evidence = Evidence {
        test: Some("grouped_rank".into()),
        statistic: num(statistic),
        p_value: num(p_value),
        confidence: num(confidence),
        effect: num(effect),
        effect_measure: Some(EffectMeasure::QuantileRatio.as_str().into()),
        change: Some(change.as_str().into()),
        thresholds: thresholds(metric),
        gates: check_gates(metric, |s| hist_stat(canary, s), |s| hist_stat(baseline, s)),
        baseline: Some(summary(baseline)),
        canary: Some(summary(canary)),
        ..Evidence::default()
    };
    let label = if quantile == 0.5 {
        "median"
    } else {
        "quantile"
    };
    Outcome::Tested(Box::new(Tested {
        change,
        effect,
        measure: EffectMeasure::QuantileRatio,
        evidence,
        center: (label, qb, qc),
        interval: None,
    }))
}

/// `a / b`, with `b = 0` giving +inf (or 1 when `a` is 0 too: no change).
pub(crate) fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        if a == 0.0 {
            1.0
        } else {
            f64::INFINITY * a.signum()
        }
    } else {
        a / b
    }
}

/// Evaluates the absolute and relative gates given the canary's and baseline's value of
/// each statistic.
fn check_gates(
    metric: &MetricConfig,
    canary: impl Fn(Stat) -> f64,
    baseline: impl Fn(Stat) -> f64,
) -> Vec<GateCheck> {
    let mut checks = Vec::new();
    if let Some(gate) = metric.gate {
        let value = canary(gate.stat);
        checks.push(GateCheck {
            kind: "gate".into(),
            stat: gate.stat.to_string(),
            canary: Number(value),
            baseline: None,
            value: Number(value),
            min: gate.min.map(Number),
            max: gate.max.map(Number),
            breached: breach(value, gate.min, gate.max),
        });
    }
    if let Some(gate) = metric.relative_gate {
        let (c, b) = (canary(gate.stat), baseline(gate.stat));
        let value = ratio(c, b);
        checks.push(GateCheck {
            kind: "relative_gate".into(),
            stat: gate.stat.to_string(),
            canary: Number(c),
            baseline: Some(Number(b)),
            value: Number(value),
            min: gate.min_ratio.map(Number),
            max: gate.max_ratio.map(Number),
            breached: breach(value, gate.min_ratio, gate.max_ratio),
        });
    }
    checks
}

/// A gate is breached above `max` or below `min`. An undefined value (NaN) breaches
/// nothing here; classification never promotes on it because the test decides.
fn breach(value: f64, min: Option<f64>, max: Option<f64>) -> Option<Classification> {
    if max.is_some_and(|m| value > m) {
        Some(Classification::High)
    } else if min.is_some_and(|m| value < m) {
        Some(Classification::Low)
    } else {
        None
    }
}
