//! Prometheus (and compatible servers: Thanos, Mimir, VictoriaMetrics) over the HTTP API.
//!
//! | kind | request | what the query must return |
//! |---|---|---|
//! | continuous | `GET /api/v1/query_range` (start, end, step) | one series |
//! | counts | two range queries, `events` and `total` | one series each: the count per step |
//! | histogram | `GET /api/v1/query` at `end` | one series per `le`: cumulative counts over the window |
//!
//! ```yaml
//! query:
//!   prometheus: 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{version="${scope}"}[1m])))'
//! # counts: the events and requests of each step
//! query:
//!   prometheus:
//!     events: 'sum(increase(http_requests_total{code=~"5..", version="${scope}"}[${step}]))'
//!     total:  'sum(increase(http_requests_total{version="${scope}"}[${step}]))'
//! # histogram: the buckets' increase over the whole window
//! query:
//!   prometheus: 'sum by (le) (increase(http_request_duration_seconds_bucket{version="${scope}"}[${window}]))'
//! ```
//!
//! Mapping rules:
//! - Points land on the grid `start, start + step, …, end`; a step the series lacks is a
//!   missing value (so both sides always cover the same instants), `NaN` is missing, an
//!   infinite value is an error.
//! - Counts: `increase()` extrapolates, so counts are rounded to whole numbers; a step
//!   where a query has no value counts 0 (Prometheus returns nothing for `sum()` over no
//!   series, e.g. when no 5xx happened yet); no `total` series at all is no data.
//!   For exact counts use the difference of the counter,
//!   `sum(x) - sum(x offset ${step})`.
//! - Histograms: one series per `le`, a `+Inf` bucket required, several series with the
//!   same `le` are an error (aggregate with `sum by (le)`); counts rounded to whole
//!   numbers.
//! - More than one series where one is expected is an error naming the label sets
//!   (aggregate with `sum(...)`). The server's limit of 11,000 points per series is
//!   checked before sending.

use crate::error::{Cause, SourceError};
use crate::fetch::{SourceSettings, check_base_url};
use crate::http::HttpClient;
use crate::secret::Secret;
use crate::shape::{
    SeriesBackend, Snap, align, histogram_from_buckets, series_side, single_series,
};
use crate::source::{FetchRequest, MetricSource, SourceFuture, Window};
use canary_judge::{MetricKind, Point};
use canary_stats::Histogram;
use serde_json::{Map, Value};
use std::future::Future;

const NAME: &str = "prometheus";

/// Prometheus's cap on points per series in a range query.
pub const MAX_POINTS: u64 = 11_000;

/// A Prometheus server.
#[derive(Debug, Clone)]
pub struct Prometheus {
    base: reqwest::Url,
    http: HttpClient,
    token: Option<Secret>,
}

impl Prometheus {
    /// A client of the server at `settings.url`, sending `settings.auth` (when given) as
    /// a bearer token.
    ///
    /// # Errors
    /// [`Cause::Setup`]: no URL, an invalid one, or an HTTP client that cannot be built.
    pub fn new(settings: SourceSettings) -> Result<Self, SourceError> {
        settings.check_options(NAME, &[])?;
        let base = check_base_url(NAME, settings.url.as_deref())?;
        let http = HttpClient::new(settings.http).map_err(|c| SourceError::new(NAME, c))?;
        Ok(Self {
            base,
            http,
            token: settings.auth,
        })
    }

    fn endpoint(&self, path: &str) -> reqwest::Url {
        let mut url = self.base.clone();
        let joined = format!("{}{path}", url.path().trim_end_matches('/'));
        url.set_path(&joined);
        url
    }

    /// Runs one query and returns its series. `range`: a range query over the window;
    /// otherwise an instant query at the window's end.
    async fn query(&self, query: &str, window: Window, range: bool) -> Result<Vec<Series>, Cause> {
        let mut url = self.endpoint(if range {
            "/api/v1/query_range"
        } else {
            "/api/v1/query"
        });
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("query", query);
            if range {
                pairs.append_pair("start", &window.start.to_string());
                pairs.append_pair("end", &window.end.to_string());
                pairs.append_pair("step", &window.step.to_string());
            } else {
                pairs.append_pair("time", &window.end.to_string());
            }
        }
        let response = self
            .http
            .send(|client| {
                let request = client.get(url.clone());
                match &self.token {
                    Some(token) => request.bearer_auth(token.expose()),
                    None => request,
                }
            })
            .await?;
        parse_response(&response.json()?, range)
    }
}

impl SeriesBackend for Prometheus {
    type Series = Series;
    const QUERY: &'static str = "query";

    fn series(
        &self,
        query: &str,
        kind: MetricKind,
        window: Window,
    ) -> impl Future<Output = Result<Vec<Series>, Cause>> + Send {
        self.query(query, window, kind != MetricKind::Histogram)
    }

    fn single(series: Vec<Series>, what: &str) -> Result<Option<Series>, Cause> {
        single_series(
            series,
            what,
            Series::describe,
            "aggregate it, e.g. sum(...)",
        )
    }

    fn on_grid(series: &Series, window: Window) -> Result<Vec<Point>, Cause> {
        on_grid(series, window)
    }

    fn histogram(series: Vec<Series>) -> Result<Option<Histogram>, Cause> {
        histogram(series)
    }
}

impl MetricSource for Prometheus {
    fn name(&self) -> &'static str {
        NAME
    }

    fn fetch<'a>(&'a self, request: &'a FetchRequest<'a>) -> SourceFuture<'a> {
        Box::pin(async move {
            let points = request.window.seconds() / request.window.step + 1;
            if points > MAX_POINTS {
                return Err(request.error(
                    NAME,
                    None,
                    Cause::Window(format!(
                        "{points} points per series exceed Prometheus's limit of {MAX_POINTS}; use a larger step"
                    )),
                ));
            }
            request
                .both_sides(NAME, |scope| series_side(self, request, scope))
                .await
        })
    }
}

/// One series of a response: its labels and `(timestamp, value)` samples.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series {
    labels: Map<String, Value>,
    samples: Vec<(f64, String)>,
}

impl Series {
    fn describe(&self) -> String {
        let labels: Vec<String> = self
            .labels
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    v.as_str()
                        .map_or_else(|| v.to_string(), |s| format!("{s:?}"))
                )
            })
            .collect();
        format!("{{{}}}", labels.join(", "))
    }
}

/// Parses the documented response envelope:
/// `{"status": "success", "data": {"resultType": "matrix" | "vector", "result": [...]}}`.
fn parse_response(json: &Value, range: bool) -> Result<Vec<Series>, Cause> {
    let bad = |m: &str| Cause::Response(m.to_owned());
    let status = json.get("status").and_then(Value::as_str);
    if status == Some("error") {
        let kind = json
            .get("errorType")
            .and_then(Value::as_str)
            .unwrap_or("error");
        let message = json.get("error").and_then(Value::as_str).unwrap_or("");
        return Err(Cause::Api(format!("{kind}: {message}")));
    }
    if status != Some("success") {
        return Err(bad("expected \"status\": \"success\" or \"error\""));
    }
    let data = json.get("data").ok_or_else(|| bad("no \"data\""))?;
    let result_type = data
        .get("resultType")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no \"data.resultType\""))?;
    let sample = |v: &Value, at: &str| -> Result<(f64, String), Cause> {
        let pair = v
            .as_array()
            .filter(|p| p.len() == 2)
            .ok_or_else(|| bad(&format!("{at}: expected [timestamp, \"value\"]")))?;
        let t = pair[0]
            .as_f64()
            .ok_or_else(|| bad(&format!("{at}: the timestamp is not a number")))?;
        let v = pair[1]
            .as_str()
            .ok_or_else(|| bad(&format!("{at}: the value is not a string")))?;
        Ok((t, v.to_owned()))
    };
    let expected = if range { "matrix" } else { "vector" };
    if result_type == "scalar" && !range {
        let value = data
            .get("result")
            .ok_or_else(|| bad("no \"data.result\""))?;
        return Ok(vec![Series {
            labels: Map::new(),
            samples: vec![sample(value, "data.result")?],
        }]);
    }
    if result_type != expected {
        return Err(bad(&format!(
            "resultType {result_type:?} where a {expected} was expected"
        )));
    }
    let result = data
        .get("result")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no \"data.result\" array"))?;
    let mut out = Vec::with_capacity(result.len());
    for (i, item) in result.iter().enumerate() {
        let labels = item
            .get("metric")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let samples = if range {
            item.get("values")
                .and_then(Value::as_array)
                .ok_or_else(|| bad(&format!("data.result[{i}]: no \"values\" array")))?
                .iter()
                .enumerate()
                .map(|(j, v)| sample(v, &format!("data.result[{i}].values[{j}]")))
                .collect::<Result<Vec<_>, _>>()?
        } else {
            vec![sample(
                item.get("value")
                    .ok_or_else(|| bad(&format!("data.result[{i}]: no \"value\"")))?,
                &format!("data.result[{i}].value"),
            )?]
        };
        out.push(Series { labels, samples });
    }
    Ok(out)
}

/// The series' values on the window's grid (Prometheus evaluates exactly there).
fn on_grid(series: &Series, window: Window) -> Result<Vec<Point>, Cause> {
    let samples = series
        .samples
        .iter()
        .map(|(t, v)| parse_value(v, *t).map(|v| (*t, v)))
        .collect::<Result<Vec<_>, _>>()?;
    align(window, samples, Snap::Exact)
}

/// A sample value: Prometheus writes floats as strings (`"1.5"`, `"NaN"`, `"+Inf"`).
fn parse_value(v: &str, timestamp: f64) -> Result<f64, Cause> {
    v.parse()
        .map_err(|_| Cause::Data(format!("at {timestamp}: the value {v:?} is not a number")))
}

/// Buckets by `le` → a cumulative histogram.
fn histogram(series: Vec<Series>) -> Result<Option<Histogram>, Cause> {
    let mut buckets = Vec::with_capacity(series.len());
    for s in &series {
        let le = s.labels.get("le").and_then(Value::as_str).ok_or_else(|| {
            Cause::Data(format!(
                "the series {} has no le label; the query must return buckets, e.g. sum by (le) (...)",
                s.describe()
            ))
        })?;
        let bound: f64 = le
            .parse()
            .map_err(|_| Cause::Data(format!("le={le:?} is not a number")))?;
        let (t, v) = s
            .samples
            .last()
            .ok_or_else(|| Cause::Data(format!("the bucket le={le:?} has no value")))?;
        buckets.push((bound, parse_value(v, *t)?));
    }
    histogram_from_buckets(buckets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn series(labels: Value, samples: &[(f64, &str)]) -> Series {
        Series {
            labels: labels.as_object().cloned().unwrap_or_default(),
            samples: samples.iter().map(|(t, v)| (*t, (*v).to_owned())).collect(),
        }
    }

    #[test]
    fn grid_fills_missing_steps_and_nan_and_refuses_off_grid_samples() {
        let w = Window::new(100, 400, 100).unwrap();
        let s = series(json!({}), &[(100.0, "1.5"), (300.0, "NaN"), (400.0, "2")]);
        let grid: Vec<(i64, Option<f64>)> = on_grid(&s, w)
            .ok()
            .unwrap()
            .iter()
            .map(|p| (p.timestamp, p.value))
            .collect();
        assert_eq!(
            grid,
            vec![(100, Some(1.5)), (200, None), (300, None), (400, Some(2.0))]
        );
        let off = series(json!({}), &[(150.0, "1")]);
        assert!(
            matches!(on_grid(&off, w), Err(Cause::Data(m)) if m.contains("not on the step grid"))
        );
        let inf = series(json!({}), &[(100.0, "+Inf")]);
        assert!(matches!(on_grid(&inf, w), Err(Cause::Data(m)) if m.contains("the value is inf")));
    }

    #[test]
    fn histograms_need_le_and_inf_and_unique_bounds() {
        let b = |le: &str, v: &str| series(json!({"le": le}), &[(60.0, v)]);
        let h = histogram(vec![b("+Inf", "10"), b("0.1", "4"), b("0.5", "9.0001")])
            .ok()
            .unwrap()
            .unwrap();
        assert_eq!(h.cumulative_counts(), &[4.0, 9.0, 10.0]);
        assert!(
            matches!(histogram(vec![b("0.1", "4")]), Err(Cause::Data(m)) if m.contains("+Inf"))
        );
        assert!(
            matches!(histogram(vec![b("0.1", "4"), b("0.1", "5"), b("+Inf", "6")]), Err(Cause::Data(m)) if m.contains("several"))
        );
        let no_le = series(json!({"job": "x"}), &[(60.0, "1")]);
        assert!(matches!(histogram(vec![no_le]), Err(Cause::Data(m)) if m.contains("no le label")));
        assert!(
            matches!(histogram(vec![b("0.1", "5"), b("+Inf", "4")]), Err(Cause::Data(m)) if m.contains("cumulative"))
        );
        assert!(histogram(Vec::new()).ok().unwrap().is_none());
    }

    #[test]
    fn envelope_errors_are_reported() {
        let e = parse_response(
            &json!({"status": "error", "errorType": "bad_data", "error": "parse error"}),
            true,
        );
        assert_eq!(e, Err(Cause::Api("bad_data: parse error".into())));
        assert!(
            parse_response(
                &json!({"status": "success", "data": {"resultType": "vector", "result": []}}),
                true
            )
            .is_err()
        );
        assert!(parse_response(&json!([1, 2]), true).is_err());
    }
}
