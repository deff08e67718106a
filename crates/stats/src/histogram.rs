//! Cumulative (Prometheus-style) histograms: validation, Prometheus `histogram_quantile`,
//! and the Mann–Whitney rank test on grouped data.

use crate::common::Alternative;
use crate::error::{Result, StatsError};
use crate::normal;

/// Prometheus' `smallDeltaTolerance`: successive cumulative counts whose relative
/// difference is below this are treated as equal by `histogram_quantile`.
const SMALL_DELTA_TOLERANCE: f64 = 1e-12;

/// The largest count the rank test accepts: every whole number up to it is an exact `f64`.
const MAX_WHOLE_COUNT: f64 = 9_007_199_254_740_992.0; // 2^53

/// A validated cumulative histogram: bucket `i` counts the observations `≤ upper_bounds[i]`
/// (Prometheus' `le` label), and the last bucket is `+Inf`, holding every observation.
///
/// Invariants, checked by [`Histogram::new`]:
/// * at least one bucket, and as many counts as bounds;
/// * bounds strictly increasing; every bound finite except the last, which is `+inf`;
/// * counts finite, non-negative and non-decreasing (they are cumulative).
///
/// Counts need not be whole numbers (`rate()` / `increase()` results are not), except for
/// [`grouped_rank_test`].
///
/// ```
/// use canary_stats::Histogram;
///
/// let h = Histogram::new(vec![0.05, 0.1, 0.25, f64::INFINITY],
///                        vec![400.0, 900.0, 990.0, 1000.0]).unwrap();
/// assert_eq!(h.total(), 1000.0);
/// assert_eq!(h.bucket_counts(), vec![400.0, 500.0, 90.0, 10.0]);
/// // Prometheus: 0.05 + (0.1 − 0.05) · (500 − 400) / (900 − 400)
/// assert_eq!(h.quantile(0.5), 0.05 + (0.1 - 0.05) * (100.0 / 500.0));
/// assert!((h.quantile(0.5) - 0.06).abs() < 1e-15);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    upper_bounds: Vec<f64>,
    cumulative_counts: Vec<f64>,
}

impl Histogram {
    /// Validates and builds a histogram from cumulative counts by upper bound.
    ///
    /// # Errors
    /// * [`StatsError::LengthMismatch`] when the two vectors differ in length;
    /// * [`StatsError::InvalidHistogram`] when there are no buckets, a bound is NaN or
    ///   infinite (other than the last), bounds do not strictly increase, the last bound is
    ///   not `+inf`, a count is negative, or a cumulative count decreases — the message
    ///   names the bucket index and its bound;
    /// * [`StatsError::NonFinite`] when a count is NaN or infinite.
    ///
    /// ```
    /// use canary_stats::{Histogram, StatsError};
    ///
    /// let inf = f64::INFINITY;
    /// let err = Histogram::new(vec![1.0, 2.0, inf], vec![5.0, 4.0, 6.0]).unwrap_err();
    /// assert!(matches!(err, StatsError::InvalidHistogram { .. }));
    /// assert_eq!(err.to_string(),
    ///            "histogram: cumulative count decreases at bucket 1 (le = 2): 4 < 5");
    /// assert!(Histogram::new(vec![1.0, 2.0], vec![1.0, 2.0]).is_err()); // no +Inf bucket
    /// ```
    pub fn new(upper_bounds: Vec<f64>, cumulative_counts: Vec<f64>) -> Result<Self> {
        validate("histogram", &upper_bounds, &cumulative_counts)?;
        Ok(Histogram {
            upper_bounds,
            cumulative_counts,
        })
    }

    /// Builds a histogram from per-bucket (non-cumulative) counts, accumulating them.
    ///
    /// # Errors
    /// As [`Histogram::new`]; a negative bucket count is reported as such.
    ///
    /// ```
    /// use canary_stats::Histogram;
    ///
    /// let h = Histogram::from_bucket_counts(vec![1.0, 2.0, f64::INFINITY],
    ///                                       vec![3.0, 0.0, 1.0]).unwrap();
    /// assert_eq!(h.cumulative_counts(), &[3.0, 3.0, 4.0]);
    /// ```
    pub fn from_bucket_counts(upper_bounds: Vec<f64>, bucket_counts: Vec<f64>) -> Result<Self> {
        if let Some((index, &value)) = bucket_counts.iter().enumerate().find(|(_, c)| **c < 0.0) {
            return Err(StatsError::InvalidHistogram {
                name: "histogram",
                problem: format!("bucket {index} has a negative count ({value})"),
            });
        }
        let cumulative = bucket_counts
            .iter()
            .scan(0.0, |acc, &c| {
                *acc += c;
                Some(*acc)
            })
            .collect();
        Histogram::new(upper_bounds, cumulative)
    }

    /// The upper bounds (`le`), ascending, the last `+inf`.
    ///
    /// ```
    /// let h = canary_stats::Histogram::new(vec![f64::INFINITY], vec![2.0]).unwrap();
    /// assert_eq!(h.upper_bounds(), &[f64::INFINITY]);
    /// ```
    pub fn upper_bounds(&self) -> &[f64] {
        &self.upper_bounds
    }

    /// The cumulative counts, one per bound.
    ///
    /// ```
    /// let h = canary_stats::Histogram::new(vec![1.0, f64::INFINITY], vec![1.0, 3.0]).unwrap();
    /// assert_eq!(h.cumulative_counts(), &[1.0, 3.0]);
    /// ```
    pub fn cumulative_counts(&self) -> &[f64] {
        &self.cumulative_counts
    }

    /// The number of buckets, `+Inf` included (at least 1).
    ///
    /// ```
    /// let h = canary_stats::Histogram::new(vec![1.0, f64::INFINITY], vec![1.0, 3.0]).unwrap();
    /// assert_eq!(h.num_buckets(), 2);
    /// ```
    pub fn num_buckets(&self) -> usize {
        self.upper_bounds.len()
    }

    /// The total number of observations: the count of the `+Inf` bucket.
    ///
    /// ```
    /// let h = canary_stats::Histogram::new(vec![1.0, f64::INFINITY], vec![1.0, 3.0]).unwrap();
    /// assert_eq!(h.total(), 3.0);
    /// ```
    pub fn total(&self) -> f64 {
        self.cumulative_counts.last().copied().unwrap_or(0.0)
    }

    /// Per-bucket (non-cumulative) counts: the observations in `(le[i-1], le[i]]`.
    ///
    /// ```
    /// let h = canary_stats::Histogram::new(vec![1.0, 2.0, f64::INFINITY],
    ///                                      vec![1.0, 3.0, 3.0]).unwrap();
    /// assert_eq!(h.bucket_counts(), vec![1.0, 2.0, 0.0]);
    /// ```
    pub fn bucket_counts(&self) -> Vec<f64> {
        let mut previous = 0.0;
        self.cumulative_counts
            .iter()
            .map(|&c| {
                let count = c - previous;
                previous = c;
                count
            })
            .collect()
    }

    /// Prometheus' `histogram_quantile(q, self)`; see [`histogram_quantile`].
    ///
    /// ```
    /// let h = canary_stats::Histogram::new(vec![1.0, f64::INFINITY], vec![4.0, 4.0]).unwrap();
    /// assert_eq!(h.quantile(0.5), 0.5);
    /// ```
    pub fn quantile(&self, q: f64) -> f64 {
        histogram_quantile(q, self)
    }
}

fn validate(name: &'static str, bounds: &[f64], counts: &[f64]) -> Result<()> {
    if bounds.len() != counts.len() {
        return Err(StatsError::LengthMismatch {
            name: "histogram upper bounds and cumulative counts",
            left: bounds.len(),
            right: counts.len(),
        });
    }
    let invalid = |problem: String| StatsError::InvalidHistogram { name, problem };
    let Some(&last) = bounds.last() else {
        return Err(invalid(
            "no buckets; at least the +Inf bucket is needed".into(),
        ));
    };
    let last_index = bounds.len() - 1;
    for (i, &b) in bounds.iter().enumerate() {
        if b.is_nan() {
            return Err(invalid(format!("upper bound of bucket {i} is NaN")));
        }
        if i < last_index && b.is_infinite() {
            return Err(invalid(format!(
                "upper bound of bucket {i} is {b}; only the last bucket may be infinite (+Inf)"
            )));
        }
        if i > 0 && b <= bounds[i - 1] {
            return Err(invalid(format!(
                "upper bounds must strictly increase: bucket {i} (le = {b}) follows le = {}",
                bounds[i - 1]
            )));
        }
    }
    if last != f64::INFINITY {
        return Err(invalid(format!(
            "the last bucket must have upper bound +Inf, got {last}"
        )));
    }
    for (i, &c) in counts.iter().enumerate() {
        if !c.is_finite() {
            return Err(StatsError::NonFinite {
                name: "histogram counts",
                index: i,
                value: c,
            });
        }
        if c < 0.0 {
            return Err(invalid(format!(
                "bucket {i} (le = {}) has a negative count ({c})",
                bounds[i]
            )));
        }
        if i > 0 && c < counts[i - 1] {
            return Err(invalid(format!(
                "cumulative count decreases at bucket {i} (le = {}): {c} < {}",
                bounds[i],
                counts[i - 1]
            )));
        }
    }
    Ok(())
}

/// Prometheus' `histogram_quantile(q, buckets)` for a classic histogram, rule for rule as
/// `BucketQuantile` in `promql/quantile.go` (Prometheus 2.x–3.x):
///
/// 1. `q` NaN → NaN; `q < 0` → `-inf`; `q > 1` → `+inf`.
/// 2. Successive cumulative counts that are almost equal (relative difference below
///    `1e-12`, Prometheus' `smallDeltaTolerance`) are made equal, as Prometheus does to
///    absorb floating-point noise. (Bounds are already sorted and distinct, and counts
///    monotonic — [`Histogram::new`] rejects the rest — so Prometheus' sorting, coalescing
///    and monotonicity forcing change nothing.)
/// 3. Fewer than two buckets → NaN; no observations (the `+Inf` count is 0) → NaN.
/// 4. `rank = q · total`; the quantile lies in the first bucket `b` whose cumulative count
///    is `≥ rank` (searched among all buckets but `+Inf`).
/// 5. If that is the `+Inf` bucket, the answer is the upper bound of the second-highest
///    bucket.
/// 6. If it is the lowest bucket and its upper bound is `≤ 0`, the answer is that bound.
/// 7. Otherwise interpolate linearly inside the bucket: `start + (end − start) ·
///    (rank − below) / (count_b − below)`, where `start` is the previous bucket's bound
///    (0 for the lowest bucket) and `below` the cumulative count before the bucket.
///
/// Empty buckets are never chosen for `rank > 0` (the first bucket reaching the rank has
/// observations). For `q = 0` the lowest bucket is chosen whatever its count; if it is
/// empty and its bound is positive, Prometheus computes `0/0` and so returns NaN — and so
/// do we.
///
/// Returning NaN (rather than an error) mirrors Prometheus; invalid histograms cannot reach
/// this function.
///
/// ```
/// use canary_stats::{histogram_quantile, Histogram};
///
/// let inf = f64::INFINITY;
/// // Prometheus testdata: le 0.1, 0.2, 1, +Inf with counts 50, 70, 110, 120.
/// let h = Histogram::new(vec![0.1, 0.2, 1.0, inf], vec![50.0, 70.0, 110.0, 120.0]).unwrap();
/// assert!((histogram_quantile(0.2, &h) - 0.048).abs() < 1e-15);
/// assert!((histogram_quantile(0.8, &h) - 0.72).abs() < 1e-15);
/// assert_eq!(histogram_quantile(1.0, &h), 1.0);      // in +Inf: second-highest bound
/// assert_eq!(histogram_quantile(-0.5, &h), -inf);
/// assert!(histogram_quantile(f64::NAN, &h).is_nan());
/// ```
pub fn histogram_quantile(q: f64, histogram: &Histogram) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    let bounds = &histogram.upper_bounds;
    let counts = ignore_small_deltas(&histogram.cumulative_counts);
    let len = counts.len();
    if len < 2 {
        return f64::NAN;
    }
    let observations = counts[len - 1];
    if observations == 0.0 {
        return f64::NAN;
    }
    let mut rank = q * observations;
    let b = counts[..len - 1].partition_point(|&c| c < rank);
    if b == len - 1 {
        return bounds[len - 2];
    }
    if b == 0 && bounds[0] <= 0.0 {
        return bounds[0];
    }
    let bucket_end = bounds[b];
    let mut count = counts[b];
    let mut bucket_start = 0.0;
    if b > 0 {
        bucket_start = bounds[b - 1];
        count -= counts[b - 1];
        rank -= counts[b - 1];
    }
    bucket_start + (bucket_end - bucket_start) * (rank / count)
}

/// Prometheus' `ensureMonotonicAndIgnoreSmallDeltas` on already-monotonic counts.
fn ignore_small_deltas(counts: &[f64]) -> Vec<f64> {
    let mut out = counts.to_vec();
    let Some(&first) = counts.first() else {
        return out;
    };
    let mut prev = first;
    for current in out.iter_mut().skip(1) {
        let curr = *current;
        if curr == prev {
            continue;
        }
        if almost_equal(prev, curr, SMALL_DELTA_TOLERANCE) || curr < prev {
            *current = prev;
            continue;
        }
        prev = curr;
    }
    out
}

/// Prometheus' `almost.Equal` for finite numbers.
fn almost_equal(a: f64, b: f64, epsilon: f64) -> bool {
    if a == b {
        return true;
    }
    let abs_sum = a.abs() + b.abs();
    let diff = (a - b).abs();
    if a == 0.0 || b == 0.0 || abs_sum < f64::MIN_POSITIVE {
        return diff < epsilon * f64::MIN_POSITIVE;
    }
    diff / abs_sum.min(f64::MAX) < epsilon
}

/// The Mann–Whitney / Wilcoxon rank-sum test on grouped data, from [`grouped_rank_test`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupedRankResult {
    /// `U` of the canary: R's `W` with `x = canary` — the number of (canary, baseline)
    /// pairs where the canary is in a higher bucket, plus half the pairs in the same bucket.
    pub statistic: f64,
    /// The p-value of the tie-corrected normal approximation with continuity correction.
    pub p_value: f64,
    /// The standardised statistic the p-value comes from:
    /// `(W − n·m/2 − correction) / σ`.
    pub z: f64,
    /// Common-language effect size `P(canary > baseline) + ½·P(tie)` = `W / (n·m)`, where a
    /// tie is "same bucket".
    pub cles: f64,
    /// Observations in the canary histogram (`n`).
    pub n_canary: u64,
    /// Observations in the baseline histogram (`m`).
    pub n_baseline: u64,
    /// The alternative tested (`Greater`: the canary tends to be in higher buckets).
    pub alternative: Alternative,
}

/// Mann–Whitney rank test between two histograms with identical buckets, each bucket one
/// group of tied observations.
///
/// The result equals R's
/// `wilcox.test(rep(seq_along(c), c), rep(seq_along(b), b), alternative = …, exact = FALSE,
/// correct = TRUE)` where `c` and `b` are the per-bucket counts of canary and baseline, but
/// is computed in O(number of buckets) from the counts, without expanding observations.
/// With `t_i = c_i + b_i`, `T_i = Σ_{j<i} t_j`, `n = Σc`, `m = Σb`, `N = n + m`:
///
/// ```text
/// W  = Σ c_i · (T_i + (t_i + 1)/2) − n(n + 1)/2          (mid-ranks; exact integer maths)
/// σ² = n·m/12 · (N + 1 − Σ(t_i³ − t_i) / (N(N − 1)))
/// z  = (W − n·m/2 − CORRECTION) / σ,  CORRECTION = sign(W − n·m/2)/2 (two-sided),
///                                                  +1/2 (greater), −1/2 (less)
/// p  = two-sided 2·min(Φ(z), 1 − Φ(z)); greater 1 − Φ(z); less Φ(z)
/// ```
///
/// # Errors
/// * [`StatsError::LengthMismatch`] / [`StatsError::InvalidHistogram`] (named `baseline`)
///   when the two histograms' bucket bounds differ;
/// * [`StatsError::InvalidHistogram`] when a bucket count is not a whole number or exceeds
///   2^53 (the test counts observations; round `increase()` results first);
/// * [`StatsError::TooFewValues`] when either histogram has no observations;
/// * [`StatsError::Degenerate`] when every observation of both sides lies in one bucket:
///   the variance is zero and the test is undefined (R answers NaN for two-sided). This is
///   an error rather than a p-value of 1 so that a caller cannot mistake "no information"
///   for "no difference".
///
/// ```
/// use canary_stats::{grouped_rank_test, Alternative, Histogram};
///
/// let le = vec![0.05, 0.1, 0.25, f64::INFINITY];
/// let baseline = Histogram::new(le.clone(), vec![400.0, 900.0, 990.0, 1000.0]).unwrap();
/// let canary = Histogram::new(le, vec![20.0, 70.0, 96.0, 100.0]).unwrap();
/// let r = grouped_rank_test(&canary, &baseline, Alternative::Greater).unwrap();
/// assert_eq!(r.statistic, 65_050.0);            // R's W
/// assert!((r.p_value - 1.97727872555243e-08).abs() < 1e-15); // R's p-value: slower canary
/// assert_eq!(r.cles, 0.6505);
/// ```
pub fn grouped_rank_test(
    canary: &Histogram,
    baseline: &Histogram,
    alternative: Alternative,
) -> Result<GroupedRankResult> {
    if canary.upper_bounds.len() != baseline.upper_bounds.len() {
        return Err(StatsError::LengthMismatch {
            name: "bucket bounds of canary and baseline",
            left: canary.upper_bounds.len(),
            right: baseline.upper_bounds.len(),
        });
    }
    if let Some(i) = canary
        .upper_bounds
        .iter()
        .zip(&baseline.upper_bounds)
        .position(|(a, b)| a != b)
    {
        return Err(StatsError::InvalidHistogram {
            name: "baseline",
            problem: format!(
                "bucket bounds differ from the canary's at bucket {i} (le = {} vs {})",
                baseline.upper_bounds[i], canary.upper_bounds[i]
            ),
        });
    }
    let c = whole_bucket_counts("canary", canary)?;
    let b = whole_bucket_counts("baseline", baseline)?;
    let n: u128 = c.iter().sum();
    let m: u128 = b.iter().sum();
    if n == 0 {
        return Err(StatsError::TooFewValues {
            name: "canary",
            len: 0,
            needed: 1,
        });
    }
    if m == 0 {
        return Err(StatsError::TooFewValues {
            name: "baseline",
            len: 0,
            needed: 1,
        });
    }
    // Twice W in exact integer arithmetic: 2W = Σ c_i (2 T_i + t_i + 1) − n(n + 1).
    // Each count ≤ 2^53 and there are fewer than 2^64 buckets, so nothing here exceeds
    // 2^128 unless N itself is astronomically large; saturate in that impossible case.
    let mut below: u128 = 0;
    let mut twice_rank_sum: u128 = 0;
    let mut ties = 0.0_f64;
    let mut occupied = 0_usize;
    for (&ci, &bi) in c.iter().zip(&b) {
        let t = ci + bi;
        if t > 0 {
            occupied += 1;
        }
        let mid = below.saturating_mul(2).saturating_add(t).saturating_add(1);
        twice_rank_sum = twice_rank_sum.saturating_add(ci.saturating_mul(mid));
        let tf = t as f64;
        ties += tf * tf * tf - tf;
        below = below.saturating_add(t);
    }
    if occupied < 2 {
        return Err(StatsError::Degenerate(
            "every observation of canary and baseline lies in one bucket: all tied, so the \
             rank test has zero variance"
                .into(),
        ));
    }
    let twice_w = twice_rank_sum.saturating_sub(n.saturating_mul(n + 1));
    let nm = n.saturating_mul(m);
    // 2 (W − n·m/2), exact and signed.
    let twice_centred = twice_w as i128 - nm as i128;
    let statistic = twice_w as f64 / 2.0;
    let centred = twice_centred as f64 / 2.0;
    let (nf, mf) = (n as f64, m as f64);
    let total = nf + mf;
    let variance = (nf * mf / 12.0) * ((total + 1.0) - ties / (total * (total - 1.0)));
    if variance.is_nan() || variance <= 0.0 {
        return Err(StatsError::Degenerate(
            "the rank statistic has zero variance".into(),
        ));
    }
    let sigma = variance.sqrt();
    let correction = match alternative {
        Alternative::TwoSided => 0.5 * (twice_centred.signum() as f64),
        Alternative::Greater => 0.5,
        Alternative::Less => -0.5,
    };
    let z = (centred - correction) / sigma;
    let p_value = match alternative {
        Alternative::Less => normal::cdf(z),
        Alternative::Greater => normal::sf(z),
        Alternative::TwoSided => 2.0 * normal::cdf(z).min(normal::sf(z)),
    };
    Ok(GroupedRankResult {
        statistic,
        p_value,
        z,
        cles: statistic / (nf * mf),
        n_canary: u64::try_from(n).unwrap_or(u64::MAX),
        n_baseline: u64::try_from(m).unwrap_or(u64::MAX),
        alternative,
    })
}

/// Per-bucket counts as integers, refusing fractional or huge counts.
fn whole_bucket_counts(name: &'static str, h: &Histogram) -> Result<Vec<u128>> {
    let mut previous = 0.0;
    let mut out = Vec::with_capacity(h.cumulative_counts.len());
    for (i, &c) in h.cumulative_counts.iter().enumerate() {
        if c.fract() != 0.0 || c > MAX_WHOLE_COUNT {
            return Err(StatsError::InvalidHistogram {
                name,
                problem: format!(
                    "bucket {i} (le = {}) has cumulative count {c}; the rank test needs whole \
                     numbers of observations up to 2^53",
                    h.upper_bounds[i]
                ),
            });
        }
        // Both whole and ≤ 2^53, so the difference is exact; validated non-decreasing.
        out.push((c - previous) as u128);
        previous = c;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const INF: f64 = f64::INFINITY;

    fn h(bounds: &[f64], counts: &[f64]) -> Histogram {
        Histogram::new(bounds.to_vec(), counts.to_vec()).unwrap()
    }

    #[test]
    fn validation_errors() {
        let err = |b: &[f64], c: &[f64]| Histogram::new(b.to_vec(), c.to_vec()).unwrap_err();
        assert!(matches!(
            err(&[1.0, INF], &[1.0]),
            StatsError::LengthMismatch { .. }
        ));
        assert!(matches!(err(&[], &[]), StatsError::InvalidHistogram { .. }));
        assert!(matches!(
            err(&[f64::NAN, INF], &[1.0, 1.0]),
            StatsError::InvalidHistogram { .. }
        ));
        assert!(matches!(
            err(&[2.0, 1.0, INF], &[1.0, 1.0, 1.0]),
            StatsError::InvalidHistogram { .. }
        ));
        assert!(matches!(
            err(&[1.0, 1.0, INF], &[1.0, 1.0, 1.0]),
            StatsError::InvalidHistogram { .. }
        ));
        assert!(matches!(
            err(&[-INF, INF], &[1.0, 1.0]),
            StatsError::InvalidHistogram { .. }
        ));
        assert!(matches!(
            err(&[1.0, INF], &[-1.0, 1.0]),
            StatsError::InvalidHistogram { .. }
        ));
        assert!(matches!(
            err(&[1.0, INF], &[f64::NAN, 1.0]),
            StatsError::NonFinite { index: 0, .. }
        ));
        assert!(matches!(
            err(&[1.0, INF], &[1.0, INF]),
            StatsError::NonFinite { index: 1, .. }
        ));
        let e = err(&[1.0, 2.0, 3.0, INF], &[1.0, 2.0, 1.5, 3.0]);
        assert!(e.to_string().contains("bucket 2"), "{e}");
        assert!(Histogram::from_bucket_counts(vec![1.0, INF], vec![1.0, -1.0]).is_err());
    }

    #[test]
    fn prometheus_special_cases() {
        let one = h(&[INF], &[5.0]);
        assert!(histogram_quantile(0.5, &one).is_nan());
        let empty = h(&[1.0, INF], &[0.0, 0.0]);
        assert!(histogram_quantile(0.5, &empty).is_nan());
        let neg = h(&[-1.0, 1.0, INF], &[2.0, 4.0, 4.0]);
        assert_eq!(histogram_quantile(0.25, &neg), -1.0);
        assert_eq!(histogram_quantile(0.75, &neg), 0.0);
        // q = 0 with an empty lowest bucket of positive bound: Prometheus' 0/0.
        let first_empty = h(&[1.0, 2.0, INF], &[0.0, 4.0, 4.0]);
        assert!(histogram_quantile(0.0, &first_empty).is_nan());
        assert_eq!(histogram_quantile(0.5, &first_empty), 1.5);
        // Tiny relative increases are ignored as floating-point noise.
        let noisy = h(&[1.0, 2.0, INF], &[1e15, 1e15 + 0.5, 1e15 + 0.5]);
        assert_eq!(histogram_quantile(1.0, &noisy), 1.0);
        assert!(almost_equal(0.0, 0.0, 1e-12));
        assert!(!almost_equal(0.0, 1e-300, 1e-12));
    }

    #[test]
    fn rank_test_errors() {
        let a = h(&[1.0, INF], &[1.0, 2.0]);
        let b = h(&[2.0, INF], &[1.0, 2.0]);
        assert!(grouped_rank_test(&a, &b, Alternative::TwoSided).is_err());
        let c = h(&[1.0, 2.0, INF], &[1.0, 2.0, 2.0]);
        assert!(matches!(
            grouped_rank_test(&a, &c, Alternative::TwoSided),
            Err(StatsError::LengthMismatch { .. })
        ));
        let frac = h(&[1.0, INF], &[0.5, 2.0]);
        assert!(grouped_rank_test(&frac, &a, Alternative::TwoSided).is_err());
        let empty = h(&[1.0, INF], &[0.0, 0.0]);
        assert!(matches!(
            grouped_rank_test(&empty, &a, Alternative::TwoSided),
            Err(StatsError::TooFewValues { .. })
        ));
        let same = h(&[1.0, INF], &[3.0, 3.0]);
        assert!(matches!(
            grouped_rank_test(&same, &same, Alternative::Less),
            Err(StatsError::Degenerate(_))
        ));
    }
}
