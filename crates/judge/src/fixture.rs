//! Fixtures: recorded canary runs (format version 1), from JSON or a CSV long format.

use crate::data::{CountPoint, MetricData, Point, Sides};
use crate::error::FixtureError;
use crate::verdict::Verdict;
use canary_stats::Histogram;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A recorded canary run: metric data for one window, optionally labelled with the
/// verdict it should get.
///
/// ```
/// use canary_judge::{Fixture, MetricData};
///
/// let f = Fixture::from_json_str(r#"{"version": 1, "name": "tiny", "expected": "promote",
///   "metrics": {"latency_ms": {"baseline": [[0, 1.5], [60, null]], "canary": [[0, 1.4], [60, 1.6]]}}}"#,
/// ).unwrap();
/// assert_eq!(f.name, "tiny");
/// assert!(matches!(f.metrics["latency_ms"], MetricData::Continuous(_)));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Fixture {
    /// A short name.
    pub name: String,
    /// What happened in this run.
    pub description: Option<String>,
    /// The verdict this run should get, when labelled.
    pub expected: Option<Verdict>,
    /// Data by metric name.
    pub metrics: BTreeMap<String, MetricData>,
}

impl Fixture {
    /// Reads a fixture file: JSON (format version 1), or CSV long format when the name
    /// ends in `.csv` (see [`Fixture::from_csv_str`]).
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, FixtureError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| FixtureError {
            file: file.clone(),
            path: String::new(),
            message: format!("cannot read: {e}"),
        })?;
        let result = if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            let name = path.file_stem().map(|s| s.to_string_lossy().into_owned());
            Self::from_csv_str(&text, name.as_deref().unwrap_or("csv"))
        } else {
            Self::from_json_str(&text)
        };
        result.map_err(|e| e.in_file(&file))
    }

    /// Parses a fixture from JSON text (format version 1).
    pub fn from_json_str(text: &str) -> Result<Self, FixtureError> {
        if text.trim().is_empty() {
            return Err(FixtureError::at("", "the fixture is empty"));
        }
        let value: Value = serde_json::from_str(text)
            .map_err(|e| FixtureError::at("", format!("malformed JSON: {e}")))?;
        Self::from_json_value(&value)
    }

    /// Builds a fixture from parsed JSON.
    pub fn from_json_value(value: &Value) -> Result<Self, FixtureError> {
        let top = value
            .as_object()
            .ok_or_else(|| FixtureError::at("", "expected a JSON object"))?;
        for key in top.keys() {
            if !["version", "name", "description", "expected", "metrics"].contains(&key.as_str()) {
                return Err(FixtureError::at(
                    key,
                    "unknown key; expected version, name, description, expected, metrics",
                ));
            }
        }
        match top.get("version") {
            Some(v) if v.as_u64() == Some(1) => {}
            Some(v) => return Err(FixtureError::at("version", format!("expected 1, got {v}"))),
            None => return Err(FixtureError::at("version", "missing; expected 1")),
        }
        let name = match top.get("name") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                return Err(FixtureError::at(
                    "name",
                    format!("expected a string, got {other}"),
                ));
            }
            None => return Err(FixtureError::at("name", "missing")),
        };
        let description = match top.get("description") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                return Err(FixtureError::at(
                    "description",
                    format!("expected a string, got {other}"),
                ));
            }
        };
        let expected = match top.get("expected") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(
                s.parse::<Verdict>()
                    .map_err(|e| FixtureError::at("expected", e.to_string()))?,
            ),
            Some(other) => {
                return Err(FixtureError::at(
                    "expected",
                    format!("expected promote, hold or rollback, got {other}"),
                ));
            }
        };
        let metrics_value = top
            .get("metrics")
            .ok_or_else(|| FixtureError::at("metrics", "missing"))?;
        let metrics_map = metrics_value.as_object().ok_or_else(|| {
            FixtureError::at("metrics", "expected an object of metric name to data")
        })?;
        let mut metrics = BTreeMap::new();
        for (metric, entry) in metrics_map {
            let path = format!("metrics.{metric}");
            metrics.insert(metric.clone(), parse_metric(&path, entry)?);
        }
        Ok(Fixture {
            name,
            description,
            expected,
            metrics,
        })
    }

    /// Parses continuous data in CSV long format: a header `timestamp,metric,side,value`,
    /// then one row per point (`side` is `baseline` or `canary`; an empty value, `NaN` or
    /// `null` is missing). Rows may come in any order; each side is sorted by time.
    ///
    /// ```
    /// let csv = "timestamp,metric,side,value\n0,cpu,baseline,0.5\n0,cpu,canary,0.6\n60,cpu,canary,\n";
    /// let f = canary_judge::Fixture::from_csv_str(csv, "cpu-run").unwrap();
    /// assert_eq!(f.metrics.len(), 1);
    /// ```
    pub fn from_csv_str(text: &str, name: &str) -> Result<Self, FixtureError> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let (_, header) = lines
            .next()
            .ok_or_else(|| FixtureError::at("", "the CSV file is empty"))?;
        let columns: Vec<&str> = header.split(',').map(str::trim).collect();
        if columns != ["timestamp", "metric", "side", "value"] {
            return Err(FixtureError::at(
                "line 1",
                format!("expected the header timestamp,metric,side,value, got {header:?}"),
            ));
        }
        let mut series: BTreeMap<String, Sides<Vec<Point>>> = BTreeMap::new();
        for (index, line) in lines {
            let at = format!("line {}", index + 1);
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let [timestamp, metric, side, value] = fields[..] else {
                return Err(FixtureError::at(
                    &at,
                    format!("expected 4 fields, got {}", fields.len()),
                ));
            };
            let timestamp: i64 = timestamp.parse().map_err(|_| {
                FixtureError::at(
                    &at,
                    format!("timestamp {timestamp:?} is not whole unix seconds"),
                )
            })?;
            if metric.is_empty() {
                return Err(FixtureError::at(&at, "empty metric name"));
            }
            let value = match value {
                "" | "NaN" | "nan" | "null" | "NA" => None,
                v => {
                    let parsed: f64 = v.parse().map_err(|_| {
                        FixtureError::at(&at, format!("value {v:?} is not a number"))
                    })?;
                    if parsed.is_infinite() {
                        return Err(FixtureError::at(&at, format!("value {v:?} is infinite")));
                    }
                    Some(parsed)
                }
            };
            let entry = series.entry(metric.to_owned()).or_insert_with(|| Sides {
                baseline: Vec::new(),
                canary: Vec::new(),
            });
            let points = match side {
                "baseline" => &mut entry.baseline,
                "canary" => &mut entry.canary,
                other => {
                    return Err(FixtureError::at(
                        &at,
                        format!("side {other:?}: expected baseline or canary"),
                    ));
                }
            };
            points.push(Point { timestamp, value });
        }
        let mut metrics = BTreeMap::new();
        for (metric, mut sides) in series {
            sides.baseline.sort_by_key(|p| p.timestamp);
            sides.canary.sort_by_key(|p| p.timestamp);
            let path = format!("metrics.{metric}");
            check_timestamps(
                &path,
                "baseline",
                sides.baseline.iter().map(|p| p.timestamp),
            )?;
            check_timestamps(&path, "canary", sides.canary.iter().map(|p| p.timestamp))?;
            metrics.insert(metric, MetricData::Continuous(sides));
        }
        Ok(Fixture {
            name: name.to_owned(),
            description: None,
            expected: None,
            metrics,
        })
    }
}

/// The fixture files named by `paths`, as `canary replay` reads them: files as given,
/// and each folder's `*.json` and `*.csv` files sorted by name (not recursive).
///
/// # Errors
/// A path that does not exist, an unreadable folder, or no fixture at all.
pub fn collect_fixture_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, FixtureError> {
    let mut files = Vec::new();
    for path in paths {
        let file = path.display().to_string();
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|e| FixtureError {
                file: file.clone(),
                path: String::new(),
                message: format!("cannot read the folder: {e}"),
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && is_fixture_file(p))
                .collect();
            found.sort();
            files.extend(found);
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            return Err(FixtureError::at("", "no such file or folder").in_file(&file));
        }
    }
    if files.is_empty() {
        return Err(FixtureError::at(
            "",
            "no fixtures (*.json, *.csv) found in the given paths",
        ));
    }
    Ok(files)
}

fn is_fixture_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("csv"))
}

fn parse_metric(path: &str, entry: &Value) -> Result<MetricData, FixtureError> {
    let object = entry
        .as_object()
        .ok_or_else(|| FixtureError::at(path, "expected an object with baseline and canary"))?;
    for key in object.keys() {
        if !["kind", "baseline", "canary"].contains(&key.as_str()) {
            return Err(FixtureError::at(
                &format!("{path}.{key}"),
                "unknown key; expected kind, baseline, canary",
            ));
        }
    }
    let kind = match object.get("kind") {
        None | Some(Value::Null) => "continuous",
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(FixtureError::at(
                &format!("{path}.kind"),
                format!("expected a string, got {other}"),
            ));
        }
    };
    let side = |name: &str| -> Result<&Value, FixtureError> {
        object.get(name).ok_or_else(|| {
            FixtureError::at(
                &format!("{path}.{name}"),
                "missing (use [] or null for no data)",
            )
        })
    };
    let (baseline, canary) = (side("baseline")?, side("canary")?);
    match kind {
        "continuous" => {
            let b = parse_points(&format!("{path}.baseline"), baseline)?;
            let c = parse_points(&format!("{path}.canary"), canary)?;
            check_aligned(
                path,
                b.iter().map(|p| p.timestamp),
                c.iter().map(|p| p.timestamp),
            )?;
            Ok(MetricData::Continuous(Sides {
                baseline: b,
                canary: c,
            }))
        }
        "counts" => {
            let b = parse_counts(&format!("{path}.baseline"), baseline)?;
            let c = parse_counts(&format!("{path}.canary"), canary)?;
            check_aligned(
                path,
                b.iter().map(|p| p.timestamp),
                c.iter().map(|p| p.timestamp),
            )?;
            Ok(MetricData::Counts(Sides {
                baseline: b,
                canary: c,
            }))
        }
        "histogram" => Ok(MetricData::Histogram(Sides {
            baseline: parse_histogram(&format!("{path}.baseline"), baseline)?,
            canary: parse_histogram(&format!("{path}.canary"), canary)?,
        })),
        other => Err(FixtureError::at(
            &format!("{path}.kind"),
            format!("unknown kind {other:?}: expected continuous, counts or histogram"),
        )),
    }
}

fn array<'v>(path: &str, value: &'v Value) -> Result<&'v [Value], FixtureError> {
    match value {
        Value::Null => Ok(&[]),
        Value::Array(items) => Ok(items),
        other => Err(FixtureError::at(
            path,
            format!("expected an array, got {}", type_name(other)),
        )),
    }
}

fn timestamp(path: &str, value: &Value) -> Result<i64, FixtureError> {
    value
        .as_i64()
        .ok_or_else(|| FixtureError::at(path, format!("expected whole unix seconds, got {value}")))
}

fn parse_points(path: &str, value: &Value) -> Result<Vec<Point>, FixtureError> {
    let items = array(path, value)?;
    let mut points = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let pair = item.as_array().filter(|a| a.len() == 2).ok_or_else(|| {
            FixtureError::at(&at, format!("expected [unix_seconds, value], got {item}"))
        })?;
        let value = match &pair[1] {
            Value::Null => None,
            Value::Number(n) => Some(n.as_f64().unwrap_or(f64::NAN)),
            other => {
                return Err(FixtureError::at(
                    &format!("{at}[1]"),
                    format!("expected a number or null, got {other}"),
                ));
            }
        };
        points.push(Point {
            timestamp: timestamp(&format!("{at}[0]"), &pair[0])?,
            value,
        });
    }
    check_timestamps(path, "", points.iter().map(|p| p.timestamp))?;
    Ok(points)
}

fn whole_non_negative(path: &str, value: &Value, what: &str) -> Result<f64, FixtureError> {
    let number = value.as_f64().ok_or_else(|| {
        FixtureError::at(path, format!("expected a number of {what}, got {value}"))
    })?;
    if number.is_nan() || number < 0.0 || number.fract() != 0.0 || !number.is_finite() {
        return Err(FixtureError::at(
            path,
            format!("{what} must be a non-negative whole number, got {number}"),
        ));
    }
    Ok(number)
}

fn parse_counts(path: &str, value: &Value) -> Result<Vec<CountPoint>, FixtureError> {
    let items = array(path, value)?;
    let mut points = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let triple = item.as_array().filter(|a| a.len() == 3).ok_or_else(|| {
            FixtureError::at(
                &at,
                format!("expected [unix_seconds, events, total], got {item}"),
            )
        })?;
        let events = whole_non_negative(&format!("{at}[1]"), &triple[1], "events")?;
        let total = whole_non_negative(&format!("{at}[2]"), &triple[2], "total")?;
        if events > total {
            return Err(FixtureError::at(
                &at,
                format!("{events} events out of a total of {total}"),
            ));
        }
        points.push(CountPoint {
            timestamp: timestamp(&format!("{at}[0]"), &triple[0])?,
            events,
            total,
        });
    }
    check_timestamps(path, "", points.iter().map(|p| p.timestamp))?;
    Ok(points)
}

fn parse_histogram(path: &str, value: &Value) -> Result<Option<Histogram>, FixtureError> {
    let object: &Map<String, Value> = match value {
        Value::Null => return Ok(None),
        Value::Object(o) => o,
        other => {
            return Err(FixtureError::at(
                path,
                format!(
                    "expected {{\"le\": [...], \"counts\": [...]}}, got {}",
                    type_name(other)
                ),
            ));
        }
    };
    for key in object.keys() {
        if key != "le" && key != "counts" {
            return Err(FixtureError::at(
                &format!("{path}.{key}"),
                "unknown key; expected le, counts",
            ));
        }
    }
    let le = object
        .get("le")
        .and_then(Value::as_array)
        .ok_or_else(|| FixtureError::at(&format!("{path}.le"), "missing or not an array"))?;
    let bounds = le
        .iter()
        .enumerate()
        .map(|(i, b)| match b {
            Value::Number(n) => n
                .as_f64()
                .ok_or_else(|| FixtureError::at(&format!("{path}.le[{i}]"), "not a number")),
            Value::String(s) if s == "+Inf" || s == "Inf" || s == "inf" => Ok(f64::INFINITY),
            other => Err(FixtureError::at(
                &format!("{path}.le[{i}]"),
                format!("expected a number or \"+Inf\", got {other}"),
            )),
        })
        .collect::<Result<Vec<f64>, _>>()?;
    let counts_value = object
        .get("counts")
        .ok_or_else(|| FixtureError::at(&format!("{path}.counts"), "missing"))?;
    let counts = array(&format!("{path}.counts"), counts_value)?
        .iter()
        .enumerate()
        .map(|(i, c)| whole_non_negative(&format!("{path}.counts[{i}]"), c, "observations"))
        .collect::<Result<Vec<f64>, _>>()?;
    Histogram::new(bounds, counts)
        .map(Some)
        .map_err(|e| FixtureError::at(path, e.to_string()))
}

/// Timestamps within one side must increase strictly.
fn check_timestamps(
    path: &str,
    side: &str,
    timestamps: impl Iterator<Item = i64>,
) -> Result<(), FixtureError> {
    let mut previous: Option<i64> = None;
    for (i, t) in timestamps.enumerate() {
        if previous.is_some_and(|p| t <= p) {
            let at = if side.is_empty() {
                format!("{path}[{i}]")
            } else {
                format!("{path}.{side}[{i}]")
            };
            return Err(FixtureError::at(
                &at,
                format!(
                    "timestamp {t} does not come after {}",
                    previous.unwrap_or_default()
                ),
            ));
        }
        previous = Some(t);
    }
    Ok(())
}

/// Baseline and canary cover the same intervals: when both have points, their
/// timestamps must be the same.
fn check_aligned(
    path: &str,
    baseline: impl ExactSizeIterator<Item = i64>,
    canary: impl ExactSizeIterator<Item = i64>,
) -> Result<(), FixtureError> {
    if baseline.len() == 0 || canary.len() == 0 {
        return Ok(());
    }
    let (nb, nc) = (baseline.len(), canary.len());
    for (i, (b, c)) in baseline.zip(canary).enumerate() {
        if b != c {
            return Err(FixtureError::at(
                &format!("{path}.canary[{i}]"),
                format!("timestamp {c} does not match the baseline's {b} (mismatched timestamps)"),
            ));
        }
    }
    if nb != nc {
        return Err(FixtureError::at(
            path,
            format!(
                "baseline has {nb} points and canary {nc}; both sides must cover the same intervals"
            ),
        ));
    }
    Ok(())
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
