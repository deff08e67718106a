//! Raising the package's exceptions, and keeping Rust panics from reaching Python as
//! anything but a `CanaryError`.
//!
//! The exception classes live in `canary_judge/_errors.py` (so that `ConfigError` and
//! `DataError` can subclass both `CanaryError` and `ValueError`); they are looked up here
//! by name when an error is raised.

use pyo3::prelude::*;
use pyo3::types::PyType;
use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The exception classes of `canary_judge`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ErrorKind {
    /// `CanaryError`: the base class; also used for internal errors (caught panics).
    Canary,
    /// `ConfigError`: a config that cannot be read or is invalid.
    Config,
    /// `DataError`: input data (samples, fixtures) that cannot be used.
    Data,
    /// `SourceError`: a metric source failed (live fetches).
    Source,
}

impl ErrorKind {
    fn class_name(self) -> &'static str {
        match self {
            ErrorKind::Canary => "CanaryError",
            ErrorKind::Config => "ConfigError",
            ErrorKind::Data => "DataError",
            ErrorKind::Source => "SourceError",
        }
    }
}

/// A Python exception of the given kind with `message`.
pub(crate) fn error(py: Python<'_>, kind: ErrorKind, message: impl Into<String>) -> PyErr {
    let class = py
        .import("canary_judge._errors")
        .and_then(|module| module.getattr(kind.class_name()))
        .and_then(|class| class.cast_into::<PyType>().map_err(PyErr::from));
    match class {
        Ok(class) => PyErr::from_type(class, message.into()),
        Err(import_error) => import_error,
    }
}

/// A `DataError`.
pub(crate) fn data_error(py: Python<'_>, message: impl Into<String>) -> PyErr {
    error(py, ErrorKind::Data, message)
}

/// A `ConfigError`.
pub(crate) fn config_error(py: Python<'_>, message: impl Into<String>) -> PyErr {
    error(py, ErrorKind::Config, message)
}

/// Runs `work` with the GIL released, turning a panic into a `CanaryError`.
///
/// pyo3 would turn an escaping panic into `pyo3_runtime.PanicException`, a
/// `BaseException` that `except Exception` does not catch; a bug in the library must
/// instead surface as an ordinary, catchable `CanaryError`.
pub(crate) fn detached<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    py.detach(|| catch_unwind(AssertUnwindSafe(work)))
        .map_err(|payload| error(py, ErrorKind::Canary, panic_message(payload.as_ref())))
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".to_owned());
    format!("internal error in canary_judge (a bug; please report it): {detail}")
}
