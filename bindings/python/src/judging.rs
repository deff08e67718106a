//! The judge: parsed configs and fixtures as opaque Python objects, `judge` and `replay`
//! returning the CLI's JSON text.

use crate::errors::{config_error, data_error, detached};
use crate::input::sample;
use canary_judge::{
    Config, ConfigFormat, CountPoint, Error, Fixture, FixtureError, MetricData, Point, Replay,
    ReplayResult, Report, Sides, Verdict, collect_fixture_files, judge as judge_fixture,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::collections::BTreeMap;
use std::path::PathBuf;

type Any<'py> = Bound<'py, PyAny>;
/// `(baseline_timestamps, baseline_events, baseline_totals, canary_timestamps,
/// canary_events, canary_totals)`.
type CountsArgs<'py> = (Any<'py>, Any<'py>, Any<'py>, Any<'py>, Any<'py>, Any<'py>);

/// A checked analysis config.
#[pyclass(frozen, name = "NativeConfig", module = "canary_judge._native")]
pub(crate) struct NativeConfig {
    pub(crate) inner: Config,
}

#[pymethods]
impl NativeConfig {
    /// Reads a config file (YAML, JSON or TOML by extension; YAML otherwise).
    #[staticmethod]
    fn from_path(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        detached(py, || Config::from_path(&path))?
            .map(|inner| NativeConfig { inner })
            .map_err(|e| config_error(py, e.to_string()))
    }

    /// Parses config text in `format` (`yaml`, `json` or `toml`).
    #[staticmethod]
    fn from_str(py: Python<'_>, text: &str, format: &str) -> PyResult<Self> {
        let format = match format.to_ascii_lowercase().as_str() {
            "yaml" | "yml" => ConfigFormat::Yaml,
            "json" => ConfigFormat::Json,
            "toml" => ConfigFormat::Toml,
            other => {
                return Err(config_error(
                    py,
                    format!("unknown config format {other:?}; expected yaml, json or toml"),
                ));
            }
        };
        detached(py, || Config::from_str_as(text, format))?
            .map(|inner| NativeConfig { inner })
            .map_err(|e| config_error(py, e.to_string()))
    }

    /// The config as JSON text (every default filled in).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(|e| config_error(py, e.to_string()))
    }

    /// The configured metrics' names, in order.
    #[getter]
    fn metric_names(&self) -> Vec<String> {
        self.inner.metrics.iter().map(|m| m.name.clone()).collect()
    }
}

/// A recorded canary run.
#[pyclass(frozen, name = "NativeFixture", module = "canary_judge._native")]
pub(crate) struct NativeFixture {
    pub(crate) inner: Fixture,
}

fn fixture_error(py: Python<'_>, error: &FixtureError) -> PyErr {
    data_error(py, error.to_string())
}

#[pymethods]
impl NativeFixture {
    /// Reads a fixture file (JSON, or CSV long format when it ends in `.csv`).
    #[staticmethod]
    fn from_path(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        detached(py, || Fixture::from_path(&path))?
            .map(|inner| NativeFixture { inner })
            .map_err(|e| fixture_error(py, &e))
    }

    /// Parses fixture JSON text.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        detached(py, || Fixture::from_json_str(text))?
            .map(|inner| NativeFixture { inner })
            .map_err(|e| fixture_error(py, &e))
    }

    /// Parses CSV long format text (`timestamp,metric,side,value`).
    #[staticmethod]
    fn from_csv(py: Python<'_>, text: &str, name: &str) -> PyResult<Self> {
        detached(py, || Fixture::from_csv_str(text, name))?
            .map(|inner| NativeFixture { inner })
            .map_err(|e| fixture_error(py, &e))
    }

    /// Builds a fixture from arrays. `continuous` maps a metric to
    /// `(baseline_timestamps, baseline_values, canary_timestamps, canary_values)` (NaN =
    /// missing); `counts` to `(baseline_timestamps, baseline_events, baseline_totals,
    /// canary_timestamps, canary_events, canary_totals)`.
    #[staticmethod]
    #[pyo3(signature = (name, description, expected, continuous, counts))]
    fn from_arrays(
        py: Python<'_>,
        name: String,
        description: Option<String>,
        expected: Option<String>,
        continuous: &Bound<'_, PyDict>,
        counts: &Bound<'_, PyDict>,
    ) -> PyResult<Self> {
        let expected = expected
            .map(|e| e.parse::<Verdict>())
            .transpose()
            .map_err(|e| data_error(py, format!("expected: {e}")))?;
        let mut metrics = BTreeMap::new();
        for (key, value) in continuous.iter() {
            let metric: String = key.extract()?;
            let (tb, vb, tc, vc): (Any<'_>, Any<'_>, Any<'_>, Any<'_>) = value.extract()?;
            let at = format!("metrics.{metric}");
            let baseline = points(py, &format!("{at}.baseline"), &tb, &vb)?;
            let canary = points(py, &format!("{at}.canary"), &tc, &vc)?;
            metrics.insert(metric, MetricData::Continuous(Sides { baseline, canary }));
        }
        for (key, value) in counts.iter() {
            let metric: String = key.extract()?;
            let (tb, eb, nb, tc, ec, nc): CountsArgs<'_> = value.extract()?;
            if metrics.contains_key(&metric) {
                return Err(data_error(
                    py,
                    format!("metric {metric:?} is given both as continuous and as counts"),
                ));
            }
            let at = format!("metrics.{metric}");
            let baseline = count_points(py, &format!("{at}.baseline"), &tb, &eb, &nb)?;
            let canary = count_points(py, &format!("{at}.canary"), &tc, &ec, &nc)?;
            metrics.insert(metric, MetricData::Counts(Sides { baseline, canary }));
        }
        Ok(NativeFixture {
            inner: Fixture {
                name,
                description,
                expected,
                metrics,
            },
        })
    }

    /// The fixture's name.
    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }

    /// Its description.
    #[getter]
    fn description(&self) -> Option<String> {
        self.inner.description.clone()
    }

    /// Its label (`promote`, `hold`, `rollback`), if any.
    #[getter]
    fn expected(&self) -> Option<&'static str> {
        self.inner.expected.map(Verdict::as_str)
    }

    /// Metric name to kind (`continuous`, `counts`, `histogram`).
    #[getter]
    fn metric_kinds(&self) -> BTreeMap<String, &'static str> {
        self.inner
            .metrics
            .iter()
            .map(|(name, data)| (name.clone(), data.kind().as_str()))
            .collect()
    }
}

/// Timestamps: whole unix seconds, strictly increasing.
fn timestamps(py: Python<'_>, at: &str, obj: &Bound<'_, PyAny>) -> PyResult<Vec<i64>> {
    let values = sample(obj, &format!("{at} timestamps"))?;
    let mut out = Vec::with_capacity(values.as_slice().len());
    for (i, &t) in values.as_slice().iter().enumerate() {
        // Whole seconds that fit an i64 exactly (|t| < 2^53 keeps every f64 exact).
        if !(t.is_finite() && t.fract() == 0.0 && t.abs() < 9.007_199_254_740_992e15) {
            return Err(data_error(
                py,
                format!("{at}[{i}]: timestamp {t} is not whole unix seconds"),
            ));
        }
        #[allow(clippy::cast_possible_truncation)]
        let t = t as i64;
        if let Some(&previous) = out.last()
            && t <= previous
        {
            return Err(data_error(
                py,
                format!("{at}[{i}]: timestamp {t} does not come after {previous}"),
            ));
        }
        out.push(t);
    }
    Ok(out)
}

fn same_length(py: Python<'_>, at: &str, what: &str, expected: usize, got: usize) -> PyResult<()> {
    if expected == got {
        Ok(())
    } else {
        Err(data_error(
            py,
            format!("{at}: {expected} timestamps but {got} {what}"),
        ))
    }
}

fn points(
    py: Python<'_>,
    at: &str,
    times: &Bound<'_, PyAny>,
    values: &Bound<'_, PyAny>,
) -> PyResult<Vec<Point>> {
    let times = timestamps(py, at, times)?;
    let values = sample(values, at)?;
    let values = values.as_slice();
    same_length(py, at, "values", times.len(), values.len())?;
    let mut out = Vec::with_capacity(times.len());
    for (i, (&timestamp, &value)) in times.iter().zip(values).enumerate() {
        if value.is_infinite() {
            return Err(data_error(
                py,
                format!("{at}[{i}]: value {value} is infinite (NaN marks a missing value)"),
            ));
        }
        out.push(Point {
            timestamp,
            value: (!value.is_nan()).then_some(value),
        });
    }
    Ok(out)
}

fn count_points(
    py: Python<'_>,
    at: &str,
    times: &Bound<'_, PyAny>,
    events: &Bound<'_, PyAny>,
    totals: &Bound<'_, PyAny>,
) -> PyResult<Vec<CountPoint>> {
    let times = timestamps(py, at, times)?;
    let events = sample(events, &format!("{at} events"))?;
    let totals = sample(totals, &format!("{at} totals"))?;
    let (events, totals) = (events.as_slice(), totals.as_slice());
    same_length(py, at, "events", times.len(), events.len())?;
    same_length(py, at, "totals", times.len(), totals.len())?;
    let whole = |x: f64| x.is_finite() && x >= 0.0 && x.fract() == 0.0;
    let mut out = Vec::with_capacity(times.len());
    for (i, ((&timestamp, &events), &total)) in times.iter().zip(events).zip(totals).enumerate() {
        if !whole(events) || !whole(total) {
            return Err(data_error(
                py,
                format!(
                    "{at}[{i}]: events and total must be non-negative whole numbers, got {events} and {total}"
                ),
            ));
        }
        if events > total {
            return Err(data_error(
                py,
                format!("{at}[{i}]: {events} events out of a total of {total}"),
            ));
        }
        out.push(CountPoint {
            timestamp,
            events,
            total,
        });
    }
    Ok(out)
}

/// Judges a fixture with a config: the verdict JSON, byte for byte what
/// `canary judge --format json` prints.
#[pyfunction]
fn judge(
    py: Python<'_>,
    config: &Bound<'_, NativeConfig>,
    fixture: &Bound<'_, NativeFixture>,
) -> PyResult<String> {
    let (config, fixture) = (&config.get().inner, &fixture.get().inner);
    detached(py, || judge_fixture(config, fixture).map(|r| r.to_json()))?
        .map_err(|e| data_error(py, e.to_string()))
}

/// Parses verdict JSON and writes it back in the canonical form (checks the schema).
#[pyfunction]
fn normalize_report(py: Python<'_>, text: &str) -> PyResult<String> {
    serde_json::from_str::<Report>(text)
        .map(|r| r.to_json())
        .map_err(|e| data_error(py, format!("not a verdict: {e}")))
}

fn replay_files(config: &Config, paths: &[PathBuf]) -> Result<String, String> {
    let files = collect_fixture_files(paths).map_err(|e| e.to_string())?;
    let mut results = Vec::with_capacity(files.len());
    let mut errors = Vec::new();
    for path in &files {
        match ReplayResult::judge_file(config, path) {
            Ok(result) => results.push(result),
            Err(Error::Judge(e)) => errors.push(format!("{}: {e}", path.display())),
            Err(e) => errors.push(e.to_string()),
        }
    }
    if !errors.is_empty() {
        return Err(format!(
            "{} fixture(s) could not be judged:\n{}",
            errors.len(),
            errors.join("\n")
        ));
    }
    serde_json::to_string(&Replay::new(results)).map_err(|e| e.to_string())
}

/// Judges fixture files and folders: the replay JSON of `canary replay --format json`.
#[pyfunction]
fn replay(
    py: Python<'_>,
    config: &Bound<'_, NativeConfig>,
    paths: Vec<PathBuf>,
) -> PyResult<String> {
    let config = &config.get().inner;
    detached(py, || replay_files(config, &paths))?.map_err(|e| data_error(py, e))
}

/// Adds the judge's classes and functions to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeConfig>()?;
    m.add_class::<NativeFixture>()?;
    m.add_function(wrap_pyfunction!(judge, m)?)?;
    m.add_function(wrap_pyfunction!(replay, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_report, m)?)?;
    Ok(())
}
