//! Writing fixtures (format version 1) as JSON: what `canary record` saves.

use crate::data::MetricData;
use crate::fixture::Fixture;
use canary_stats::Histogram;
use serde_json::{Map, Value, json};

impl Fixture {
    /// The fixture as a JSON value (format version 1). Missing values are `null`, counts
    /// are whole numbers, histograms `{"le": [..., "+Inf"], "counts": [...]}` (a side
    /// without a histogram is `null`). [`Fixture::from_json_value`] reads it back to an
    /// equal fixture.
    ///
    /// ```
    /// use canary_judge::Fixture;
    ///
    /// let text = r#"{"version": 1, "name": "t", "metrics": {"errors": {"kind": "counts",
    ///     "baseline": [[0, 1, 100]], "canary": [[0, 2, 90]]}}}"#;
    /// let f = Fixture::from_json_str(text).unwrap();
    /// assert_eq!(Fixture::from_json_str(&f.to_json_pretty()).unwrap(), f);
    /// ```
    pub fn to_json_value(&self) -> Value {
        let mut top = Map::new();
        top.insert("version".into(), json!(1));
        top.insert("name".into(), json!(self.name));
        if let Some(d) = &self.description {
            top.insert("description".into(), json!(d));
        }
        if let Some(e) = self.expected {
            top.insert("expected".into(), json!(e.as_str()));
        }
        let metrics: Map<String, Value> = self
            .metrics
            .iter()
            .map(|(name, data)| (name.clone(), metric_value(data)))
            .collect();
        top.insert("metrics".into(), Value::Object(metrics));
        Value::Object(top)
    }

    /// The fixture as JSON text: indented, keys in the format's order (`version`,
    /// `name`, `description`, `expected`, `metrics`; per metric `kind`, `baseline`,
    /// `canary`), one line per side; deterministic.
    pub fn to_json_pretty(&self) -> String {
        let mut lines = vec![
            "  \"version\": 1".to_owned(),
            format!("  \"name\": {}", json!(self.name)),
        ];
        if let Some(d) = &self.description {
            lines.push(format!("  \"description\": {}", json!(d)));
        }
        if let Some(e) = self.expected {
            lines.push(format!("  \"expected\": {}", json!(e.as_str())));
        }
        let metrics: Vec<String> = self
            .metrics
            .iter()
            .map(|(name, data)| {
                let v = metric_value(data);
                let field = |key: &str| spaced(v.get(key).unwrap_or(&Value::Null));
                format!(
                    "    {}: {{\n      \"kind\": {},\n      \"baseline\": {},\n      \"canary\": {}\n    }}",
                    json!(name),
                    field("kind"),
                    field("baseline"),
                    field("canary")
                )
            })
            .collect();
        lines.push(if metrics.is_empty() {
            "  \"metrics\": {}".to_owned()
        } else {
            format!("  \"metrics\": {{\n{}\n  }}", metrics.join(",\n"))
        });
        format!("{{\n{}\n}}\n", lines.join(",\n"))
    }
}

/// Compact JSON with a space after each comma and colon: `[[0, 1.5], [60, null]]`.
fn spaced(value: &Value) -> String {
    match value {
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(spaced).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(map) => {
            // Histograms read best as bounds, then counts.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by_key(|(k, _)| (k.as_str() != "le", k.as_str() != "counts"));
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", json!(k), spaced(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        other => other.to_string(),
    }
}

fn number(v: f64) -> Value {
    // Whole numbers print without a fraction (counts, timestamps in buckets).
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

fn metric_value(data: &MetricData) -> Value {
    match data {
        MetricData::Continuous(s) => {
            let side = |points: &[crate::Point]| -> Value {
                Value::Array(
                    points
                        .iter()
                        .map(|p| json!([p.timestamp, p.value.filter(|v| v.is_finite())]))
                        .collect(),
                )
            };
            json!({"kind": "continuous", "baseline": side(&s.baseline), "canary": side(&s.canary)})
        }
        MetricData::Counts(s) => {
            let side = |points: &[crate::CountPoint]| -> Value {
                Value::Array(
                    points
                        .iter()
                        .map(|p| json!([p.timestamp, number(p.events), number(p.total)]))
                        .collect(),
                )
            };
            json!({"kind": "counts", "baseline": side(&s.baseline), "canary": side(&s.canary)})
        }
        MetricData::Histogram(s) => {
            let side = |h: &Option<Histogram>| -> Value {
                match h {
                    None => Value::Null,
                    Some(h) => {
                        let le: Vec<Value> = h
                            .upper_bounds()
                            .iter()
                            .map(|b| {
                                if *b == f64::INFINITY {
                                    json!("+Inf")
                                } else {
                                    json!(b)
                                }
                            })
                            .collect();
                        let counts: Vec<Value> =
                            h.cumulative_counts().iter().map(|c| number(*c)).collect();
                        json!({"le": le, "counts": counts})
                    }
                }
            };
            json!({"kind": "histogram", "baseline": side(&s.baseline), "canary": side(&s.canary)})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_fixture_round_trips_exactly() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let files = crate::collect_fixture_files(&[dir]).unwrap();
        assert!(files.len() >= 38);
        for path in files {
            let f = Fixture::from_path(&path).unwrap();
            let text = f.to_json_pretty();
            let back = Fixture::from_json_str(&text).unwrap();
            assert_eq!(back, f, "{}", path.display());
            assert_eq!(back.to_json_pretty(), text);
        }
    }
}
