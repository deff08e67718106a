//! Downsampling for display: a chart is a few hundred pixels wide, so a report never
//! draws more points than the picture can show.
//!
//! - **Time series** ([`min_max_buckets`]): the time range is cut into
//!   [`TIME_BUCKETS`] equal buckets; each bucket keeps the smallest and the largest value
//!   (in time order). Spikes and dips survive (a plain every-k-th-point thinning would
//!   drop them); a bucket without values breaks the line, so gaps stay visible.
//! - **Distributions** ([`ecdf`]): up to [`ECDF_POINTS`] values the exact empirical CDF
//!   (a step per value); beyond, the CDF at that many evenly spaced probabilities
//!   (type-7-free: the order statistic at rank `round(p·(n−1))`), joined by lines.
//!
//! Both are deterministic and `O(n)` (time) / `O(n log n)` (ECDF, one sort).

/// Time buckets per series: about two pixels each on a report's time chart.
pub const TIME_BUCKETS: usize = 300;

/// The most points of one drawn ECDF.
pub const ECDF_POINTS: usize = 200;

/// A drawable line: runs of `(x, y)` points; a new run starts after a gap.
pub type Segments = Vec<Vec<(f64, f64)>>;

/// Downsamples a time series (`(t, value)`, `None` = missing, ordered by `t`) to at most
/// two points per bucket of `buckets` equal time buckets: each bucket's minimum and
/// maximum, in time order. A bucket with no value ends the current run, so the line
/// breaks over gaps. Series with at most `2 · buckets` points are kept as they are
/// (split at missing values).
///
/// ```
/// use canary_report::downsample::min_max_buckets;
/// let series: Vec<(f64, Option<f64>)> = (0..10_000)
///     .map(|i| (i as f64, Some(if i == 5_000 { 99.0 } else { (i % 7) as f64 })))
///     .collect();
/// let runs = min_max_buckets(&series, 100);
/// let points: usize = runs.iter().map(Vec::len).sum();
/// assert!(points <= 200);
/// // The spike survives.
/// assert!(runs.iter().flatten().any(|&(_, y)| y == 99.0));
/// ```
pub fn min_max_buckets(series: &[(f64, Option<f64>)], buckets: usize) -> Segments {
    let buckets = buckets.max(1);
    let mut runs: Segments = Vec::new();
    let mut run: Vec<(f64, f64)> = Vec::new();
    let finish = |run: &mut Vec<(f64, f64)>, runs: &mut Segments| {
        if !run.is_empty() {
            runs.push(std::mem::take(run));
        }
    };
    if series.len() <= 2 * buckets {
        for &(t, v) in series {
            match v {
                Some(v) if v.is_finite() && t.is_finite() => run.push((t, v)),
                _ => finish(&mut run, &mut runs),
            }
        }
        finish(&mut run, &mut runs);
        return runs;
    }
    let (Some(first), Some(last)) = (series.first(), series.last()) else {
        return runs;
    };
    let (t0, t1) = (first.0, last.0);
    let width = (t1 - t0) / buckets as f64;
    let bucket_of = |t: f64| -> usize {
        if width > 0.0 && width.is_finite() {
            (((t - t0) / width) as usize).min(buckets - 1)
        } else {
            0
        }
    };
    let mut i = 0;
    while i < series.len() {
        let bucket = bucket_of(series[i].0);
        let mut lo: Option<(f64, f64)> = None;
        let mut hi: Option<(f64, f64)> = None;
        while i < series.len() && bucket_of(series[i].0) == bucket {
            match series[i] {
                (t, Some(v)) if v.is_finite() && t.is_finite() => {
                    if lo.is_none_or(|(_, y)| v < y) {
                        lo = Some((t, v));
                    }
                    if hi.is_none_or(|(_, y)| v > y) {
                        hi = Some((t, v));
                    }
                }
                _ => {}
            }
            i += 1;
        }
        match (lo, hi) {
            (Some(lo), Some(hi)) => {
                if lo.0 <= hi.0 {
                    run.push(lo);
                    if hi != lo {
                        run.push(hi);
                    }
                } else {
                    run.push(hi);
                    run.push(lo);
                }
            }
            // A bucket without values breaks the line; one that is partly missing is
            // drawn from its values (the evidence table counts the missing ones).
            _ => finish(&mut run, &mut runs),
        }
    }
    finish(&mut run, &mut runs);
    runs
}

/// The empirical CDF of `values` (finite ones; others are skipped) as a line to draw:
/// with at most `max_points` values, the exact step function (two vertices per
/// distinct value); beyond, the order statistics at `max_points` evenly spaced
/// probabilities `0, 1/(k−1), …, 1`, joined by lines.
///
/// ```
/// use canary_report::downsample::ecdf;
/// let exact = ecdf(&[3.0, 1.0, 2.0], 200);
/// assert_eq!(exact, [(1.0, 0.0), (1.0, 1.0 / 3.0), (2.0, 1.0 / 3.0), (2.0, 2.0 / 3.0),
///                    (3.0, 2.0 / 3.0), (3.0, 1.0)]);
/// let many: Vec<f64> = (0..10_000).map(f64::from).collect();
/// let thin = ecdf(&many, 200);
/// assert_eq!(thin.len(), 200);
/// assert_eq!((thin[0], thin[199]), ((0.0, 0.0), (9999.0, 1.0)));
/// ```
pub fn ecdf(values: &[f64], max_points: usize) -> Vec<(f64, f64)> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_unstable_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return Vec::new();
    }
    let max_points = max_points.max(2);
    if n <= max_points {
        let mut out = Vec::with_capacity(2 * n);
        let mut i = 0;
        while i < n {
            let v = sorted[i];
            let before = i as f64 / n as f64;
            while i < n && sorted[i] == v {
                i += 1;
            }
            out.push((v, before));
            out.push((v, i as f64 / n as f64));
        }
        return out;
    }
    (0..max_points)
        .map(|k| {
            let p = k as f64 / (max_points - 1) as f64;
            let rank = (p * (n - 1) as f64).round() as usize;
            (sorted[rank.min(n - 1)], p)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_series_are_kept_and_split_at_gaps() {
        let s = [
            (0.0, Some(1.0)),
            (1.0, None),
            (2.0, Some(2.0)),
            (3.0, Some(3.0)),
        ];
        assert_eq!(
            min_max_buckets(&s, 10),
            vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0)]]
        );
        assert!(min_max_buckets(&[], 10).is_empty());
    }

    #[test]
    fn long_series_keep_extremes_in_time_order() {
        let s: Vec<(f64, Option<f64>)> = (0..1000)
            .map(|i| (f64::from(i), Some(f64::from(i % 10))))
            .collect();
        let runs = min_max_buckets(&s, 10);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].len(), 20);
        assert!(runs[0].windows(2).all(|w| w[0].0 <= w[1].0));
        assert!(runs[0].iter().all(|&(_, y)| y == 0.0 || y == 9.0));
    }

    #[test]
    fn an_empty_bucket_breaks_the_line() {
        let s: Vec<(f64, Option<f64>)> = (0..1000)
            .map(|i| (f64::from(i), (!(400..600).contains(&i)).then_some(1.0)))
            .collect();
        assert_eq!(min_max_buckets(&s, 10).len(), 2);
    }

    #[test]
    fn ecdf_skips_non_finite_and_handles_ties() {
        assert!(ecdf(&[f64::NAN], 10).is_empty());
        assert_eq!(ecdf(&[1.0, 1.0], 10), [(1.0, 0.0), (1.0, 1.0)]);
    }
}
