//! Effect sizes: how large a change is, as opposed to whether it is significant.

use crate::common::{check_sample, mean_of_two, sorted_copy};
use crate::error::Result;
use crate::pairwise::PairwiseDifferences;
use crate::quantile::SortedSample;
use crate::rank_sum::rank_summary;

/// Three measures of how the canary differs from the baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EffectSizes {
    /// `mean(canary) / mean(baseline)`; NaN when the baseline mean is 0.
    pub mean_ratio: f64,
    /// Common-language effect size `P(canary > baseline) + ½·P(canary = baseline)`:
    /// 0.5 means no tendency either way.
    pub cles: f64,
    /// The Hodges–Lehmann shift (median of all differences canary − baseline).
    pub hl_shift: f64,
    /// The baseline median (R type 7).
    pub baseline_median: f64,
    /// `1 + hl_shift / baseline_median`: the shift relative to the baseline's typical
    /// value, as a ratio (1.2 = 20 % higher). NaN when the baseline median is 0.
    pub hl_ratio: f64,
}

/// Mean ratio, CLES and the Hodges–Lehmann shift relative to the baseline median, from
/// one sort of each sample (`O((n + m) log(n + m))`).
///
/// # Errors
/// Empty samples and NaN or infinite values.
///
/// ```
/// use canary_stats::effect_sizes;
/// let e = effect_sizes(&[110.0, 120.0, 130.0], &[100.0, 100.0, 100.0]).unwrap();
/// assert_eq!(e.mean_ratio, 1.2);
/// assert_eq!(e.cles, 1.0);
/// assert_eq!(e.hl_shift, 20.0);
/// assert_eq!(e.hl_ratio, 1.2);
/// ```
pub fn effect_sizes(canary: &[f64], baseline: &[f64]) -> Result<EffectSizes> {
    check_sample("canary", canary, 1)?;
    check_sample("baseline", baseline, 1)?;
    let mean_ratio = mean(canary) / mean(baseline);
    let canary = sorted_copy(canary);
    let baseline = sorted_copy(baseline);
    let cles = rank_summary(&canary, &baseline).u / (canary.len() as f64 * baseline.len() as f64);
    let diffs = PairwiseDifferences::new(&canary, &baseline);
    let total = diffs.len();
    let middle = diffs.select(&[total.div_ceil(2), total / 2 + 1]);
    let hl_shift = mean_of_two(middle[0], middle[1]);
    let baseline_median = SortedSample::from_sorted(baseline)?.quantile(0.5)?;
    let hl_ratio = 1.0 + hl_shift / baseline_median;
    Ok(EffectSizes {
        mean_ratio: if mean_ratio.is_finite() {
            mean_ratio
        } else {
            f64::NAN
        },
        cles,
        hl_shift,
        baseline_median,
        hl_ratio: if baseline_median == 0.0 {
            f64::NAN
        } else {
            hl_ratio
        },
    })
}

/// The arithmetic mean, summed with compensation so long series of similar values lose
/// no precision.
fn mean(values: &[f64]) -> f64 {
    let (mut sum, mut compensation) = (0.0f64, 0.0f64);
    for &v in values {
        let t = sum + v;
        compensation += if sum.abs() >= v.abs() {
            (sum - t) + v
        } else {
            (v - t) + sum
        };
        sum = t;
    }
    (sum + compensation) / values.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_baselines_give_nan_ratios_not_infinities() {
        let e = effect_sizes(&[1.0, 2.0], &[0.0, 0.0]).unwrap();
        assert!(e.mean_ratio.is_nan());
        assert!(e.hl_ratio.is_nan());
        assert_eq!(e.cles, 1.0);
        assert_eq!(e.hl_shift, 1.5);
    }

    #[test]
    fn ties_count_half_and_bad_input_is_an_error() {
        let e = effect_sizes(&[1.0, 2.0], &[1.0, 2.0]).unwrap();
        assert_eq!(e.cles, 0.5);
        assert_eq!(e.hl_shift, 0.0);
        assert!(effect_sizes(&[], &[1.0]).is_err());
        assert!(effect_sizes(&[1.0], &[f64::INFINITY]).is_err());
    }

    #[test]
    fn compensated_mean_is_exact_on_awkward_sums() {
        let v = [1e16, 1.0, -1e16, 1.0];
        assert_eq!(mean(&v), 0.5);
    }
}
