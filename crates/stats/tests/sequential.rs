//! Sequential error control: published boundaries, an independent quadrature, Monte Carlo
//! checks of the type-I error, and the mixture SPRT.

use canary_stats::{
    Alternative, AlwaysValidPValue, Boundary, SpendingFunction, StatsError, always_valid_p_values,
    group_sequential_bounds, group_sequential_bounds_with, mixture_likelihood_ratio,
};
use statrs::distribution::{ContinuousCDF, Normal};

use SpendingFunction::{OBrienFleming, Pocock};

fn sf(x: f64) -> f64 {
    Normal::standard().sf(x)
}

fn cdf(x: f64) -> f64 {
    Normal::standard().cdf(x)
}

fn pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

fn z_values(b: &[Boundary]) -> Vec<f64> {
    b.iter().map(|b| b.z).collect()
}

fn assert_close(actual: &[f64], expected: &[f64], tolerance: f64, what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}");
    for (k, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            (a - e).abs() <= tolerance,
            "{what}: look {}: {a} vs {e} (tolerance {tolerance})",
            k + 1
        );
    }
}

const EQUAL_5: [f64; 5] = [0.2, 0.4, 0.6, 0.8, 1.0];

// ---------------------------------------------------------------------------------------
// Published figures
// ---------------------------------------------------------------------------------------

#[test]
fn obrien_fleming_type_k5_one_sided_matches_published_table() {
    // Lan–DeMets O'Brien–Fleming-type spending, 5 equally spaced looks, one-sided 0.025:
    // gsDesign (sfLDOF, test.type = 1) / Jennison & Turnbull.
    let b = group_sequential_bounds(OBrienFleming, 0.025, &EQUAL_5).unwrap();
    assert_close(
        &z_values(&b),
        &[4.877, 3.357, 2.680, 2.290, 2.031],
        1e-3,
        "OBF one-sided 0.025",
    );
    assert_eq!(b[4].alpha_spent, 0.025);
}

#[test]
fn lan_demets_k5_two_sided_match_demets_lan_1994() {
    // DeMets & Lan (1994), Statistics in Medicine 13, Table I: two-sided alpha = 0.05,
    // 5 equally spaced looks, boundaries to two decimals.
    let obf =
        group_sequential_bounds_with(OBrienFleming, 0.05, &EQUAL_5, Alternative::TwoSided).unwrap();
    assert_close(
        &z_values(&obf),
        &[4.88, 3.36, 2.68, 2.29, 2.03],
        0.0051,
        "OBF two-sided",
    );
    let pocock =
        group_sequential_bounds_with(Pocock, 0.05, &EQUAL_5, Alternative::TwoSided).unwrap();
    assert_close(
        &z_values(&pocock),
        &[2.44, 2.43, 2.41, 2.40, 2.39],
        0.0051,
        "Pocock two-sided",
    );
    // A one-sided 0.025 design is the same to these two decimals (the lower side of a
    // two-sided design is almost never crossed after the upper).
    let one_sided = group_sequential_bounds(Pocock, 0.025, &EQUAL_5).unwrap();
    assert_close(
        &z_values(&one_sided),
        &[2.44, 2.43, 2.41, 2.40, 2.39],
        0.0051,
        "Pocock",
    );
    assert_close(
        &z_values(&one_sided),
        &z_values(&pocock),
        1e-4,
        "one- vs two-sided",
    );
}

#[test]
fn a_single_look_gives_the_fixed_sample_quantile() {
    for spending in [OBrienFleming, Pocock] {
        let b = group_sequential_bounds(spending, 0.025, &[1.0]).unwrap();
        assert_eq!(b.len(), 1);
        assert!((b[0].z - 1.959_963_984_540_054).abs() < 1e-12, "{}", b[0].z);
        assert_eq!(b[0].alpha_spent, 0.025);
        assert_eq!(b[0].alpha_increment, 0.025);
        assert!((b[0].nominal_p - 0.025).abs() < 1e-11);
        let two =
            group_sequential_bounds_with(spending, 0.05, &[1.0], Alternative::TwoSided).unwrap();
        assert!((two[0].z - 1.959_963_984_540_054).abs() < 1e-12);
        let less = group_sequential_bounds_with(spending, 0.05, &[1.0], Alternative::Less).unwrap();
        assert!((less[0].z + 1.644_853_626_951_472_2).abs() < 1e-12);
        // One look before the end: the quantile of what has been spent.
        let early = group_sequential_bounds(spending, 0.025, &[0.5]).unwrap();
        let spent = spending.spent(0.025, 0.5).unwrap();
        assert_eq!(early[0].alpha_spent, spent);
        assert!((sf(early[0].z) - spent).abs() < 1e-10 * spent);
    }
}

#[test]
fn spending_functions_have_their_closed_forms() {
    let z = 2.241_402_727_604_947; // qnorm(1 - 0.025 / 2)
    for t in [0.01, 0.1, 0.25, 0.5, 0.9] {
        let obf = OBrienFleming.spent(0.025, t).unwrap();
        let expected = 2.0 - 2.0 * cdf(z / f64::sqrt(t));
        assert!(
            (obf - expected).abs() < 1e-12 + 1e-9 * expected,
            "{t}: {obf} {expected}"
        );
        let pocock = Pocock.spent(0.025, t).unwrap();
        let expected = 0.025 * (1.0 + (std::f64::consts::E - 1.0) * t).ln();
        assert!((pocock - expected).abs() < 1e-15, "{t}");
    }
    for spending in [OBrienFleming, Pocock] {
        assert_eq!(spending.spent(0.05, 0.0).unwrap(), 0.0);
        assert_eq!(spending.spent(0.05, 1.0).unwrap(), 0.05);
        assert!(spending.spent(0.05, 1.01).is_err());
        assert!(spending.spent(0.05, -0.1).is_err());
        assert!(spending.spent(0.05, f64::NAN).is_err());
        assert!(spending.spent(0.0, 0.5).is_err());
        assert!(spending.spent(1.0, 0.5).is_err());
    }
}

// ---------------------------------------------------------------------------------------
// An independent computation: nested Gauss–Legendre quadrature over the Brownian
// increments (not the grid recursion of the library).
// ---------------------------------------------------------------------------------------

/// Nodes and weights of the `n`-point Gauss–Legendre rule on [-1, 1] (Newton's method on
/// the Legendre polynomial).
fn gauss_legendre(n: usize) -> Vec<(f64, f64)> {
    let mut rule = Vec::with_capacity(n);
    for i in 0..n {
        let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
        let mut derivative = 0.0;
        for _ in 0..100 {
            let (mut p0, mut p1) = (1.0, x);
            for k in 2..=n {
                let p2 = ((2 * k - 1) as f64 * x * p1 - (k - 1) as f64 * p0) / k as f64;
                p0 = p1;
                p1 = p2;
            }
            derivative = n as f64 * (x * p1 - p0) / (x * x - 1.0);
            let dx = p1 / derivative;
            x -= dx;
            if dx.abs() < 1e-16 {
                break;
            }
        }
        rule.push((x, 2.0 / ((1.0 - x * x) * derivative * derivative)));
    }
    rule
}

/// `∫_a^b g` by composite Gauss–Legendre on `panels` equal panels.
fn integrate(rule: &[(f64, f64)], a: f64, b: f64, panels: usize, g: impl Fn(f64) -> f64) -> f64 {
    if b <= a {
        return 0.0;
    }
    let width = (b - a) / panels as f64;
    let mut sum = 0.0;
    for p in 0..panels {
        let mid = a + (p as f64 + 0.5) * width;
        for &(x, w) in rule {
            sum += w * g(mid + 0.5 * width * x);
        }
    }
    0.5 * width * sum
}

/// `P(no crossing at looks < k, crossing at look k)` for k = 1, 2, 3 under the null, by
/// integrating over the standardised Brownian increments `x_1, x_2` (look 1, 2).
fn reference_crossing(t: &[f64], c: &[f64], two_sided: bool) -> f64 {
    let rule = gauss_legendre(20);
    let cross = |mean_part: f64, bound: f64, sd: f64| {
        let upper = sf((bound - mean_part) / sd);
        if two_sided {
            upper + cdf((-bound - mean_part) / sd)
        } else {
            upper
        }
    };
    let lower = |c: f64| if two_sided { -c } else { -10.0 };
    match c.len() {
        1 => cross(0.0, c[0] * t[0].sqrt(), t[0].sqrt()),
        2 => {
            let (s1, d2) = (t[0].sqrt(), (t[1] - t[0]).sqrt());
            integrate(&rule, lower(c[0]), c[0], 120, |x| {
                pdf(x) * cross(x * s1, c[1] * t[1].sqrt(), d2)
            })
        }
        3 => {
            let (s1, d2, d3) = (t[0].sqrt(), (t[1] - t[0]).sqrt(), (t[2] - t[1]).sqrt());
            let b2 = c[1] * t[1].sqrt();
            integrate(&rule, lower(c[0]), c[0], 40, |x| {
                // S_2 = x s1 + y d2 must stay inside the continuation region of look 2.
                let y_high = (b2 - x * s1) / d2;
                let y_low = if two_sided {
                    (-b2 - x * s1) / d2
                } else {
                    -10.0
                };
                pdf(x)
                    * integrate(&rule, y_low.max(-10.0), y_high.min(10.0), 40, |y| {
                        pdf(y) * cross(x * s1 + y * d2, c[2] * t[2].sqrt(), d3)
                    })
            })
        }
        _ => unreachable!(),
    }
}

#[test]
fn two_looks_agree_with_an_independent_quadrature() {
    for (alternative, alpha) in [(Alternative::Greater, 0.025), (Alternative::TwoSided, 0.05)] {
        let two_sided = alternative == Alternative::TwoSided;
        for spending in [OBrienFleming, Pocock] {
            for t in [[0.5, 1.0], [0.3, 1.0], [0.7, 0.9], [0.05, 0.6]] {
                let b = group_sequential_bounds_with(spending, alpha, &t, alternative).unwrap();
                // Re-derive c_2 by bisection on the independent crossing probability.
                let target = b[1].alpha_increment;
                let (mut low, mut high) = (0.0, 10.0);
                for _ in 0..60 {
                    let mid = 0.5 * (low + high);
                    if reference_crossing(&t, &[b[0].z, mid], two_sided) > target {
                        low = mid;
                    } else {
                        high = mid;
                    }
                }
                let reference = 0.5 * (low + high);
                assert!(
                    (b[1].z - reference).abs() < 1e-6,
                    "{spending:?} {alternative:?} {t:?}: {} vs {reference}",
                    b[1].z
                );
                // And the total crossing probability is the spent alpha.
                let total = reference_crossing(&t, &[b[0].z], two_sided)
                    + reference_crossing(&t, &[b[0].z, b[1].z], two_sided);
                assert!(
                    (total - b[1].alpha_spent).abs() < 1e-8,
                    "{spending:?} {alternative:?} {t:?}: {total} vs {}",
                    b[1].alpha_spent
                );
            }
        }
    }
}

#[test]
fn three_looks_spend_what_they_should_by_an_independent_quadrature() {
    for (alternative, alpha) in [(Alternative::Greater, 0.025), (Alternative::TwoSided, 0.1)] {
        let two_sided = alternative == Alternative::TwoSided;
        for spending in [OBrienFleming, Pocock] {
            for t in [[0.2, 0.5, 1.0], [0.25, 0.3, 0.8]] {
                let b = group_sequential_bounds_with(spending, alpha, &t, alternative).unwrap();
                let c = z_values(&b);
                let third = reference_crossing(&t, &c, two_sided);
                assert!(
                    (third - b[2].alpha_increment).abs() < 1e-8,
                    "{spending:?} {alternative:?} {t:?}: {third:e} vs {:e}",
                    b[2].alpha_increment
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Monte Carlo: simulated Brownian paths cross with probability alpha
// ---------------------------------------------------------------------------------------

/// SplitMix64: a small, seeded, reproducible generator (enough for these checks).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Two independent standard normals (Box–Muller).
    fn normal_pair(&mut self) -> (f64, f64) {
        let radius = (-2.0 * self.uniform().ln()).sqrt();
        let angle = 2.0 * std::f64::consts::PI * self.uniform();
        (radius * angle.cos(), radius * angle.sin())
    }
}

/// Normals from the generator, one at a time.
struct Normals {
    rng: SplitMix64,
    spare: Option<f64>,
}

impl Normals {
    fn new(seed: u64) -> Self {
        Normals {
            rng: SplitMix64(seed),
            spare: None,
        }
    }

    fn next(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let (a, b) = self.rng.normal_pair();
        self.spare = Some(b);
        a
    }
}

/// Simulates `paths` null Brownian paths observed at `t` and counts first crossings per look.
fn first_crossings(b: &[Boundary], paths: usize, seed: u64) -> Vec<usize> {
    let mut normals = Normals::new(seed);
    let mut counts = vec![0; b.len()];
    for _ in 0..paths {
        let (mut s, mut t_prev) = (0.0, 0.0);
        for (k, look) in b.iter().enumerate() {
            let t = look.information_fraction;
            s += (t - t_prev).sqrt() * normals.next();
            t_prev = t;
            if look.rejects(s / t.sqrt()) {
                counts[k] += 1;
                break;
            }
        }
    }
    counts
}

#[test]
fn simulated_paths_cross_with_the_spent_probability() {
    const PATHS: usize = 200_000;
    let designs: [(&[f64], Alternative, f64); 4] = [
        (&EQUAL_5, Alternative::Greater, 0.025),
        (&[0.15, 0.4, 0.45, 0.8, 1.0], Alternative::Greater, 0.05),
        (&[0.1, 0.35, 0.6, 0.75], Alternative::TwoSided, 0.05), // stops early: alpha(0.75)
        (&[0.3, 0.5, 1.0], Alternative::Less, 0.1),
    ];
    let mut seed = 20_240_601;
    for spending in [OBrienFleming, Pocock] {
        for (t, alternative, alpha) in designs {
            seed += 1;
            let b = group_sequential_bounds_with(spending, alpha, t, alternative).unwrap();
            let counts = first_crossings(&b, PATHS, seed);
            let n = PATHS as f64;
            let total = counts.iter().sum::<usize>() as f64 / n;
            let expected = b[b.len() - 1].alpha_spent;
            let sd = (expected * (1.0 - expected) / n).sqrt();
            assert!(
                (total - expected).abs() < 4.0 * sd,
                "{spending:?} {alternative:?} {t:?}: {total} vs {expected} (sd {sd:e})"
            );
            for (look, count) in b.iter().zip(&counts) {
                let p = look.alpha_increment;
                let observed = *count as f64 / n;
                let sd = (p * (1.0 - p) / n).sqrt().max(1.0 / n);
                assert!(
                    (observed - p).abs() < 4.5 * sd,
                    "{spending:?} {t:?} look {}: {observed} vs {p}",
                    look.information_fraction
                );
            }
        }
    }
}

#[test]
fn naive_repeated_testing_inflates_the_error_and_spending_does_not() {
    // The point of it all: five looks at the fixed-sample boundary 1.96 reject far more
    // often than 2.5 %.
    let naive: Vec<Boundary> = group_sequential_bounds(Pocock, 0.025, &EQUAL_5)
        .unwrap()
        .into_iter()
        .map(|b| Boundary {
            z: 1.959_963_984_540_054,
            ..b
        })
        .collect();
    let counts = first_crossings(&naive, 50_000, 7);
    let rate = counts.iter().sum::<usize>() as f64 / 50_000.0;
    assert!(rate > 0.06, "{rate}");
}

// ---------------------------------------------------------------------------------------
// Structure of the result
// ---------------------------------------------------------------------------------------

#[test]
fn boundaries_of_a_prefix_are_a_prefix_of_the_boundaries() {
    let t = [0.1, 0.3, 0.35, 0.7, 1.0];
    for spending in [OBrienFleming, Pocock] {
        let all = group_sequential_bounds(spending, 0.025, &t).unwrap();
        for k in 1..t.len() {
            let prefix = group_sequential_bounds(spending, 0.025, &t[..k]).unwrap();
            assert_eq!(prefix[..], all[..k]);
        }
    }
}

#[test]
fn stopping_before_full_information_spends_only_part_of_alpha() {
    for spending in [OBrienFleming, Pocock] {
        let b = group_sequential_bounds(spending, 0.05, &[0.25, 0.5, 0.75]).unwrap();
        assert_eq!(b[2].alpha_spent, spending.spent(0.05, 0.75).unwrap());
        assert!(b[2].alpha_spent < 0.05);
        let sum: f64 = b.iter().map(|b| b.alpha_increment).sum();
        assert!((sum - b[2].alpha_spent).abs() < 1e-15);
    }
}

#[test]
fn lower_boundaries_mirror_the_upper_ones() {
    let t = [0.2, 0.45, 0.7, 1.0];
    for spending in [OBrienFleming, Pocock] {
        let upper = group_sequential_bounds(spending, 0.05, &t).unwrap();
        let lower = group_sequential_bounds_with(spending, 0.05, &t, Alternative::Less).unwrap();
        for (u, l) in upper.iter().zip(&lower) {
            assert_eq!(l.z, -u.z);
            assert_eq!(l.nominal_p, u.nominal_p);
            assert_eq!(l.alternative, Alternative::Less);
            assert!(l.rejects(-u.z - 0.01) && !l.rejects(-u.z + 0.01) && !l.rejects(f64::NAN));
        }
    }
}

#[test]
fn nominal_p_values_lie_between_the_increment_and_the_cumulative_alpha() {
    for alternative in [Alternative::Greater, Alternative::TwoSided] {
        for spending in [OBrienFleming, Pocock] {
            let b = group_sequential_bounds_with(spending, 0.05, &EQUAL_5, alternative).unwrap();
            for look in &b {
                assert!(look.nominal_p >= look.alpha_increment * (1.0 - 1e-9));
                assert!(look.nominal_p <= look.alpha_spent * (1.0 + 1e-9));
            }
        }
    }
}

#[test]
fn looks_with_nothing_to_spend_cannot_reject() {
    // O'Brien–Fleming spends about 1e-300 at t ≈ 0.0037 (alpha = 0.025): earlier looks
    // get an infinite boundary; later ones are finite and still spend exactly.
    let t = [0.001, 0.003, 0.005, 0.05, 1.0];
    let b = group_sequential_bounds(OBrienFleming, 0.025, &t).unwrap();
    assert_eq!(b[0].z, f64::INFINITY);
    assert_eq!(b[1].z, f64::INFINITY);
    assert_eq!(b[0].nominal_p, 0.0);
    assert!(!b[0].rejects(1e300));
    assert!(b[2].z.is_finite() && b[2].z > 30.0, "{}", b[2].z);
    assert!(b[3].z.is_finite() && b[3].z < b[2].z);
    assert_eq!(b[4].alpha_spent, 0.025);
    assert!((b[4].z - 1.96).abs() < 0.01);
}

#[test]
fn many_looks_are_supported() {
    let t: Vec<f64> = (1..=50).map(|k| f64::from(k) / 50.0).collect();
    for spending in [OBrienFleming, Pocock] {
        let b = group_sequential_bounds(spending, 0.025, &t).unwrap();
        assert_eq!(b.len(), 50);
        assert!(b.iter().all(|b| b.z.is_finite()));
        assert_eq!(b[49].alpha_spent, 0.025);
        assert!(b.windows(2).all(|w| w[0].alpha_spent <= w[1].alpha_spent));
    }
}

#[test]
fn bad_designs_are_typed_errors() {
    let t = [0.5, 1.0];
    for alpha in [0.0, -0.1, 0.51, 1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            group_sequential_bounds(Pocock, alpha, &t),
            Err(StatsError::InvalidProbability { name: "alpha", .. })
        ));
    }
    assert!(matches!(
        group_sequential_bounds(Pocock, 0.05, &[]),
        Err(StatsError::TooFewValues {
            len: 0,
            needed: 1,
            ..
        })
    ));
    assert!(matches!(
        group_sequential_bounds(Pocock, 0.05, &[0.5, f64::NAN]),
        Err(StatsError::NonFinite { index: 1, .. })
    ));
    assert!(matches!(
        group_sequential_bounds(Pocock, 0.05, &[f64::INFINITY]),
        Err(StatsError::NonFinite { index: 0, .. })
    ));
    for bad in [
        &[0.0, 1.0][..],
        &[-0.5, 1.0],
        &[0.5, 1.5],
        &[0.6, 0.5],
        &[0.5, 0.5],
        &[0.5, 0.500_001],
    ] {
        let err = group_sequential_bounds(OBrienFleming, 0.05, bad).unwrap_err();
        assert!(
            matches!(
                err,
                StatsError::InvalidArgument {
                    name: "information_fractions",
                    ..
                }
            ),
            "{bad:?}: {err}"
        );
    }
    let err = group_sequential_bounds(Pocock, 0.05, &[0.6, 0.5]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "information_fractions is invalid: must be strictly increasing, but [1] = 0.5 follows \
         [0] = 0.6"
    );
    let too_many: Vec<f64> = (1..=201).map(|k| f64::from(k) / 201.0).collect();
    assert!(group_sequential_bounds(Pocock, 0.05, &too_many).is_err());
}

// ---------------------------------------------------------------------------------------
// Mixture SPRT
// ---------------------------------------------------------------------------------------

#[test]
fn msprt_matches_hand_computed_values() {
    // p = sqrt(1 + I tau2) exp(-(I tau2 / (1 + I tau2)) z^2 / 2), capped at 1.
    let cases = [
        (2.0, 4.0, 0.25, 0.520_260_095_022_889),        // sqrt(2) / e
        (3.0, 100.0, 0.01, 0.149_057_012_838_995_97),   // sqrt(2) e^{-9/4}
        (5.0, 1000.0, 0.1, 4.238_663_891_392_246_4e-5), // sqrt(101) e^{-(100/101) 12.5}
        (-4.0, 50.0, 0.02, 0.025_902_224_919_975_96),   // two-sided: the sign does not matter
        (0.5, 10.0, 1.0, 1.0),                          // 1/Lambda > 1: capped
    ];
    for (z, information, tau2, expected) in cases {
        let mut state = AlwaysValidPValue::new(tau2).unwrap();
        let p = state.update(z, information).unwrap();
        assert!(
            (p - expected).abs() < 1e-14 * expected.max(1e-300) + 1e-16,
            "{z}: {p}"
        );
        let lambda = mixture_likelihood_ratio(z, information, tau2).unwrap();
        assert!((1.0 / lambda).min(1.0) - expected < 1e-14);
    }
    let lambda = mixture_likelihood_ratio(2.0, 4.0, 0.25).unwrap();
    assert!((lambda - std::f64::consts::E / 2f64.sqrt()).abs() < 1e-14);
}

#[test]
fn msprt_p_is_the_running_minimum_and_never_increases() {
    let z = [0.3, 1.5, 2.8, 1.0, 3.5, -0.2, 4.1];
    let information: Vec<f64> = (1..=7).map(|k| 10.0 * f64::from(k)).collect();
    let tau2 = 0.05;
    let p = always_valid_p_values(tau2, &z, &information).unwrap();
    let mut state = AlwaysValidPValue::new(tau2).unwrap();
    let mut running = 1.0_f64;
    for k in 0..z.len() {
        let single = (1.0 / mixture_likelihood_ratio(z[k], information[k], tau2).unwrap()).min(1.0);
        running = running.min(single);
        assert_eq!(state.update(z[k], information[k]).unwrap(), p[k]);
        assert!((p[k] - running).abs() <= 1e-15 * running);
        if k > 0 {
            assert!(p[k] <= p[k - 1]);
        }
    }
    assert_eq!(state.looks(), 7);
    assert_eq!(state.p_value(), p[6]);
    assert_eq!(state.tau_squared(), tau2);
}

/// Simulates null (or shifted) sequences of unit-variance observations, looking every
/// `every` observations up to `n`, and returns the share of sequences whose always-valid
/// p-value ever reached `alpha`, and the share whose naive |z| ever reached 1.96.
fn msprt_rejection_rates(
    effect: f64,
    sequences: usize,
    n: usize,
    every: usize,
    alpha: f64,
    seed: u64,
) -> Result<(f64, f64), StatsError> {
    let mut normals = Normals::new(seed);
    let (mut msprt, mut naive) = (0usize, 0usize);
    for _ in 0..sequences {
        let mut state = AlwaysValidPValue::new(0.05)?;
        let (mut sum, mut naive_rejected) = (0.0, false);
        for i in 1..=n {
            sum += effect + normals.next();
            if i % every == 0 {
                let information = i as f64; // 1 / Var(mean) for unit-variance data
                let z = sum / (i as f64).sqrt();
                naive_rejected |= z.abs() >= 1.96;
                state.update(z, information)?;
            }
        }
        msprt += usize::from(state.p_value() <= alpha);
        naive += usize::from(naive_rejected);
    }
    Ok((
        msprt as f64 / sequences as f64,
        naive as f64 / sequences as f64,
    ))
}

#[test]
fn msprt_controls_the_error_under_continuous_monitoring() {
    let sequences = 2000;
    let (msprt, naive) = msprt_rejection_rates(0.0, sequences, 500, 5, 0.05, 99).unwrap();
    let sd = (0.05_f64 * 0.95 / sequences as f64).sqrt();
    assert!(
        msprt <= 0.05 + 3.0 * sd,
        "mSPRT rejected {msprt} of null sequences"
    );
    // 100 naive looks at 1.96 reject far more often.
    assert!(naive > 0.2, "naive {naive}");
    let (msprt10, _) = msprt_rejection_rates(0.0, sequences, 500, 5, 0.10, 100).unwrap();
    let sd = (0.1_f64 * 0.9 / sequences as f64).sqrt();
    assert!(msprt10 <= 0.10 + 3.0 * sd, "{msprt10}");
}

#[test]
fn msprt_detects_a_real_effect() {
    let (power, _) = msprt_rejection_rates(0.3, 500, 500, 5, 0.05, 5).unwrap();
    assert!(power > 0.9, "{power}");
}

#[test]
fn msprt_refuses_bad_input_without_changing_state() {
    for tau2 in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            AlwaysValidPValue::new(tau2),
            Err(StatsError::InvalidArgument {
                name: "tau_squared",
                ..
            })
        ));
        assert!(mixture_likelihood_ratio(1.0, 1.0, tau2).is_err());
    }
    let mut state = AlwaysValidPValue::new(0.1).unwrap();
    state.update(2.0, 100.0).unwrap();
    let before = state.clone();
    for z in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert!(matches!(
            state.update(z, 10.0),
            Err(StatsError::NonFinite {
                name: "z",
                index: 1,
                ..
            })
        ));
    }
    for information in [0.0, -5.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            state.update(1.0, information),
            Err(StatsError::InvalidArgument {
                name: "information",
                ..
            })
        ));
    }
    assert_eq!(state, before);
    assert!(matches!(
        always_valid_p_values(0.1, &[1.0, 2.0], &[1.0]),
        Err(StatsError::LengthMismatch {
            left: 2,
            right: 1,
            ..
        })
    ));
    assert!(matches!(
        always_valid_p_values(0.1, &[1.0, f64::NAN], &[1.0, 2.0]),
        Err(StatsError::NonFinite { index: 1, .. })
    ));
    assert_eq!(
        always_valid_p_values(0.1, &[], &[]).unwrap(),
        Vec::<f64>::new()
    );
}

#[test]
fn msprt_survives_extreme_values() {
    let mut state = AlwaysValidPValue::new(1e300).unwrap();
    assert_eq!(state.update(1e200, 1e300).unwrap(), 0.0);
    let mut state = AlwaysValidPValue::new(1e-300).unwrap();
    let p = state.update(1e150, 1e-300).unwrap();
    assert!((0.0..=1.0).contains(&p));
    assert_eq!(
        mixture_likelihood_ratio(1e10, 1e10, 1.0).unwrap(),
        f64::INFINITY
    );
    assert_eq!(
        AlwaysValidPValue::new(1.0)
            .unwrap()
            .update(0.0, 1e-300)
            .unwrap(),
        1.0
    );
}
