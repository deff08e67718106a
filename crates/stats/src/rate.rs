//! The exact conditional test comparing two event rates (R's two-sample `poisson.test`).
//!
//! Given `x_c` canary events over exposure `T_c` and `x_b` baseline events over `T_b`, the
//! counts are modelled as Poisson with rates `λ_c T_c` and `λ_b T_b`. Conditional on the
//! total `n = x_c + x_b`, the canary count is `Binomial(n, π)` with
//! `π = ρ T_c / (ρ T_c + T_b)` under the null hypothesis `λ_c / λ_b = ρ` (`ρ` = 1 unless
//! [`RateTestOptions::null_ratio`] says otherwise). That binomial law does not depend on
//! the unknown baseline rate, so the test is exact at any traffic level, and it needs no
//! events on either side to be valid.

use crate::binomial::{beta_quantile, dbinom, pbinom};
use crate::common::{Alternative, ConfidenceInterval, check_confidence};
use crate::error::{Result, StatsError};

/// How far a count may be from a whole number and still be taken as that number (R's
/// tolerance in `poisson.test` and `binom.test`): absorbs sums of floating-point counters.
const WHOLE_TOLERANCE: f64 = 1e-7;

/// The largest total event count accepted: `2^52`, so that every count up to it, plus one,
/// is an exact `f64`.
pub const MAX_TOTAL_EVENTS: f64 = 4_503_599_627_370_496.0;

/// Settings for [`rate_test`] and [`rate_test_totals`].
///
/// ```
/// use canary_stats::{Alternative, RateTestOptions};
///
/// let options = RateTestOptions {
///     alternative: Alternative::Greater, // is the canary's rate higher?
///     confidence: 0.99,
///     ..RateTestOptions::default()
/// };
/// assert_eq!(options.null_ratio, 1.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateTestOptions {
    /// Which difference to look for, canary compared with baseline: `Greater` tests whether
    /// the canary's rate is higher (R's `alternative`). Default two-sided.
    pub alternative: Alternative,
    /// Confidence level of the interval, strictly between 0 and 1 (R's `conf.level`).
    /// Default 0.95.
    pub confidence: f64,
    /// The rate ratio (canary over baseline) under the null hypothesis, positive and
    /// finite (R's `r`). Default 1. With `Greater` and, say, 1.2, a small p-value means the
    /// canary's rate is more than 20 % above the baseline's.
    pub null_ratio: f64,
}

impl Default for RateTestOptions {
    fn default() -> Self {
        RateTestOptions {
            alternative: Alternative::TwoSided,
            confidence: 0.95,
            null_ratio: 1.0,
        }
    }
}

/// The outcome of [`rate_test`]: p-value, rate-ratio estimate and exact confidence
/// interval, plus the quantities behind them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateTestResult {
    /// The exact p-value (R's `p.value`), in [0, 1].
    pub p_value: f64,
    /// The rate ratio `(x_c / T_c) / (x_b / T_b)` (R's `estimate`): `+inf` when the baseline
    /// has no events and the canary has some, `0` when only the canary has none, and **NaN
    /// when neither has any events** (no information about the ratio; the p-value is then 1
    /// and the interval `[0, +inf]`).
    pub estimate: f64,
    /// Exact (Clopper–Pearson) confidence interval for the rate ratio (R's `conf.int`):
    /// `[low, +inf]` for `Greater`, `[0, high]` for `Less`. Its upper end is `+inf` when the
    /// baseline has no events.
    pub confidence_interval: ConfidenceInterval,
    /// Canary events per unit of exposure, `x_c / T_c`.
    pub canary_rate: f64,
    /// Baseline events per unit of exposure, `x_b / T_b`.
    pub baseline_rate: f64,
    /// The canary's event count (rounded to the whole number it was within 1e-7 of).
    pub canary_events: f64,
    /// The baseline's event count (rounded likewise).
    pub baseline_events: f64,
    /// `x_c + x_b`, the number of trials of the conditional binomial test.
    pub total_events: f64,
    /// The share of events expected from the canary under the null hypothesis,
    /// `ρ T_c / (ρ T_c + T_b)` (the `p` R passes to `binom.test`).
    pub expected_share: f64,
    /// `total_events · expected_share`: how many of the events the canary would have had
    /// under the null hypothesis (R's `parameter` when `null_ratio` is 1; for other ratios
    /// R 4.2 divides by `T_c + ρT_b` instead of `ρT_c + T_b`).
    pub expected_canary_events: f64,
    /// The exact confidence interval for the canary's share of the events (R's
    /// `binom.test(x_c, x_c + x_b)$conf.int`); `confidence_interval` is this interval
    /// mapped through `s ↦ s/(1−s) · T_b/T_c`.
    pub share_interval: ConfidenceInterval,
    /// The null rate ratio tested against.
    pub null_ratio: f64,
    /// The alternative tested.
    pub alternative: Alternative,
}

/// Exact conditional test of two Poisson event rates: does the canary produce events
/// (errors, restarts, …) per unit of exposure at the same rate as the baseline?
///
/// `canary_events` events were seen over `canary_exposure` (requests, seconds, …) on the
/// canary and `baseline_events` over `baseline_exposure` on the baseline. The result
/// matches R's
/// `poisson.test(c(canary_events, baseline_events), c(canary_exposure, baseline_exposure),
/// r = null_ratio, alternative, conf.level = confidence)`:
///
/// * conditional on the total `n`, `x_c ~ Binomial(n, π)`, `π = ρT_c/(ρT_c + T_b)`;
/// * p-value as R's `binom.test`: `Less` is `P(X ≤ x_c)`, `Greater` is `P(X ≥ x_c)`, and
///   two-sided sums the probabilities of all outcomes no more likely than the observed
///   one (with R's relative tolerance `1 + 1e-7` for ties). The outcomes are never
///   enumerated: the binomial mass is unimodal, so the cut-off on the other side of the
///   mode is found by binary search (`O(log n)` mass evaluations) and the two tails come
///   from the incomplete beta function;
/// * the estimate `(x_c/T_c)/(x_b/T_b)`;
/// * the Clopper–Pearson interval for the canary's share of the events (beta quantiles,
///   R's `qbeta`), mapped to the ratio scale by `s ↦ s/(1−s) · T_b/T_c`. The odds
///   `s/(1−s)` are computed from the quantile's log-odds rather than from `s`, so they stay
///   accurate when `s` is close to 1 (many more canary than baseline events), where R's
///   `pp/(1 - pp)` loses digits: with a million canary events against one, R's upper end
///   is off by 1.2e-9 relative, ours by less than 1e-14.
///
/// Zero events are fine on either side or both (see [`RateTestResult::estimate`]).
/// Counts must be non-negative whole numbers (within 1e-7, as R allows; they are then
/// rounded) with a total of at most [`MAX_TOTAL_EVENTS`]; exposures positive and finite.
/// A call takes about 10–20 µs (release build) at any size, from a dozen events to 4e15.
///
/// # Errors
///
/// [`StatsError::InvalidCount`] for a negative, fractional, NaN or infinite count;
/// [`StatsError::InvalidExposure`] for an exposure that is not positive and finite;
/// [`StatsError::InvalidConfidence`] for a confidence outside (0, 1);
/// [`StatsError::InvalidArgument`] for a `null_ratio` that is not positive and finite, or
/// more than [`MAX_TOTAL_EVENTS`] events in all.
///
/// # Example
///
/// ```
/// use canary_stats::{rate_test, Alternative, RateTestOptions};
///
/// // 12 errors in 1,000 canary requests against 30 in 10,000 baseline requests.
/// let r = rate_test(12.0, 1_000.0, 30.0, 10_000.0, &RateTestOptions::default()).unwrap();
/// assert!((r.estimate - 4.0).abs() < 1e-12);          // 1.2 % vs 0.3 %
/// assert!((r.p_value - 2.603342475290819e-4).abs() < 1e-15); // R
/// assert!((r.confidence_interval.low - 1.8650910683417898).abs() < 1e-12);
/// ///
/// // No baseline errors at all still gives a valid test.
/// let options = RateTestOptions { alternative: Alternative::Greater, ..Default::default() };
/// let r = rate_test(5.0, 1_000.0, 0.0, 1_000.0, &options).unwrap();
/// assert_eq!(r.estimate, f64::INFINITY);
/// assert!((r.p_value - 0.03125).abs() < 1e-15);        // 0.5^5
/// assert_eq!(r.confidence_interval.high, f64::INFINITY);
/// ```
pub fn rate_test(
    canary_events: f64,
    canary_exposure: f64,
    baseline_events: f64,
    baseline_exposure: f64,
    options: &RateTestOptions,
) -> Result<RateTestResult> {
    let x_c = whole_count("canary_events", canary_events)?;
    let x_b = whole_count("baseline_events", baseline_events)?;
    let t_c = exposure("canary_exposure", canary_exposure)?;
    let t_b = exposure("baseline_exposure", baseline_exposure)?;
    check_confidence(options.confidence)?;
    let ratio = options.null_ratio;
    if !(ratio.is_finite() && ratio > 0.0) {
        return Err(StatsError::InvalidArgument {
            name: "null_ratio",
            problem: format!("must be positive and finite, got {ratio}"),
        });
    }
    let n = x_c + x_b;
    if n > MAX_TOTAL_EVENTS {
        return Err(StatsError::InvalidArgument {
            name: "canary_events + baseline_events",
            problem: format!("{n} events in all; at most 2^52 = {MAX_TOTAL_EVENTS} supported"),
        });
    }

    let share = null_share(ratio, t_c, t_b);
    let p_value = binomial_p_value(x_c, n, share, options.alternative).min(1.0);
    let (share_interval, odds_interval) =
        clopper_pearson(x_c, n, options.confidence, options.alternative);
    // R: pp / (1 - pp) * T[2] / T[1]; odds_interval holds pp / (1 - pp).
    let to_ratio = |odds: f64| odds * t_b / t_c;
    let confidence_interval = ConfidenceInterval {
        low: to_ratio(odds_interval.0),
        high: to_ratio(odds_interval.1),
        level: options.confidence,
    };
    let canary_rate = x_c / t_c;
    let baseline_rate = x_b / t_b;
    Ok(RateTestResult {
        p_value,
        estimate: canary_rate / baseline_rate,
        confidence_interval,
        canary_rate,
        baseline_rate,
        canary_events: x_c,
        baseline_events: x_b,
        total_events: n,
        expected_share: share,
        expected_canary_events: n * share,
        share_interval,
        null_ratio: ratio,
        alternative: options.alternative,
    })
}

/// [`rate_test`] for "events out of totals", such as 5xx responses out of requests: the
/// request totals are the exposures, which is how Canary Judge compares error rates.
///
/// This treats the events as Poisson with the total as exposure. For rare events (error
/// rates of a few percent or less) that is the standard and accurate model; when events
/// are a large fraction of the total the test is conservative, and a two-binomial test
/// (Fisher's exact) would be the exact one.
///
/// # Errors
///
/// As [`rate_test`] (a total is validated as an exposure, with the names `canary_total`
/// and `baseline_total`), plus [`StatsError::EventsExceedTotal`] when a side has more
/// events than its total.
///
/// ```
/// use canary_stats::{rate_test_totals, RateTestOptions, StatsError};
///
/// let r = rate_test_totals(3.0, 2_000.0, 4.0, 8_000.0, &RateTestOptions::default()).unwrap();
/// assert!((r.estimate - 3.0).abs() < 1e-12);
///
/// let err = rate_test_totals(30.0, 20.0, 4.0, 8_000.0, &RateTestOptions::default());
/// assert!(matches!(err, Err(StatsError::EventsExceedTotal { .. })));
/// ```
pub fn rate_test_totals(
    canary_events: f64,
    canary_total: f64,
    baseline_events: f64,
    baseline_total: f64,
    options: &RateTestOptions,
) -> Result<RateTestResult> {
    let x_c = whole_count("canary_events", canary_events)?;
    let x_b = whole_count("baseline_events", baseline_events)?;
    let t_c = exposure("canary_total", canary_total)?;
    let t_b = exposure("baseline_total", baseline_total)?;
    for (name, events, total) in [("canary", x_c, t_c), ("baseline", x_b, t_b)] {
        if events > total {
            return Err(StatsError::EventsExceedTotal {
                name,
                events,
                total,
            });
        }
    }
    rate_test(x_c, t_c, x_b, t_b, options)
}

/// A non-negative whole count (within R's 1e-7), rounded.
fn whole_count(name: &'static str, value: f64) -> Result<f64> {
    let rounded = value.round();
    if value.is_finite() && value >= 0.0 && (value - rounded).abs() <= WHOLE_TOLERANCE {
        Ok(rounded)
    } else {
        Err(StatsError::InvalidCount { name, value })
    }
}

/// A positive, finite exposure.
fn exposure(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(StatsError::InvalidExposure { name, value })
    }
}

/// `ρT_c / (ρT_c + T_b)` exactly as R computes it, without overflow for huge exposures.
fn null_share(ratio: f64, t_c: f64, t_b: f64) -> f64 {
    let scaled = ratio * t_c;
    let sum = scaled + t_b;
    if scaled.is_finite() && sum.is_finite() {
        scaled / sum
    } else {
        1.0 / (1.0 + t_b / t_c / ratio)
    }
}

/// The p-value of R's `binom.test(x, n, p, alternative)` before R's `min(1, ·)`.
fn binomial_p_value(x: f64, n: f64, p: f64, alternative: Alternative) -> f64 {
    match alternative {
        Alternative::Less => pbinom(x, n, p, true),
        Alternative::Greater => pbinom(x - 1.0, n, p, false),
        Alternative::TwoSided => two_sided_p_value(x, n, p),
    }
}

/// Two-sided p-value: the total probability of outcomes whose probability is at most
/// `dbinom(x) · (1 + 1e-7)`.
///
/// The outcomes on the observed side of the mean are exactly those at least as far out as
/// `x`; on the other side the mass is monotone (the mode lies within one of `np`), so the
/// qualifying outcomes form a tail whose first member is found by binary search.
fn two_sided_p_value(x: f64, n: f64, p: f64) -> f64 {
    // R's tolerance for ties between outcomes of equal probability.
    const RELATIVE_TOLERANCE: f64 = 1.0 + 1e-7;
    if p == 0.0 {
        return if x == 0.0 { 1.0 } else { 0.0 };
    }
    if p == 1.0 {
        return if x == n { 1.0 } else { 0.0 };
    }
    let threshold = dbinom(x, n, p) * RELATIVE_TOLERANCE;
    let mean = n * p;
    let qualifies = |k: f64| dbinom(k, n, p) <= threshold;
    if x == mean {
        1.0
    } else if x < mean {
        // Outcomes ceil(mean)..=n, mass non-increasing: find the first that qualifies.
        let first = first_true(mean.ceil(), n, qualifies);
        pbinom(x, n, p, true) + pbinom(first - 1.0, n, p, false)
    } else {
        // Outcomes 0..=floor(mean), mass non-decreasing: find the first that does not
        // qualify; those below it do.
        let first_above = first_true(0.0, mean.floor(), |k| !qualifies(k));
        pbinom(first_above - 1.0, n, p, true) + pbinom(x - 1.0, n, p, false)
    }
}

/// The smallest whole `k` in `[from, to]` with `predicate(k)`, or `to + 1` if none, for a
/// predicate that is false then true along the range. Whole numbers up to 2^53.
fn first_true(from: f64, to: f64, predicate: impl Fn(f64) -> bool) -> f64 {
    let mut low = from;
    let mut high = to + 1.0;
    while low < high {
        let middle = (low + ((high - low) * 0.5).floor()).min(high - 1.0);
        if predicate(middle) {
            high = middle;
        } else {
            low = middle + 1.0;
        }
    }
    low
}

/// R's `binom.test` Clopper–Pearson interval for `x` successes in `n`, and the same
/// interval as odds `s/(1−s)` computed from the quantiles' log-odds.
fn clopper_pearson(
    x: f64,
    n: f64,
    confidence: f64,
    alternative: Alternative,
) -> (ConfidenceInterval, (f64, f64)) {
    // Lower end for tail probability alpha: qbeta(alpha, x, n − x + 1); 0 when x = 0.
    let lower_end = |alpha: f64| -> (f64, f64) {
        if x == 0.0 {
            (0.0, 0.0)
        } else {
            let q = beta_quantile(alpha, x, n - x + 1.0, true);
            (q.q, q.log_odds.exp())
        }
    };
    // Upper end: qbeta(1 − alpha, x + 1, n − x), solved as an upper-tail probability
    // alpha; 1 when x = n.
    let upper_end = |alpha: f64| -> (f64, f64) {
        if x == n {
            (1.0, f64::INFINITY)
        } else {
            let q = beta_quantile(alpha, x + 1.0, n - x, false);
            (q.q, q.log_odds.exp())
        }
    };
    let ((low, low_odds), (high, high_odds)) = match alternative {
        Alternative::Less => ((0.0, 0.0), upper_end(1.0 - confidence)),
        Alternative::Greater => (lower_end(1.0 - confidence), (1.0, f64::INFINITY)),
        Alternative::TwoSided => {
            let alpha = (1.0 - confidence) / 2.0;
            (lower_end(alpha), upper_end(alpha))
        }
    };
    (
        ConfidenceInterval {
            low,
            high,
            level: confidence,
        },
        (low_odds, high_odds),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default() -> RateTestOptions {
        RateTestOptions::default()
    }

    #[test]
    fn rejects_bad_counts() {
        for bad in [
            -1.0,
            2.5,
            1.0 + 1e-6,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            let err = rate_test(bad, 1.0, 3.0, 1.0, &default()).unwrap_err();
            assert!(
                matches!(
                    err,
                    StatsError::InvalidCount {
                        name: "canary_events",
                        ..
                    }
                ),
                "{bad}: {err:?}"
            );
            let err = rate_test(3.0, 1.0, bad, 1.0, &default()).unwrap_err();
            assert!(
                matches!(
                    err,
                    StatsError::InvalidCount {
                        name: "baseline_events",
                        ..
                    }
                ),
                "{bad}: {err:?}"
            );
        }
        assert_eq!(
            rate_test(-1.0, 1.0, 3.0, 1.0, &default())
                .unwrap_err()
                .to_string(),
            "canary_events must be a non-negative whole number, got -1"
        );
    }

    #[test]
    fn accepts_counts_within_r_tolerance() {
        let r = rate_test(3.0 + 1e-9, 1.0, 4.0 - 1e-9, 1.0, &default()).unwrap();
        assert_eq!(r.canary_events, 3.0);
        assert_eq!(r.baseline_events, 4.0);
        // -0.0 is a valid zero.
        assert!(rate_test(-0.0, 1.0, 0.0, 1.0, &default()).is_ok());
    }

    #[test]
    fn rejects_bad_exposures() {
        for bad in [0.0, -0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let err = rate_test(1.0, bad, 3.0, 1.0, &default()).unwrap_err();
            assert!(
                matches!(
                    err,
                    StatsError::InvalidExposure {
                        name: "canary_exposure",
                        ..
                    }
                ),
                "{bad}: {err:?}"
            );
            let err = rate_test(1.0, 1.0, 3.0, bad, &default()).unwrap_err();
            assert!(
                matches!(
                    err,
                    StatsError::InvalidExposure {
                        name: "baseline_exposure",
                        ..
                    }
                ),
                "{bad}: {err:?}"
            );
            let err = rate_test_totals(1.0, bad, 3.0, 10.0, &default()).unwrap_err();
            assert!(
                matches!(
                    err,
                    StatsError::InvalidExposure {
                        name: "canary_total",
                        ..
                    }
                ),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn rejects_bad_options() {
        for confidence in [0.0, 1.0, -0.5, 1.5, f64::NAN, f64::INFINITY] {
            let options = RateTestOptions {
                confidence,
                ..default()
            };
            let err = rate_test(1.0, 1.0, 3.0, 1.0, &options).unwrap_err();
            assert!(matches!(err, StatsError::InvalidConfidence(_)), "{err:?}");
        }
        for null_ratio in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let options = RateTestOptions {
                null_ratio,
                ..default()
            };
            let err = rate_test(1.0, 1.0, 3.0, 1.0, &options).unwrap_err();
            assert!(
                matches!(
                    err,
                    StatsError::InvalidArgument {
                        name: "null_ratio",
                        ..
                    }
                ),
                "{err:?}"
            );
        }
    }

    #[test]
    fn rejects_too_many_events() {
        let err = rate_test(MAX_TOTAL_EVENTS, 1.0, 1.0, 1.0, &default()).unwrap_err();
        assert!(matches!(err, StatsError::InvalidArgument { .. }), "{err:?}");
        assert!(rate_test(1e300, 1.0, 1.0, 1.0, &default()).is_err());
    }

    #[test]
    fn totals_reject_events_above_total() {
        let err = rate_test_totals(3.0, 2.0, 1.0, 10.0, &default()).unwrap_err();
        assert_eq!(
            err,
            StatsError::EventsExceedTotal {
                name: "canary",
                events: 3.0,
                total: 2.0
            }
        );
        let err = rate_test_totals(1.0, 2.0, 11.0, 10.0, &default()).unwrap_err();
        assert!(matches!(
            err,
            StatsError::EventsExceedTotal {
                name: "baseline",
                ..
            }
        ));
        // Events equal to the total are allowed.
        assert!(rate_test_totals(2.0, 2.0, 10.0, 10.0, &default()).is_ok());
    }

    #[test]
    fn no_events_anywhere() {
        for alternative in [
            Alternative::TwoSided,
            Alternative::Less,
            Alternative::Greater,
        ] {
            let options = RateTestOptions {
                alternative,
                ..default()
            };
            let r = rate_test(0.0, 10.0, 0.0, 20.0, &options).unwrap();
            assert_eq!(r.p_value, 1.0);
            assert!(r.estimate.is_nan());
            assert_eq!(r.confidence_interval.low, 0.0);
            assert_eq!(r.confidence_interval.high, f64::INFINITY);
        }
    }

    fn assert_rel(actual: f64, expected: f64, tolerance: f64) {
        let err = ((actual - expected) / expected).abs();
        assert!(
            err <= tolerance,
            "actual {actual:e}, expected {expected:e}, error {err:e}"
        );
    }

    #[test]
    fn zero_baseline_and_zero_canary() {
        // R: poisson.test(c(5, 0), c(1, 2))
        let r = rate_test(5.0, 1.0, 0.0, 2.0, &default()).unwrap();
        assert_eq!(r.estimate, f64::INFINITY);
        assert_rel(r.p_value, 0.004115226337448557, 1e-14);
        assert_rel(r.confidence_interval.low, 1.832_711_714_630_920_2, 1e-13);
        assert_eq!(r.confidence_interval.high, f64::INFINITY);
        // R: poisson.test(c(0, 5), c(1, 2))
        let r = rate_test(0.0, 1.0, 5.0, 2.0, &default()).unwrap();
        assert_eq!(r.estimate, 0.0);
        assert_rel(r.p_value, 0.176_954_732_510_288_12, 1e-14);
        assert_eq!(r.confidence_interval.low, 0.0);
        assert_rel(r.confidence_interval.high, 2.182558210365092, 1e-13);
    }

    #[test]
    fn first_true_finds_boundaries() {
        assert_eq!(first_true(0.0, 10.0, |k| k >= 4.0), 4.0);
        assert_eq!(first_true(0.0, 10.0, |_| false), 11.0);
        assert_eq!(first_true(3.0, 10.0, |_| true), 3.0);
        assert_eq!(first_true(5.0, 4.0, |_| true), 5.0);
        let big = 2f64.powi(52);
        assert_eq!(first_true(0.0, big, |k| k >= big - 7.0), big - 7.0);
    }

    #[test]
    fn huge_exposures_do_not_overflow() {
        let r = rate_test(10.0, 1e308, 10.0, 1e308, &default()).unwrap();
        assert_eq!(r.expected_share, 0.5);
        assert_eq!(r.p_value, 1.0);
    }
}
