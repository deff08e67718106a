//! The one error type of `canary-stats`.

use thiserror::Error;

/// Why a statistical function refused its input.
///
/// Every public function of this crate validates what it is given and returns one of
/// these instead of panicking or producing a meaningless number. The messages name the
/// argument at fault (`x`, `baseline`, `buckets`, …) and the offending value or index.
///
/// ```
/// use canary_stats::{mann_whitney, MannWhitneyOptions, StatsError};
///
/// let err = mann_whitney(&[1.0, f64::NAN], &[2.0, 3.0], &MannWhitneyOptions::default())
///     .unwrap_err();
/// assert!(matches!(err, StatsError::NonFinite { .. }));
/// assert_eq!(err.to_string(), "x[1] is NaN; remove or replace missing values first");
/// ```
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum StatsError {
    /// A sample that must hold at least `needed` values holds fewer.
    #[error("{name} has {len} value(s); at least {needed} needed")]
    TooFewValues {
        /// The argument's name.
        name: &'static str,
        /// How many values it had.
        len: usize,
        /// How many are needed.
        needed: usize,
    },
    /// A value is NaN or infinite where only finite numbers make sense.
    #[error("{name}[{index}] is {}; remove or replace missing values first", describe_non_finite(*.value))]
    NonFinite {
        /// The argument's name.
        name: &'static str,
        /// Position of the first offending value.
        index: usize,
        /// The value itself.
        value: f64,
    },
    /// A confidence level outside the open interval (0, 1).
    #[error("confidence must be strictly between 0 and 1, got {0}")]
    InvalidConfidence(f64),
    /// A probability (quantile level, alpha, …) outside its allowed range.
    #[error("{name} must be in {range}, got {value}")]
    InvalidProbability {
        /// The argument's name.
        name: &'static str,
        /// The allowed range, e.g. `[0, 1]` or `(0, 1)`.
        range: &'static str,
        /// The value given.
        value: f64,
    },
    /// A count that must not be negative is negative, or not a whole number.
    #[error("{name} must be a non-negative whole number, got {value}")]
    InvalidCount {
        /// The argument's name.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// An exposure (request total, time) that must be positive and finite is not.
    #[error("{name} must be positive and finite, got {value}")]
    InvalidExposure {
        /// The argument's name.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// More events than the total they are counted in.
    #[error("{name}: {events} events out of a total of {total}")]
    EventsExceedTotal {
        /// The argument's name.
        name: &'static str,
        /// Events counted.
        events: f64,
        /// Total they are out of.
        total: f64,
    },
    /// Histogram buckets that are not a valid cumulative histogram.
    #[error("{name}: {problem}")]
    InvalidHistogram {
        /// The argument's name.
        name: &'static str,
        /// What is wrong, naming the bucket.
        problem: String,
    },
    /// Two arguments whose lengths must agree do not.
    #[error("{name}: lengths differ ({left} vs {right})")]
    LengthMismatch {
        /// What is being compared.
        name: &'static str,
        /// Length of the first.
        left: usize,
        /// Length of the second.
        right: usize,
    },
    /// An argument outside its documented domain (a parameter that is not a probability).
    #[error("{name} is invalid: {problem}")]
    InvalidArgument {
        /// The argument's name.
        name: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The data make the requested quantity undefined (e.g. every value tied, so the
    /// normal approximation has zero variance).
    #[error("{0}")]
    Degenerate(String),
}

fn describe_non_finite(value: f64) -> &'static str {
    if value.is_nan() {
        "NaN"
    } else if value > 0.0 {
        "+infinity"
    } else {
        "-infinity"
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = StatsError> = std::result::Result<T, E>;
