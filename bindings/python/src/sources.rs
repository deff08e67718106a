//! Live fetches: `gate` (fetch and judge) and `record` (fetch into a fixture), blocking
//! calls that run the async client on a private runtime with the GIL released.

// canary_sources::LiveError carries a whole SourceError (backend, metric, scope, cause);
// it only exists on the failure path.
#![allow(clippy::result_large_err)]

use crate::errors::{ErrorKind, data_error, detached, error};
use crate::judging::{NativeConfig, NativeFixture};
use canary_sources::{LiveError, LiveRequest, SecretRef};
use pyo3::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn live_error(py: Python<'_>, e: LiveError) -> PyErr {
    match e {
        LiveError::Judge(e) => data_error(py, e.to_string()),
        other => error(py, ErrorKind::Source, other.to_string()),
    }
}

/// A live request as the Python wrapper passes it: one dict, with every value already
/// normalised to strings by `_sources.py`.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct RequestArgs {
    source: Option<String>,
    url: Option<String>,
    start: String,
    end: String,
    step: Option<String>,
    baseline_scope: Option<String>,
    canary_scope: Option<String>,
    variables: BTreeMap<String, String>,
    auth_env: Option<String>,
    auth_file: Option<PathBuf>,
    credentials_env: BTreeMap<String, String>,
    credentials_file: BTreeMap<String, PathBuf>,
    options: BTreeMap<String, String>,
    timeout: Option<String>,
    retries: Option<u32>,
}

impl RequestArgs {
    fn into_request(self) -> LiveRequest {
        let credentials =
            canary_sources::named_credentials(self.credentials_env, self.credentials_file);
        LiveRequest {
            source: self.source,
            url: self.url,
            start: self.start,
            end: self.end,
            step: self.step,
            baseline_scope: self.baseline_scope,
            canary_scope: self.canary_scope,
            variables: self.variables,
            auth: self
                .auth_env
                .map(SecretRef::Env)
                .or(self.auth_file.map(SecretRef::File)),
            credentials,
            options: self.options,
            timeout: self.timeout,
            retries: self.retries,
        }
    }
}

/// Fetches a window and judges it: the verdict JSON of `canary gate --format json`.
#[pyfunction]
fn gate(
    py: Python<'_>,
    config: &Bound<'_, NativeConfig>,
    request: RequestArgs,
) -> PyResult<String> {
    let config = &config.get().inner;
    let req = request.into_request();
    detached(py, || {
        canary_sources::gate(config, &req, canary_sources::now()).map(|r| r.to_json())
    })?
    .map_err(|e| live_error(py, e))
}

/// Fetches a window into a fixture named `name`; with `output`, also writes it there
/// atomically.
#[pyfunction]
#[pyo3(signature = (config, request, name, output))]
fn record(
    py: Python<'_>,
    config: &Bound<'_, NativeConfig>,
    request: RequestArgs,
    name: String,
    output: Option<PathBuf>,
) -> PyResult<NativeFixture> {
    let config = &config.get().inner;
    let req = request.into_request();
    let fixture = detached(py, || {
        canary_sources::record(config, &req, canary_sources::now(), &name)
    })?
    .map_err(|e| live_error(py, e))?;
    if let Some(path) = output {
        let text = fixture.to_json_pretty();
        detached(py, || canary_sources::write_atomically(&path, &text))?.map_err(|e| {
            error(
                py,
                ErrorKind::Canary,
                format!("cannot write {}: {e}", path.display()),
            )
        })?;
    }
    Ok(NativeFixture { inner: fixture })
}

/// A fixture as JSON text (format version 1), as `canary record` writes it.
#[pyfunction]
fn fixture_to_json(fixture: &Bound<'_, NativeFixture>) -> String {
    fixture.get().inner.to_json_pretty()
}

/// Adds the live-fetch functions to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(gate, m)?)?;
    m.add_function(wrap_pyfunction!(record, m)?)?;
    m.add_function(wrap_pyfunction!(fixture_to_json, m)?)?;
    Ok(())
}
