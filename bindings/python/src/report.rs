//! Threshold sweeps (`tune`, the JSON of `canary tune --format json`) and HTML reports
//! (`report_html`, the page of `canary report`).

use crate::errors::{config_error, data_error, detached};
use crate::judging::{NativeConfig, NativeFixture};
use canary_judge::{Fixture, Sweep, TuneError, TunePlan, Verdict, collect_fixture_files};
use canary_report::{Document, Options, render};
use pyo3::prelude::*;
use rayon::prelude::*;
use std::path::PathBuf;

/// Why a sweep failed: a config problem (bad sweep key or value) or a data problem.
enum Failure {
    Config(String),
    Data(String),
}

fn run_tune(
    config: &canary_judge::Config,
    paths: &[PathBuf],
    sweep_texts: &[String],
) -> Result<String, Failure> {
    let sweeps = sweep_texts
        .iter()
        .map(|t| Sweep::parse(t).map_err(|e| Failure::Config(format!("sweeps: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let plan = TunePlan::new(config, sweeps).map_err(|e| {
        Failure::Config(match e {
            TuneError::Sweep(e) => format!("sweeps: {e}"),
            other => format!("sweeps: {other}"),
        })
    })?;
    let files = collect_fixture_files(paths).map_err(|e| Failure::Data(e.to_string()))?;
    let fixtures = files
        .par_iter()
        .map(Fixture::from_path)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::Data(e.to_string()))?;
    let verdicts = (0..plan.cells(fixtures.len()))
        .into_par_iter()
        .map(|cell| {
            plan.judge_cell(cell, &fixtures).map_err(|e| {
                let file = files
                    .get(cell % fixtures.len().max(1))
                    .map(|f| f.display().to_string())
                    .unwrap_or_default();
                format!("{file}: {e}")
            })
        })
        .collect::<Result<Vec<Verdict>, _>>()
        .map_err(Failure::Data)?;
    let tune = plan.finish(&fixtures, &verdicts);
    serde_json::to_string(&tune).map_err(|e| Failure::Data(e.to_string()))
}

/// Sweeps config values over labelled fixtures: the JSON of `canary tune --format
/// json`. `jobs` threads (default: all cores).
#[pyfunction]
#[pyo3(signature = (config, paths, sweeps, jobs=None))]
fn tune(
    py: Python<'_>,
    config: &Bound<'_, NativeConfig>,
    paths: Vec<PathBuf>,
    sweeps: Vec<String>,
    jobs: Option<usize>,
) -> PyResult<String> {
    if jobs == Some(0) {
        return Err(data_error(py, "jobs must be at least 1"));
    }
    let config = &config.get().inner;
    let outcome = detached(py, || match jobs {
        Some(threads) => rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Failure::Data(format!("starting worker threads: {e}")))
            .and_then(|pool| pool.install(|| run_tune(config, &paths, &sweeps))),
        None => run_tune(config, &paths, &sweeps),
    })?;
    outcome.map_err(|f| match f {
        Failure::Config(m) => config_error(py, m),
        Failure::Data(m) => data_error(py, m),
    })
}

/// The self-contained HTML page of a result's JSON (judge, gate, replay, tune or
/// rollout); `fixture` adds a verdict's charts, `config` re-judges a replay's misjudged
/// fixtures.
#[pyfunction]
#[pyo3(signature = (result_json, fixture=None, config=None, title=None))]
fn report_html(
    py: Python<'_>,
    result_json: &str,
    fixture: Option<&Bound<'_, NativeFixture>>,
    config: Option<&Bound<'_, NativeConfig>>,
    title: Option<String>,
) -> PyResult<String> {
    let fixture = fixture.map(|f| &f.get().inner);
    let config = config.map(|c| &c.get().inner);
    detached(py, || {
        let document = Document::from_json_str(result_json)?;
        render(
            &document,
            &Options {
                title: title.as_deref(),
                fixture,
                config,
            },
        )
    })?
    .map_err(|e| data_error(py, e.to_string()))
}

/// Adds `tune` and `report_html` to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(tune, m)?)?;
    m.add_function(wrap_pyfunction!(report_html, m)?)?;
    Ok(())
}
