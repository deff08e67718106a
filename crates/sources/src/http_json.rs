//! The generic HTTP JSON source (backend `http`): any API that answers JSON, queried by a
//! URL template and read with RFC 9535 JSONPath expressions (`serde_json_path`).
//!
//! **Request.** Per query and side: `GET` (or `POST` with a JSON `body`) of the query's
//! `url`, relative to the source's URL (`--url http://metrics.internal:8080` +
//! `/api/series?…`) or absolute on the same scheme, host and port (so the credential is
//! never sent to another host). `${…}` values are percent-encoded when they are put into
//! the URL, and JSON-escaped in a string `body`; a `body` given as a map or list has its
//! string values rendered and is sent as JSON. With `auth`, the request carries
//! `Authorization: Bearer <token>`, or `<auth_header>: <token>` with the option
//! `auth_header` (e.g. `--option auth_header=X-API-Key`).
//!
//! **Queries.** `query.http` is, per query:
//!
//! | key | meaning |
//! |---|---|
//! | `url` | the URL template (required) |
//! | `method` | `GET` (default) or `POST` |
//! | `body` | the `POST` body: a JSON template string, or a map/list |
//! | `points` | JSONPath selecting the points of the series (continuous, counts) |
//! | `time`, `value` | JSONPath of the time and the value, relative to each point (`$` is the point) |
//! | `time_unit` | how times are written: `s` (unix seconds, the default), `ms` or `rfc3339` |
//! | `error` | optional JSONPath of an error the API reports in a 2xx body (`$.error`): when it selects a value other than `null`, `false` or `""`, the fetch fails with it |
//! | `buckets` | JSONPath selecting the histogram's buckets (histogram) |
//! | `le`, `count` | JSONPath of a bucket's upper bound and its cumulative count, relative to each bucket |
//!
//! ```yaml
//! metrics:
//!   - name: latency_ms            # {"data": [{"t": 1763719200, "v": 12.5}, …]}
//!     query:
//!       http: {url: "/api/series?app=${scope}&from=${start}&to=${end}&step=${step_seconds}",
//!              points: "$.data[*]", time: "$.t", value: "$.v"}
//!   - name: errors                # events and total per step
//!     kind: counts
//!     query:
//!       http:
//!         events: {url: "/api/count?app=${scope}&code=5xx&from=${start}&to=${end}",
//!                  points: "$.series[*]", time: "$[0]", value: "$[1]", time_unit: ms}
//!         total:  {url: "/api/count?app=${scope}&from=${start}&to=${end}",
//!                  points: "$.series[*]", time: "$[0]", value: "$[1]", time_unit: ms}
//!   - name: latency_seconds       # {"buckets": [{"le": "0.1", "count": 40}, …, {"le": "+Inf", "count": 50}]}
//!     kind: histogram
//!     query:
//!       http: {url: /api/histogram, method: POST,
//!              body: {app: "${scope}", from: "${start}", to: "${end}"},
//!              buckets: "$.buckets[*]", le: "$.le", count: "$.count"}
//! ```
//!
//! The queries are checked before any request: a JSONPath that does not parse is a
//! [`Cause::Query`] naming the metric, the key and the expression.
//!
//! **Mapping.** Times snap to the nearest instant of the window's grid
//! ([`Snap::Nearest`]; two points on one instant are an error). A value is a JSON
//! number or a string holding one (`"1.5"`, `"NaN"`); `null` is a missing value; anything
//! else is a [`Cause::Data`] naming the JSONPath and the point. A `time` or `value` path
//! must select exactly one node per point. No points (or no buckets) at all is no data
//! (the judge says `nodata`). Counts: a step a query lacks counts 0, counts are rounded to
//! whole numbers; histograms need a `+Inf` bucket (`le` a number or a string such as
//! `"+Inf"`), one per bound, cumulative counts.

use crate::error::{Cause, SourceError};
use crate::fetch::{SourceSettings, check_base_url};
use crate::http::HttpClient;
use crate::secret::Secret;
use crate::shape::{SideData, Snap, align, histogram_from_buckets, pair_counts};
use crate::source::{FetchRequest, MetricQuery, MetricSource, SourceFuture, Window};
use crate::template::render_template;
use canary_judge::{MetricKind, Point};
use canary_stats::Histogram;
use serde_json::{Map, Value};
use serde_json_path::JsonPath;
use std::collections::BTreeMap;

const NAME: &str = "http";

/// A generic JSON-over-HTTP metrics API.
#[derive(Debug, Clone)]
pub struct HttpJson {
    base: reqwest::Url,
    http: HttpClient,
    token: Option<Secret>,
    /// The header carrying the token raw; `None` for `Authorization: Bearer`.
    auth_header: Option<reqwest::header::HeaderName>,
}

impl HttpJson {
    /// A client of the API at `settings.url`.
    ///
    /// # Errors
    /// [`Cause::Setup`]: no URL or an invalid one, an unknown option, an invalid
    /// `auth_header`, credentials it does not read.
    pub fn new(settings: SourceSettings) -> Result<Self, SourceError> {
        let setup = |m: String| SourceError::new(NAME, Cause::Setup(m));
        settings.check_options(NAME, &["auth_header"])?;
        let auth_header = match settings.options.get("auth_header").map(|h| h.trim()) {
            None => None,
            Some(h) if h.eq_ignore_ascii_case("authorization") => None,
            Some(h) => Some(
                reqwest::header::HeaderName::from_bytes(h.as_bytes())
                    .map_err(|_| setup(format!("auth_header: {h:?} is not a header name")))?,
            ),
        };
        let base = check_base_url(NAME, settings.url.as_deref())?;
        let http = HttpClient::new(settings.http).map_err(|c| SourceError::new(NAME, c))?;
        Ok(Self {
            base,
            http,
            token: settings.auth,
            auth_header,
        })
    }

    /// The absolute URL of a rendered `url`: relative ones are appended to the base URL;
    /// absolute ones must be on the base URL's scheme, host and port.
    fn resolve(&self, url: &str) -> Result<reqwest::Url, Cause> {
        let lower = url.to_ascii_lowercase();
        let parsed = if lower.starts_with("http://") || lower.starts_with("https://") {
            let parsed = reqwest::Url::parse(url)
                .map_err(|e| Cause::Query(format!("url: invalid URL ({e})")))?;
            let same = parsed.scheme() == self.base.scheme()
                && parsed.host_str() == self.base.host_str()
                && parsed.port_or_known_default() == self.base.port_or_known_default();
            if !same {
                return Err(Cause::Query(format!(
                    "url: an absolute URL must be on the source's scheme, host and port ({}://{}), so the credential is never sent elsewhere",
                    self.base.scheme(),
                    self.base.host_str().unwrap_or_default()
                )));
            }
            parsed
        } else {
            let base = self.base.as_str().trim_end_matches('/');
            let sep = if url.starts_with('/') { "" } else { "/" };
            reqwest::Url::parse(&format!("{base}{sep}{url}"))
                .map_err(|e| Cause::Query(format!("url: invalid URL ({e})")))?
        };
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Cause::Query(
                "url: the URL must not hold credentials; give them as auth".into(),
            ));
        }
        Ok(parsed)
    }

    async fn get(&self, spec: &RequestSpec, request: &Rendered) -> Result<Value, Cause> {
        let url = self.resolve(&request.url)?;
        let response = self
            .http
            .send(|client| {
                let mut builder = match &request.body {
                    None => client.get(url.clone()),
                    Some(body) => client
                        .post(url.clone())
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(body.clone()),
                };
                builder = builder.header(reqwest::header::ACCEPT, "application/json");
                match (&self.token, &self.auth_header) {
                    (Some(token), None) => builder.bearer_auth(token.expose()),
                    (Some(token), Some(name)) => builder.header(name.clone(), token.expose()),
                    (None, _) => builder,
                }
            })
            .await?;
        let json = response.json()?;
        if let Some(path) = &spec.error {
            let reported: Vec<&Value> = path
                .path
                .query(&json)
                .all()
                .into_iter()
                .filter(|v| {
                    !matches!(v, Value::Null | Value::Bool(false)) && v.as_str() != Some("")
                })
                .collect();
            if let Some(first) = reported.first() {
                let text = first.as_str().map_or_else(|| brief(first), str::to_owned);
                return Err(Cause::Api(text));
            }
        }
        Ok(json)
    }

    async fn series(
        &self,
        q: &SeriesQuery,
        rendered: &Rendered,
        window: Window,
    ) -> Result<Option<Vec<Point>>, Cause> {
        let json = self.get(&q.request, rendered).await?;
        let points = q.points.path.query(&json).all();
        if points.is_empty() {
            return Ok(None);
        }
        let mut samples = Vec::with_capacity(points.len());
        for (i, point) in points.iter().enumerate() {
            let t = one(&q.time, point, i, "point")?;
            let v = one(&q.value, point, i, "point")?;
            let t = q.time_unit.seconds(t, &q.time.text, i)?;
            let v = match v {
                Value::Null => f64::NAN,
                other => number(other).ok_or_else(|| {
                    Cause::Data(format!(
                        "point {i}: the value at {} is not a number: {other}",
                        q.value.text
                    ))
                })?,
            };
            samples.push((t, v));
        }
        align(window, samples, Snap::Nearest).map(Some)
    }

    async fn histogram(
        &self,
        q: &BucketQuery,
        rendered: &Rendered,
    ) -> Result<Option<Histogram>, Cause> {
        let json = self.get(&q.request, rendered).await?;
        let nodes = q.buckets.path.query(&json).all();
        let mut buckets = Vec::with_capacity(nodes.len());
        for (i, node) in nodes.iter().enumerate() {
            let le = one(&q.le, node, i, "bucket")?;
            let count = one(&q.count, node, i, "bucket")?;
            let le = number(le).ok_or_else(|| {
                Cause::Data(format!(
                    "bucket {i}: the bound at {} is not a number: {le}",
                    q.le.text
                ))
            })?;
            let count = number(count).ok_or_else(|| {
                Cause::Data(format!(
                    "bucket {i}: the count at {} is not a number: {count}",
                    q.count.text
                ))
            })?;
            buckets.push((le, count));
        }
        histogram_from_buckets(buckets)
    }

    async fn fetch_side(
        &self,
        request: &FetchRequest<'_>,
        parsed: &MetricQuery<HttpQuery>,
        scope: &str,
    ) -> Result<SideData, Cause> {
        let vars = request.variables_for(scope)?;
        let rendered = parsed.try_map(|key, q| q.request().render(key, &vars))?;
        let window = request.window;
        match (parsed, rendered) {
            (MetricQuery::Continuous(HttpQuery::Series(q)), MetricQuery::Continuous(r)) => {
                let points = self.series(q, &r, window).await?;
                Ok(SideData::Continuous(points.unwrap_or_default()))
            }
            (
                MetricQuery::Counts {
                    events: HttpQuery::Series(eq),
                    total: HttpQuery::Series(tq),
                },
                MetricQuery::Counts {
                    events: er,
                    total: tr,
                },
            ) => {
                let (events, total) = futures_util::future::join(
                    self.series(eq, &er, window),
                    self.series(tq, &tr, window),
                )
                .await;
                let counts = pair_counts(events?, total?)?;
                Ok(SideData::Counts(counts))
            }
            (MetricQuery::Histogram(HttpQuery::Buckets(q)), MetricQuery::Histogram(r)) => {
                Ok(SideData::Histogram(self.histogram(q, &r).await?))
            }
            _ => Err(Cause::Query(
                "the query's shape does not fit the metric's kind".into(),
            )),
        }
    }
}

impl MetricSource for HttpJson {
    fn name(&self) -> &'static str {
        NAME
    }

    fn fetch<'a>(&'a self, request: &'a FetchRequest<'a>) -> SourceFuture<'a> {
        Box::pin(async move {
            let fail = |cause| request.error(NAME, None, cause);
            let kind = request.metric.kind;
            let parsed = MetricQuery::parse_with(request.metric, NAME, |key, value| {
                HttpQuery::parse(key, value, kind)
            })
            .map_err(fail)?;
            request
                .both_sides(NAME, |scope| self.fetch_side(request, &parsed, scope))
                .await
        })
    }
}

/// The exactly one node `path` selects under `node` (the `i`-th point or bucket).
fn one<'v>(path: &Path, node: &'v Value, i: usize, what: &str) -> Result<&'v Value, Cause> {
    let found = path.path.query(node);
    match found.len() {
        1 => found
            .first()
            .ok_or_else(|| Cause::Data(format!("{what} {i}: {} selects nothing", path.text))),
        0 => Err(Cause::Data(format!(
            "{what} {i}: {} selects nothing in {}",
            path.text,
            brief(node)
        ))),
        n => Err(Cause::Data(format!(
            "{what} {i}: {} selects {n} values where one is expected",
            path.text
        ))),
    }
}

/// A node for messages: at most 120 characters of its JSON.
fn brief(node: &Value) -> String {
    let text = node.to_string();
    if text.chars().count() > 120 {
        let mut t: String = text.chars().take(120).collect();
        t.push('…');
        t
    } else {
        text
    }
}

/// A JSON number, or a string holding one (`"1.5"`, `"NaN"`, `"+Inf"`).
fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A parsed JSONPath and its text (for messages).
#[derive(Debug, Clone)]
struct Path {
    text: String,
    path: JsonPath,
}

/// How the API writes times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeUnit {
    Seconds,
    Millis,
    Rfc3339,
}

impl TimeUnit {
    fn seconds(self, value: &Value, path: &str, i: usize) -> Result<f64, Cause> {
        let bad = |expected: &str| {
            Cause::Data(format!(
                "point {i}: the time at {path} is not {expected}: {value}"
            ))
        };
        match self {
            TimeUnit::Seconds => number(value).ok_or_else(|| bad("unix seconds")),
            TimeUnit::Millis => number(value)
                .map(|ms| ms / 1000.0)
                .ok_or_else(|| bad("unix milliseconds")),
            TimeUnit::Rfc3339 => value
                .as_str()
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(s.trim()).ok())
                .map(|d| d.timestamp_millis() as f64 / 1000.0)
                .ok_or_else(|| bad("an RFC 3339 time")),
        }
    }
}

/// The request part of a query.
#[derive(Debug, Clone)]
struct RequestSpec {
    url: String,
    body: Option<Body>,
    /// Where a 2xx body reports an error.
    error: Option<Path>,
}

#[derive(Debug, Clone)]
enum Body {
    /// A JSON template string; values are JSON-escaped.
    Text(String),
    /// A JSON value whose strings are templates.
    Json(Value),
}

/// A request ready to send.
#[derive(Debug, Clone)]
struct Rendered {
    url: String,
    /// The `POST` body; `None` for `GET`.
    body: Option<String>,
}

#[derive(Debug, Clone)]
struct SeriesQuery {
    request: RequestSpec,
    points: Path,
    time: Path,
    value: Path,
    time_unit: TimeUnit,
}

#[derive(Debug, Clone)]
struct BucketQuery {
    request: RequestSpec,
    buckets: Path,
    le: Path,
    count: Path,
}

/// One query of `query.http`, checked (JSONPaths parsed) but not yet rendered.
#[derive(Debug, Clone)]
enum HttpQuery {
    Series(SeriesQuery),
    Buckets(BucketQuery),
}

const REQUEST_KEYS: [&str; 4] = ["url", "method", "body", "error"];
const SERIES_KEYS: [&str; 4] = ["points", "time", "value", "time_unit"];
const BUCKET_KEYS: [&str; 3] = ["buckets", "le", "count"];

impl HttpQuery {
    fn parse(key: &str, value: &Value, kind: MetricKind) -> Result<Self, String> {
        let histogram = kind == MetricKind::Histogram;
        let shape = if histogram {
            "{url, buckets, le, count}"
        } else {
            "{url, points, time, value}"
        };
        let object = value
            .as_object()
            .ok_or_else(|| format!("{key}: expected {shape}, got {value}"))?;
        let own: &[&str] = if histogram {
            &BUCKET_KEYS
        } else {
            &SERIES_KEYS
        };
        if let Some(other) = object
            .keys()
            .find(|k| !REQUEST_KEYS.contains(&k.as_str()) && !own.contains(&k.as_str()))
        {
            return Err(format!(
                "{key}.{other}: unknown key; a {} query has {}, {}",
                kind.as_str(),
                REQUEST_KEYS.join(", "),
                own.join(", ")
            ));
        }
        let text = |name: &str| -> Result<Option<String>, String> {
            match object.get(name) {
                None => Ok(None),
                Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
                Some(other) => Err(format!(
                    "{key}.{name}: expected a non-empty string, got {other}"
                )),
            }
        };
        let need = |name: &str| {
            text(name)?.ok_or_else(|| format!("{key}.{name}: missing (expected {shape})"))
        };
        let path = |name: &str| -> Result<Path, String> {
            let text = need(name)?;
            let path = JsonPath::parse(&text)
                .map_err(|e| format!("{key}.{name}: invalid JSONPath {text:?}: {e}"))?;
            Ok(Path { text, path })
        };
        let method = text("method")?.unwrap_or_else(|| "GET".into());
        let body = match (method.to_ascii_uppercase().as_str(), object.get("body")) {
            ("GET", None) => None,
            ("GET", Some(_)) => {
                return Err(format!("{key}.body: a body needs method: POST"));
            }
            ("POST", None) => Some(Body::Json(Value::Object(Map::new()))),
            ("POST", Some(Value::String(s))) => Some(Body::Text(s.clone())),
            ("POST", Some(v @ (Value::Object(_) | Value::Array(_)))) => Some(Body::Json(v.clone())),
            ("POST", Some(other)) => {
                return Err(format!(
                    "{key}.body: expected a JSON template string or a map, got {other}"
                ));
            }
            (other, _) => {
                return Err(format!("{key}.method: expected GET or POST, got {other:?}"));
            }
        };
        let error = match object.get("error") {
            None => None,
            Some(_) => Some(path("error")?),
        };
        let request = RequestSpec {
            url: need("url")?,
            body,
            error,
        };
        if histogram {
            return Ok(HttpQuery::Buckets(BucketQuery {
                request,
                buckets: path("buckets")?,
                le: path("le")?,
                count: path("count")?,
            }));
        }
        let time_unit = match text("time_unit")?.as_deref() {
            None | Some("s") => TimeUnit::Seconds,
            Some("ms") => TimeUnit::Millis,
            Some("rfc3339") => TimeUnit::Rfc3339,
            Some(other) => {
                return Err(format!(
                    "{key}.time_unit: expected s, ms or rfc3339, got {other:?}"
                ));
            }
        };
        Ok(HttpQuery::Series(SeriesQuery {
            request,
            points: path("points")?,
            time: path("time")?,
            value: path("value")?,
            time_unit,
        }))
    }

    fn request(&self) -> &RequestSpec {
        match self {
            HttpQuery::Series(q) => &q.request,
            HttpQuery::Buckets(q) => &q.request,
        }
    }
}

impl RequestSpec {
    fn render(&self, key: &str, vars: &BTreeMap<&str, String>) -> Result<Rendered, Cause> {
        let key = if key == "query" {
            "query.http".to_owned()
        } else {
            format!("query.http.{key}")
        };
        let template = |sub: &str| {
            let key = format!("{key}.{sub}");
            move |error| Cause::Template { key, error }
        };
        let in_url: BTreeMap<&str, String> =
            vars.iter().map(|(k, v)| (*k, percent_encode(v))).collect();
        let url = render_template(&self.url, &in_url).map_err(template("url"))?;
        let body = match &self.body {
            None => None,
            Some(Body::Text(t)) => {
                let escaped: BTreeMap<&str, String> =
                    vars.iter().map(|(k, v)| (*k, json_escape(v))).collect();
                Some(render_template(t, &escaped).map_err(template("body"))?)
            }
            Some(Body::Json(v)) => {
                let rendered =
                    render_leaves(v, &|s| render_template(s, vars).map_err(template("body")))?;
                Some(rendered.to_string())
            }
        };
        Ok(Rendered { url, body })
    }
}

/// `value` with every string rendered by `render`.
fn render_leaves(
    value: &Value,
    render: &dyn Fn(&str) -> Result<String, Cause>,
) -> Result<Value, Cause> {
    Ok(match value {
        Value::String(s) => Value::String(render(s)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| render_leaves(v, render))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), render_leaves(v, render)?)))
                .collect::<Result<Map<String, Value>, Cause>>()?,
        ),
        other => other.clone(),
    })
}

/// Percent-encodes everything but RFC 3986's unreserved characters, so a value stays
/// one query parameter or path segment.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The contents of a JSON string holding `value` (escaped, without the quotes).
fn json_escape(value: &str) -> String {
    let quoted = Value::String(value.to_owned()).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_encoded_for_where_they_go() {
        assert_eq!(percent_encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(json_escape("say \"hi\"\n"), "say \\\"hi\\\"\\n");
        let spec = RequestSpec {
            url: "/s?app=${scope}".into(),
            body: Some(Body::Text(r#"{"app": "${scope}"}"#.into())),
            error: None,
        };
        let vars = BTreeMap::from([("scope", "v2 \"x\"&".to_owned())]);
        let r = spec.render("events", &vars).unwrap();
        assert_eq!(r.url, "/s?app=v2%20%22x%22%26");
        assert_eq!(
            serde_json::from_str::<Value>(r.body.as_deref().unwrap()).unwrap(),
            json!({"app": "v2 \"x\"&"})
        );
        let e = RequestSpec {
            url: "/s?${nope}".into(),
            body: None,
            error: None,
        }
        .render("events", &vars)
        .unwrap_err();
        assert!(e.to_string().contains("query.http.events.url"), "{e}");
    }

    #[test]
    fn queries_are_checked_by_kind_with_jsonpaths_parsed() {
        let ok = json!({"url": "/x", "points": "$.data[*]", "time": "$.t", "value": "$.v"});
        assert!(matches!(
            HttpQuery::parse("query.http", &ok, MetricKind::Continuous),
            Ok(HttpQuery::Series(_))
        ));
        for (bad, kind, wanted) in [
            (
                json!({"url": "/x", "points": "$.data[", "time": "$.t", "value": "$.v"}),
                MetricKind::Continuous,
                "query.http.points: invalid JSONPath \"$.data[\"",
            ),
            (
                ok.clone(),
                MetricKind::Histogram,
                "query.http.points: unknown key",
            ),
            (
                json!({"url": "/x", "points": "$", "time": "$.t", "value": "$.v", "body": "{}"}),
                MetricKind::Continuous,
                "a body needs method: POST",
            ),
            (
                json!({"url": "/x", "points": "$", "time": "$.t", "value": "$.v", "time_unit": "h"}),
                MetricKind::Continuous,
                "expected s, ms or rfc3339",
            ),
            (
                json!({"url": "/x", "buckets": "$", "le": "$.le"}),
                MetricKind::Histogram,
                "query.http.count: missing",
            ),
        ] {
            let e = HttpQuery::parse("query.http", &bad, kind).unwrap_err();
            assert!(e.contains(wanted), "{bad}: {e}");
        }
    }

    proptest::proptest! {
        /// Any value stays one URL component: only unreserved characters and `%XX`
        /// escapes, decoding back to the value; in a JSON body it reads back unchanged.
        #[test]
        fn substituted_values_round_trip(value in "(?s).*") {
            let encoded = percent_encode(&value);
            proptest::prop_assert!(encoded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
            let mut bytes = Vec::new();
            let raw = encoded.as_bytes();
            let mut i = 0;
            while i < raw.len() {
                if raw[i] == b'%' {
                    let hex = std::str::from_utf8(&raw[i + 1..i + 3]).unwrap();
                    bytes.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 3;
                } else {
                    bytes.push(raw[i]);
                    i += 1;
                }
            }
            proptest::prop_assert_eq!(String::from_utf8(bytes).unwrap(), value.clone());
            let body = format!("{{\"v\": \"{}\"}}", json_escape(&value));
            let parsed: Value = serde_json::from_str(&body).unwrap();
            proptest::prop_assert_eq!(parsed["v"].as_str(), Some(value.as_str()));
        }
    }

    #[test]
    fn times_parse_in_each_unit() {
        let at = |u: TimeUnit, v: Value| u.seconds(&v, "$.t", 0);
        assert_eq!(at(TimeUnit::Seconds, json!(60)), Ok(60.0));
        assert_eq!(at(TimeUnit::Seconds, json!("60")), Ok(60.0));
        assert_eq!(at(TimeUnit::Millis, json!(60_500)), Ok(60.5));
        assert_eq!(
            at(TimeUnit::Rfc3339, json!("2025-11-21T10:00:00Z")),
            Ok(1_763_719_200.0)
        );
        assert!(
            matches!(at(TimeUnit::Rfc3339, json!(60)), Err(Cause::Data(m)) if m.contains("RFC 3339"))
        );
    }
}
