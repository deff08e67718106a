//! Properties of the sequential error-control functions over random designs and inputs.

use canary_stats::{
    Alternative, AlwaysValidPValue, SpendingFunction, StatsError, always_valid_p_values,
    group_sequential_bounds, group_sequential_bounds_with,
};
use proptest::prelude::*;

fn spending() -> impl Strategy<Value = SpendingFunction> {
    prop_oneof![
        Just(SpendingFunction::OBrienFleming),
        Just(SpendingFunction::Pocock)
    ]
}

fn alternative() -> impl Strategy<Value = Alternative> {
    prop_oneof![
        Just(Alternative::Greater),
        Just(Alternative::Less),
        Just(Alternative::TwoSided)
    ]
}

/// 1 to 8 strictly increasing fractions in (0, 1]: random gaps, rescaled so that the last
/// is either 1 or a value in [0.3, 1].
fn fractions() -> impl Strategy<Value = Vec<f64>> {
    (
        prop::collection::vec(0.05_f64..1.0, 1..=8),
        prop_oneof![Just(1.0), 0.3_f64..1.0],
    )
        .prop_map(|(gaps, last)| {
            let total: f64 = gaps.iter().sum();
            let mut acc = 0.0;
            let mut t: Vec<f64> = gaps
                .iter()
                .map(|g| {
                    acc += g;
                    acc / total * last
                })
                .collect();
            if let Some(end) = t.last_mut() {
                *end = last;
            }
            t
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn boundaries_are_sound_for_valid_designs(
        spending in spending(),
        alternative in alternative(),
        alpha in 0.001_f64..0.5,
        t in fractions(),
    ) {
        let b = group_sequential_bounds_with(spending, alpha, &t, alternative).unwrap();
        prop_assert_eq!(b.len(), t.len());
        let mut previous = 0.0;
        for (look, &fraction) in b.iter().zip(&t) {
            prop_assert_eq!(look.information_fraction, fraction);
            prop_assert_eq!(look.alternative, alternative);
            // Finite, unless (almost) nothing is left to spend at this look.
            prop_assert!(look.z.is_finite() || look.alpha_increment < 1e-300, "{:?}", look);
            prop_assert!(!look.z.is_nan());
            match alternative {
                Alternative::Less => prop_assert!(look.z <= 0.0),
                _ => prop_assert!(look.z >= 0.0),
            }
            // Cumulative alpha never decreases and never exceeds alpha.
            prop_assert!(look.alpha_spent >= previous);
            prop_assert!(look.alpha_spent <= alpha);
            prop_assert!((look.alpha_spent - previous - look.alpha_increment).abs() <= 1e-15);
            prop_assert!((0.0..=1.0).contains(&look.nominal_p));
            // P(first crossing at k) <= P(Z_k beyond c_k) <= P(some crossing by k).
            if look.alpha_increment > 1e-300 {
                prop_assert!(look.nominal_p >= look.alpha_increment * (1.0 - 1e-7));
                prop_assert!(look.nominal_p <= look.alpha_spent * (1.0 + 1e-7) + 1e-12);
            }
            previous = look.alpha_spent;
        }
        if t[t.len() - 1] == 1.0 {
            prop_assert_eq!(b[b.len() - 1].alpha_spent, alpha);
        }
    }

    #[test]
    fn obrien_fleming_boundaries_decrease_over_equally_spaced_looks(
        k in 2_usize..=10,
        alpha in 0.001_f64..0.5,
        two_sided in any::<bool>(),
    ) {
        let t: Vec<f64> = (1..=k).map(|i| i as f64 / k as f64).collect();
        let alternative = if two_sided { Alternative::TwoSided } else { Alternative::Greater };
        let b = group_sequential_bounds_with(
            SpendingFunction::OBrienFleming, alpha, &t, alternative,
        ).unwrap();
        for pair in b.windows(2) {
            prop_assert!(pair[1].z < pair[0].z, "{:?}", b);
        }
    }

    #[test]
    fn pocock_boundaries_are_roughly_flat_over_equally_spaced_looks(
        k in 2_usize..=5,
        alpha in 0.005_f64..0.05,
    ) {
        let t: Vec<f64> = (1..=k).map(|i| i as f64 / k as f64).collect();
        let b = group_sequential_bounds(SpendingFunction::Pocock, alpha, &t).unwrap();
        let z: Vec<f64> = b.iter().map(|b| b.z).collect();
        let high = z.iter().copied().fold(f64::MIN, f64::max);
        let low = z.iter().copied().fold(f64::MAX, f64::min);
        prop_assert!(high - low < 0.12, "{:?}", z);
        // Far flatter than O'Brien–Fleming's.
        let obf = group_sequential_bounds(SpendingFunction::OBrienFleming, alpha, &t).unwrap();
        prop_assert!(high - low < 0.5 * (obf[0].z - obf[k - 1].z));
    }

    #[test]
    fn arbitrary_fractions_give_a_result_or_a_typed_error(
        spending in spending(),
        alpha in prop_oneof![Just(f64::NAN), -1.0_f64..2.0],
        t in prop::collection::vec(
            prop_oneof![
                4 => -0.5_f64..1.5,
                1 => Just(f64::NAN),
                1 => Just(f64::INFINITY),
                1 => Just(0.0),
                1 => Just(1.0),
            ],
            0..6,
        ),
    ) {
        match group_sequential_bounds(spending, alpha, &t) {
            Ok(b) => {
                prop_assert!(alpha > 0.0 && alpha <= 0.5);
                prop_assert!(!t.is_empty() && t.windows(2).all(|w| w[0] < w[1]));
                prop_assert!(t[0] > 0.0 && t[t.len() - 1] <= 1.0);
                prop_assert_eq!(b.len(), t.len());
            }
            Err(e) => prop_assert!(matches!(
                e,
                StatsError::InvalidProbability { .. }
                    | StatsError::TooFewValues { .. }
                    | StatsError::NonFinite { .. }
                    | StatsError::InvalidArgument { .. }
            ), "{}", e),
        }
    }

    #[test]
    fn each_kind_of_bad_fraction_is_refused(
        spending in spending(),
        t in fractions().prop_filter("two looks or more", |t| t.len() >= 2),
        which in 0_usize..6,
        position in any::<prop::sample::Index>(),
    ) {
        let mut bad = t.clone();
        let i = position.index(bad.len());
        match which {
            0 => bad.reverse(),                 // unsorted
            1 => bad[i] = 0.0,                  // not positive
            2 => bad[i] = -bad[i],              // negative
            3 => bad[i] += 1.0,                 // beyond 1
            4 => bad[i] = f64::NAN,
            _ => bad.clear(),                   // empty
        }
        let result = group_sequential_bounds(spending, 0.025, &bad);
        prop_assert!(result.is_err(), "{:?} accepted", bad);
    }

    #[test]
    fn spent_alpha_is_monotone_and_bounded(
        spending in spending(),
        alpha in 0.000_001_f64..0.999,
        a in 0.0_f64..=1.0,
        b in 0.0_f64..=1.0,
    ) {
        let (low, high) = if a <= b { (a, b) } else { (b, a) };
        let s_low = spending.spent(alpha, low).unwrap();
        let s_high = spending.spent(alpha, high).unwrap();
        prop_assert!(0.0 <= s_low && s_low <= s_high && s_high <= alpha);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn always_valid_p_values_never_increase_and_stay_in_0_1(
        tau2 in 1e-6_f64..1e3,
        looks in prop::collection::vec((-20.0_f64..20.0, 1e-3_f64..1e6), 0..40),
    ) {
        let (z, information): (Vec<f64>, Vec<f64>) = looks.into_iter().unzip();
        let p = always_valid_p_values(tau2, &z, &information).unwrap();
        prop_assert_eq!(p.len(), z.len());
        let mut previous = 1.0;
        for &value in &p {
            prop_assert!((0.0..=1.0).contains(&value));
            prop_assert!(value <= previous);
            previous = value;
        }
    }

    #[test]
    fn bad_msprt_input_is_an_error_not_a_panic(
        tau2 in prop_oneof![Just(f64::NAN), Just(f64::INFINITY), -1.0_f64..1.0],
        z in prop_oneof![Just(f64::NAN), Just(f64::NEG_INFINITY), -1e300_f64..1e300],
        information in prop_oneof![Just(f64::NAN), Just(f64::INFINITY), -1.0_f64..1e300],
    ) {
        match AlwaysValidPValue::new(tau2) {
            Ok(mut state) => {
                prop_assert!(tau2 > 0.0);
                match state.update(z, information) {
                    Ok(p) => {
                        prop_assert!(z.is_finite() && information > 0.0);
                        prop_assert!((0.0..=1.0).contains(&p));
                    }
                    Err(_) => prop_assert_eq!(state.looks(), 0),
                }
            }
            Err(e) => prop_assert!(
                matches!(e, StatsError::InvalidArgument { name: "tau_squared", .. }),
                "{}", e
            ),
        }
    }
}
