//! Property tests for sample quantiles, their confidence intervals, histogram quantiles
//! and the grouped rank test.

use canary_stats::{
    Alternative, Histogram, SortedSample, StatsError, grouped_rank_test, histogram_quantile,
    quantile, quantile_ci, quantiles,
};
use proptest::prelude::*;

/// Rounding slack for comparisons between interpolated values of magnitude ≤ `scale`.
fn slack(scale: f64) -> f64 {
    1e-12 * scale.abs().max(1.0)
}

fn sample() -> impl Strategy<Value = Vec<f64>> {
    prop_oneof![
        prop::collection::vec(-1e6..1e6_f64, 1..200),
        // Heavy ties.
        prop::collection::vec((-5..5_i32).prop_map(f64::from), 1..60),
    ]
}

fn probability() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), Just(1.0), Just(0.5), 0.0..=1.0_f64]
}

/// A valid histogram: increasing finite bounds (possibly negative) then +Inf, and
/// whole per-bucket counts (many of them zero).
fn histogram(buckets: std::ops::Range<usize>) -> impl Strategy<Value = Histogram> {
    buckets
        .prop_flat_map(|k| {
            (
                -10.0..10.0_f64,
                prop::collection::vec(0.01..5.0_f64, k - 1),
                prop::collection::vec(prop_oneof![Just(0_u32), 0..50_u32], k),
            )
        })
        .prop_map(|(start, steps, counts)| {
            let mut bounds: Vec<f64> = steps
                .iter()
                .scan(start, |b, s| {
                    let here = *b;
                    *b += s;
                    Some(here)
                })
                .collect();
            bounds.push(f64::INFINITY);
            let counts = counts.into_iter().map(f64::from).collect();
            Histogram::from_bucket_counts(bounds, counts).expect("valid by construction")
        })
}

/// Two histograms on the same bounds.
fn histogram_pair() -> impl Strategy<Value = (Histogram, Histogram)> {
    (histogram(2..12), prop::collection::vec(0..60_u32, 11)).prop_map(|(a, counts)| {
        let k = a.num_buckets();
        let counts = counts[..k].iter().map(|&c| f64::from(c)).collect();
        let b = Histogram::from_bucket_counts(a.upper_bounds().to_vec(), counts)
            .expect("valid by construction");
        (a, b)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn quantile_monotone_in_q_and_within_range(x in sample(), q1 in probability(), q2 in probability()) {
        let (lo_q, hi_q) = if q1 <= q2 { (q1, q2) } else { (q2, q1) };
        let a = quantile(&x, lo_q).unwrap();
        let b = quantile(&x, hi_q).unwrap();
        let min = x.iter().copied().fold(f64::INFINITY, f64::min);
        let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let s = slack(min.abs().max(max.abs()));
        prop_assert!(a <= b + s, "q {lo_q} -> {a} > q {hi_q} -> {b}");
        prop_assert!(min - s <= a && b <= max + s);
        prop_assert_eq!(quantile(&x, 0.0).unwrap(), min);
        prop_assert_eq!(quantile(&x, 1.0).unwrap(), max);
        prop_assert_eq!(quantiles(&x, &[lo_q, hi_q]).unwrap(), vec![a, b]);
    }

    #[test]
    fn quantile_permutation_invariant(x in sample().prop_shuffle(), q in probability()) {
        let mut reversed = x.clone();
        reversed.reverse();
        let mut sorted = x.clone();
        sorted.sort_by(f64::total_cmp);
        let want = quantile(&x, q).unwrap();
        prop_assert_eq!(quantile(&reversed, q).unwrap(), want);
        prop_assert_eq!(SortedSample::from_sorted(sorted).unwrap().quantile(q).unwrap(), want);
    }

    #[test]
    fn ci_contains_estimate_and_widens(
        x in sample(),
        q in probability(),
        c1 in 0.5..0.999_f64,
        c2 in 0.5..0.999_f64,
    ) {
        let (narrow, wide) = if c1 <= c2 { (c1, c2) } else { (c2, c1) };
        let a = quantile_ci(&x, q, narrow).unwrap();
        let b = quantile_ci(&x, q, wide).unwrap();
        let n = x.len();
        let mut sorted = x.clone();
        sorted.sort_by(f64::total_cmp);
        let index = 1.0 + (n - 1) as f64 * q;
        let (lo, hi) = (sorted[index.floor() as usize - 1], sorted[index.ceil() as usize - 1]);
        for e in [&a, &b] {
            let ci = e.confidence_interval;
            if n as f64 * q.min(1.0 - q) >= 1.0 {
                // Documented guarantee (confidence ≥ 0.5 here).
                prop_assert!(ci.low <= e.estimate && e.estimate <= ci.high,
                    "{} not in [{}, {}]", e.estimate, ci.low, ci.high);
            }
            // Always: the interval meets the estimate's bracketing order statistics.
            prop_assert!(ci.low <= hi && lo <= ci.high, "[{}, {}] vs [{lo}, {hi}]", ci.low, ci.high);
            prop_assert!(ci.level <= 1.0 + 1e-12);
        }
        prop_assert!(a.confidence_interval.level >= narrow - 1e-12);
        prop_assert!(b.confidence_interval.level >= wide - 1e-12);
        prop_assert!(b.confidence_interval.low <= a.confidence_interval.low);
        prop_assert!(b.confidence_interval.high >= a.confidence_interval.high);
        prop_assert!(b.confidence_interval.level >= a.confidence_interval.level - 1e-12);
    }

    #[test]
    fn histogram_quantile_monotone_and_within_bounds(
        h in histogram(1..12),
        q1 in probability(),
        q2 in probability(),
    ) {
        let (lo_q, hi_q) = if q1 <= q2 { (q1, q2) } else { (q2, q1) };
        let a = histogram_quantile(lo_q, &h);
        let b = histogram_quantile(hi_q, &h);
        let le = h.upper_bounds();
        if le.len() < 2 || h.total() == 0.0 {
            prop_assert!(a.is_nan() && b.is_nan());
            return Ok(());
        }
        let floor = le[0].min(0.0);
        let ceiling = le[le.len() - 2];
        for (q, v) in [(lo_q, a), (hi_q, b)] {
            if v.is_nan() {
                // Only Prometheus' 0/0: q = 0 with an empty lowest bucket of positive bound.
                prop_assert!(q == 0.0 && h.cumulative_counts()[0] == 0.0 && le[0] > 0.0);
                continue;
            }
            prop_assert!(floor - slack(floor) <= v && v <= ceiling + slack(ceiling),
                "q {q} -> {v} outside [{floor}, {ceiling}]");
        }
        if !a.is_nan() {
            prop_assert!(a <= b + slack(ceiling), "q {lo_q} -> {a} > q {hi_q} -> {b}");
        }
        prop_assert_eq!(histogram_quantile(-0.01, &h), f64::NEG_INFINITY);
        prop_assert_eq!(histogram_quantile(1.01, &h), f64::INFINITY);
    }

    #[test]
    fn grouped_rank_test_symmetries((c, b) in histogram_pair()) {
        let run = |x: &Histogram, y: &Histogram, alt| grouped_rank_test(x, y, alt);
        match run(&c, &b, Alternative::TwoSided) {
            Err(StatsError::TooFewValues { .. }) => {
                prop_assert!(c.total() == 0.0 || b.total() == 0.0);
            }
            Err(StatsError::Degenerate(_)) => {
                let occupied = c.bucket_counts().iter().zip(b.bucket_counts())
                    .filter(|(x, y)| **x + *y > 0.0).count();
                prop_assert_eq!(occupied, 1);
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
            Ok(two) => {
                let greater = run(&c, &b, Alternative::Greater).unwrap();
                let less = run(&c, &b, Alternative::Less).unwrap();
                let swapped_less = run(&b, &c, Alternative::Less).unwrap();
                let swapped_greater = run(&b, &c, Alternative::Greater).unwrap();
                let swapped_two = run(&b, &c, Alternative::TwoSided).unwrap();
                for r in [&two, &greater, &less, &swapped_less, &swapped_greater, &swapped_two] {
                    prop_assert!((0.0..=1.0).contains(&r.p_value), "p = {}", r.p_value);
                    prop_assert!((0.0..=1.0).contains(&r.cles));
                }
                let nm = (two.n_canary * two.n_baseline) as f64;
                prop_assert_eq!(two.statistic + swapped_two.statistic, nm);
                prop_assert!((two.cles + swapped_two.cles - 1.0).abs() < 1e-12);
                let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(b.abs()) + 1e-300;
                prop_assert!(close(greater.p_value, swapped_less.p_value),
                    "{} vs {}", greater.p_value, swapped_less.p_value);
                prop_assert!(close(less.p_value, swapped_greater.p_value));
                prop_assert!(close(two.p_value, swapped_two.p_value));
                prop_assert!(two.p_value >= greater.p_value.min(less.p_value));
            }
        }
    }

    #[test]
    fn quantile_errors_not_panics(
        x in prop::collection::vec(any::<f64>(), 0..20),
        q in any::<f64>(),
        confidence in any::<f64>(),
    ) {
        let finite = !x.is_empty() && x.iter().all(|v| v.is_finite());
        // R's tolerance: up to 100 ε outside [0, 1], then clamped.
        let q_ok = (-100.0 * f64::EPSILON..=1.0 + 100.0 * f64::EPSILON).contains(&q);
        prop_assert_eq!(quantile(&x, q).is_ok(), finite && q_ok);
        prop_assert_eq!(quantiles(&x, &[0.5, q]).is_ok(), finite && q_ok);
        let ci = quantile_ci(&x, q, confidence);
        prop_assert_eq!(ci.is_ok(), finite && q_ok && confidence > 0.0 && confidence < 1.0);
        let _ = SortedSample::from_sorted(x);
    }

    #[test]
    fn histogram_errors_not_panics(
        bounds in prop::collection::vec(any::<f64>(), 0..8),
        counts in prop::collection::vec(any::<f64>(), 0..8),
        q in any::<f64>(),
    ) {
        if let Ok(h) = Histogram::new(bounds.clone(), counts.clone()) {
            let _ = histogram_quantile(q, &h);
            let _ = grouped_rank_test(&h, &h, Alternative::TwoSided);
        }
        let _ = Histogram::from_bucket_counts(bounds, counts);
    }

    #[test]
    fn rank_test_errors_not_panics(
        c in prop::collection::vec(prop_oneof![0.0..1e17_f64, Just(0.5), Just(9.1e15)], 3),
        b in prop::collection::vec(0.0..1e17_f64, 3),
    ) {
        let le = vec![1.0, 2.0, f64::INFINITY];
        let h = |v: Vec<f64>| Histogram::from_bucket_counts(le.clone(), v);
        if let (Ok(c), Ok(b)) = (h(c), h(b)) {
            for alt in [Alternative::TwoSided, Alternative::Less, Alternative::Greater] {
                if let Ok(r) = grouped_rank_test(&c, &b, alt) {
                    prop_assert!((0.0..=1.0).contains(&r.p_value));
                }
            }
        }
    }
}

#[test]
fn mismatched_bounds_are_typed_errors() {
    let inf = f64::INFINITY;
    let a = Histogram::new(vec![1.0, 2.0, inf], vec![1.0, 2.0, 3.0]).unwrap();
    let b = Histogram::new(vec![1.0, 2.5, inf], vec![1.0, 2.0, 3.0]).unwrap();
    let c = Histogram::new(vec![1.0, inf], vec![1.0, 3.0]).unwrap();
    assert!(matches!(
        grouped_rank_test(&a, &b, Alternative::TwoSided),
        Err(StatsError::InvalidHistogram {
            name: "baseline",
            ..
        })
    ));
    assert!(matches!(
        grouped_rank_test(&a, &c, Alternative::TwoSided),
        Err(StatsError::LengthMismatch { .. })
    ));
}
