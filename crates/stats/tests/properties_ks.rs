//! Properties of `ks_two_sample` that hold for any input.

use canary_stats::{Alternative, KsMethod, KsOptions, KsResult, StatsError, ks_two_sample};
use proptest::prelude::*;

const ALTERNATIVES: [Alternative; 3] = [
    Alternative::TwoSided,
    Alternative::Less,
    Alternative::Greater,
];
const METHODS: [KsMethod; 3] = [KsMethod::Auto, KsMethod::Exact, KsMethod::Asymptotic];

fn ks(x: &[f64], y: &[f64], alternative: Alternative, method: KsMethod) -> KsResult {
    ks_two_sample(
        x,
        y,
        &KsOptions {
            alternative,
            method,
        },
    )
    .expect("finite, non-empty samples are accepted")
}

/// Samples with values on a coarse grid, so that ties are frequent, or continuous ones.
fn sample(max_len: usize) -> impl Strategy<Value = Vec<f64>> {
    prop_oneof![
        prop::collection::vec((-10_i32..10).prop_map(f64::from), 1..max_len),
        prop::collection::vec(-1e3_f64..1e3, 1..max_len),
    ]
}

fn alternative() -> impl Strategy<Value = Alternative> {
    prop::sample::select(ALTERNATIVES.to_vec())
}

fn method() -> impl Strategy<Value = KsMethod> {
    prop::sample::select(METHODS.to_vec())
}

/// Equal up to rounding. The exact p-value is `1 − count / C(n+m, n)` as in R, so its
/// absolute error is a few units of `1e-16` whatever its size.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()) + 1e-13
}

fn swapped(alternative: Alternative) -> Alternative {
    match alternative {
        Alternative::TwoSided => Alternative::TwoSided,
        Alternative::Less => Alternative::Greater,
        Alternative::Greater => Alternative::Less,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn statistic_and_p_value_in_unit_interval(
        x in sample(40), y in sample(40), alternative in alternative(), method in method()
    ) {
        let r = ks(&x, &y, alternative, method);
        prop_assert!((0.0..=1.0).contains(&r.statistic), "D = {}", r.statistic);
        prop_assert!((0.0..=1.0).contains(&r.p_value), "p = {}", r.p_value);
        prop_assert!(r.method == KsMethod::Exact || r.method == KsMethod::Asymptotic);
        prop_assert_eq!((r.n_x, r.n_y, r.alternative), (x.len(), y.len(), alternative));
    }

    #[test]
    fn two_sided_is_the_larger_one_sided(x in sample(40), y in sample(40)) {
        let d = ks(&x, &y, Alternative::TwoSided, KsMethod::Auto).statistic;
        let plus = ks(&x, &y, Alternative::Greater, KsMethod::Auto).statistic;
        let minus = ks(&x, &y, Alternative::Less, KsMethod::Auto).statistic;
        prop_assert_eq!(d, plus.max(minus));
    }

    #[test]
    fn swapping_samples_swaps_less_and_greater(
        x in sample(40), y in sample(40), alternative in alternative(), method in method()
    ) {
        let a = ks(&x, &y, alternative, method);
        let b = ks(&y, &x, swapped(alternative), method);
        prop_assert_eq!(a.statistic, b.statistic);
        prop_assert_eq!(a.method, b.method);
        // Unlike R 4.2.2, exact one-sided p-values stay symmetric with ties too.
        prop_assert!(close(a.p_value, b.p_value), "{} vs {}", a.p_value, b.p_value);
    }

    #[test]
    fn invariant_to_permutation(
        x in sample(40), y in sample(40), alternative in alternative(), seed in any::<u64>()
    ) {
        let a = ks(&x, &y, alternative, KsMethod::Auto);
        let (mut xp, mut yp) = (x.clone(), y.clone());
        xp.reverse();
        let len = yp.len();
        yp.rotate_left((seed as usize) % len);
        let b = ks(&xp, &yp, alternative, KsMethod::Auto);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn invariant_to_common_monotone_transform(
        x in prop::collection::vec((-50_i32..50).prop_map(f64::from), 1..40),
        y in prop::collection::vec((-50_i32..50).prop_map(f64::from), 1..40),
        shift in -100_i32..100,
        alternative in alternative(),
        method in method(),
    ) {
        // Integers keep `v + shift` and `exp(v / 10)` exactly order- and tie-preserving.
        let a = ks(&x, &y, alternative, method);
        let shift = f64::from(shift);
        let plus = |v: &Vec<f64>| v.iter().map(|t| t + shift).collect::<Vec<_>>();
        let b = ks(&plus(&x), &plus(&y), alternative, method);
        prop_assert_eq!(a, b);
        let exp = |v: &Vec<f64>| v.iter().map(|t| (t / 10.0).exp()).collect::<Vec<_>>();
        let c = ks(&exp(&x), &exp(&y), alternative, method);
        prop_assert_eq!(a, c);
    }

    #[test]
    fn non_finite_values_are_errors_not_panics(
        x in sample(20),
        y in sample(20),
        bad in prop::sample::select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY]),
        at in any::<prop::sample::Index>(),
        in_x in any::<bool>(),
        alternative in alternative(),
        method in method(),
    ) {
        let (mut x, mut y) = (x, y);
        let target = if in_x { &mut x } else { &mut y };
        let index = at.index(target.len());
        target[index] = bad;
        let err = ks_two_sample(&x, &y, &KsOptions { alternative, method }).unwrap_err();
        let is_non_finite = matches!(err, StatsError::NonFinite { .. });
        prop_assert!(is_non_finite, "{:?}", err);
    }

    #[test]
    fn empty_samples_are_errors_not_panics(x in sample(20), alternative in alternative()) {
        let options = KsOptions { alternative, method: KsMethod::Auto };
        let too_few = |r: canary_stats::Result<KsResult>| {
            matches!(r, Err(StatsError::TooFewValues { len: 0, needed: 1, .. }))
        };
        prop_assert!(too_few(ks_two_sample(&x, &[], &options)));
        prop_assert!(too_few(ks_two_sample(&[], &x, &options)));
        prop_assert!(too_few(ks_two_sample(&[], &[], &options)));
    }
}

#[test]
fn same_sample_gives_p_one() {
    let x = [0.3, 1.7, -2.0, 4.5, 0.0];
    for alternative in ALTERNATIVES {
        for method in METHODS {
            let r = ks(&x, &x, alternative, method);
            assert_eq!(
                (r.statistic, r.p_value),
                (0.0, 1.0),
                "{alternative:?} {method:?}"
            );
        }
    }
}

/// R 4.2.2 computes the exact p-value of both one-sided statistics from the null
/// distribution of `D⁺`. Without ties `D⁺` and `D⁻` have the same distribution; with ties
/// they need not, and R's `less` is then off: here the permutation p-value of
/// `D⁻(y, x) = D⁺(x, y) = 2/33` is 528/630 ≈ 0.838, while R's `ks.test(y, x, "less")`
/// says 0.162. We return the permutation p-value for both.
#[test]
fn one_sided_exact_with_ties_is_symmetric_unlike_r() {
    let mut x = vec![0.0; 31];
    x.extend([-1.0, -1.0]);
    let y = [0.0; 3];
    let greater = ks(&x, &y, Alternative::Greater, KsMethod::Auto);
    let less = ks(&y, &x, Alternative::Less, KsMethod::Auto);
    assert_eq!(greater.statistic, less.statistic);
    assert!((greater.p_value - 528.0 / 630.0).abs() < 1e-12);
    assert!((less.p_value - 528.0 / 630.0).abs() < 1e-12);
}
