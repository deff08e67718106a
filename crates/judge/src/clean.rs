//! Cleaning a continuous series before testing: missing values and outliers.

use crate::config::{NanStrategy, OutlierStrategy, Outliers};
use crate::data::Point;
use canary_stats::SortedSample;

/// A cleaned side: its values sorted ascending, and what cleaning did.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CleanSide {
    /// The values left, sorted ascending.
    pub(crate) sorted: Vec<f64>,
    /// Points in the raw series.
    pub(crate) raw_points: usize,
    /// Missing (null or NaN) values removed or replaced.
    pub(crate) missing: usize,
    /// Outliers removed.
    pub(crate) outliers_removed: usize,
}

/// Applies the NaN strategy, then (when asked) removes values outside the IQR fences
/// `[Q1 − f·IQR, Q3 + f·IQR]` (type-7 quartiles of this side).
pub(crate) fn clean(points: &[Point], nan: NanStrategy, outliers: Outliers) -> CleanSide {
    let mut missing = 0;
    let mut values: Vec<f64> = Vec::with_capacity(points.len());
    for p in points {
        match p.value {
            Some(v) if v.is_finite() => values.push(v),
            _ => {
                missing += 1;
                if nan == NanStrategy::Replace {
                    values.push(0.0);
                }
            }
        }
    }
    canary_stats::sort_values(&mut values);
    let mut outliers_removed = 0;
    if outliers.strategy == OutlierStrategy::Remove && values.len() >= 4 {
        let sample = SortedSample::from_sorted(values.clone());
        if let Ok(sample) = sample
            && let (Ok(q1), Ok(q3)) = (sample.quantile(0.25), sample.quantile(0.75))
        {
            let iqr = q3 - q1;
            let (low, high) = (q1 - outliers.factor * iqr, q3 + outliers.factor * iqr);
            let before = values.len();
            values.retain(|&v| v >= low && v <= high);
            outliers_removed = before - values.len();
        }
    }
    CleanSide {
        sorted: values,
        raw_points: points.len(),
        missing,
        outliers_removed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(values: &[Option<f64>]) -> Vec<Point> {
        values
            .iter()
            .enumerate()
            .map(|(i, &value)| Point {
                timestamp: i as i64,
                value,
            })
            .collect()
    }

    #[test]
    fn removes_or_replaces_missing_values() {
        let p = points(&[Some(3.0), None, Some(1.0), Some(f64::NAN)]);
        let removed = clean(&p, NanStrategy::Remove, Outliers::default());
        assert_eq!(
            (removed.sorted.clone(), removed.missing),
            (vec![1.0, 3.0], 2)
        );
        let replaced = clean(&p, NanStrategy::Replace, Outliers::default());
        assert_eq!(replaced.sorted, vec![0.0, 0.0, 1.0, 3.0]);
    }

    #[test]
    fn iqr_fences_remove_far_values_only() {
        let mut v: Vec<Option<f64>> = (0..20).map(|i| Some(100.0 + f64::from(i))).collect();
        v.push(Some(10_000.0));
        let out = Outliers {
            strategy: OutlierStrategy::Remove,
            factor: 3.0,
        };
        let cleaned = clean(&points(&v), NanStrategy::Remove, out);
        assert_eq!(cleaned.outliers_removed, 1);
        assert_eq!(cleaned.sorted.len(), 20);
    }
}
