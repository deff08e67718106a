//! The standard normal distribution, as the tests here need it.

use statrs::distribution::{ContinuousCDF, Normal};

fn standard() -> Normal {
    Normal::standard()
}

/// `P(Z <= z)` for a standard normal `Z` (R's `pnorm(z)`).
pub(crate) fn cdf(z: f64) -> f64 {
    standard().cdf(z)
}

/// `P(Z > z)` for a standard normal `Z` (R's `pnorm(z, lower.tail = FALSE)`), accurate in
/// the upper tail.
pub(crate) fn sf(z: f64) -> f64 {
    standard().sf(z)
}

/// The `p`-quantile of the standard normal (R's `qnorm(p)`), for `p` in (0, 1).
pub(crate) fn quantile(p: f64) -> f64 {
    standard().inverse_cdf(p)
}
