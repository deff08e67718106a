//! # canary-judge-py
//!
//! The native half of the Python package `canary_judge`: the extension module
//! `canary_judge._native`, built with maturin (see `bindings/python/pyproject.toml`).
//! The public Python API — keyword arguments, result objects, exception classes — is in
//! `bindings/python/python/canary_judge/`; this module exposes plain functions returning
//! tuples and JSON text, and two opaque classes holding a parsed config and fixture.
//!
//! Every entry point releases the GIL for the actual work, catches panics (a bug becomes
//! a `CanaryError`, never a `PanicException`), and maps errors to the package's
//! exceptions: `StatsError` and `FixtureError` to `DataError`, `ConfigError` to
//! `ConfigError`, and `JudgeError` (a config naming a metric the fixture lacks, or of
//! another kind) to `DataError`.

mod errors;
mod input;
mod judging;
mod report;
mod rollout;
mod sources;

use canary_judge::stats::{
    self, Alternative, KsMethod, KsOptions, MannWhitneyMethod, MannWhitneyOptions, RateTestOptions,
    StatsError,
};
use errors::{data_error, detached};
use input::sample;
use pyo3::prelude::*;

fn stats_error(py: Python<'_>, error: &StatsError) -> PyErr {
    data_error(py, error.to_string())
}

fn parse<T: std::str::FromStr<Err = StatsError>>(py: Python<'_>, text: &str) -> PyResult<T> {
    text.parse().map_err(|e| stats_error(py, &e))
}

/// `(statistic, pvalue, z, estimate, ci_low, ci_high, ci_level, method, alternative,
/// n_x, n_y, has_ties)`.
type MannWhitneyTuple = (
    f64,
    f64,
    Option<f64>,
    f64,
    f64,
    f64,
    f64,
    &'static str,
    &'static str,
    usize,
    usize,
    bool,
);

/// Mann–Whitney U test with Hodges–Lehmann estimate and CI (R's `wilcox.test`).
#[pyfunction]
#[pyo3(signature = (x, y, alternative, confidence, method, continuity_correction))]
fn mann_whitney(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    y: &Bound<'_, PyAny>,
    alternative: &str,
    confidence: f64,
    method: &str,
    continuity_correction: bool,
) -> PyResult<MannWhitneyTuple> {
    let options = MannWhitneyOptions {
        alternative: parse::<Alternative>(py, alternative)?,
        confidence,
        method: parse::<MannWhitneyMethod>(py, method)?,
        continuity_correction,
    };
    let (x, y) = (sample(x, "x")?, sample(y, "y")?);
    let (xs, ys) = (x.as_slice(), y.as_slice());
    let r =
        detached(py, || stats::mann_whitney(xs, ys, &options))?.map_err(|e| stats_error(py, &e))?;
    Ok((
        r.statistic,
        r.p_value,
        r.z,
        r.estimate,
        r.confidence_interval.low,
        r.confidence_interval.high,
        r.confidence_interval.level,
        r.method.as_str(),
        r.alternative.as_str(),
        r.n_x,
        r.n_y,
        r.has_ties,
    ))
}

/// `KsMethod` from its name (`canary-stats` has no `FromStr` for it).
fn ks_method(py: Python<'_>, text: &str) -> PyResult<KsMethod> {
    match text {
        "auto" => Ok(KsMethod::Auto),
        "exact" => Ok(KsMethod::Exact),
        "asymptotic" => Ok(KsMethod::Asymptotic),
        other => Err(data_error(
            py,
            format!("method is invalid: expected auto, exact or asymptotic, got {other:?}"),
        )),
    }
}

/// Two-sample Kolmogorov–Smirnov test: `(statistic, pvalue, method, alternative, n_x,
/// n_y, ties)`.
#[pyfunction]
#[pyo3(signature = (x, y, alternative, method))]
fn ks(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    y: &Bound<'_, PyAny>,
    alternative: &str,
    method: &str,
) -> PyResult<(f64, f64, &'static str, &'static str, usize, usize, bool)> {
    let options = KsOptions {
        alternative: parse::<Alternative>(py, alternative)?,
        method: ks_method(py, method)?,
    };
    let (x, y) = (sample(x, "x")?, sample(y, "y")?);
    let (xs, ys) = (x.as_slice(), y.as_slice());
    let r = detached(py, || stats::ks_two_sample(xs, ys, &options))?
        .map_err(|e| stats_error(py, &e))?;
    Ok((
        r.statistic,
        r.p_value,
        r.method.as_str(),
        r.alternative.as_str(),
        r.n_x,
        r.n_y,
        r.ties,
    ))
}

/// `(pvalue, estimate, ci_low, ci_high, ci_level, canary_rate, baseline_rate,
/// expected_share, null_ratio, alternative)`.
type RateTuple = (f64, f64, f64, f64, f64, f64, f64, f64, f64, &'static str);

/// Exact conditional test of two event rates (R's `poisson.test`).
#[pyfunction]
#[pyo3(signature = (canary_events, canary_exposure, baseline_events, baseline_exposure,
                    alternative, confidence, null_ratio))]
#[allow(clippy::too_many_arguments)]
fn rate_test(
    py: Python<'_>,
    canary_events: f64,
    canary_exposure: f64,
    baseline_events: f64,
    baseline_exposure: f64,
    alternative: &str,
    confidence: f64,
    null_ratio: f64,
) -> PyResult<RateTuple> {
    let options = RateTestOptions {
        alternative: parse::<Alternative>(py, alternative)?,
        confidence,
        null_ratio,
    };
    let r = detached(py, || {
        stats::rate_test(
            canary_events,
            canary_exposure,
            baseline_events,
            baseline_exposure,
            &options,
        )
    })?
    .map_err(|e| stats_error(py, &e))?;
    Ok((
        r.p_value,
        r.estimate,
        r.confidence_interval.low,
        r.confidence_interval.high,
        r.confidence_interval.level,
        r.canary_rate,
        r.baseline_rate,
        r.expected_share,
        r.null_ratio,
        r.alternative.as_str(),
    ))
}

/// R's type-7 sample quantile.
#[pyfunction]
fn quantile(py: Python<'_>, values: &Bound<'_, PyAny>, q: f64) -> PyResult<f64> {
    let values = sample(values, "values")?;
    let slice = values.as_slice();
    detached(py, || stats::quantile(slice, q))?.map_err(|e| stats_error(py, &e))
}

/// Several type-7 sample quantiles of one sample (sorted once).
#[pyfunction]
fn quantiles(
    py: Python<'_>,
    values: &Bound<'_, PyAny>,
    qs: &Bound<'_, PyAny>,
) -> PyResult<Vec<f64>> {
    let values = sample(values, "values")?;
    let qs = sample(qs, "q")?;
    let (slice, qs) = (values.as_slice(), qs.as_slice());
    detached(py, || stats::quantiles(slice, qs))?.map_err(|e| stats_error(py, &e))
}

/// `(q, estimate, ci_low, ci_high, ci_level, lower_order, upper_order, n)`.
type QuantileTuple = (f64, f64, f64, f64, f64, Option<usize>, Option<usize>, usize);

/// A sample quantile with its distribution-free confidence interval.
#[pyfunction]
fn quantile_ci(
    py: Python<'_>,
    values: &Bound<'_, PyAny>,
    q: f64,
    confidence: f64,
) -> PyResult<QuantileTuple> {
    let values = sample(values, "values")?;
    let slice = values.as_slice();
    let r = detached(py, || stats::quantile_ci(slice, q, confidence))?
        .map_err(|e| stats_error(py, &e))?;
    Ok((
        r.q,
        r.estimate,
        r.confidence_interval.low,
        r.confidence_interval.high,
        r.confidence_interval.level,
        r.lower_order,
        r.upper_order,
        r.n,
    ))
}

/// Panics inside the guard, so that tests can check a panic becomes a `CanaryError`.
#[pyfunction]
fn _panic_for_tests(py: Python<'_>) -> PyResult<()> {
    detached(py, || -> () { panic!("deliberate panic (test)") })
}

/// The extension module `canary_judge._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(mann_whitney, m)?)?;
    m.add_function(wrap_pyfunction!(ks, m)?)?;
    m.add_function(wrap_pyfunction!(rate_test, m)?)?;
    m.add_function(wrap_pyfunction!(quantile, m)?)?;
    m.add_function(wrap_pyfunction!(quantiles, m)?)?;
    m.add_function(wrap_pyfunction!(quantile_ci, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    judging::register(m)?;
    rollout::register(m)?;
    report::register(m)?;
    sources::register(m)?;
    Ok(())
}
