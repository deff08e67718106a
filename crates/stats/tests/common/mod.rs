//! Helpers shared by the parity tests: reading R's JSON and comparing numbers.
#![allow(dead_code)]

use serde_json::Value;

/// Loads `tests/data/<name>.json` (regenerate with `tests/vectors/generate.sh`).
pub(crate) fn load_value(name: &str) -> Value {
    let path = format!("{}/tests/data/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Loads `tests/data/<name>.json`, an array of cases.
pub(crate) fn load(name: &str) -> Vec<Value> {
    match load_value(name) {
        Value::Array(cases) => cases,
        other => panic!("{name}.json: expected an array of cases, got {other}"),
    }
}

/// A number as jsonlite writes it: a JSON number, or "Inf" / "-Inf" / "NaN" / "NA".
pub(crate) fn num(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().expect("finite number"),
        Value::String(s) => match s.as_str() {
            "Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" | "NA" => f64::NAN,
            other => panic!("not a number: {other:?}"),
        },
        Value::Null => f64::NAN,
        other => panic!("not a number: {other}"),
    }
}

/// An array of numbers.
pub(crate) fn nums(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(num).collect()
}

/// Whether `got` is within `rel` relative error of `want` (or `abs` absolute error);
/// infinities and NaN must match exactly.
pub(crate) fn close(got: f64, want: f64, rel: f64, abs: f64) -> bool {
    if want.is_nan() {
        return got.is_nan();
    }
    if want.is_infinite() {
        return got == want;
    }
    (got - want).abs() <= abs.max(rel * want.abs())
}
