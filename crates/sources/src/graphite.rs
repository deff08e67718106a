//! Graphite (graphite-web and compatible servers: carbonapi, Grafana Cloud Graphite)
//! through the render API with JSON output.
//!
//! Each query is one render `target` expression, sent as
//! `GET <url>/render?target=<rendered>&from=<start - 1>&until=<end>&format=json`.
//! `from` is one second before the window's start because Graphite's storage (whisper)
//! returns points strictly after `from`; `until` is inclusive. The answer is the
//! documented list `[{"target": "...", "tags": {...}, "datapoints": [[value, time], ...]}]`
//! (`tags` since graphite-web 1.1; a `null` value is a missing point).
//!
//! | kind | targets | what each must return |
//! |---|---|---|
//! | continuous | one | one series |
//! | counts | `events` and `total` | one series each: the count per step |
//! | histogram | one | one series per bucket; each bucket's count is its last non-null point |
//!
//! ```yaml
//! sources:
//!   graphite: {url: https://graphite.example}
//! metrics:
//!   - name: latency_ms
//!     query: {graphite: 'averageSeries(app.${scope}.*.latency_ms)'}
//!   - name: errors
//!     kind: counts
//!     query:
//!       graphite:
//!         events: 'summarize(sumSeries(app.${scope}.*.responses.5xx), "${step}", "sum", false)'
//!         total: 'summarize(sumSeries(app.${scope}.*.responses.*), "${step}", "sum", false)'
//!   - name: latency_seconds
//!     kind: histogram
//!     # tagged series: one series per le after grouping by it; integral() makes the
//!     # last point the count over the window
//!     query:
//!       graphite: >-
//!         integral(groupByTags(seriesByTag('name=latency_seconds_bucket', 'version=${scope}'), 'sum', 'le'))
//! ```
//!
//! Authentication: `auth` (e.g. `CANARY_GRAPHITE_TOKEN`), when given, is sent as
//! `Authorization: Bearer <auth>` (as Grafana Cloud's Graphite and most authenticating
//! proxies expect); graphite-web's render API needs none by default. No options.
//!
//! Mapping rules:
//! - Points are snapped to the window's grid `start, start + step, …, end` with
//!   [`Snap::Nearest`]: Graphite answers at its own resolution,
//!   aligned to multiples of the storage step, and each point lands on the nearest grid
//!   instant. A grid instant without a point, or with `null`, is a missing value; a
//!   resolution finer than the step (two points on one instant) is an error: summarize
//!   the target to the step, e.g. `summarize(x, "${step}", "avg", false)`.
//! - Counts: a step where a target has no value counts 0; no `total` series at all is
//!   no data. Counts are rounded to whole numbers.
//! - Histograms: each series is one bucket, its bound (`le`) read from the series'
//!   `tags.le` when it has one; otherwise from the target name: the whole name when it
//!   is a number (`alias(..., "0.25")`), else its last dot-separated node with an
//!   optional `le_` prefix and `_` as the decimal point (`latency.bucket.le_0_25` → 0.25,
//!   `le_inf` or `le_+Inf` → +Inf). A bucket's count is its last non-null point, so the
//!   target must end with the window's cumulative count (`integral()` of per-interval
//!   counts; a cumulative counter's last value minus its first needs
//!   `integral(nonNegativeDerivative(x))`). A `+Inf` bucket is required and counts must
//!   be cumulative. graphite-web returns every stored series over any window, `null`
//!   where it has nothing: buckets that all have no value are no data; only some without
//!   a value is an error.
//! - An empty list is empty data: the judge says `nodata`. Several series where one is
//!   expected is an error naming them (aggregate with `sumSeries`/`averageSeries`).
//!   graphite-web reports a bad target with HTTP 400 and a text body (1.1.8:
//!   `Invalid parameters (Received request for unknown function: …); targets: …`), which
//!   becomes the error.

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

const NAME: &str = "graphite";

/// A Graphite server's render API.
#[derive(Debug, Clone)]
pub struct Graphite {
    base: reqwest::Url,
    http: HttpClient,
    token: Option<Secret>,
}

impl Graphite {
    /// A client of the server at `settings.url`, sending `settings.auth` (when given) as
    /// a bearer token.
    ///
    /// # Errors
    /// [`Cause::Setup`]: no URL or an invalid one, any option or named credential (this
    /// backend takes none), or an HTTP client that cannot be built.
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

    /// Renders one target over the window and returns its series.
    async fn render(&self, target: &str, window: Window) -> Result<Vec<Series>, Cause> {
        let mut url = self.base.clone();
        let joined = format!("{}/render", url.path().trim_end_matches('/'));
        url.set_path(&joined);
        url.query_pairs_mut()
            .append_pair("target", target)
            .append_pair("from", &window.start.saturating_sub(1).to_string())
            .append_pair("until", &window.end.to_string())
            .append_pair("format", "json");
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
        parse_response(&response.json()?)
    }
}

impl SeriesBackend for Graphite {
    type Series = Series;
    const QUERY: &'static str = "target";

    fn series(
        &self,
        query: &str,
        _kind: MetricKind,
        window: Window,
    ) -> impl Future<Output = Result<Vec<Series>, Cause>> + Send {
        self.render(query, window)
    }

    fn single(series: Vec<Series>, what: &str) -> Result<Option<Series>, Cause> {
        single_series(
            series,
            what,
            |s| s.target.clone(),
            "aggregate them, e.g. sumSeries(...) or averageSeries(...)",
        )
    }

    fn on_grid(series: &Series, window: Window) -> Result<Vec<Point>, Cause> {
        on_grid(series, window)
    }

    fn histogram(series: Vec<Series>) -> Result<Option<Histogram>, Cause> {
        histogram(&series)
    }
}

impl MetricSource for Graphite {
    fn name(&self) -> &'static str {
        NAME
    }

    fn fetch<'a>(&'a self, request: &'a FetchRequest<'a>) -> SourceFuture<'a> {
        Box::pin(async move {
            request
                .both_sides(NAME, |scope| series_side(self, request, scope))
                .await
        })
    }
}

/// One series of a render answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series {
    target: String,
    tags: Map<String, Value>,
    /// `(time, value)`, `None` for `null`.
    points: Vec<(f64, Option<f64>)>,
}

/// Parses the documented JSON answer: a list of
/// `{"target": "...", "tags": {...}, "datapoints": [[value | null, time], ...]}`.
fn parse_response(json: &Value) -> Result<Vec<Series>, Cause> {
    let list = json.as_array().ok_or_else(|| {
        Cause::Response("expected a list of series ([{\"target\", \"datapoints\"}, …])".into())
    })?;
    list.iter()
        .enumerate()
        .map(|(i, item)| {
            let bad = |m: String| Cause::Response(format!("series [{i}]: {m}"));
            let target = item
                .get("target")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("no \"target\" string".into()))?
                .to_owned();
            let tags = match item.get("tags") {
                None | Some(Value::Null) => Map::new(),
                Some(Value::Object(t)) => t.clone(),
                Some(_) => return Err(bad("\"tags\" is not an object".into())),
            };
            let points = item
                .get("datapoints")
                .and_then(Value::as_array)
                .ok_or_else(|| bad("no \"datapoints\" array".into()))?
                .iter()
                .enumerate()
                .map(|(j, p)| {
                    let pair = p
                        .as_array()
                        .filter(|p| p.len() == 2)
                        .ok_or_else(|| bad(format!("datapoints[{j}] is not [value, time]")))?;
                    let t = pair[1]
                        .as_f64()
                        .ok_or_else(|| bad(format!("datapoints[{j}]: the time is not a number")))?;
                    let v = match &pair[0] {
                        Value::Null => None,
                        Value::Number(n) => n.as_f64(),
                        other => {
                            return Err(Cause::Data(format!(
                                "{target} at {t}: the value {other} is not a number"
                            )));
                        }
                    };
                    Ok((t, v))
                })
                .collect::<Result<_, Cause>>()?;
            Ok(Series {
                target,
                tags,
                points,
            })
        })
        .collect()
}

/// The one series a target must return: `None` for none, an error for several.
/// The series' points on the window's grid (`null` = missing).
fn on_grid(series: &Series, window: Window) -> Result<Vec<Point>, Cause> {
    align(
        window,
        series
            .points
            .iter()
            .map(|(t, v)| (*t, v.unwrap_or(f64::NAN))),
        Snap::Nearest,
    )
}

/// A bucket's bound: `tags.le`, else the target name (see the module docs).
fn bucket_bound(series: &Series) -> Result<f64, Cause> {
    if let Some(le) = series.tags.get("le") {
        let text = le.as_str().map_or_else(|| le.to_string(), str::to_owned);
        return parse_bound(&text).ok_or_else(|| {
            Cause::Data(format!(
                "{}: the tag le={text:?} is not a number",
                series.target
            ))
        });
    }
    let name = series.target.trim();
    if let Some(bound) = parse_bound(name) {
        return Ok(bound);
    }
    let node = name.rsplit('.').next().unwrap_or(name);
    let node = node
        .strip_prefix("le_")
        .or_else(|| node.strip_prefix("le-"))
        .unwrap_or(node);
    parse_bound(&node.replace('_', ".")).ok_or_else(|| {
        Cause::Data(format!(
            "cannot tell the bucket bound of the series {name:?}: it has no le tag and neither its name nor its last node (le_0_25 = 0.25, le_inf) is a number; tag the buckets with le or alias() each to its bound"
        ))
    })
}

fn parse_bound(text: &str) -> Option<f64> {
    let bound: f64 = text.trim().parse().ok()?;
    (!bound.is_nan() && bound != f64::NEG_INFINITY).then_some(bound)
}

/// One series per bucket, each counted by its last non-null point. Buckets that all
/// have no value in the window are no data (graphite-web returns every stored series
/// over any window, `null` where it has nothing); some with and some without values
/// are an error.
fn histogram(series: &[Series]) -> Result<Option<Histogram>, Cause> {
    let last = |s: &Series| s.points.iter().rev().find_map(|(_, v)| *v);
    if series.iter().all(|s| last(s).is_none()) {
        return Ok(None);
    }
    let mut buckets = Vec::with_capacity(series.len());
    for s in series {
        let bound = bucket_bound(s)?;
        let count = last(s).ok_or_else(|| {
            Cause::Data(format!(
                "the bucket {} (le={bound}) has no value in the window while others have",
                s.target
            ))
        })?;
        buckets.push((bound, count));
    }
    histogram_from_buckets(buckets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn series(target: &str, tags: Value, points: Value) -> Series {
        parse_response(&json!([{"target": target, "tags": tags, "datapoints": points}]))
            .unwrap()
            .remove(0)
    }

    #[test]
    fn bucket_bounds_come_from_the_le_tag_or_the_name() {
        let b = |target: &str, tags: Value| bucket_bound(&series(target, tags, json!([])));
        assert_eq!(b("x", json!({"le": "0.25"})), Ok(0.25));
        assert_eq!(b("x", json!({"le": "+Inf"})), Ok(f64::INFINITY));
        assert_eq!(b("0.5", json!({})), Ok(0.5));
        assert_eq!(b("app.latency.le_0_25", json!({})), Ok(0.25));
        assert_eq!(b("app.latency.le_inf", json!({})), Ok(f64::INFINITY));
        assert_eq!(
            b("app.latency.10", json!({"name": "app.latency.10"})),
            Ok(10.0)
        );
        assert!(b("app.latency.fast", json!({})).is_err());
        assert!(b("x", json!({"le": "nan"})).is_err());
    }

    #[test]
    fn a_bucket_counts_its_last_value() {
        let h = histogram(&[
            series("le_0_1", json!({}), json!([[1, 60], [4, 120], [null, 180]])),
            series("le_inf", json!({}), json!([[2, 60], [10, 120]])),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(h.cumulative_counts(), &[4.0, 10.0]);
        // Every bucket without a value in the window (graphite-web's answer for a window
        // before the data): no data. Only some: an error naming the bucket.
        let empty = histogram(&[
            series("le_0_1", json!({}), json!([[null, 60], [null, 120]])),
            series("le_inf", json!({}), json!([[null, 60], [null, 120]])),
        ]);
        assert_eq!(empty, Ok(None));
        let e = histogram(&[
            series("le_0_1", json!({}), json!([[null, 60]])),
            series("le_inf", json!({}), json!([[3, 60]])),
        ])
        .unwrap_err();
        assert!(
            e.to_string().contains("le_0_1 (le=0.1) has no value"),
            "{e}"
        );
        assert!(histogram(&[]).unwrap().is_none());
    }

    #[test]
    fn answers_must_be_documented_lists() {
        assert!(parse_response(&json!({"error": "x"})).is_err());
        assert!(parse_response(&json!([{"target": "a"}])).is_err());
        assert!(parse_response(&json!([{"target": "a", "datapoints": [[1]]}])).is_err());
        let e = parse_response(&json!([{"target": "a", "datapoints": [["x", 60]]}])).unwrap_err();
        assert!(matches!(e, Cause::Data(_)), "{e}");
        assert_eq!(parse_response(&json!([])), Ok(Vec::new()));
    }

    proptest::proptest! {
        /// Cumulative buckets named any of the supported ways (`tags.le`, `alias()` to
        /// the bound, a `le_0_25` node), in any order, give the same histogram.
        #[test]
        fn buckets_named_any_way_in_any_order_give_one_histogram(
            increments in proptest::collection::vec(0u32..1000, 1..12),
            naming in proptest::collection::vec(0u8..3, 12),
            rotate in 0usize..12,
        ) {
            // Bounds 0.25, 0.5, 0.75, …; the last bucket is +Inf.
            let mut running = 0u64;
            let mut list = Vec::new();
            for (i, inc) in increments.iter().enumerate() {
                running += u64::from(*inc);
                let last = i + 1 == increments.len();
                let (tag, alias, node) = if last {
                    ("+Inf".to_owned(), "+Inf".to_owned(), "le_inf".to_owned())
                } else {
                    let quarters = i + 1;
                    let bound = quarters as f64 / 4.0;
                    (bound.to_string(), bound.to_string(), format!("le_{}", bound.to_string().replace('.', "_")))
                };
                let item = match naming[i] {
                    0 => json!({"target": "x", "tags": {"le": tag}, "datapoints": [[running, 60]]}),
                    1 => json!({"target": alias, "datapoints": [[running, 60]]}),
                    _ => json!({"target": format!("app.bucket.{node}"), "datapoints": [[running, 60]]}),
                };
                list.push(item);
            }
            let n = list.len();
            list.rotate_left(rotate % n);
            let h = histogram(&parse_response(&Value::Array(list)).unwrap()).unwrap().unwrap();
            let expected: Vec<f64> = increments
                .iter()
                .scan(0u64, |sum, inc| { *sum += u64::from(*inc); Some(*sum as f64) })
                .collect();
            proptest::prop_assert_eq!(h.cumulative_counts(), expected.as_slice());
            proptest::prop_assert_eq!(h.upper_bounds().len(), increments.len());
            proptest::prop_assert_eq!(h.upper_bounds().last().copied(), Some(f64::INFINITY));
        }
    }
}
