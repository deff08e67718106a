//! Properties of `mann_whitney` that must hold for any data.

use canary_stats::{Alternative, MannWhitneyMethod, MannWhitneyOptions, mann_whitney};
use proptest::prelude::*;

fn options(alternative: Alternative, confidence: f64) -> MannWhitneyOptions {
    MannWhitneyOptions {
        alternative,
        confidence,
        ..Default::default()
    }
}

/// Values on a 1/8 grid: sums and differences are exact, and ties are common.
fn grid_sample(max_len: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec((-400i32..400).prop_map(|v| f64::from(v) / 8.0), 1..max_len)
}

/// Continuous-looking values (ties unlikely).
fn smooth_sample(max_len: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-1e3f64..1e3, 1..max_len)
}

fn sample() -> impl Strategy<Value = Vec<f64>> {
    prop_oneof![grid_sample(120), smooth_sample(120)]
}

fn brute_differences(x: &[f64], y: &[f64]) -> Vec<f64> {
    let mut d: Vec<f64> = x
        .iter()
        .flat_map(|&a| y.iter().map(move |&b| a - b))
        .collect();
    d.sort_unstable_by(f64::total_cmp);
    d
}

fn all_tied(x: &[f64], y: &[f64]) -> bool {
    x.iter().chain(y).all(|&v| v == x[0])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn p_values_are_probabilities_and_u_statistics_add_up(x in sample(), y in sample()) {
        prop_assume!(!all_tied(&x, &y));
        for alternative in [Alternative::TwoSided, Alternative::Less, Alternative::Greater] {
            let r = mann_whitney(&x, &y, &options(alternative, 0.95)).unwrap();
            prop_assert!((0.0..=1.0).contains(&r.p_value), "p = {}", r.p_value);
            let swapped = mann_whitney(&y, &x, &options(alternative, 0.95)).unwrap();
            prop_assert_eq!(r.statistic + swapped.statistic, (x.len() * y.len()) as f64);
        }
    }

    #[test]
    fn swapping_samples_mirrors_everything(x in sample(), y in sample()) {
        prop_assume!(!all_tied(&x, &y));
        let two = mann_whitney(&x, &y, &options(Alternative::TwoSided, 0.9)).unwrap();
        let back = mann_whitney(&y, &x, &options(Alternative::TwoSided, 0.9)).unwrap();
        // P-values agree up to the last bits of the normal tail functions.
        prop_assert!((two.p_value - back.p_value).abs() <= 1e-12 * two.p_value.max(1e-300));
        prop_assert_eq!(two.estimate, -back.estimate);
        prop_assert_eq!(two.confidence_interval.low, -back.confidence_interval.high);
        prop_assert_eq!(two.confidence_interval.high, -back.confidence_interval.low);
        let greater = mann_whitney(&x, &y, &options(Alternative::Greater, 0.9)).unwrap();
        let less_swapped = mann_whitney(&y, &x, &options(Alternative::Less, 0.9)).unwrap();
        prop_assert!((greater.p_value - less_swapped.p_value).abs() <= 1e-12 * greater.p_value.max(1e-300));
    }

    #[test]
    fn shifting_one_sample_shifts_estimate_and_interval(
        x in grid_sample(80), y in grid_sample(80), shift in (-80i32..80).prop_map(|v| f64::from(v) / 8.0)
    ) {
        prop_assume!(!all_tied(&x, &y));
        let base = mann_whitney(&x, &y, &options(Alternative::TwoSided, 0.95)).unwrap();
        let moved: Vec<f64> = x.iter().map(|v| v + shift).collect();
        let after = mann_whitney(&moved, &y, &options(Alternative::TwoSided, 0.95));
        // Shifting can make every value equal (no variance): then an error is right.
        if let Ok(after) = after {
            prop_assert_eq!(after.estimate, base.estimate + shift);
            // The interval moves by the shift whenever the method stays the same (the
            // exact path depends on ties, which a shift can create or remove).
            if after.method == base.method {
                prop_assert_eq!(after.confidence_interval.low, base.confidence_interval.low + shift);
                prop_assert_eq!(after.confidence_interval.high, base.confidence_interval.high + shift);
            }
        }
    }

    #[test]
    fn interval_holds_the_estimate_and_widens_with_confidence(x in sample(), y in sample()) {
        prop_assume!(!all_tied(&x, &y));
        let mut previous: Option<(f64, f64)> = None;
        for confidence in [0.5, 0.8, 0.95, 0.99] {
            let r = mann_whitney(&x, &y, &options(Alternative::TwoSided, confidence)).unwrap();
            let ci = r.confidence_interval;
            prop_assert!(ci.low <= ci.high);
            if let Some((low, high)) = previous {
                prop_assert!(ci.low <= low && high <= ci.high, "{confidence}: {ci:?} vs ({low}, {high})");
            }
            previous = Some((ci.low, ci.high));
        }
        let r = mann_whitney(&x, &y, &options(Alternative::TwoSided, 0.95)).unwrap();
        prop_assert!(r.confidence_interval.contains(r.estimate), "{r:?}");
    }

    #[test]
    fn estimate_and_interval_are_order_statistics_of_the_differences(x in sample(), y in sample()) {
        prop_assume!(!all_tied(&x, &y));
        let diffs = brute_differences(&x, &y);
        let r = mann_whitney(&x, &y, &options(Alternative::TwoSided, 0.95)).unwrap();
        let mid = diffs.len() / 2;
        let median = if diffs.len() % 2 == 1 { diffs[mid] } else { (diffs[mid - 1] + diffs[mid]) / 2.0 };
        prop_assert_eq!(r.estimate, median);
        prop_assert!(diffs.binary_search_by(|d| d.total_cmp(&r.confidence_interval.low)).is_ok());
        prop_assert!(diffs.binary_search_by(|d| d.total_cmp(&r.confidence_interval.high)).is_ok());
    }

    #[test]
    fn input_order_does_not_matter(x in sample(), y in sample(), seed in any::<u64>()) {
        prop_assume!(!all_tied(&x, &y));
        let mut shuffled = x.clone();
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let a = mann_whitney(&x, &y, &MannWhitneyOptions::default()).unwrap();
        let b = mann_whitney(&shuffled, &y, &MannWhitneyOptions::default()).unwrap();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn any_input_gives_a_result_or_an_error_never_a_panic(
        x in prop::collection::vec(any::<f64>(), 0..20),
        y in prop::collection::vec(any::<f64>(), 0..20),
        confidence in any::<f64>(),
    ) {
        let _ = mann_whitney(&x, &y, &options(Alternative::TwoSided, confidence));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The normal approximation approaches the exact p-value as the samples grow.
    #[test]
    fn exact_and_asymptotic_p_values_converge(
        x in prop::collection::vec(0.0f64..1.0, 45..49),
        y in prop::collection::vec(0.0f64..1.0, 45..49),
        small in prop::collection::vec(0.0f64..1.0, 6..7),
    ) {
        let exact = |a: &[f64], b: &[f64]| mann_whitney(a, b, &MannWhitneyOptions { method: MannWhitneyMethod::Exact, ..Default::default() }).unwrap().p_value;
        let normal = |a: &[f64], b: &[f64]| mann_whitney(a, b, &MannWhitneyOptions { method: MannWhitneyMethod::Asymptotic, ..Default::default() }).unwrap().p_value;
        // Near 47 values per side the approximation is within half a percentage point.
        prop_assert!((exact(&x, &y) - normal(&x, &y)).abs() < 5e-3);
        // With 6 values per side it can be off by more, but not by more than a few points.
        let (a, b) = (&small[..3], &small[3..]);
        prop_assert!((exact(a, b) - normal(a, b)).abs() < 0.2);
    }
}

#[test]
fn errors_name_the_problem() {
    let opts = MannWhitneyOptions::default();
    assert_eq!(
        mann_whitney(&[], &[1.0], &opts).unwrap_err().to_string(),
        "x has 0 value(s); at least 1 needed"
    );
    assert_eq!(
        mann_whitney(&[1.0], &[2.0, f64::NEG_INFINITY], &opts)
            .unwrap_err()
            .to_string(),
        "y[1] is -infinity; remove or replace missing values first"
    );
    assert_eq!(
        mann_whitney(&[1.0], &[2.0], &options(Alternative::TwoSided, 1.0))
            .unwrap_err()
            .to_string(),
        "confidence must be strictly between 0 and 1, got 1"
    );
    let tied = mann_whitney(&[3.0; 60], &[3.0; 60], &opts).unwrap_err();
    assert!(
        tied.to_string().contains("all 120 observations are equal"),
        "{tied}"
    );
    let huge = MannWhitneyOptions {
        method: MannWhitneyMethod::Exact,
        ..opts
    };
    let many: Vec<f64> = (0..600).map(f64::from).collect();
    let shifted: Vec<f64> = many.iter().map(|v| v + 0.5).collect();
    assert!(mann_whitney(&many, &shifted, &huge).is_err());
}
