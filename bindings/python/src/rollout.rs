//! Rollouts from Python: plans, the engine (a mutable object whose state round-trips
//! through JSON) and the simulator, exchanging JSON text with the Python wrappers in
//! `canary_judge/_rollout.py`.

use crate::errors::{ErrorKind, config_error, data_error, detached, error};
use crate::judging::NativeFixture;
use canary_judge::ConfigFormat;
use canary_judge::rollout::{Observation, Rollout, RolloutError, RolloutPlan};
use canary_judge::simulate::{
    Scenario, SimulationError, SimulationOptions, simulate as run_simulation,
};
use pyo3::prelude::*;
use std::path::PathBuf;

fn rollout_error(py: Python<'_>, e: RolloutError) -> PyErr {
    match e {
        RolloutError::Plan(e) => config_error(py, e.to_string()),
        RolloutError::Data { .. } | RolloutError::State(_) => data_error(py, e.to_string()),
        RolloutError::NotProgressing { .. } => error(py, ErrorKind::Canary, e.to_string()),
    }
}

fn json_error(py: Python<'_>, e: &serde_json::Error) -> PyErr {
    error(py, ErrorKind::Canary, e.to_string())
}

/// A checked rollout plan (its analysis config inlined).
#[pyclass(frozen, name = "NativePlan", module = "canary_judge._native")]
pub(crate) struct NativePlan {
    inner: RolloutPlan,
}

#[pymethods]
impl NativePlan {
    /// Reads a plan file (YAML, JSON or TOML by extension); an `analysis` path is read
    /// relative to it.
    #[staticmethod]
    fn from_path(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        detached(py, || RolloutPlan::from_path(&path))?
            .map(|inner| NativePlan { inner })
            .map_err(|e| config_error(py, e.to_string()))
    }

    /// Parses plan text in `format` (`yaml`, `json` or `toml`).
    #[staticmethod]
    fn from_str(py: Python<'_>, text: &str, format: &str) -> PyResult<Self> {
        let format = match format.to_ascii_lowercase().as_str() {
            "yaml" | "yml" => ConfigFormat::Yaml,
            "json" => ConfigFormat::Json,
            "toml" => ConfigFormat::Toml,
            other => {
                return Err(config_error(
                    py,
                    format!("unknown plan format {other:?}; expected yaml, json or toml"),
                ));
            }
        };
        detached(py, || RolloutPlan::from_str_as(text, format))?
            .map(|inner| NativePlan { inner })
            .map_err(|e| config_error(py, e.to_string()))
    }

    /// The plan as JSON text (every default filled in, the analysis inline).
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The plan's display name.
    #[getter]
    fn name(&self) -> String {
        self.inner.display_name().to_owned()
    }
}

/// A rollout in progress.
#[pyclass(name = "NativeRollout", module = "canary_judge._native")]
pub(crate) struct NativeRollout {
    inner: Rollout,
}

#[pymethods]
impl NativeRollout {
    /// Starts a rollout of a plan at step 1.
    #[staticmethod]
    fn start(py: Python<'_>, plan: &Bound<'_, NativePlan>) -> PyResult<Self> {
        let plan = plan.get().inner.clone();
        Rollout::new(plan)
            .map(|inner| NativeRollout { inner })
            .map_err(|e| rollout_error(py, e))
    }

    /// Restores a rollout saved with `to_json`.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        detached(py, || Rollout::from_json(text))?
            .map(|inner| NativeRollout { inner })
            .map_err(|e| rollout_error(py, e))
    }

    /// Feeds one observation; returns the decision as JSON.
    #[pyo3(signature = (fixture, duration_seconds, source))]
    fn observe(
        &mut self,
        py: Python<'_>,
        fixture: &Bound<'_, NativeFixture>,
        duration_seconds: Option<f64>,
        source: Option<String>,
    ) -> PyResult<String> {
        let observation = Observation {
            metrics: fixture.get().inner.metrics.clone(),
            duration_seconds,
            source,
        };
        let rollout = &mut self.inner;
        let decision =
            detached(py, || rollout.observe(observation))?.map_err(|e| rollout_error(py, e))?;
        serde_json::to_string(&decision).map_err(|e| json_error(py, &e))
    }

    /// Resumes a paused rollout.
    fn resume(&mut self, py: Python<'_>) -> PyResult<()> {
        self.inner.resume().map_err(|e| rollout_error(py, e))
    }

    /// Aborts the rollout; returns the rollback decision as JSON.
    fn abort(&mut self, py: Python<'_>, reason: &str) -> PyResult<String> {
        let decision = self.inner.abort(reason).map_err(|e| rollout_error(py, e))?;
        serde_json::to_string(&decision).map_err(|e| json_error(py, &e))
    }

    /// The state (status, step, counts, history) as JSON.
    fn state_json(&self, py: Python<'_>) -> PyResult<String> {
        serde_json::to_string(self.inner.state()).map_err(|e| json_error(py, &e))
    }

    /// The rollout so far as `canary rollout --format json` prints it.
    fn output_json(&self) -> String {
        self.inner.output().to_json()
    }

    /// The plan as JSON.
    fn plan_json(&self) -> String {
        self.inner.plan().to_json()
    }

    /// The whole rollout (plan, state, data) as JSON, for `from_json`.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }
}

/// Runs synthetic rollouts; returns the `canary simulate --format json` text.
#[pyfunction]
#[pyo3(signature = (plan, scenario, runs, seed, compare_naive, requests_per_step,
                    baseline_error_rate, interval_seconds, default_step_seconds,
                    latency_median_seconds, latency_sigma, max_observations_per_step))]
#[allow(clippy::too_many_arguments)]
fn simulate(
    py: Python<'_>,
    plan: &Bound<'_, NativePlan>,
    scenario: &str,
    runs: u32,
    seed: u64,
    compare_naive: bool,
    requests_per_step: u64,
    baseline_error_rate: f64,
    interval_seconds: u64,
    default_step_seconds: u64,
    latency_median_seconds: f64,
    latency_sigma: f64,
    max_observations_per_step: u32,
) -> PyResult<String> {
    let scenario: Scenario = scenario
        .parse()
        .map_err(|e: canary_judge::simulate::InvalidScenario| data_error(py, e.to_string()))?;
    let options = SimulationOptions {
        runs,
        seed,
        requests_per_step,
        interval_seconds,
        default_step_seconds,
        baseline_error_rate,
        latency_median_seconds,
        latency_sigma,
        max_observations_per_step,
        compare_naive,
    };
    let plan = &plan.get().inner;
    let report =
        detached(py, || run_simulation(plan, scenario, &options))?.map_err(|e| match e {
            SimulationError::Options(m) => data_error(py, m),
            SimulationError::Rollout(e) => rollout_error(py, e),
        })?;
    Ok(report.to_json())
}

/// Adds the rollout classes and functions to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativePlan>()?;
    m.add_class::<NativeRollout>()?;
    m.add_function(wrap_pyfunction!(simulate, m)?)?;
    Ok(())
}
