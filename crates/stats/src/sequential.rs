//! Sequential error control: Lan–DeMets alpha spending for group-sequential boundaries,
//! and mixture-SPRT always-valid p-values.
//!
//! A rollout looks at its metrics several times (after each traffic step). Testing each
//! look at level `alpha` inflates the false-alarm probability over the whole rollout; the
//! two tools here keep it at `alpha`:
//!
//! - **Alpha spending** ([`group_sequential_bounds`]): when the looks are planned as
//!   fractions of a maximum information (sample size), a spending function
//!   ([`SpendingFunction`]) decides how much of `alpha` may be used up to each look, and
//!   each look gets a critical value `c_k` for its z-statistic. The boundaries are those of
//!   Lan & DeMets (1983), computed by the recursive numerical integration of Armitage,
//!   McPherson & Rowe (1969) as laid out by Jennison & Turnbull (2000, ch. 19).
//! - **Always-valid p-values** ([`AlwaysValidPValue`]): when the looks are not planned, the
//!   mixture sequential probability ratio test of Johari et al. (2017) gives a p-value that
//!   may be checked after every update, as often as wished, with
//!   `P(ever p ≤ alpha) ≤ alpha` under the null hypothesis.
//!
//! References: K. K. G. Lan and D. L. DeMets, *Discrete sequential boundaries for clinical
//! trials*, Biometrika 70 (1983); C. Jennison and B. W. Turnbull, *Group Sequential Methods
//! with Applications to Clinical Trials* (2000); R. Johari, L. Pekelis, D. Walsh, *Always
//! valid inference: bringing sequential analysis to A/B testing*, arXiv:1512.04922 (2017).

use crate::common::Alternative;
use crate::error::{Result, StatsError};
use crate::normal;

/// The largest number of looks [`group_sequential_bounds`] accepts.
pub const MAX_LOOKS: usize = 200;

/// The smallest relative step between consecutive information fractions,
/// `(t_k − t_{k−1}) / t_k`, that [`group_sequential_bounds`] accepts. Closer looks carry
/// (almost) the same information; merge them.
pub const MIN_RELATIVE_INCREMENT: f64 = 1e-4;

/// Below this, the alpha available at a look is treated as none (boundary `+inf`).
const NEGLIGIBLE_ALPHA: f64 = 1e-300;

/// Grid points per standard deviation of the narrowest Gaussian kernel involved.
const POINTS_PER_SD: f64 = 16.0;

/// The continuation region of the one-sided recursion is cut at `z = -LOWER_CUT`: paths
/// below it (probability `< 1e-19`) are dropped.
const LOWER_CUT: f64 = 9.0;

/// Grids never extend beyond `z = UPPER_CUT`: the standard normal density is `< 1e-320`
/// there.
const UPPER_CUT: f64 = 38.5;

/// `1 / sqrt(2 pi)`.
const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// How the type-I error `alpha` is spent over the information fraction `t` in `[0, 1]`.
///
/// Both are the Lan–DeMets (1983) forms, written for a **one-sided** level `alpha` as in
/// gsDesign's `sfLDOF` / `sfLDPocock` and Jennison & Turnbull's tables. A two-sided design
/// at level `alpha` ([`group_sequential_bounds_with`] with [`Alternative::TwoSided`]) spends
/// `alpha / 2` on each side with the same one-sided form.
///
/// ```
/// use canary_stats::SpendingFunction;
///
/// let obf = SpendingFunction::OBrienFleming;
/// assert_eq!(obf.spent(0.025, 1.0).unwrap(), 0.025);        // all spent at the end
/// assert!(obf.spent(0.025, 0.2).unwrap() < 1e-6);           // almost nothing early
/// let pocock = SpendingFunction::Pocock;
/// assert!((pocock.spent(0.025, 0.2).unwrap() - 0.0073849).abs() < 1e-7); // 0.025 ln(1 + 0.2(e − 1))
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpendingFunction {
    /// O'Brien–Fleming type: `alpha(t) = 2 − 2 Φ(z_{1−alpha/2} / sqrt(t))`, where
    /// `z_{1−alpha/2}` is the standard normal `1 − alpha/2` quantile. Spends very little
    /// early, so the early boundaries are strict and the last is close to the fixed-sample
    /// one.
    OBrienFleming,
    /// Pocock type: `alpha(t) = alpha · ln(1 + (e − 1) t)`. Spends more evenly; the
    /// boundaries are roughly constant over equally spaced looks.
    Pocock,
}

impl SpendingFunction {
    /// The cumulative alpha `alpha(t)` this function allows up to information fraction
    /// `t`: `0` at `t = 0`, exactly `alpha` at `t = 1`, increasing in between.
    ///
    /// `alpha` must lie in (0, 1) and `t` in [0, 1]; otherwise a
    /// [`StatsError::InvalidProbability`] or [`StatsError::InvalidArgument`] is returned.
    ///
    /// ```
    /// use canary_stats::SpendingFunction;
    ///
    /// let a = SpendingFunction::OBrienFleming.spent(0.05, 0.5).unwrap();
    /// assert!((a - 0.005574597).abs() < 1e-9); // 2 − 2Φ(1.959964 / sqrt(0.5))
    /// ```
    pub fn spent(self, alpha: f64, t: f64) -> Result<f64> {
        if !(alpha > 0.0 && alpha < 1.0) {
            return Err(StatsError::InvalidProbability {
                name: "alpha",
                range: "(0, 1)",
                value: alpha,
            });
        }
        if !(0.0..=1.0).contains(&t) {
            return Err(StatsError::InvalidArgument {
                name: "t",
                problem: format!("an information fraction must be in [0, 1], got {t}"),
            });
        }
        Ok(self.spent_unchecked(alpha, t))
    }

    /// `alpha(t)` for `alpha` in (0, 1) and `t` in [0, 1] (already checked).
    fn spent_unchecked(self, alpha: f64, t: f64) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        if t >= 1.0 {
            return alpha;
        }
        let value = match self {
            SpendingFunction::OBrienFleming => {
                // 2 − 2Φ(x) = 2 Φ̄(x), computed in the upper tail so that tiny values keep
                // their precision.
                let z = -normal::quantile(alpha / 2.0);
                2.0 * normal::sf(z / t.sqrt())
            }
            SpendingFunction::Pocock => alpha * ((std::f64::consts::E - 1.0) * t).ln_1p(),
        };
        value.clamp(0.0, alpha)
    }

    /// A short name: `"obrien-fleming"` or `"pocock"`.
    ///
    /// ```
    /// assert_eq!(canary_stats::SpendingFunction::Pocock.as_str(), "pocock");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            SpendingFunction::OBrienFleming => "obrien-fleming",
            SpendingFunction::Pocock => "pocock",
        }
    }
}

/// The critical value of one look of a group-sequential design.
///
/// With `Z_k` the look's z-statistic (estimate over its standard error, computed from all
/// data so far), the null hypothesis is rejected at the first look where
/// [`Boundary::rejects`] holds:
///
/// - [`Alternative::Greater`]: `Z_k ≥ z`;
/// - [`Alternative::Less`]: `Z_k ≤ z` (here `z` is negative, the mirror image);
/// - [`Alternative::TwoSided`]: `|Z_k| ≥ z`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Boundary {
    /// The look's information fraction `t_k` (information so far over the maximum).
    pub information_fraction: f64,
    /// The critical value `c_k` on the z scale (see the type's documentation for its sign).
    /// `+inf` (`-inf` for [`Alternative::Less`]) when no alpha is available at this look
    /// (less than `1e-300`, e.g. O'Brien–Fleming spending before `t ≈ 0.004`): the look
    /// cannot reject.
    pub z: f64,
    /// The nominal p-value threshold of the look: reject when the look's ordinary
    /// (fixed-sample) p-value is at most this. `1 − Φ(|c_k|)` for one-sided designs,
    /// `2 (1 − Φ(c_k))` for two-sided ones.
    pub nominal_p: f64,
    /// The cumulative type-I error spent up to and including this look,
    /// `P(reject at some look j ≤ k)` under the null hypothesis: `alpha(t_k)` of the
    /// spending function (for two-sided designs, both sides together: `2 alpha'(t_k)` with
    /// `alpha'` the one-sided function at level `alpha / 2`).
    pub alpha_spent: f64,
    /// The type-I error spent at this look alone, `alpha_spent` minus that of the previous
    /// look: `P(first rejection at look k)` under the null hypothesis.
    pub alpha_increment: f64,
    /// Which side(s) the boundary is on.
    pub alternative: Alternative,
}

impl Boundary {
    /// Whether a z-statistic observed at this look crosses the boundary (see the type's
    /// documentation). A NaN statistic never rejects.
    ///
    /// ```
    /// use canary_stats::{group_sequential_bounds, SpendingFunction};
    ///
    /// let b = group_sequential_bounds(SpendingFunction::Pocock, 0.025, &[0.5, 1.0]).unwrap();
    /// assert!(!b[0].rejects(2.0) && b[0].rejects(2.2));
    /// ```
    pub fn rejects(&self, z: f64) -> bool {
        match self.alternative {
            Alternative::Greater => z >= self.z,
            Alternative::Less => z <= self.z,
            Alternative::TwoSided => z.abs() >= self.z,
        }
    }
}

/// One-sided (upper) Lan–DeMets group-sequential boundaries at overall level `alpha`.
///
/// `information_fractions` are the looks' `t_k = I_k / I_max` (information — e.g. sample
/// size — so far over the planned maximum), strictly increasing in (0, 1]. For each look
/// the critical value `c_k` solves, for the canonical joint normal statistics
/// `Z_1, …, Z_K` with `Cov(Z_j, Z_k) = sqrt(t_j / t_k)` under the null hypothesis,
///
/// `P(Z_1 < c_1, …, Z_{k−1} < c_{k−1}, Z_k ≥ c_k) = alpha(t_k) − alpha(t_{k−1})`,
///
/// so the probability of a false rejection at any of the looks is `alpha(t_K)` — `alpha`
/// itself when the last fraction is 1, less when the design stops early.
///
/// The boundary of look `k` depends only on `t_1, …, t_k`: a rollout may compute the
/// boundaries of the looks seen so far and add looks as they come.
///
/// Computed by the recursive numerical integration of Armitage, McPherson & Rowe (1969) /
/// Jennison & Turnbull (2000, ch. 19): the sub-density of the score statistic
/// `S_k = Z_k sqrt(t_k)` on the continuation region is propagated from look to look on a
/// grid with Simpson weights (16 points per standard deviation of the narrowest Gaussian
/// step), and each `c_k` is found by safeguarded Newton iteration on the log crossing
/// probability. The crossing probabilities are accurate to a few `1e-9` (checked against
/// an independent quadrature in the tests). 50 looks take about 50 ms in a release build.
///
/// Errors (never panics): `alpha` outside (0, 0.5] ([`StatsError::InvalidProbability`]);
/// no fractions ([`StatsError::TooFewValues`]); a NaN or infinite fraction
/// ([`StatsError::NonFinite`]); a fraction outside (0, 1], fractions not strictly
/// increasing, two fractions closer than [`MIN_RELATIVE_INCREMENT`], or more than
/// [`MAX_LOOKS`] looks ([`StatsError::InvalidArgument`]); [`StatsError::Degenerate`] if a
/// root search failed (a safeguard; not seen for any valid input).
///
/// ```
/// use canary_stats::{group_sequential_bounds, SpendingFunction};
///
/// let looks = [0.2, 0.4, 0.6, 0.8, 1.0];
/// let b = group_sequential_bounds(SpendingFunction::OBrienFleming, 0.025, &looks).unwrap();
/// let z: Vec<f64> = b.iter().map(|b| (b.z * 1000.0).round() / 1000.0).collect();
/// assert_eq!(z, [4.877, 3.357, 2.680, 2.290, 2.031]); // Jennison & Turnbull, gsDesign
/// assert_eq!(b[4].alpha_spent, 0.025);
/// assert!(b[4].rejects(2.1) && !b[0].rejects(4.0));
/// ```
pub fn group_sequential_bounds(
    spending: SpendingFunction,
    alpha: f64,
    information_fractions: &[f64],
) -> Result<Vec<Boundary>> {
    group_sequential_bounds_with(spending, alpha, information_fractions, Alternative::Greater)
}

/// Lan–DeMets group-sequential boundaries on the side(s) `alternative` names, at overall
/// level `alpha`.
///
/// - [`Alternative::Greater`]: as [`group_sequential_bounds`].
/// - [`Alternative::Less`]: its mirror image (each `z` negated).
/// - [`Alternative::TwoSided`]: symmetric boundaries `±c_k` at two-sided level `alpha`:
///   each side spends `alpha / 2` with the one-sided spending function, so that
///   `P(|Z_1| < c_1, …, |Z_{k−1}| < c_{k−1}, |Z_k| ≥ c_k) = 2 (alpha'(t_k) − alpha'(t_{k−1}))`
///   with `alpha'` the one-sided function at level `alpha / 2`. Two-sided 0.05 thus gives
///   (almost exactly) the one-sided 0.025 boundaries, as in DeMets & Lan (1994) and
///   gsDesign's symmetric designs (`test.type = 2`, whose `alpha` is our `alpha / 2`).
///
/// Input rules and errors are those of [`group_sequential_bounds`].
///
/// ```
/// use canary_stats::{group_sequential_bounds_with, Alternative, SpendingFunction};
///
/// let b = group_sequential_bounds_with(
///     SpendingFunction::Pocock, 0.05, &[0.25, 0.5, 0.75, 1.0], Alternative::TwoSided,
/// ).unwrap();
/// assert!(b.iter().all(|b| (b.z - 2.36).abs() < 0.06)); // roughly flat, as Pocock's 2.361
/// assert!(b[1].rejects(-2.5));
/// ```
pub fn group_sequential_bounds_with(
    spending: SpendingFunction,
    alpha: f64,
    information_fractions: &[f64],
    alternative: Alternative,
) -> Result<Vec<Boundary>> {
    bounds_at_resolution(
        spending,
        alpha,
        information_fractions,
        alternative,
        POINTS_PER_SD,
    )
}

/// [`group_sequential_bounds_with`] with a chosen grid resolution (points per standard
/// deviation of the narrowest Gaussian step).
fn bounds_at_resolution(
    spending: SpendingFunction,
    alpha: f64,
    information_fractions: &[f64],
    alternative: Alternative,
    points_per_sd: f64,
) -> Result<Vec<Boundary>> {
    check_design(alpha, information_fractions)?;
    let two_sided = alternative == Alternative::TwoSided;
    let cumulative = |t: f64| {
        if two_sided {
            (2.0 * spending.spent_unchecked(alpha / 2.0, t)).min(alpha)
        } else {
            spending.spent_unchecked(alpha, t)
        }
    };
    let t = information_fractions;
    let mut boundaries = Vec::with_capacity(t.len());
    let mut grid: Option<Grid> = None;
    let mut previous_spent = 0.0;
    for k in 0..t.len() {
        let spent = cumulative(t[k]).max(previous_spent);
        let increment = spent - previous_spent;
        let c = match &grid {
            _ if increment < NEGLIGIBLE_ALPHA => f64::INFINITY,
            None => {
                // First look: Z_1 is standard normal, the boundary a plain quantile.
                let tail = if two_sided {
                    increment / 2.0
                } else {
                    increment
                };
                -normal::quantile(tail)
            }
            Some(g) => solve_boundary(g, t[k - 1], t[k], increment, two_sided)?,
        };
        let nominal_p = if c.is_infinite() {
            0.0
        } else if two_sided {
            (2.0 * normal::sf(c)).min(1.0)
        } else {
            normal::sf(c)
        };
        boundaries.push(Boundary {
            information_fraction: t[k],
            z: if alternative == Alternative::Less {
                -c
            } else {
                c
            },
            nominal_p,
            alpha_spent: spent,
            alpha_increment: increment,
            alternative,
        });
        previous_spent = spent;
        if k + 1 < t.len() {
            let next_step = t[k + 1] - t[k];
            grid = Some(match grid {
                None => Grid::first(t[k], c, next_step, two_sided, points_per_sd),
                Some(g) => g.advance(t[k - 1], t[k], c, next_step, two_sided, points_per_sd),
            });
        }
    }
    Ok(boundaries)
}

/// Validates `alpha` and the information fractions of a design.
fn check_design(alpha: f64, t: &[f64]) -> Result<()> {
    const NAME: &str = "information_fractions";
    if !(alpha > 0.0 && alpha <= 0.5) {
        return Err(StatsError::InvalidProbability {
            name: "alpha",
            range: "(0, 0.5]",
            value: alpha,
        });
    }
    if t.is_empty() {
        return Err(StatsError::TooFewValues {
            name: NAME,
            len: 0,
            needed: 1,
        });
    }
    if let Some((index, &value)) = t.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(StatsError::NonFinite {
            name: NAME,
            index,
            value,
        });
    }
    if t.len() > MAX_LOOKS {
        return Err(StatsError::InvalidArgument {
            name: NAME,
            problem: format!("{} looks given; at most {MAX_LOOKS} supported", t.len()),
        });
    }
    if let Some((index, &value)) = t
        .iter()
        .enumerate()
        .find(|(_, v)| !(**v > 0.0 && **v <= 1.0))
    {
        return Err(StatsError::InvalidArgument {
            name: NAME,
            problem: format!("[{index}] = {value} is outside (0, 1]"),
        });
    }
    for (k, pair) in t.windows(2).enumerate() {
        let (before, after) = (pair[0], pair[1]);
        if after <= before {
            return Err(StatsError::InvalidArgument {
                name: NAME,
                problem: format!(
                    "must be strictly increasing, but [{}] = {after} follows [{k}] = {before}",
                    k + 1
                ),
            });
        }
        if after - before < MIN_RELATIVE_INCREMENT * after {
            return Err(StatsError::InvalidArgument {
                name: NAME,
                problem: format!(
                    "[{k}] = {before} and [{}] = {after} are too close (relative step below \
                     {MIN_RELATIVE_INCREMENT}); merge the looks",
                    k + 1
                ),
            });
        }
    }
    Ok(())
}

/// The standard normal density.
fn pdf(x: f64) -> f64 {
    FRAC_1_SQRT_2PI * (-0.5 * x * x).exp()
}

/// The sub-density of the score statistic `S_k = Z_k sqrt(t_k)` on the continuation region
/// of look `k`, on a uniform grid, premultiplied by Simpson weights: `mass[i]` is
/// `w_i f_k(lo + i h)`, so `Σ mass[i] g(node_i)` approximates `∫ f_k(s) g(s) ds` over
/// the continuation region.
struct Grid {
    /// First node (lower end of the continuation region).
    lo: f64,
    /// Node spacing.
    h: f64,
    /// Simpson weight times density at each node.
    mass: Vec<f64>,
}

impl Grid {
    /// The continuation region `[lo, hi]` (on the S scale) of a look at fraction `t` with
    /// critical value `c` (z scale), and a grid spacing that resolves both the density (smooth on
    /// the scale `sqrt(step_in)`) and the next step's kernel (`sqrt(step_out)`).
    fn layout(
        t: f64,
        c: f64,
        step_in: f64,
        step_out: f64,
        two_sided: bool,
        points_per_sd: f64,
    ) -> (f64, f64, usize) {
        let root_t = t.sqrt();
        let top = c.min(UPPER_CUT) * root_t;
        let bottom = if two_sided { -top } else { -LOWER_CUT * root_t };
        let target = step_in.min(step_out).sqrt() / points_per_sd;
        // The number of intervals, even (Simpson) and at least 2; bounded because the
        // region is at most 2 · UPPER_CUT · sqrt(t) wide and the steps are not too small.
        let intervals = ((top - bottom) / target).ceil().max(2.0);
        let mut n = intervals as usize;
        if n % 2 == 1 {
            n += 1;
        }
        (bottom, (top - bottom) / n as f64, n + 1)
    }

    /// Simpson weight of node `i` of `n` (odd) nodes with spacing `h`.
    fn simpson_weight(i: usize, n: usize, h: f64) -> f64 {
        let factor = if i == 0 || i + 1 == n {
            1.0
        } else if i % 2 == 1 {
            4.0
        } else {
            2.0
        };
        factor * h / 3.0
    }

    /// The grid after the first look: `S_1 ~ N(0, t1)` restricted to the continuation
    /// region.
    fn first(t1: f64, c: f64, next_step: f64, two_sided: bool, points_per_sd: f64) -> Grid {
        let (lo, h, n) = Grid::layout(t1, c, t1, next_step, two_sided, points_per_sd);
        let sd = t1.sqrt();
        let mass = (0..n)
            .map(|i| {
                let s = lo + i as f64 * h;
                Grid::simpson_weight(i, n, h) * pdf(s / sd) / sd
            })
            .collect();
        Grid { lo, h, mass }
    }

    /// The grid of look `k` (fraction `t`, critical value `c`) from that of look `k − 1`
    /// (fraction `t_prev`): `f_k(s) = ∫ f_{k−1}(u) φ((s − u)/σ)/σ du` with
    /// `σ² = t − t_prev`.
    fn advance(
        &self,
        t_prev: f64,
        t: f64,
        c: f64,
        next_step: f64,
        two_sided: bool,
        points_per_sd: f64,
    ) -> Grid {
        let step = t - t_prev;
        let sigma = step.sqrt();
        let (lo, h, n) = Grid::layout(t, c, step, next_step, two_sided, points_per_sd);
        let max_mass = self.mass.iter().fold(0.0_f64, |m, &v| m.max(v));
        let mass = (0..n)
            .map(|j| {
                let s = lo + j as f64 * h;
                Grid::simpson_weight(j, n, h) * self.convolve_at(s, sigma, max_mass) / sigma
            })
            .collect();
        Grid { lo, h, mass }
    }

    /// `Σ_i mass[i] φ((s − u_i)/σ)`, summed outwards from the node nearest `s` and stopped
    /// in each direction once the rest cannot matter (`< 1e-17` relative): the kernel
    /// decreases away from `s` and no mass exceeds `max_mass`.
    fn convolve_at(&self, s: f64, sigma: f64, max_mass: f64) -> f64 {
        let n = self.mass.len();
        let nearest = ((s - self.lo) / self.h).round().clamp(0.0, (n - 1) as f64) as usize;
        let bound = max_mass * n as f64 * 1e17;
        let step = self.h / sigma;
        let down = self.sweep((0..=nearest).rev(), s, sigma, step, bound, 0.0);
        self.sweep(nearest + 1..n, s, sigma, -step, bound, down)
    }

    /// Adds `mass[i] φ(x_i)`, `x_i = (s − u_i)/σ`, over `indices` (consecutive nodes moving
    /// away from `s`, so that `x` changes by `dx` per node) to `sum`, until the terms are
    /// negligible. The kernel is updated by the exact recurrence
    /// `φ(x + dx) = φ(x) · exp(−x dx − dx²/2)` and recomputed directly every 16 nodes.
    fn sweep(
        &self,
        indices: impl Iterator<Item = usize>,
        s: f64,
        sigma: f64,
        dx: f64,
        bound: f64,
        mut sum: f64,
    ) -> f64 {
        let q = (-dx * dx).exp();
        let mut kernel = 0.0;
        let mut ratio = 0.0;
        for (count, i) in indices.enumerate() {
            if count % 16 == 0 {
                let x = (s - (self.lo + i as f64 * self.h)) / sigma;
                kernel = pdf(x);
                ratio = (-x * dx - 0.5 * dx * dx).exp();
            }
            sum += self.mass[i] * kernel;
            if kernel * bound < sum || kernel == 0.0 {
                break;
            }
            kernel *= ratio;
            ratio *= q;
        }
        sum
    }

    /// The probability of continuing to look `k` and crossing its boundary `c` there,
    /// with its derivative in `c`. `t_prev`, `t` are the fractions of looks `k − 1`, `k`.
    ///
    /// The upper crossing term `Φ̄((b − u)/σ)` shrinks as `u` moves down from the boundary
    /// `b`, so the sum runs from the top node down and stops once the rest cannot matter
    /// (`< 1e-17` relative), as in [`Grid::convolve_at`]; the lower term of a two-sided
    /// design is its mirror image, summed from the bottom node up.
    fn crossing(&self, t_prev: f64, t: f64, c: f64, two_sided: bool) -> (f64, f64) {
        let sigma = (t - t_prev).sqrt();
        let b = c * t.sqrt();
        let scale = t.sqrt() / sigma;
        let n = self.mass.len();
        let bound = self.mass.iter().fold(0.0_f64, |m, &v| m.max(v)) * n as f64 * 1e17;
        let mut p = 0.0;
        let mut dp = 0.0;
        // x = distance of the node beyond which the path must jump, in units of σ.
        let mut add = |i: usize, x: f64| {
            let tail = normal::sf(x);
            let density = pdf(x);
            p += self.mass[i] * tail;
            dp -= self.mass[i] * density;
            x > 0.0 && tail.max(density) * bound < p
        };
        for i in (0..n).rev() {
            let u = self.lo + i as f64 * self.h;
            if add(i, (b - u) / sigma) {
                break;
            }
        }
        if two_sided {
            for i in 0..n {
                let u = self.lo + i as f64 * self.h;
                if add(i, (b + u) / sigma) {
                    break;
                }
            }
        }
        (p, dp * scale)
    }
}

/// Finds `c` with `grid.crossing(c) = increment` (the crossing probability decreases in
/// `c`) by Newton's method on `ln P(c)`, safeguarded by bisection.
fn solve_boundary(
    grid: &Grid,
    t_prev: f64,
    t: f64,
    increment: f64,
    two_sided: bool,
) -> Result<f64> {
    let target = increment.ln();
    let g = |c: f64| {
        let (p, dp) = grid.crossing(t_prev, t, c, two_sided);
        (p.ln() - target, dp / p)
    };
    let degenerate = || {
        StatsError::Degenerate(format!(
            "no boundary found for the look at information fraction {t} (alpha {increment:e} to \
             spend)"
        ))
    };
    // Bracket: the crossing probability is at least the probability of continuing minus
    // the tiny mass beyond the grid, which exceeds any increment when alpha <= 0.5; and at
    // most that of a single look, P(Z ≥ c) (two-sided: P(|Z| ≥ c)).
    let mut low = if two_sided { 0.0 } else { -8.0 };
    let mut high = -normal::quantile(if two_sided {
        increment / 2.0
    } else {
        increment
    });
    let at_low = g(low).0;
    if at_low.is_nan() || at_low <= 0.0 || !high.is_finite() {
        return Err(degenerate());
    }
    let mut widened = 0;
    loop {
        let at_high = g(high).0;
        if at_high <= 0.0 {
            break;
        }
        // Still above the target (or NaN): the grid's small error can put the crossing
        // probability a hair above P(Z ≥ high); move up a little.
        high += 0.25;
        widened += 1;
        if widened > 40 {
            return Err(degenerate());
        }
    }
    let mut c = high;
    for _ in 0..200 {
        let (value, slope) = g(c);
        if value.is_nan() {
            return Err(degenerate());
        }
        if value > 0.0 {
            low = c;
        } else {
            high = c;
        }
        let newton = c - value / slope;
        let next = if newton.is_finite() && newton > low && newton < high {
            newton
        } else {
            0.5 * (low + high)
        };
        let tolerance = 1e-13 * (1.0 + c.abs());
        if (next - c).abs() <= tolerance || high - low <= tolerance {
            return Ok(next);
        }
        c = next;
    }
    Err(degenerate())
}

/// The mixture likelihood ratio `Λ` of the mSPRT for one look: the likelihood of the data
/// under a normal mixture `N(0, tau_squared)` over the effect, over that under no effect,
///
/// `Λ = sqrt(1 / (1 + I τ²)) · exp((I τ² / (1 + I τ²)) · z² / 2)`,
///
/// where `z` is the look's z-statistic (estimate over standard error, from all data so
/// far), `information` `I` is one over the variance of the estimate, and `tau_squared` τ²
/// the variance of the mixing distribution, in the squared units of the estimate (a
/// plausible squared effect size). Two-sided. May be `+inf` when it overflows.
///
/// Errors: non-finite `z` ([`StatsError::NonFinite`]); `information` or `tau_squared` not
/// positive and finite ([`StatsError::InvalidArgument`]).
///
/// ```
/// use canary_stats::mixture_likelihood_ratio;
///
/// // I τ² = 1: sqrt(1/2) · exp(z² / 4)
/// let l = mixture_likelihood_ratio(2.0, 4.0, 0.25).unwrap();
/// assert!((l - 0.5_f64.sqrt() * 1.0_f64.exp()).abs() < 1e-12);
/// ```
pub fn mixture_likelihood_ratio(z: f64, information: f64, tau_squared: f64) -> Result<f64> {
    check_positive("tau_squared", tau_squared)?;
    check_look(z, information, 0)?;
    Ok((-log_inverse_ratio(z, information, tau_squared)).exp())
}

/// The always-valid p-values of a sequence of looks: `p_k = min(1, min_{j ≤ k} 1/Λ_j)`
/// with `Λ_j` the [`mixture_likelihood_ratio`] of look `j`.
///
/// Under the null hypothesis (no effect) `P(p_k ≤ alpha for some k) ≤ alpha`, however many
/// looks are taken and however the looks are chosen (Johari et al., 2017): stopping at
/// the first look with `p_k ≤ alpha` is a level-`alpha` test. `z[k]` and `information[k]`
/// belong to look `k`; [`AlwaysValidPValue`] does the same one look at a time.
///
/// Errors: lengths differ ([`StatsError::LengthMismatch`]); a non-finite `z`
/// ([`StatsError::NonFinite`], with its index); an `information` or `tau_squared` that is
/// not positive and finite ([`StatsError::InvalidArgument`]). An empty sequence gives an
/// empty result.
///
/// ```
/// use canary_stats::always_valid_p_values;
///
/// let p = always_valid_p_values(1.0, &[0.5, 2.0, 1.0], &[10.0, 20.0, 30.0]).unwrap();
/// assert_eq!(p[0], 1.0);                  // a small z: no evidence yet
/// assert!(p[1] < 1.0 && p[2] == p[1]);    // never increases
/// ```
pub fn always_valid_p_values(tau_squared: f64, z: &[f64], information: &[f64]) -> Result<Vec<f64>> {
    if z.len() != information.len() {
        return Err(StatsError::LengthMismatch {
            name: "z and information",
            left: z.len(),
            right: information.len(),
        });
    }
    let mut state = AlwaysValidPValue::new(tau_squared)?;
    z.iter()
        .zip(information)
        .map(|(&z, &i)| state.update(z, i))
        .collect()
}

/// A running mixture-SPRT always-valid p-value for a z-statistic (Johari et al., 2017).
///
/// Feed it, after each look, the z-statistic and its information computed from **all data
/// so far** ([`update`](Self::update)); [`p_value`](Self::p_value) is then
/// `min(1, min_j 1/Λ_j)` over the looks so far ([`mixture_likelihood_ratio`] gives `Λ`).
/// It never increases, and under the null hypothesis the probability that it ever falls
/// to `alpha` or below is at most `alpha` — so it may be checked at every look.
///
/// `tau_squared` (τ²) is the variance of the normal mixture over the effect, in the
/// squared units of the effect estimate: choose it near the square of the effect you most
/// want to detect quickly. The test is two-sided.
///
/// ```
/// use canary_stats::AlwaysValidPValue;
///
/// let mut p = AlwaysValidPValue::new(0.01).unwrap();
/// assert_eq!(p.p_value(), 1.0);
/// p.update(1.0, 100.0).unwrap();
/// let after_two = p.update(3.5, 400.0).unwrap();
/// assert!(after_two < 0.05);
/// assert_eq!(p.p_value(), after_two);
/// assert_eq!(p.looks(), 2);
/// assert!(p.update(f64::NAN, 500.0).is_err()); // rejected; the state is unchanged
/// assert_eq!(p.looks(), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AlwaysValidPValue {
    tau_squared: f64,
    p_value: f64,
    looks: usize,
}

impl AlwaysValidPValue {
    /// A fresh sequence (p-value 1) with mixture variance `tau_squared`, which must be
    /// positive and finite ([`StatsError::InvalidArgument`] otherwise).
    pub fn new(tau_squared: f64) -> Result<Self> {
        check_positive("tau_squared", tau_squared)?;
        Ok(AlwaysValidPValue {
            tau_squared,
            p_value: 1.0,
            looks: 0,
        })
    }

    /// Records a look — its z-statistic and information (one over the variance of the
    /// estimate), both from all data so far — and returns the updated p-value.
    ///
    /// A non-finite `z` ([`StatsError::NonFinite`], indexed by the look number) or an
    /// `information` that is not positive and finite ([`StatsError::InvalidArgument`])
    /// is refused and leaves the state unchanged.
    pub fn update(&mut self, z: f64, information: f64) -> Result<f64> {
        check_look(z, information, self.looks)?;
        let p = log_inverse_ratio(z, information, self.tau_squared).exp();
        self.p_value = self.p_value.min(p);
        self.looks += 1;
        Ok(self.p_value)
    }

    /// The always-valid p-value after the looks so far (1 before any).
    pub fn p_value(&self) -> f64 {
        self.p_value
    }

    /// How many looks have been recorded.
    pub fn looks(&self) -> usize {
        self.looks
    }

    /// The mixture variance τ².
    pub fn tau_squared(&self) -> f64 {
        self.tau_squared
    }
}

/// Checks that `value` is positive and finite.
fn check_positive(name: &'static str, value: f64) -> Result<()> {
    if value > 0.0 && value.is_finite() {
        Ok(())
    } else {
        Err(StatsError::InvalidArgument {
            name,
            problem: format!("must be positive and finite, got {value}"),
        })
    }
}

/// Checks one look's z-statistic (finite) and information (positive, finite).
fn check_look(z: f64, information: f64, index: usize) -> Result<()> {
    if !z.is_finite() {
        return Err(StatsError::NonFinite {
            name: "z",
            index,
            value: z,
        });
    }
    check_positive("information", information)
}

/// `ln(1/Λ) = ln(1 + r)/2 − (r/(1 + r)) z²/2` with `r = I τ²`, without overflow or NaN
/// for finite positive inputs.
fn log_inverse_ratio(z: f64, information: f64, tau_squared: f64) -> f64 {
    let r = information * tau_squared;
    let (log_one_plus_r, shrink) = if r.is_finite() {
        (r.ln_1p(), r / (1.0 + r))
    } else {
        (information.ln() + tau_squared.ln(), 1.0)
    };
    let scaled = z.abs() * shrink.sqrt();
    0.5 * log_one_plus_r - 0.5 * scaled * scaled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_look_is_the_fixed_sample_quantile() {
        let b = group_sequential_bounds(SpendingFunction::Pocock, 0.025, &[1.0]).unwrap();
        assert!((b[0].z - 1.959_963_984_540_054).abs() < 1e-12);
        assert!((b[0].nominal_p - 0.025).abs() < 1e-11);
    }

    #[test]
    fn convolution_of_a_normal_density_is_normal() {
        // Without a boundary (c = +inf), f_2 must be the N(0, t2) density.
        let g1 = Grid::first(0.3, f64::INFINITY, 0.4, false, 16.0);
        let g2 = g1.advance(0.3, 0.7, f64::INFINITY, 0.3, false, 16.0);
        let total: f64 = g2.mass.iter().sum();
        assert!((total - 1.0).abs() < 1e-12, "{total}");
        let n = g2.mass.len();
        let mid = n / 2 - (n / 2) % 2; // an even index: Simpson factor 2
        let s = g2.lo + mid as f64 * g2.h;
        let density = g2.mass[mid] / (2.0 * g2.h / 3.0);
        let exact = pdf(s / 0.7_f64.sqrt()) / 0.7_f64.sqrt();
        assert!(
            (density - exact).abs() < 1e-12 * exact.max(1e-300),
            "{density} {exact}"
        );
    }

    #[test]
    fn grid_resolution_has_converged() {
        // The crossing-probability error of the 16-points-per-sd grid, judged against a
        // 48-points grid (Simpson's error falls as h^4), in units of alpha.
        let designs: [&[f64]; 3] = [
            &[0.2, 0.4, 0.6, 0.8, 1.0],
            &[0.1, 0.15, 0.5, 0.9],
            &[0.3, 0.31, 0.9],
        ];
        for spending in [SpendingFunction::OBrienFleming, SpendingFunction::Pocock] {
            for alternative in [Alternative::Greater, Alternative::TwoSided] {
                for t in designs {
                    let fine = bounds_at_resolution(spending, 0.05, t, alternative, 48.0).unwrap();
                    let used = bounds_at_resolution(spending, 0.05, t, alternative, 16.0).unwrap();
                    for (a, b) in used.iter().zip(&fine) {
                        let alpha_error = (a.z - b.z).abs() * pdf(b.z);
                        assert!(alpha_error < 1e-8, "{spending:?} {t:?}: {alpha_error:e}");
                    }
                }
            }
        }
    }

    #[test]
    fn log_inverse_ratio_survives_extremes() {
        assert_eq!(log_inverse_ratio(1e200, 1e300, 1e300).exp(), 0.0);
        assert!(log_inverse_ratio(1e200, 1e-300, 1e-300).is_finite());
        assert!(log_inverse_ratio(0.0, 1e300, 1e300) > 0.0);
    }
}
