//! The NetflixACAJudge-v1.0 metric classifier (Kayenta's `MannWhitneyClassifier`), with
//! the constant-sides case decided deterministically.

use crate::config::{Direction, EffectMeasure, NanStrategy, defaults};
use canary_stats::{Alternative, MannWhitneyMethod, MannWhitneyOptions, mann_whitney};

/// Kayenta's metric classification labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Label {
    /// No harmful change.
    Pass,
    /// The canary is significantly and materially higher.
    High,
    /// The canary is significantly and materially lower.
    Low,
    /// A side has no data (counted by the ≥ 50 % nodata rule).
    Nodata,
    /// A side has no data and the metric must have data: a failure in its group's
    /// score (Kayenta's `NodataFailMetric`).
    NodataFailMetric,
    /// The classification failed.
    Error,
}

impl Label {
    /// Kayenta's spelling (`Pass`, `High`, `Low`, `Nodata`, `NodataFailMetric`, `Error`).
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Pass => "Pass",
            Label::High => "High",
            Label::Low => "Low",
            Label::Nodata => "Nodata",
            Label::NodataFailMetric => "NodataFailMetric",
            Label::Error => "Error",
        }
    }
}

/// The settings of one metric's classification. The defaults are NetflixACAJudge's:
/// tolerance 0.25, confidence 0.98, mean-ratio effect with thresholds 1.0, direction
/// `either`, NaN values removed, neither critical nor required.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassifierSettings {
    /// The CI must clear `tolerance · |estimate|` for High or Low.
    pub tolerance: f64,
    /// Confidence level of the Mann–Whitney interval.
    pub confidence: f64,
    /// The effect measure: `MeanRatio` or `Cles` (others are treated as `MeanRatio`).
    pub measure: EffectMeasure,
    /// High needs an effect at least this (unless the effect is undefined).
    pub allowed_increase: f64,
    /// Low needs an effect at most this (unless the effect is undefined).
    pub allowed_decrease: f64,
    /// A High of a critical metric is critical when the effect is at least this.
    pub critical_increase: f64,
    /// A Low of a critical metric is critical when the effect is at most this.
    pub critical_decrease: f64,
    /// Which changes count.
    pub direction: Direction,
    /// Decides what an empty side means (Remove: nodata; Replace: pass).
    pub nan_strategy: NanStrategy,
    /// The metric is critical.
    pub critical: bool,
    /// The metric must have data.
    pub must_have_data: bool,
}

impl Default for ClassifierSettings {
    fn default() -> Self {
        Self {
            tolerance: defaults::KAYENTA_TOLERANCE,
            confidence: defaults::KAYENTA_CONFIDENCE,
            measure: EffectMeasure::MeanRatio,
            allowed_increase: 1.0,
            allowed_decrease: 1.0,
            critical_increase: 1.0,
            critical_decrease: 1.0,
            direction: Direction::Either,
            nan_strategy: NanStrategy::Remove,
            critical: false,
            must_have_data: false,
        }
    }
}

/// Which rule decided a classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// A side had no values.
    Empty,
    /// Both sides hold the same values (Pass).
    Identical,
    /// Every value on both sides is the same (Pass).
    SingleValue,
    /// Each side is constant, at different values: decided from the two constants
    /// (Kayenta adds random noise and runs the test instead).
    ConstantSides,
    /// The Mann–Whitney interval and the effect size decided.
    MannWhitney,
    /// The test could not run.
    Failed,
}

/// The Mann–Whitney figures behind a classification.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestFigures {
    /// Estimate of the shift canary − baseline.
    pub estimate: f64,
    /// Lower end of its confidence interval.
    pub ci_low: f64,
    /// Upper end of its confidence interval.
    pub ci_high: f64,
    /// Two-sided p-value (NaN for the constant-sides rule).
    pub p_value: f64,
    /// U of the canary (NaN for the constant-sides rule).
    pub statistic: f64,
    /// The tolerance band: High needs `ci_low > band`, Low needs `ci_high < −band`.
    pub band: f64,
}

/// The outcome of [`classify`].
#[derive(Debug, Clone, PartialEq)]
pub struct KayentaClassification {
    /// The label.
    pub label: Label,
    /// Whether this result fails the whole canary (score 0).
    pub critical: bool,
    /// Mean ratio canary / baseline (Kayenta's `deviation`; 1 when the data are
    /// identical or a side is empty, NaN when a mean is 0).
    pub deviation: f64,
    /// The configured effect measure's value (NaN when undefined or not computed).
    pub effect: f64,
    /// The rule that decided.
    pub rule: Rule,
    /// The test figures, when a comparison ran.
    pub test: Option<TestFigures>,
    /// What went wrong, for [`Rule::Failed`].
    pub error: Option<String>,
}

/// Kayenta's mean ratio `mean(canary) / mean(baseline)`; NaN when either mean is 0 or
/// a side is empty.
///
/// ```
/// use canary_judge::kayenta::mean_ratio;
/// assert_eq!(mean_ratio(&[100.0; 5], &[10.0; 5]), 0.1);
/// assert!(mean_ratio(&[0.0; 5], &[10.0; 5]).is_nan());
/// ```
pub fn mean_ratio(baseline: &[f64], canary: &[f64]) -> f64 {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    if baseline.is_empty() || canary.is_empty() {
        return f64::NAN;
    }
    let (b, c) = (mean(baseline), mean(canary));
    if b == 0.0 || c == 0.0 {
        f64::NAN
    } else {
        c / b
    }
}

/// The common-language effect size `P(canary > baseline) + ½·P(tie)` (Vargha and
/// Delaney's A, as Kayenta's `EffectSizes.cles`); NaN when a side is empty or holds a
/// NaN.
///
/// ```
/// use canary_judge::kayenta::cles;
/// assert_eq!(cles(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]), 0.5);
/// assert_eq!(cles(&[1.0, 2.0], &[3.0, 4.0]), 1.0);
/// ```
pub fn cles(baseline: &[f64], canary: &[f64]) -> f64 {
    canary_stats::effect_sizes(canary, baseline).map_or(f64::NAN, |e| e.cles)
}

fn distinct_single(values: &[f64]) -> Option<f64> {
    let first = *values.first()?;
    values.iter().all(|&v| v == first).then_some(first)
}

/// Classifies one metric as NetflixACAJudge-v1.0 does, on values already transformed
/// ([`transform`](super::transform): no NaN left):
///
/// 1. a side empty: `Nodata` (critical when the metric is; `NodataFailMetric` when the
///    metric must have data and is not critical), or `Pass` under the `replace` NaN
///    strategy;
/// 2. the same values on both sides, or a single value overall: `Pass`;
/// 3. otherwise the two-sided Mann–Whitney interval of the shift canary − baseline at
///    `confidence` (normal approximation with tie and continuity correction, as Kayenta's
///    implementation always uses): `High` when its lower end exceeds
///    `tolerance · |estimate|` and the effect is at least `allowed_increase` (or
///    undefined) and the direction watches increases; `Low` mirrored;
/// 4. a `High`/`Low` of a critical metric is critical when the effect is beyond
///    `critical_increase`/`critical_decrease` (or undefined).
///
/// When each side is constant at a different value, Kayenta adds Gaussian noise (scale
/// 1e-5 of the value, unseeded) and runs the test; here the interval is taken as the
/// point `canary − baseline`, which the noisy test approaches, so the outcome is the
/// same every time: High (or Low) when the canary constant is above (below) the
/// baseline's and the effect thresholds allow it.
///
/// ```
/// use canary_judge::kayenta::{classify, ClassifierSettings, Label};
/// let s = ClassifierSettings { tolerance: 0.1, confidence: 0.95, ..Default::default() };
/// let r = classify(&[1.0, 2.2, 1.1, 2.5, 3.0], &[20.0, 22.0, 21.0, 25.0, 30.0], &s);
/// assert_eq!(r.label, Label::High);
/// assert_eq!(classify(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0], &s).label, Label::Pass);
/// ```
pub fn classify(
    baseline: &[f64],
    canary: &[f64],
    settings: &ClassifierSettings,
) -> KayentaClassification {
    let result = |label, critical, deviation, effect, rule, test| KayentaClassification {
        label,
        critical,
        deviation,
        effect,
        rule,
        test,
        error: None,
    };
    if baseline.is_empty() || canary.is_empty() {
        return if settings.nan_strategy == NanStrategy::Remove {
            if settings.must_have_data && !settings.critical {
                result(
                    Label::NodataFailMetric,
                    false,
                    1.0,
                    f64::NAN,
                    Rule::Empty,
                    None,
                )
            } else {
                result(
                    Label::Nodata,
                    settings.critical,
                    1.0,
                    f64::NAN,
                    Rule::Empty,
                    None,
                )
            }
        } else {
            result(Label::Pass, false, 1.0, f64::NAN, Rule::Empty, None)
        };
    }
    if let Some(bad) = baseline.iter().chain(canary).find(|v| !v.is_finite()) {
        return KayentaClassification {
            error: Some(format!("a value is {bad}: transform the data first")),
            ..result(Label::Error, false, f64::NAN, f64::NAN, Rule::Failed, None)
        };
    }
    let mut b_sorted = baseline.to_vec();
    let mut c_sorted = canary.to_vec();
    canary_stats::sort_values(&mut b_sorted);
    canary_stats::sort_values(&mut c_sorted);
    if b_sorted == c_sorted {
        return result(Label::Pass, false, 1.0, f64::NAN, Rule::Identical, None);
    }
    let (b_const, c_const) = (distinct_single(&b_sorted), distinct_single(&c_sorted));
    if let (Some(b), Some(c)) = (b_const, c_const)
        && b == c
    {
        return result(Label::Pass, false, 1.0, f64::NAN, Rule::SingleValue, None);
    }
    let deviation = mean_ratio(baseline, canary);
    let (figures, effect, rule) = match (b_const, c_const) {
        (Some(b), Some(c)) => {
            let shift = c - b;
            let effect = match settings.measure {
                EffectMeasure::Cles => {
                    if c > b {
                        1.0
                    } else {
                        0.0
                    }
                }
                _ => deviation,
            };
            let figures = TestFigures {
                estimate: shift,
                ci_low: shift,
                ci_high: shift,
                p_value: f64::NAN,
                statistic: f64::NAN,
                band: settings.tolerance * shift.abs(),
            };
            (figures, effect, Rule::ConstantSides)
        }
        _ => {
            let options = MannWhitneyOptions {
                alternative: Alternative::TwoSided,
                confidence: settings.confidence,
                method: MannWhitneyMethod::Asymptotic,
                continuity_correction: true,
            };
            match mann_whitney(&c_sorted, &b_sorted, &options) {
                Ok(r) => {
                    let effect = match settings.measure {
                        EffectMeasure::Cles => r.cles(),
                        _ => deviation,
                    };
                    let figures = TestFigures {
                        estimate: r.estimate,
                        ci_low: r.confidence_interval.low,
                        ci_high: r.confidence_interval.high,
                        p_value: r.p_value,
                        statistic: r.statistic,
                        band: settings.tolerance * r.estimate.abs(),
                    };
                    (figures, effect, Rule::MannWhitney)
                }
                Err(e) => {
                    return KayentaClassification {
                        error: Some(format!("Mann-Whitney test: {e}")),
                        ..result(Label::Error, false, deviation, f64::NAN, Rule::Failed, None)
                    };
                }
            }
        }
    };
    let watches_up = settings.direction != Direction::Decrease;
    let watches_down = settings.direction != Direction::Increase;
    let (up, down) = beyond_band(&figures, rule, &b_sorted, &c_sorted, settings.confidence);
    let high = watches_up && up && (effect.is_nan() || effect >= settings.allowed_increase);
    let low =
        !high && watches_down && down && (effect.is_nan() || effect <= settings.allowed_decrease);
    let (label, critical) = if high {
        (
            Label::High,
            settings.critical && (effect.is_nan() || effect >= settings.critical_increase),
        )
    } else if low {
        (
            Label::Low,
            settings.critical && (effect.is_nan() || effect <= settings.critical_decrease),
        )
    } else {
        (Label::Pass, false)
    };
    result(label, critical, deviation, effect, rule, Some(figures))
}

/// Whether the interval lies above `+band` (`up`) or below `−band` (`down`).
///
/// An interval end that sits exactly on the band is decided by the test at that shift:
/// with heavy ties the rank statistic jumps at a pairwise difference and the interval
/// end is that jump, open or closed depending on which side the test rejects. Kayenta's
/// root finder reports a point within its tolerance past the jump instead (e.g. 3.5e-5
/// for a jump at 0), which is what its "High Metric (Large Input)" case relies on.
fn beyond_band(
    f: &TestFigures,
    rule: Rule,
    baseline: &[f64],
    canary: &[f64],
    confidence: f64,
) -> (bool, bool) {
    let mut up = f.ci_low > f.band;
    let mut down = f.ci_high < -f.band;
    if rule == Rule::MannWhitney {
        if !up && f.ci_low == f.band {
            up = rejects_at(baseline, canary, f.band, confidence).is_some_and(|z| z > 0.0);
        }
        if !down && f.ci_high == -f.band {
            down = rejects_at(baseline, canary, -f.band, confidence).is_some_and(|z| z < 0.0);
        }
    }
    (up, down)
}

/// The standardised statistic of the test of "shift = `shift`", when that test rejects
/// at `confidence` (two-sided).
fn rejects_at(baseline: &[f64], canary: &[f64], shift: f64, confidence: f64) -> Option<f64> {
    let shifted: Vec<f64> = canary.iter().map(|v| v - shift).collect();
    let options = MannWhitneyOptions {
        alternative: Alternative::TwoSided,
        confidence,
        method: MannWhitneyMethod::Asymptotic,
        continuity_correction: true,
    };
    let r = mann_whitney(&shifted, baseline, &options).ok()?;
    (r.p_value < 1.0 - confidence).then_some(r.z?)
}
