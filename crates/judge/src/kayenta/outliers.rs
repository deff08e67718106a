//! Kayenta's preprocessing: missing values and the IQR outlier detector.

use crate::config::NanStrategy;
use canary_stats::SortedSample;

/// The `p`-th percentile (`p` in percent, 0–100) of `values` with the R-7 rule (linear
/// interpolation between order statistics, as R's `quantile(type = 7)`), which is what
/// Kayenta's `DescriptiveStatistics.percentile` computes. NaN when `values` is empty,
/// holds a NaN or an infinity, or `p` is outside 0–100.
///
/// ```
/// use canary_judge::kayenta::percentile;
/// let data = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5];
/// assert_eq!(percentile(&data, 50.0), 1.75);
/// assert_eq!(percentile(&data, 100.0), 3.5);
/// assert!(percentile(&[], 50.0).is_nan());
/// ```
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if !(0.0..=100.0).contains(&p) {
        return f64::NAN;
    }
    SortedSample::new(values)
        .and_then(|s| s.quantile(p / 100.0))
        .unwrap_or(f64::NAN)
}

/// The fences of Kayenta's IQR detector: values below `low` or above `high` are
/// outliers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IqrFences {
    /// Lower fence.
    pub low: f64,
    /// Upper fence.
    pub high: f64,
}

/// The fences of the IQR detector with factor `f`: `Q1 − f·IQR` and `Q3 + f·IQR`
/// (R-7 quartiles). `widened` is Kayenta's `reduceSensitivity`, which the judge always
/// uses: the fences move out to at least the 1st and 99th percentiles,
/// `low = min(P1, Q1 − f·IQR)` and `high = max(P99, Q3 + f·IQR)`. Both fences are NaN
/// for empty data (nothing is then flagged).
///
/// ```
/// use canary_judge::kayenta::iqr_fences;
/// let f = iqr_fences(&[21.0, 23.0, 24.0, 25.0, 50.0, 29.0, 23.0, 21.0], 1.5, false);
/// assert_eq!((f.low, f.high), (17.25, 31.25));
/// ```
pub fn iqr_fences(values: &[f64], factor: f64, widened: bool) -> IqrFences {
    let q1 = percentile(values, 25.0);
    let q3 = percentile(values, 75.0);
    let iqr = q3 - q1;
    let (low, high) = (q1 - factor * iqr, q3 + factor * iqr);
    if widened {
        IqrFences {
            low: percentile(values, 1.0).min(low),
            high: percentile(values, 99.0).max(high),
        }
    } else {
        IqrFences { low, high }
    }
}

/// Kayenta's IQR outlier detector: for each value, whether it lies outside
/// [`iqr_fences`]. Empty data gives an empty answer.
///
/// ```
/// use canary_judge::kayenta::iqr_outliers;
/// let flags = iqr_outliers(&[1.0, 1.0, 1.0, 5.0, -1.0, -1.0, -1.0, -5.0], 1.5, false);
/// assert_eq!(flags, [false, false, false, true, false, false, false, true]);
/// ```
pub fn iqr_outliers(values: &[f64], factor: f64, widened: bool) -> Vec<bool> {
    let fences = iqr_fences(values, factor, widened);
    values
        .iter()
        .map(|&v| v > fences.high || v < fences.low)
        .collect()
}

/// What [`transform`] did to one side.
#[derive(Debug, Clone, PartialEq)]
pub struct Transformed {
    /// The values left, in their original order.
    pub values: Vec<f64>,
    /// Missing values (NaN) removed or replaced by 0.
    pub missing: usize,
    /// Outliers removed.
    pub outliers_removed: usize,
}

/// Kayenta's metric transformation: NaN values removed or replaced by 0 (`nan`), then,
/// when `outlier_factor` is given, values outside the widened IQR fences removed
/// ([`iqr_outliers`] with `widened = true`, as `NetflixACAJudge` does). Infinite values
/// count as missing here (Kayenta would keep them and fail later).
///
/// ```
/// use canary_judge::{NanStrategy, kayenta::transform};
/// let t = transform(&[f64::NAN, 10.1, 20.2, f64::NAN], NanStrategy::Replace, None);
/// assert_eq!(t.values, [0.0, 10.1, 20.2, 0.0]);
/// assert_eq!(t.missing, 2);
/// ```
pub fn transform(values: &[f64], nan: NanStrategy, outlier_factor: Option<f64>) -> Transformed {
    let mut missing = 0;
    let mut kept = Vec::with_capacity(values.len());
    for &v in values {
        if v.is_finite() {
            kept.push(v);
        } else {
            missing += 1;
            if nan == NanStrategy::Replace {
                kept.push(0.0);
            }
        }
    }
    let mut outliers_removed = 0;
    if let Some(factor) = outlier_factor {
        let flags = iqr_outliers(&kept, factor, true);
        let before = kept.len();
        let mut flag = flags.iter();
        kept.retain(|_| !flag.next().copied().unwrap_or(false));
        outliers_removed = before - kept.len();
    }
    Transformed {
        values: kept,
        missing,
        outliers_removed,
    }
}
