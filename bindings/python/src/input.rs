//! Reading numeric samples from Python: numpy arrays (borrowed without copying when they
//! are contiguous float64), anything `numpy.asarray` accepts otherwise (lists, tuples,
//! pandas Series, integer or float32 arrays), converted to float64.

use crate::errors::data_error;
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;

/// A one-dimensional float64 sample: a read-only view of a numpy array's memory, or a
/// copy when the data was not contiguous float64.
pub(crate) enum Sample<'py> {
    /// Borrowed, zero-copy (checked contiguous when created).
    View(PyReadonlyArray1<'py, f64>),
    /// Copied.
    Owned(Vec<f64>),
}

impl Sample<'_> {
    /// The values.
    pub(crate) fn as_slice(&self) -> &[f64] {
        match self {
            // `View` is only built for contiguous arrays, whose `as_slice` succeeds.
            Sample::View(view) => view.as_slice().unwrap_or(&[]),
            Sample::Owned(values) => values,
        }
    }
}

/// Reads `obj` as a one-dimensional sample of numbers; `name` names the argument in
/// error messages. Raises `DataError` for anything that is not a 1-D array of real
/// numbers (strings, nested sequences of another shape, 2-D arrays, complex numbers).
pub(crate) fn sample<'py>(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Sample<'py>> {
    let array = match obj.cast::<PyArray1<f64>>() {
        Ok(array) => array.clone(),
        Err(_) => as_float64_array(obj, name)?,
    };
    match array.try_readonly() {
        Ok(view) if view.as_slice().is_ok() => Ok(Sample::View(view)),
        Ok(view) => Ok(Sample::Owned(view.as_array().iter().copied().collect())),
        // Mutably borrowed by other Rust code: copy through numpy instead.
        Err(_) => Ok(Sample::Owned(
            array
                .call_method0("copy")?
                .cast_into::<PyArray1<f64>>()
                .map_err(PyErr::from)?
                .to_vec()
                .map_err(|e| data_error(obj.py(), format!("{name}: {e}")))?,
        )),
    }
}

fn as_float64_array<'py>(
    obj: &Bound<'py, PyAny>,
    name: &str,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let py = obj.py();
    let array = py
        .import("numpy")?
        .call_method1("asarray", (obj,))
        .map_err(|e| {
            data_error(
                py,
                format!("{name} cannot be read as a one-dimensional array of numbers: {e}"),
            )
        })?;
    let untyped = array.cast::<PyUntypedArray>().map_err(PyErr::from)?;
    if untyped.ndim() != 1 {
        let shape = array.getattr("shape")?.str()?;
        return Err(data_error(
            py,
            format!("{name} must be one-dimensional, got an array of shape {shape}"),
        ));
    }
    let kind = untyped.dtype().getattr("kind")?.extract::<String>()?;
    // b: bool, i: signed, u: unsigned, f: floating; O: Python objects (e.g. a list of
    // Decimals or of numbers and None, which astype turns into NaN).
    if !matches!(kind.as_str(), "b" | "i" | "u" | "f" | "O") {
        let dtype = array.getattr("dtype")?.str()?;
        return Err(data_error(
            py,
            format!("{name} must hold real numbers, got dtype {dtype}"),
        ));
    }
    array
        .call_method1("astype", ("float64",))
        .map_err(|e| data_error(py, format!("{name} must hold real numbers: {e}")))?
        .cast_into::<PyArray1<f64>>()
        .map_err(PyErr::from)
}
