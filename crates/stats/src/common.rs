//! Small types shared by the tests: alternatives, intervals, input checks.

use crate::error::{Result, StatsError};

/// Which difference a test looks for, as R's `alternative` argument.
///
/// The sense is always "first sample compared with the second": `Greater` means the
/// first sample (`x`) tends to be larger than the second (`y`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Alternative {
    /// Either direction (`"two.sided"` in R, `"two-sided"` in scipy).
    #[default]
    TwoSided,
    /// `x` tends to be smaller than `y`.
    Less,
    /// `x` tends to be larger than `y`.
    Greater,
}

impl Alternative {
    /// The spelling scipy uses: `two-sided`, `less`, `greater`.
    ///
    /// ```
    /// assert_eq!(canary_stats::Alternative::TwoSided.as_str(), "two-sided");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Alternative::TwoSided => "two-sided",
            Alternative::Less => "less",
            Alternative::Greater => "greater",
        }
    }
}

impl std::str::FromStr for Alternative {
    type Err = StatsError;

    /// Accepts scipy's and R's spellings (`two-sided`, `two.sided`, `two_sided`, `less`,
    /// `greater`).
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "two-sided" | "two.sided" | "two_sided" => Ok(Alternative::TwoSided),
            "less" => Ok(Alternative::Less),
            "greater" => Ok(Alternative::Greater),
            other => Err(StatsError::InvalidArgument {
                name: "alternative",
                problem: format!("expected two-sided, less or greater, got {other:?}"),
            }),
        }
    }
}

/// A confidence interval `[low, high]`; one-sided intervals have an infinite end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConfidenceInterval {
    /// Lower end (may be `-inf`).
    pub low: f64,
    /// Upper end (may be `+inf`).
    pub high: f64,
    /// The confidence level the interval actually has. Equal to the requested level
    /// unless that level cannot be achieved with the data (R then lowers it, and so do we).
    pub level: f64,
}

impl ConfidenceInterval {
    /// Whether `value` lies in the closed interval.
    ///
    /// ```
    /// let ci = canary_stats::ConfidenceInterval { low: 1.0, high: 2.0, level: 0.95 };
    /// assert!(ci.contains(1.5) && !ci.contains(3.0));
    /// ```
    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }
}

/// Checks that `confidence` lies strictly between 0 and 1.
pub(crate) fn check_confidence(confidence: f64) -> Result<()> {
    if confidence > 0.0 && confidence < 1.0 {
        Ok(())
    } else {
        Err(StatsError::InvalidConfidence(confidence))
    }
}

/// Checks that a sample has at least `needed` values, all finite.
pub(crate) fn check_sample(name: &'static str, values: &[f64], needed: usize) -> Result<()> {
    if let Some((index, &value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(StatsError::NonFinite { name, index, value });
    }
    if values.len() < needed {
        return Err(StatsError::TooFewValues {
            name,
            len: values.len(),
            needed,
        });
    }
    Ok(())
}

/// Copies a sample of finite values and sorts it ascending.
pub(crate) fn sorted_copy(values: &[f64]) -> Vec<f64> {
    let mut sorted = values.to_vec();
    sort_finite(&mut sorted);
    sorted
}

/// Largest scratch buffer kept between calls (values per buffer): 4 M doubles = 32 MiB.
const MAX_KEPT_SCRATCH: usize = 1 << 22;

thread_local! {
    /// Two buffers for sorted copies, kept per thread between calls so that large
    /// samples do not pay for fresh pages (page faults cost as much as a quarter of a
    /// Mann–Whitney test on a million values when the allocator returns memory to the
    /// system after each call, as it does inside Python).
    static SCRATCH: std::cell::RefCell<(Vec<f64>, Vec<f64>)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// Runs `work` on sorted copies of two samples of finite values, reusing this thread's
/// scratch buffers.
pub(crate) fn with_sorted_copies<T>(
    x: &[f64],
    y: &[f64],
    work: impl FnOnce(&[f64], &[f64]) -> T,
) -> T {
    // Take the buffers out (a nested call would find empty ones and allocate).
    let (mut a, mut b) = SCRATCH.with(|s| std::mem::take(&mut *s.borrow_mut()));
    for (buffer, values) in [(&mut a, x), (&mut b, y)] {
        buffer.clear();
        buffer.extend_from_slice(values);
        sort_finite(buffer);
    }
    let result = work(&a, &b);
    if a.capacity() <= MAX_KEPT_SCRATCH && b.capacity() <= MAX_KEPT_SCRATCH {
        SCRATCH.with(|s| *s.borrow_mut() = (a, b));
    }
    result
}

/// Sorts ascending: `f64::total_cmp` order when there is a NaN, otherwise the cheaper
/// `partial_cmp` order (identical except that `-0.0` and `0.0` count as equal, so their
/// relative order is unspecified).
///
/// The comparison sort is the floor of every rank statistic here, and comparing finite
/// doubles directly is about 40 % faster than `total_cmp`'s bit manipulation (measured at
/// a million values: 21 ms against 35 ms).
///
/// ```
/// let mut v = [3.0, -2.5, 1e300, 0.5];
/// canary_stats::sort_values(&mut v);
/// assert_eq!(v, [-2.5, 0.5, 3.0, 1e300]);
/// let mut with_nan = [1.0, f64::NAN, -1.0];
/// canary_stats::sort_values(&mut with_nan);
/// assert_eq!(with_nan[..2], [-1.0, 1.0]);
/// ```
pub fn sort_values(values: &mut [f64]) {
    if values.iter().any(|v| v.is_nan()) {
        values.sort_unstable_by(f64::total_cmp);
    } else {
        sort_finite(values);
    }
}

/// Sorts values known to hold no NaN (infinities are fine).
pub(crate) fn sort_finite(values: &mut [f64]) {
    debug_assert!(!values.iter().any(|v| v.is_nan()));
    values.sort_unstable_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
}

/// The mean of two values as R's `median` takes it, `(a + b) / 2`, without overflowing
/// for huge values. Exactly antisymmetric: `mean_of_two(-a, -b) == -mean_of_two(a, b)`.
pub(crate) fn mean_of_two(a: f64, b: f64) -> f64 {
    let sum = a + b;
    if sum.is_finite() {
        sum / 2.0
    } else {
        a / 2.0 + b / 2.0
    }
}
