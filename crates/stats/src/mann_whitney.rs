//! The Mann–Whitney U test (Wilcoxon rank-sum) with the Hodges–Lehmann estimate and its
//! confidence interval, as R's `wilcox.test(x, y, conf.int = TRUE)` computes them.

use crate::common::{
    Alternative, ConfidenceInterval, check_confidence, check_sample, mean_of_two,
    with_sorted_copies,
};
use crate::error::{Result, StatsError};
use crate::normal;
use crate::pairwise::PairwiseDifferences;
use crate::rank_sum::{RankSummary, rank_summary};
use crate::wilcoxon_exact::ExactUDistribution;

/// How the p-value and confidence interval are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MannWhitneyMethod {
    /// R's choice: exact when both samples have fewer than 50 values and there are no
    /// ties, the normal approximation otherwise.
    #[default]
    Auto,
    /// The exact distribution of U. As in R, ties force the normal approximation
    /// (the result reports [`MannWhitneyMethod::Asymptotic`] then). Refused when
    /// `n·m > 250 000` (the normal approximation is accurate long before that).
    Exact,
    /// The normal approximation with tie correction (and continuity correction unless
    /// turned off).
    Asymptotic,
}

impl MannWhitneyMethod {
    /// `auto`, `exact` or `asymptotic`.
    pub fn as_str(self) -> &'static str {
        match self {
            MannWhitneyMethod::Auto => "auto",
            MannWhitneyMethod::Exact => "exact",
            MannWhitneyMethod::Asymptotic => "asymptotic",
        }
    }
}

impl std::str::FromStr for MannWhitneyMethod {
    type Err = StatsError;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(MannWhitneyMethod::Auto),
            "exact" => Ok(MannWhitneyMethod::Exact),
            "asymptotic" => Ok(MannWhitneyMethod::Asymptotic),
            other => Err(StatsError::InvalidArgument {
                name: "method",
                problem: format!("expected auto, exact or asymptotic, got {other:?}"),
            }),
        }
    }
}

/// Settings of [`mann_whitney`]; the defaults are R's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitneyOptions {
    /// Which difference to look for (default two-sided).
    pub alternative: Alternative,
    /// Confidence level of the interval, in (0, 1) (default 0.95).
    pub confidence: f64,
    /// Exact or normal approximation (default [`MannWhitneyMethod::Auto`]).
    pub method: MannWhitneyMethod,
    /// Continuity correction of the normal approximation (default `true`, R's
    /// `correct = TRUE`, scipy's `use_continuity=True`).
    pub continuity_correction: bool,
}

impl Default for MannWhitneyOptions {
    fn default() -> Self {
        Self {
            alternative: Alternative::TwoSided,
            confidence: 0.95,
            method: MannWhitneyMethod::Auto,
            continuity_correction: true,
        }
    }
}

/// The outcome of [`mann_whitney`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitneyResult {
    /// U of `x`: the number of pairs with `x_i > y_j`, ties counting ½ (R's `W`,
    /// scipy's `U1`). `U` of `y` is `n_x·n_y − statistic`.
    pub statistic: f64,
    /// The p-value for the chosen alternative.
    pub p_value: f64,
    /// The standardised statistic of the normal approximation (`None` on the exact path).
    pub z: Option<f64>,
    /// The Hodges–Lehmann estimate of the shift `x − y`: the median of all `n·m`
    /// differences `x_i − y_j`.
    pub estimate: f64,
    /// Confidence interval for the shift (one end infinite for one-sided alternatives).
    pub confidence_interval: ConfidenceInterval,
    /// The method actually used (never `Auto`).
    pub method: MannWhitneyMethod,
    /// The alternative tested.
    pub alternative: Alternative,
    /// Size of `x`.
    pub n_x: usize,
    /// Size of `y`.
    pub n_y: usize,
    /// Whether the pooled sample has tied values.
    pub has_ties: bool,
}

impl MannWhitneyResult {
    /// The common-language effect size `P(x > y) + ½·P(x = y)`: `statistic / (n_x·n_y)`.
    ///
    /// ```
    /// use canary_stats::{mann_whitney, MannWhitneyOptions};
    /// let r = mann_whitney(&[3.0, 4.0], &[1.0, 2.0], &MannWhitneyOptions::default()).unwrap();
    /// assert_eq!(r.cles(), 1.0);
    /// ```
    pub fn cles(&self) -> f64 {
        self.statistic / (self.n_x as f64 * self.n_y as f64)
    }
}

/// The Mann–Whitney U test of `x` against `y`, with the Hodges–Lehmann estimate of the
/// shift `x − y` and its confidence interval.
///
/// Semantics are those of R's `wilcox.test(x, y, alternative, conf.int = TRUE,
/// conf.level, exact, correct)` (and scipy's `mannwhitneyu` for the statistic and
/// p-value), checked against R on committed vectors to 1e-9:
///
/// * **exact path** (no ties, and `n < 50`, `m < 50` under `Auto`): exact p-value; the
///   interval is the pair of order statistics of the differences given by the quantiles
///   of U, and when the requested level is not achievable R's lowered level is reported
///   in [`ConfidenceInterval::level`];
/// * **normal approximation**: tie and continuity correction; the interval ends are the
///   pairwise differences at which R's standardised `W(d)` crosses the normal quantile
///   (R's answer as `tol.root → 0`).
///
/// The estimate is always the median of the pairwise differences. (R's asymptotic path
/// returns a root of `W(d) = n·m/2` instead, which for even `n·m` may be any point between
/// the two middle differences.)
///
/// Time `O((n + m) log(n + m))` and memory `O(n + m)`: the `n·m` differences are never
/// materialised (see the crate docs).
///
/// # Errors
/// Empty samples, NaN or infinite values, a confidence level outside (0, 1), a forced
/// exact method on very large samples, and samples in which every value is the same
/// (the normal approximation has no variance) give a [`StatsError`].
///
/// ```
/// use canary_stats::{mann_whitney, Alternative, MannWhitneyMethod, MannWhitneyOptions};
///
/// let x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
/// let y = [1.15, 0.88, 0.90, 0.74, 1.21];
/// let opts = MannWhitneyOptions { alternative: Alternative::Greater, ..Default::default() };
/// let r = mann_whitney(&x, &y, &opts).unwrap();
/// // R: wilcox.test(x, y, alternative = "greater", conf.int = TRUE)
/// assert_eq!(r.statistic, 35.0);
/// assert!((r.p_value - 0.1272061).abs() < 1e-7);
/// assert_eq!(r.method, MannWhitneyMethod::Exact);
/// assert!((r.estimate - 0.305).abs() < 1e-12);
/// assert_eq!(r.confidence_interval.high, f64::INFINITY);
/// ```
pub fn mann_whitney(
    x: &[f64],
    y: &[f64],
    options: &MannWhitneyOptions,
) -> Result<MannWhitneyResult> {
    check_sample("x", x, 1)?;
    check_sample("y", y, 1)?;
    check_confidence(options.confidence)?;
    with_sorted_copies(x, y, |x, y| test_sorted(x, y, options))
}

/// [`mann_whitney`] on samples already sorted ascending (checked: unsorted input is an
/// error), saving the two sorts.
///
/// ```
/// use canary_stats::{mann_whitney_sorted, MannWhitneyOptions};
/// let r = mann_whitney_sorted(&[1.0, 2.0, 3.0], &[0.5, 1.5], &MannWhitneyOptions::default())
///     .unwrap();
/// assert_eq!(r.statistic, 5.0);
/// ```
pub fn mann_whitney_sorted(
    x_sorted: &[f64],
    y_sorted: &[f64],
    options: &MannWhitneyOptions,
) -> Result<MannWhitneyResult> {
    check_sample("x", x_sorted, 1)?;
    check_sample("y", y_sorted, 1)?;
    check_confidence(options.confidence)?;
    for (name, s) in [("x", x_sorted), ("y", y_sorted)] {
        if let Some(index) = s.windows(2).position(|w| w[0] > w[1]) {
            return Err(StatsError::InvalidArgument {
                name,
                problem: format!("not sorted ascending at index {}", index + 1),
            });
        }
    }
    test_sorted(x_sorted, y_sorted, options)
}

/// The test on samples known to be non-empty, finite and sorted.
fn test_sorted(
    x_sorted: &[f64],
    y_sorted: &[f64],
    options: &MannWhitneyOptions,
) -> Result<MannWhitneyResult> {
    let (n, m) = (x_sorted.len(), y_sorted.len());
    let ranks = rank_summary(x_sorted, y_sorted);
    let diffs = PairwiseDifferences::new(x_sorted, y_sorted);
    let use_exact = !ranks.has_ties()
        && match options.method {
            MannWhitneyMethod::Auto => n < 50 && m < 50,
            MannWhitneyMethod::Exact => true,
            MannWhitneyMethod::Asymptotic => false,
        };
    // Which order statistics of the differences are needed, then one selection for all.
    let (p_value, z, interval, method) = if use_exact {
        let (p, interval) = exact_path(n, m, &ranks, options)?;
        (p, None, interval, MannWhitneyMethod::Exact)
    } else {
        let (p, z, interval) = asymptotic_path(n, m, &ranks, options, x_sorted)?;
        (p, Some(z), interval, MannWhitneyMethod::Asymptotic)
    };
    let total = diffs.len();
    let median_ranks = [total.div_ceil(2), total / 2 + 1];
    let mut wanted = vec![median_ranks[0], median_ranks[1]];
    wanted.extend(interval.low.rank());
    wanted.extend(interval.high.rank());
    let values = diffs.select(&wanted);
    let estimate = mean_of_two(values[0], values[1]);
    let mut rest = values[2..].iter();
    let mut resolve = |end: IntervalEnd| match end {
        IntervalEnd::Rank(_) => rest.next().copied().unwrap_or(f64::NAN),
        IntervalEnd::Infinite(v) => v,
    };
    let low = resolve(interval.low);
    let high = resolve(interval.high);
    let confidence_interval = ConfidenceInterval {
        low,
        high,
        level: interval.level,
    };
    Ok(MannWhitneyResult {
        statistic: ranks.u,
        p_value,
        z,
        estimate,
        confidence_interval,
        method,
        alternative: options.alternative,
        n_x: n,
        n_y: m,
        has_ties: ranks.has_ties(),
    })
}

/// One end of the interval: an order statistic of the differences, or infinite.
#[derive(Debug, Clone, Copy)]
enum IntervalEnd {
    Rank(u64),
    Infinite(f64),
}

impl IntervalEnd {
    fn rank(self) -> Option<u64> {
        match self {
            IntervalEnd::Rank(k) => Some(k),
            IntervalEnd::Infinite(_) => None,
        }
    }
}

/// The interval as ranks of the differences, with its confidence level.
#[derive(Debug, Clone, Copy)]
struct IntervalRanks {
    low: IntervalEnd,
    high: IntervalEnd,
    level: f64,
}

fn exact_path(
    n: usize,
    m: usize,
    ranks: &RankSummary,
    options: &MannWhitneyOptions,
) -> Result<(f64, IntervalRanks)> {
    let dist = ExactUDistribution::new(n, m)?;
    let w = ranks.u as i64; // an integer: no ties on this path
    let nm = (n * m) as i64;
    let p_value = match options.alternative {
        Alternative::TwoSided => {
            let p = if 2 * w > nm {
                dist.sf(w - 1)
            } else {
                dist.cdf(w)
            };
            (2.0 * p).min(1.0)
        }
        Alternative::Greater => dist.sf(w - 1),
        Alternative::Less => dist.cdf(w),
    };
    let alpha = 1.0 - options.confidence;
    let order_stat = |k: i64| IntervalEnd::Rank(k as u64);
    let (low, high, achieved_alpha) = match options.alternative {
        Alternative::TwoSided => {
            let qu = (dist.quantile(alpha / 2.0) as i64).max(1);
            let ql = nm - qu;
            (order_stat(qu), order_stat(ql + 1), 2.0 * dist.cdf(qu - 1))
        }
        Alternative::Greater => {
            let qu = (dist.quantile(alpha) as i64).max(1);
            (
                order_stat(qu),
                IntervalEnd::Infinite(f64::INFINITY),
                dist.cdf(qu - 1),
            )
        }
        Alternative::Less => {
            let qu = (dist.quantile(alpha) as i64).max(1);
            let ql = nm - qu;
            (
                IntervalEnd::Infinite(f64::NEG_INFINITY),
                order_stat(ql + 1),
                dist.cdf(qu - 1),
            )
        }
    };
    // R lowers the reported level only when the achieved one is far off.
    let level = if achieved_alpha - alpha > alpha / 2.0 {
        1.0 - achieved_alpha
    } else {
        options.confidence
    };
    Ok((p_value, IntervalRanks { low, high, level }))
}

fn asymptotic_path(
    n: usize,
    m: usize,
    ranks: &RankSummary,
    options: &MannWhitneyOptions,
    x_sorted: &[f64],
) -> Result<(f64, f64, IntervalRanks)> {
    let (nf, mf) = (n as f64, m as f64);
    let nm = nf * mf;
    let big_n = nf + mf;
    let sigma_for = |ties: f64| {
        let tie_term = if big_n > 1.0 {
            ties / (big_n * (big_n - 1.0))
        } else {
            0.0
        };
        ((nm / 12.0) * ((big_n + 1.0) - tie_term)).max(0.0).sqrt()
    };
    let sigma = sigma_for(ranks.pooled_ties);
    if sigma == 0.0 || !sigma.is_finite() {
        return Err(StatsError::Degenerate(format!(
            "all {} observations are equal ({}); the rank test has no variance",
            n + m,
            x_sorted[0]
        )));
    }
    let half = if options.continuity_correction {
        0.5
    } else {
        0.0
    };
    let correction = |dz: f64| match options.alternative {
        Alternative::TwoSided => dz.signum() * half * f64::from(dz != 0.0),
        Alternative::Greater => half,
        Alternative::Less => -half,
    };
    let dz = ranks.u - nm / 2.0;
    let z = (dz - correction(dz)) / sigma;
    let p_value = match options.alternative {
        Alternative::Less => normal::cdf(z),
        Alternative::Greater => normal::sf(z),
        Alternative::TwoSided => 2.0 * normal::cdf(z).min(normal::sf(z)),
    };

    // Between consecutive pairwise differences the pooled ties are the within-sample ties.
    let sigma_between = sigma_for(ranks.within_ties);
    let alpha = 1.0 - options.confidence;
    let total = (n as u64) * (m as u64);
    // The end of the interval for the normal quantile zq: the pairwise difference where
    // (W(d) − n·m/2 − correction) / sigma − zq changes sign. Between differences,
    // W(d) = n·m − j with j = #{differences <= d}; the first j where the expression is
    // negative gives the order statistic D_(j).
    let crossing = |zq: f64| -> IntervalEnd {
        let t = zq * sigma_between;
        let c = match options.alternative {
            Alternative::TwoSided => {
                if t > 0.0 {
                    half
                } else {
                    -half
                }
            }
            Alternative::Greater => half,
            Alternative::Less => -half,
        };
        // dz = n·m/2 − j < t + c  <=>  j > n·m/2 − t − c
        let bound = nm / 2.0 - t - c;
        let j = if bound < 0.0 {
            1
        } else {
            (bound.floor() as u64).saturating_add(1).max(1)
        };
        IntervalEnd::Rank(j.min(total))
    };
    let (low, high) = match options.alternative {
        Alternative::TwoSided => (
            crossing(normal::quantile(1.0 - alpha / 2.0)),
            crossing(normal::quantile(alpha / 2.0)),
        ),
        Alternative::Greater => (
            crossing(normal::quantile(1.0 - alpha)),
            IntervalEnd::Infinite(f64::INFINITY),
        ),
        Alternative::Less => (
            IntervalEnd::Infinite(f64::NEG_INFINITY),
            crossing(normal::quantile(alpha)),
        ),
    };
    Ok((
        p_value,
        z,
        IntervalRanks {
            low,
            high,
            level: options.confidence,
        },
    ))
}
