//! Properties of `rate_test` that hold for any input: p-values are probabilities, swapping
//! canary and baseline mirrors the result, intervals contain the estimate and widen with
//! the confidence level, and bad input is an error, never a panic.

use canary_stats::{Alternative, RateTestOptions, RateTestResult, rate_test, rate_test_totals};
use proptest::prelude::*;

fn count() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => 0u32..20,
        3 => 0u32..3_000,
        1 => 0u32..2_000_000,
    ]
    .prop_map(f64::from)
}

fn exposure() -> impl Strategy<Value = f64> {
    prop_oneof![(1u32..100_000).prop_map(f64::from), 1e-3f64..1e7,]
}

fn alternative() -> impl Strategy<Value = Alternative> {
    prop_oneof![
        Just(Alternative::TwoSided),
        Just(Alternative::Less),
        Just(Alternative::Greater),
    ]
}

fn mirrored(alternative: Alternative) -> Alternative {
    match alternative {
        Alternative::TwoSided => Alternative::TwoSided,
        Alternative::Less => Alternative::Greater,
        Alternative::Greater => Alternative::Less,
    }
}

fn run(
    x_c: f64,
    t_c: f64,
    x_b: f64,
    t_b: f64,
    alternative: Alternative,
    confidence: f64,
) -> RateTestResult {
    let options = RateTestOptions {
        alternative,
        confidence,
        ..RateTestOptions::default()
    };
    rate_test(x_c, t_c, x_b, t_b, &options).expect("valid input")
}

/// `a` and `b` agree to `relative` (or both are the same infinity, or both NaN); values
/// below 1e-300 count as 0.
fn close(a: f64, b: f64, relative: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    if a.is_infinite() || b.is_infinite() {
        return a == b;
    }
    (a - b).abs() <= relative * a.abs().max(b.abs()) + 1e-300
}

/// 1/v, with 1/0 = +inf and 1/inf = 0.
fn reciprocal(v: f64) -> f64 {
    1.0 / v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn p_value_is_a_probability(
        x_c in count(), t_c in exposure(), x_b in count(), t_b in exposure(),
        alternative in alternative(), confidence in 0.01f64..0.9999,
    ) {
        let r = run(x_c, t_c, x_b, t_b, alternative, confidence);
        prop_assert!((0.0..=1.0).contains(&r.p_value), "p = {}", r.p_value);
        prop_assert!(r.confidence_interval.low >= 0.0);
        prop_assert!(r.confidence_interval.low <= r.confidence_interval.high);
        prop_assert!(r.share_interval.low >= 0.0 && r.share_interval.high <= 1.0);
        prop_assert_eq!(r.total_events, x_c + x_b);
    }

    #[test]
    fn swapping_sides_mirrors_the_result(
        x_c in count(), t_c in exposure(), x_b in count(), t_b in exposure(),
        alternative in alternative(), confidence in 0.5f64..0.9999,
    ) {
        let r = run(x_c, t_c, x_b, t_b, alternative, confidence);
        let s = run(x_b, t_b, x_c, t_c, mirrored(alternative), confidence);
        prop_assert!(close(r.p_value, s.p_value, 1e-9), "p {} vs {}", r.p_value, s.p_value);
        prop_assert!(
            close(r.estimate, reciprocal(s.estimate), 1e-12),
            "estimate {} vs 1/{}", r.estimate, s.estimate
        );
        prop_assert!(
            close(r.confidence_interval.low, reciprocal(s.confidence_interval.high), 1e-9),
            "low {} vs 1/{}", r.confidence_interval.low, s.confidence_interval.high
        );
        prop_assert!(
            close(r.confidence_interval.high, reciprocal(s.confidence_interval.low), 1e-9),
            "high {} vs 1/{}", r.confidence_interval.high, s.confidence_interval.low
        );
    }

    #[test]
    fn interval_contains_the_estimate(
        x_c in count(), t_c in exposure(), x_b in count(), t_b in exposure(),
        alternative in alternative(), confidence in 0.5f64..0.9999,
    ) {
        let r = run(x_c, t_c, x_b, t_b, alternative, confidence);
        if x_c + x_b == 0.0 {
            prop_assert!(r.estimate.is_nan());
            prop_assert_eq!(r.p_value, 1.0);
            prop_assert_eq!((r.confidence_interval.low, r.confidence_interval.high), (0.0, f64::INFINITY));
        } else {
            prop_assert!(
                r.confidence_interval.contains(r.estimate),
                "{} not in [{}, {}]", r.estimate, r.confidence_interval.low, r.confidence_interval.high
            );
            let share = x_c / (x_c + x_b);
            prop_assert!(r.share_interval.contains(share));
        }
    }

    #[test]
    fn two_sided_interval_contains_the_estimate_at_any_level(
        x_c in count(), t_c in exposure(), x_b in count(), t_b in exposure(),
        confidence in 0.001f64..0.5,
    ) {
        let r = run(x_c, t_c, x_b, t_b, Alternative::TwoSided, confidence);
        prop_assume!(x_c + x_b > 0.0);
        prop_assert!(r.confidence_interval.contains(r.estimate));
    }

    #[test]
    fn interval_widens_with_confidence(
        x_c in count(), t_c in exposure(), x_b in count(), t_b in exposure(),
        alternative in alternative(), low_level in 0.01f64..0.99, step in 0.0001f64..0.5,
    ) {
        let high_level = (low_level + step).min(0.9999);
        let narrow = run(x_c, t_c, x_b, t_b, alternative, low_level);
        let wide = run(x_c, t_c, x_b, t_b, alternative, high_level);
        let slack = 1e-12;
        prop_assert!(
            wide.confidence_interval.low <= narrow.confidence_interval.low * (1.0 + slack),
            "low {} > {}", wide.confidence_interval.low, narrow.confidence_interval.low
        );
        prop_assert!(
            wide.confidence_interval.high >= narrow.confidence_interval.high * (1.0 - slack),
            "high {} < {}", wide.confidence_interval.high, narrow.confidence_interval.high
        );
        // The p-value does not depend on the confidence level.
        prop_assert_eq!(wide.p_value, narrow.p_value);
    }

    #[test]
    fn more_canary_events_lower_the_greater_p_value(
        x_c in count(), t_c in exposure(), x_b in count(), t_b in exposure(),
    ) {
        let r = run(x_c, t_c, x_b, t_b, Alternative::Greater, 0.95);
        let more = run(x_c + 1.0, t_c, x_b, t_b, Alternative::Greater, 0.95);
        // P(X >= x) over Binomial(n, p): one more canary event, one more trial.
        prop_assert!(more.p_value <= r.p_value * (1.0 + 1e-9) + 1e-300);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic(
        x_c in any::<f64>(), t_c in any::<f64>(), x_b in any::<f64>(), t_b in any::<f64>(),
        confidence in any::<f64>(), null_ratio in any::<f64>(), alternative in alternative(),
    ) {
        let options = RateTestOptions { alternative, confidence, null_ratio };
        let valid_count = |x: f64| x.is_finite() && x >= 0.0 && (x - x.round()).abs() <= 1e-7;
        let valid_exposure = |t: f64| t.is_finite() && t > 0.0;
        let result = rate_test(x_c, t_c, x_b, t_b, &options);
        let valid = valid_count(x_c)
            && valid_count(x_b)
            && valid_exposure(t_c)
            && valid_exposure(t_b)
            && confidence > 0.0
            && confidence < 1.0
            && null_ratio.is_finite()
            && null_ratio > 0.0
            && x_c.round() + x_b.round() <= canary_stats::MAX_TOTAL_EVENTS;
        prop_assert_eq!(result.is_ok(), valid, "{:?}", result);
        let _ = rate_test_totals(x_c, t_c, x_b, t_b, &options);
    }

    #[test]
    fn fractional_negative_and_non_finite_counts_are_rejected(
        whole in 0u32..1000, fraction in 0.001f64..0.999,
        t in exposure(),
    ) {
        let options = RateTestOptions::default();
        let w = f64::from(whole);
        for bad in [w + fraction, -w - 1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            prop_assert!(rate_test(bad, t, 3.0, t, &options).is_err());
            prop_assert!(rate_test(3.0, t, bad, t, &options).is_err());
        }
        for bad in [0.0, -t, f64::NAN, f64::INFINITY] {
            prop_assert!(rate_test(w, bad, 3.0, t, &options).is_err());
            prop_assert!(rate_test(w, t, 3.0, bad, &options).is_err());
        }
    }
}

#[test]
fn extreme_but_valid_inputs_do_not_panic() {
    let options = RateTestOptions::default();
    let big = canary_stats::MAX_TOTAL_EVENTS;
    for (x_c, t_c, x_b, t_b) in [
        (big - 1.0, 1.0, 1.0, 1.0),
        (1.0, 1.0, big - 1.0, 1.0),
        (big / 2.0, 1.0, big / 2.0, 1.0),
        (1e6, f64::MAX, 1e6, f64::MIN_POSITIVE),
        (1e6, 5e-324, 1e6, 1e308),
        (0.0, 5e-324, 5.0, f64::MAX),
        (3.0, 1e-300, 4.0, 1e300),
    ] {
        for alternative in [
            Alternative::TwoSided,
            Alternative::Less,
            Alternative::Greater,
        ] {
            let o = RateTestOptions {
                alternative,
                confidence: 0.999_999,
                ..options
            };
            let r = rate_test(x_c, t_c, x_b, t_b, &o).unwrap();
            assert!((0.0..=1.0).contains(&r.p_value), "{r:?}");
            assert!(!r.confidence_interval.low.is_nan(), "{r:?}");
            assert!(!r.confidence_interval.high.is_nan(), "{r:?}");
        }
    }
}
