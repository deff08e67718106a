//! The two-sample Kolmogorov–Smirnov test, with the semantics of R 4.2.2's
//! `ks.test(x, y, alternative = ..., exact = ...)`.
//!
//! * The statistic is computed in one merge pass over the two sorted samples. Only the
//!   ends of tie blocks (runs of equal values in the pooled sample) are points where the
//!   empirical CDFs are compared, exactly as R does.
//! * The exact p-value counts the monotone lattice paths from `(0, 0)` to `(n_x, n_y)`
//!   that stay strictly inside the band the observed statistic defines, checking the band
//!   only at the ends of tie blocks (R's `psmirnov(..., z = w, exact = TRUE)`, which is
//!   exact with ties too). `O(n_x·n_y)` time, `O(n_x + n_y)` memory.
//! * The asymptotic p-value is the Kolmogorov limiting distribution at `sqrt(n)·D`
//!   (`n = n_x·n_y / (n_x + n_y)`), evaluated with R's series and tolerance (`C_pKS2`
//!   with `tol = 1e-6`), or `exp(-2·n·D²)` for one-sided alternatives.
//!
//! The floating-point expressions that produce the p-values are those of R, so results
//! agree with R to the last few bits, including R's cancellation floor for p-values
//! below about `1e-15`.

use crate::common::{Alternative, check_sample, sorted_copy};
use crate::error::{Result, StatsError};

/// How the p-value of [`ks_two_sample`] is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum KsMethod {
    /// R's default (`exact = NULL`): exact when `n_x·n_y < 10000`, asymptotic otherwise,
    /// whether or not there are ties.
    #[default]
    Auto,
    /// The exact null distribution (R's `exact = TRUE`), also in the presence of ties.
    /// Costs `O(n_x·n_y)` time; fails with [`StatsError::InvalidArgument`] when the path
    /// counts overflow `f64` (R would fall back to a Monte-Carlo estimate).
    Exact,
    /// The Kolmogorov limiting distribution (R's `exact = FALSE`).
    Asymptotic,
}

impl KsMethod {
    /// A lower-case name: `auto`, `exact` or `asymptotic`.
    ///
    /// ```
    /// assert_eq!(canary_stats::KsMethod::Exact.as_str(), "exact");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            KsMethod::Auto => "auto",
            KsMethod::Exact => "exact",
            KsMethod::Asymptotic => "asymptotic",
        }
    }
}

impl std::str::FromStr for KsMethod {
    type Err = StatsError;

    /// `auto`, `exact` or `asymptotic`.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(KsMethod::Auto),
            "exact" => Ok(KsMethod::Exact),
            "asymptotic" => Ok(KsMethod::Asymptotic),
            other => Err(StatsError::InvalidArgument {
                name: "method",
                problem: format!("expected auto, exact or asymptotic, got {other:?}"),
            }),
        }
    }
}

/// Options of [`ks_two_sample`]. The default is a two-sided test with [`KsMethod::Auto`],
/// like R's `ks.test(x, y)`.
///
/// ```
/// use canary_stats::{Alternative, KsMethod, KsOptions};
///
/// let options = KsOptions::default();
/// assert_eq!(options.alternative, Alternative::TwoSided);
/// assert_eq!(options.method, KsMethod::Auto);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct KsOptions {
    /// Which statistic to use, in R's convention (see [`ks_two_sample`]): `TwoSided` uses
    /// `D = max |F_x − F_y|`, `Greater` uses `D⁺ = max (F_x − F_y)` and `Less` uses
    /// `D⁻ = max (F_y − F_x)`.
    ///
    /// Note that `Greater` means "the CDF of `x` lies above that of `y`", i.e. `x` tends
    /// to be **smaller** than `y` — the opposite of the shift sense of
    /// [`Alternative::Greater`] in the rank tests. This is R's convention for `ks.test`.
    pub alternative: Alternative,
    /// How to compute the p-value.
    pub method: KsMethod,
}

/// The outcome of [`ks_two_sample`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KsResult {
    /// R's `statistic`: `D` (two-sided), `D⁺ = max (F_x − F_y)` (`Greater`) or
    /// `D⁻ = max (F_y − F_x)` (`Less`), in `[0, 1]`.
    pub statistic: f64,
    /// R's `p.value`, in `[0, 1]`.
    pub p_value: f64,
    /// The method actually used: [`KsMethod::Exact`] or [`KsMethod::Asymptotic`], never
    /// `Auto`.
    pub method: KsMethod,
    /// The alternative tested (as given in the options).
    pub alternative: Alternative,
    /// Number of values in `x`.
    pub n_x: usize,
    /// Number of values in `y`.
    pub n_y: usize,
    /// Whether the pooled sample contains ties (then the statistic compares the empirical
    /// CDFs only after whole tie blocks, and the exact p-value accounts for that). R warns
    /// that the p-value is approximate when ties meet the asymptotic method.
    pub ties: bool,
}

/// `n_x·n_y` below which [`KsMethod::Auto`] chooses the exact p-value (R's rule).
const AUTO_EXACT_PRODUCT: f64 = 10_000.0;

/// Tolerance R passes to its Kolmogorov series (`C_pKS2(..., tol = 1e-6)`).
const KOLMOGOROV_TOL: f64 = 1e-6;

/// Two-sample Kolmogorov–Smirnov test of `x` against `y`, as R 4.2.2's
/// `ks.test(x, y, alternative = ..., exact = ...)`.
///
/// With `F_x` and `F_y` the empirical CDFs, the statistic is
///
/// | `alternative` | R's name | statistic | alternative hypothesis (R's wording) |
/// |---|---|---|---|
/// | `TwoSided` | `D` | `max |F_x − F_y|` | the CDFs differ |
/// | `Greater` | `D^+` | `max (F_x − F_y)` | the CDF of `x` lies above that of `y` (`x` tends to be smaller) |
/// | `Less` | `D^-` | `max (F_y − F_x)` | the CDF of `x` lies below that of `y` (`x` tends to be larger) |
///
/// So, unlike the rank tests of this crate, `Greater` here detects an `x` that is
/// *smaller*: to ask "is the canary (`x`) slower than the baseline (`y`)?", use `Less`.
///
/// The p-value is exact when `options.method` is [`KsMethod::Exact`], or
/// [`KsMethod::Auto`] with `n_x·n_y < 10000` (R's rule; ties do not change it, because R
/// 4.2.2's exact distribution handles ties). Otherwise it is the asymptotic Kolmogorov
/// distribution, evaluated as R does (`tol = 1e-6` series for two-sided, `exp(-2nD²)`
/// one-sided), which is only approximate with ties. [`KsResult::method`] tells which
/// method was used.
///
/// **Where we differ from R on purpose:** R 4.2.2 computes the exact p-value of *both*
/// one-sided statistics from the null distribution of `D⁺`. Without ties `D⁺` and `D⁻`
/// have the same null distribution, so this is harmless; with ties they differ, and R's
/// exact `Less` p-value is then not the permutation p-value of `D⁻` (it can be far too
/// small or too large — e.g. 0.16 instead of 0.84). We use the null distribution of `D⁻`
/// for `Less`, so `ks_two_sample(x, y, Less)` equals R's `ks.test(y, x, "greater")`.
///
/// Deviations from R: missing or infinite values are an error here (R drops `NA`s and
/// accepts infinities), and a forced exact p-value whose path counts overflow is an error
/// where R falls back to a Monte-Carlo estimate. R's statistic carries the rounding of a
/// cumulative sum (it can be `-1e-16` instead of `0`); ours is the exact fraction.
///
/// # Errors
///
/// * [`StatsError::TooFewValues`] if `x` or `y` is empty;
/// * [`StatsError::NonFinite`] if a value is NaN or infinite;
/// * [`StatsError::InvalidArgument`] (`method`) if [`KsMethod::Exact`] is forced for
///   samples so large that the lattice-path counts overflow `f64`.
///
/// # Complexity
///
/// `O((n_x + n_y) log(n_x + n_y))` for the statistic and the asymptotic p-value;
/// the exact p-value adds `O(n_x·n_y)` time and `O(n_x + n_y)` memory.
///
/// # Example
///
/// ```
/// use canary_stats::{ks_two_sample, Alternative, KsMethod, KsOptions};
///
/// let x = [1.2, 3.4, 2.2, 0.5, 1.9];
/// let y = [4.1, 3.8, 5.0, 2.9, 4.4, 3.9];
/// let r = ks_two_sample(&x, &y, &KsOptions::default()).unwrap();
/// assert!((r.statistic - 5.0 / 6.0).abs() < 1e-15);
/// assert_eq!(r.method, KsMethod::Exact);
/// assert!((r.p_value - 0.025974025974030979).abs() < 1e-15); // R: ks.test(x, y)
///
/// // x tends to be smaller than y: its CDF lies above, so R's "greater" is significant.
/// let greater = KsOptions { alternative: Alternative::Greater, ..KsOptions::default() };
/// let r = ks_two_sample(&x, &y, &greater).unwrap();
/// assert!(r.p_value < 0.05);
/// let less = KsOptions { alternative: Alternative::Less, ..KsOptions::default() };
/// assert_eq!(ks_two_sample(&x, &y, &less).unwrap().p_value, 1.0);
/// ```
pub fn ks_two_sample(x: &[f64], y: &[f64], options: &KsOptions) -> Result<KsResult> {
    check_sample("x", x, 1)?;
    check_sample("y", y, 1)?;
    let xs = sorted_copy(x);
    let ys = sorted_copy(y);
    let scan = scan(&xs, &ys);
    let n_x = xs.len();
    let n_y = ys.len();
    let (nx, ny) = (n_x as f64, n_y as f64);

    // The statistic times n_x·n_y, an integer.
    let scaled = match options.alternative {
        Alternative::TwoSided => scan.max_above.max(scan.max_below),
        Alternative::Greater => scan.max_above,
        Alternative::Less => scan.max_below,
    };
    let statistic = scaled as f64 / (nx * ny);

    let exact = match options.method {
        KsMethod::Auto => nx * ny < AUTO_EXACT_PRODUCT,
        KsMethod::Exact => true,
        KsMethod::Asymptotic => false,
    };
    let two_sided = options.alternative == Alternative::TwoSided;
    let p_value = if exact {
        exact_p_value(scaled, n_x, n_y, options.alternative, &scan.block_end)?
    } else {
        asymptotic_p_value(statistic, nx, ny, two_sided)
    };

    Ok(KsResult {
        statistic,
        p_value: p_value.clamp(0.0, 1.0),
        method: if exact {
            KsMethod::Exact
        } else {
            KsMethod::Asymptotic
        },
        alternative: options.alternative,
        n_x,
        n_y,
        ties: scan.ties,
    })
}

/// What one merge pass over the two sorted samples yields.
struct Scan {
    /// `max (i·n_y − j·n_x)` over tie-block ends, where `i` and `j` values of `x` and `y`
    /// are at or below the block's value: `n_x·n_y·max (F_x − F_y)`.
    max_above: i128,
    /// `n_x·n_y·max (F_y − F_x)` likewise.
    max_below: i128,
    /// `block_end[k]` for `k` in `1..=n_x + n_y`: whether the `k`-th smallest pooled value
    /// is the last of its tie block (R's `TIES` vector, shifted by one).
    block_end: Vec<bool>,
    /// Whether any tie block has more than one value.
    ties: bool,
}

/// Merges the sorted samples, comparing the empirical CDFs after each tie block.
fn scan(xs: &[f64], ys: &[f64]) -> Scan {
    let (n_x, n_y) = (xs.len(), ys.len());
    let (wide_x, wide_y) = (n_x as i128, n_y as i128);
    let mut block_end = vec![false; n_x + n_y + 1];
    let (mut i, mut j) = (0_usize, 0_usize);
    let (mut max_above, mut max_below) = (0_i128, 0_i128);
    let mut ties = false;
    while i < n_x || j < n_y {
        let value = match (xs.get(i), ys.get(j)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        let start = i + j;
        while xs.get(i) == Some(&value) {
            i += 1;
        }
        while ys.get(j) == Some(&value) {
            j += 1;
        }
        if i + j > start + 1 {
            ties = true;
        }
        block_end[i + j] = true;
        let diff = i as i128 * wide_y - j as i128 * wide_x;
        max_above = max_above.max(diff);
        max_below = max_below.max(-diff);
    }
    Scan {
        max_above,
        max_below,
        block_end,
        ties,
    }
}

/// R's `psmirnov(..., exact = TRUE, lower.tail = FALSE)` for a statistic equal to
/// `scaled / (n_x·n_y)`.
///
/// Counts the lattice paths (a step in `u` for each `x`, in `v` for each `y`, in pooled
/// sorted order) along which `n_x·n_y·d(u, v) < scaled` at every tie-block end, where
/// `d(u, v) = u/n_x − v/n_y` (its absolute value when two-sided). R compares
/// `(0.5 + floor(D·n_x·n_y − 1e-7)) / (n_x·n_y) > d`, which is this integer comparison.
/// For `Less` the path statistic is `v/n_y − u/n_x` (the distribution of `D⁻`; R 4.2.2
/// uses `D⁺`'s here, which is wrong with ties).
/// The count is `1 − P(statistic < observed)` times `C(n_x + n_y, n_x)`, kept in `f64`
/// with the same additions as R, so the rounding agrees too.
fn exact_p_value(
    scaled: i128,
    n_x: usize,
    n_y: usize,
    alternative: Alternative,
    block_end: &[bool],
) -> Result<f64> {
    let (wide_x, wide_y) = (n_x as i128, n_y as i128);
    // row[v] holds the count at (u, v) for the current u.
    let mut row = vec![0.0_f64; n_y + 1];
    for u in 0..=n_x {
        // d·n_x·n_y at (u, v) is u·n_y − v·n_x.
        let mut scaled_d = u as i128 * wide_y;
        for v in 0..=n_y {
            let count = if u == 0 && v == 0 {
                1.0
            } else {
                // row[v] still holds (u − 1, v); row[v − 1] already holds (u, v − 1).
                let from_u = if u > 0 { row[v] } else { 0.0 };
                let from_v = if v > 0 { row[v - 1] } else { 0.0 };
                let sum = from_v + from_u;
                if !sum.is_finite() {
                    return Err(StatsError::InvalidArgument {
                        name: "method",
                        problem: format!(
                            "the exact Kolmogorov-Smirnov distribution for sample sizes \
                             {n_x} and {n_y} overflows; use the asymptotic method"
                        ),
                    });
                }
                let d = match alternative {
                    Alternative::TwoSided => scaled_d.abs(),
                    Alternative::Greater => scaled_d,
                    Alternative::Less => -scaled_d,
                };
                if block_end[u + v] && d >= scaled {
                    0.0
                } else {
                    sum
                }
            };
            row[v] = count;
            scaled_d -= wide_x;
        }
    }
    let inside = row[n_y];
    let (nx, ny) = (n_x as f64, n_y as f64);
    let log_total =
        ln_gamma_integer(nx + ny + 1.0) - ln_gamma_integer(nx + 1.0) - ln_gamma_integer(ny + 1.0);
    Ok(1.0 - inside / log_total.exp())
}

/// R's asymptotic `psmirnov(..., exact = FALSE, lower.tail = FALSE)`.
fn asymptotic_p_value(statistic: f64, nx: f64, ny: f64, two_sided: bool) -> f64 {
    let n = nx * ny / (nx + ny);
    let cdf = if two_sided {
        if statistic < f64::EPSILON {
            0.0
        } else {
            kolmogorov_cdf(n.sqrt() * statistic, KOLMOGOROV_TOL)
        }
    } else {
        1.0 - (-2.0 * n * (statistic * statistic)).exp()
    };
    1.0 - cdf
}

/// The Kolmogorov limiting distribution `K(x) = 1 − 2 Σ_{k≥1} (−1)^(k−1) exp(−2k²x²)`,
/// evaluated as R's `C_pKS2(x, tol)`: for `x < 1` the equivalent theta-function series
/// `sqrt(2π)/x · Σ_{k odd} exp(−k²π²/(8x²))` with its terms `k < floor(sqrt(2 − ln tol))`;
/// otherwise the alternating series until a term is at most `tol`. For `x > 0`.
fn kolmogorov_cdf(x: f64, tol: f64) -> f64 {
    if x < 1.0 {
        let k_max = (2.0 - tol.ln()).sqrt().floor();
        let z = -(std::f64::consts::FRAC_PI_2 * std::f64::consts::FRAC_PI_4) / (x * x);
        let w = x.ln();
        let mut sum = 0.0;
        let mut k = 1.0_f64;
        while k < k_max {
            sum += (k * k * z - w).exp();
            k += 2.0;
        }
        sum / FRAC_1_SQRT_2PI
    } else {
        let z = -2.0 * x * x;
        let mut sign = -1.0;
        let mut k = 1.0_f64;
        let mut old = 0.0_f64;
        let mut new = 1.0_f64;
        while (old - new).abs() > tol {
            old = new;
            new += 2.0 * sign * (z * k * k).exp();
            sign = -sign;
            k += 1.0;
        }
        new
    }
}

/// `1 / sqrt(2π)`.
const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// `ln sqrt(2π)`.
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// `ln Γ(x)` for a whole number `x >= 1`, rounded as R's `lgamma` rounds it (checked
/// bit for bit against R for `x` up to 30001 and around its branch points): `ln((x−1)!)`
/// from the exact factorial for `x <= 10`, Stirling's series above.
fn ln_gamma_integer(x: f64) -> f64 {
    if x <= 10.0 {
        let mut factorial = 1.0_f64;
        let mut i = 2.0;
        while i < x {
            factorial *= i;
            i += 1.0;
        }
        factorial.ln()
    } else if x > 1e17 {
        x * (x.ln() - 1.0)
    } else if x > 4_934_720.0 {
        LN_SQRT_2PI + (x - 0.5) * x.ln() - x
    } else {
        LN_SQRT_2PI + (x - 0.5) * x.ln() - x + stirling_correction(x)
    }
}

/// `ln Γ(x) − (x − ½) ln x + x − ln sqrt(2π)` for `x > 10`: the Stirling series
/// `Σ B_2k / (2k (2k − 1) x^(2k−1))`, `k = 1..=9` (error below `1e-17` there).
fn stirling_correction(x: f64) -> f64 {
    const COEFFICIENTS: [f64; 9] = [
        1.0 / 12.0,
        -1.0 / 360.0,
        1.0 / 1260.0,
        -1.0 / 1680.0,
        1.0 / 1188.0,
        -691.0 / 360_360.0,
        1.0 / 156.0,
        -3617.0 / 122_400.0,
        43867.0 / 244_188.0,
    ];
    let r = 1.0 / (x * x);
    COEFFICIENTS.iter().rev().fold(0.0, |acc, &c| acc * r + c) / x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(x: &[f64], y: &[f64]) -> Result<KsResult> {
        ks_two_sample(x, y, &KsOptions::default())
    }

    #[test]
    fn empty_samples_are_errors() {
        assert_eq!(
            run(&[], &[1.0]),
            Err(StatsError::TooFewValues {
                name: "x",
                len: 0,
                needed: 1
            })
        );
        assert_eq!(
            run(&[1.0], &[]),
            Err(StatsError::TooFewValues {
                name: "y",
                len: 0,
                needed: 1
            })
        );
    }

    #[test]
    fn non_finite_values_are_errors() {
        let err = run(&[1.0, f64::NAN], &[1.0]).unwrap_err();
        assert!(matches!(
            err,
            StatsError::NonFinite {
                name: "x",
                index: 1,
                ..
            }
        ));
        let err = run(&[1.0], &[2.0, 3.0, f64::INFINITY]).unwrap_err();
        assert!(matches!(
            err,
            StatsError::NonFinite {
                name: "y",
                index: 2,
                ..
            }
        ));
        let err = run(&[f64::NEG_INFINITY], &[f64::NAN]).unwrap_err();
        assert!(matches!(err, StatsError::NonFinite { name: "x", .. }));
    }

    #[test]
    fn overflowing_exact_is_an_error() {
        // C(1200, 600) is far beyond f64.
        let x: Vec<f64> = (0..600).map(f64::from).collect();
        let y: Vec<f64> = (0..600).map(|i| f64::from(i) + 300.5).collect();
        let options = KsOptions {
            method: KsMethod::Exact,
            ..KsOptions::default()
        };
        let err = ks_two_sample(&x, &y, &options).unwrap_err();
        assert!(matches!(
            err,
            StatsError::InvalidArgument { name: "method", .. }
        ));
        // Auto and Asymptotic still work.
        let r = run(&x, &y).unwrap();
        assert_eq!(r.method, KsMethod::Asymptotic);
        assert!(r.p_value < 1e-100);
        let asymptotic = KsOptions {
            method: KsMethod::Asymptotic,
            ..KsOptions::default()
        };
        assert_eq!(ks_two_sample(&x, &y, &asymptotic).unwrap(), r);
    }

    #[test]
    fn identical_samples() {
        let r = run(&[3.0, 3.0], &[3.0, 3.0, 3.0]).unwrap();
        assert_eq!(r.statistic, 0.0);
        assert_eq!(r.p_value, 1.0);
        assert!(r.ties);
        assert_eq!(r.method, KsMethod::Exact);
    }

    #[test]
    fn separated_samples_exact() {
        let r = run(&[1.0, 2.0, 3.0, 4.0, 5.0], &[6.0, 7.0, 8.0, 9.0, 10.0]).unwrap();
        assert_eq!(r.statistic, 1.0);
        // R: 1 - count / exp(lchoose(10, 5)), with a rounding error of order 1e-16.
        assert!((r.p_value - 2.0 / 252.0).abs() < 1e-14);
        assert!(!r.ties);
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        assert_eq!(ln_gamma_integer(1.0), 0.0);
        assert_eq!(ln_gamma_integer(2.0), 0.0);
        assert_eq!(ln_gamma_integer(5.0), 24.0_f64.ln());
        let ln_20_factorial = (1..=20).map(|i| f64::from(i).ln()).sum::<f64>();
        assert!((ln_gamma_integer(21.0) - ln_20_factorial).abs() < 1e-13);
    }

    #[test]
    fn kolmogorov_cdf_matches_r() {
        // .Call(stats:::C_pKS2, x, 1e-6) in R 4.2.2.
        assert_eq!(kolmogorov_cdf(0.5, 1e-6), 0.036_054_756_335_124_92);
        assert_eq!(kolmogorov_cdf(1.0, 1e-6), 0.730_000_328_322_620_2);
        assert_eq!(kolmogorov_cdf(2.0, 1e-6), 0.999_329_074_744_220_3);
    }
}
