//! InfluxDB 1.x: InfluxQL over the HTTP API (`/query`).
//!
//! Each query is one InfluxQL `SELECT` statement, sent as
//! `GET <url>/query?db=<database>&rp=<retention_policy>&q=<rendered query>&epoch=s`
//! (`rp` only when the option is given). `epoch=s` makes the server return times as
//! unix seconds.
//!
//! | kind | queries | what each must return |
//! |---|---|---|
//! | continuous | one | one series with one value column (e.g. `mean(...) … GROUP BY time(${step})`) |
//! | counts | `events` and `total` | one series each: the count per step |
//! | histogram | one | one series per `le` tag (`GROUP BY "le"`), one row each: the bucket's cumulative count over the window |
//!
//! ```yaml
//! sources:
//!   influxdb:
//!     url: http://influxdb:8086
//!     options: {database: telegraf, retention_policy: autogen}
//! metrics:
//!   - name: latency_ms
//!     query:
//!       influxdb: >-
//!         SELECT mean("value") FROM "latency_ms" WHERE "version" = '${scope}'
//!         AND time >= ${start}s AND time <= ${end}s GROUP BY time(${step}) fill(null)
//!   - name: errors
//!     kind: counts
//!     query:
//!       influxdb:
//!         events: >-
//!           SELECT sum("count") FROM "requests" WHERE "version" = '${scope}' AND "code" =~ /^5/
//!           AND time >= ${start}s AND time <= ${end}s GROUP BY time(${step}) fill(0)
//!         total: >-
//!           SELECT sum("count") FROM "requests" WHERE "version" = '${scope}'
//!           AND time >= ${start}s AND time <= ${end}s GROUP BY time(${step}) fill(0)
//!   - name: latency_seconds
//!     kind: histogram
//!     query:
//!       influxdb: >-
//!         SELECT sum("count") FROM "latency_bucket" WHERE "version" = '${scope}'
//!         AND time >= ${start}s AND time <= ${end}s GROUP BY "le"
//! ```
//!
//! `${start}` and `${end}` are unix seconds, so `time >= ${start}s` is InfluxQL's
//! duration-since-the-epoch form.
//!
//! Options (`sources.influxdb.options`, `--option NAME=VALUE`):
//! - `database`: the `db` parameter. Without it the queries must name the database in
//!   each measurement (`"db"."rp"."measurement"`); InfluxDB says so otherwise.
//! - `retention_policy`: the `rp` parameter.
//! - `username`: the user for HTTP Basic authentication (it may instead be the named
//!   credential `username`, e.g. `CANARY_INFLUXDB_USERNAME`; giving both is an error).
//!
//! Authentication: InfluxDB 1.x documents HTTP Basic authentication, query-string
//! credentials (`u`, `p`) and, when a `shared-secret` is configured, JWT bearer tokens.
//! Credentials never go in the URL here, so:
//! - `username` and `auth` → `Authorization: Basic base64(username:auth)` (`auth` is the
//!   password: `CANARY_INFLUXDB_TOKEN`, `--token-env`, …);
//! - `auth` alone → `Authorization: Bearer <auth>` (a JWT signed with the server's
//!   shared secret);
//! - `username` without `auth` is a setup error; neither sends no credentials.
//!
//! Mapping rules:
//! - Times are snapped to the window's grid `start, start + step, …, end` with
//!   [`Snap::Nearest`]: `GROUP BY time(${step})` buckets start at
//!   multiples of the step (InfluxDB aligns them to the epoch), and each lands on the
//!   nearest grid instant; a grid instant without a row, or with `null` (`fill(null)`),
//!   is a missing value. Rows finer than the step (two on one instant) are an error.
//! - Counts: a step where a query has no value counts 0; no `total` series at all is no
//!   data. Counts are rounded to whole numbers.
//! - Histograms: one series per `le` tag value (a number or `+Inf`), each with exactly
//!   one non-null value (aggregate over the window: no `GROUP BY time`); a `+Inf`
//!   bucket is required and the counts must be cumulative.
//! - No series (InfluxDB omits `series` when nothing matched) is empty data: the judge
//!   says `nodata`. Several series where one is expected, several value columns,
//!   non-numeric values and results truncated by the server (`"partial": true`) are
//!   errors, as are the API's errors (`{"error": …}` in the result or at the top level,
//!   the latter with a 4xx status).

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

const NAME: &str = "influxdb";

/// The options this backend reads from [`SourceSettings::options`].
pub const OPTIONS: &[&str] = &["database", "retention_policy", "username"];

/// How requests authenticate.
#[derive(Debug, Clone)]
enum Auth {
    None,
    Basic { username: Secret, password: Secret },
    Bearer(Secret),
}

/// An InfluxDB 1.x server.
#[derive(Debug, Clone)]
pub struct InfluxDb {
    base: reqwest::Url,
    http: HttpClient,
    database: Option<String>,
    retention_policy: Option<String>,
    auth: Auth,
}

impl InfluxDb {
    /// A client of the server at `settings.url`, with the options `database`,
    /// `retention_policy` and `username` (see the module docs for authentication).
    ///
    /// # Errors
    /// [`Cause::Setup`]: no URL or an invalid one, an unknown or empty option, a
    /// username given twice or without a password, or an HTTP client that cannot be
    /// built.
    pub fn new(settings: SourceSettings) -> Result<Self, SourceError> {
        settings.check_options(NAME, OPTIONS)?;
        let setup = |m: String| SourceError::new(NAME, Cause::Setup(m));
        let base = check_base_url(NAME, settings.url.as_deref())?;
        let option = |name: &str| -> Result<Option<String>, SourceError> {
            match settings.options.get(name) {
                None => Ok(None),
                Some(v) if v.trim().is_empty() => Err(setup(format!("the option {name} is empty"))),
                Some(v) => Ok(Some(v.trim().to_owned())),
            }
        };
        let database = option("database")?;
        let retention_policy = option("retention_policy")?;
        let username = match (option("username")?, settings.credentials.get("username")) {
            (Some(_), Some(_)) => {
                return Err(setup(
                    "the username is given both as an option and as a credential; give one".into(),
                ));
            }
            (Some(name), None) => Some(Secret::new(name)),
            (None, Some(secret)) => Some(secret.clone()),
            (None, None) => None,
        };
        let auth = match (username, settings.auth) {
            (Some(username), Some(password)) => Auth::Basic { username, password },
            (None, Some(token)) => Auth::Bearer(token),
            (Some(_), None) => {
                return Err(setup(
                    "a username is given but no password: give it as the source's auth (e.g. CANARY_INFLUXDB_TOKEN)".into(),
                ));
            }
            (None, None) => Auth::None,
        };
        let http = HttpClient::new(settings.http).map_err(|c| SourceError::new(NAME, c))?;
        Ok(Self {
            base,
            http,
            database,
            retention_policy,
            auth,
        })
    }

    /// Runs one InfluxQL statement and returns its series.
    async fn query(&self, query: &str) -> Result<Vec<Series>, Cause> {
        let mut url = self.base.clone();
        let joined = format!("{}/query", url.path().trim_end_matches('/'));
        url.set_path(&joined);
        {
            let mut pairs = url.query_pairs_mut();
            if let Some(db) = &self.database {
                pairs.append_pair("db", db);
            }
            if let Some(rp) = &self.retention_policy {
                pairs.append_pair("rp", rp);
            }
            pairs.append_pair("q", query);
            pairs.append_pair("epoch", "s");
        }
        let response = self
            .http
            .send(|client| {
                let request = client.get(url.clone());
                match &self.auth {
                    Auth::None => request,
                    Auth::Basic { username, password } => {
                        request.basic_auth(username.expose(), Some(password.expose()))
                    }
                    Auth::Bearer(token) => request.bearer_auth(token.expose()),
                }
            })
            .await?;
        parse_response(&response.json()?)
    }
}

impl SeriesBackend for InfluxDb {
    type Series = Series;
    const QUERY: &'static str = "query";

    fn series(
        &self,
        query: &str,
        _kind: MetricKind,
        _window: Window,
    ) -> impl Future<Output = Result<Vec<Series>, Cause>> + Send {
        self.query(query)
    }

    fn single(series: Vec<Series>, what: &str) -> Result<Option<Series>, Cause> {
        single_series(
            series,
            what,
            Series::describe,
            "drop the GROUP BY tags or filter them in WHERE",
        )
    }

    fn on_grid(series: &Series, window: Window) -> Result<Vec<Point>, Cause> {
        on_grid(series, window)
    }

    fn histogram(series: Vec<Series>) -> Result<Option<Histogram>, Cause> {
        histogram(&series)
    }
}

impl MetricSource for InfluxDb {
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

/// One series of a result: its measurement, tags and `(time, value)` rows (`None` for
/// `null`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series {
    name: String,
    tags: Map<String, Value>,
    rows: Vec<(f64, Option<f64>)>,
}

impl Series {
    fn describe(&self) -> String {
        let tags: Vec<String> = self
            .tags
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    v.as_str()
                        .map_or_else(|| v.to_string(), |s| format!("{s:?}"))
                )
            })
            .collect();
        format!("{}{{{}}}", self.name, tags.join(", "))
    }
}

/// Parses the documented response:
/// `{"results": [{"statement_id": 0, "series": [{"name", "tags", "columns", "values"}]}]}`,
/// with `"error"` in a result (or at the top level) when the query failed.
fn parse_response(json: &Value) -> Result<Vec<Series>, Cause> {
    let bad = |m: String| Cause::Response(m);
    if let Some(error) = json.get("error") {
        return Err(Cause::Api(
            error
                .as_str()
                .map_or_else(|| error.to_string(), str::to_owned),
        ));
    }
    let results = json
        .get("results")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no \"results\" array".into()))?;
    let result = match results.as_slice() {
        [one] => one,
        [] => return Err(bad("\"results\" is empty".into())),
        more => {
            return Err(Cause::Query(format!(
                "the query holds {} statements; give one SELECT per query",
                more.len()
            )));
        }
    };
    if let Some(error) = result.get("error") {
        return Err(Cause::Api(
            error
                .as_str()
                .map_or_else(|| error.to_string(), str::to_owned),
        ));
    }
    if result.get("partial").and_then(Value::as_bool) == Some(true) {
        return Err(Cause::Data(
            "the server truncated the result (\"partial\": true; its max-row-limit?); use a larger step or a narrower query".into(),
        ));
    }
    let Some(series) = result.get("series") else {
        return Ok(Vec::new());
    };
    let series = series
        .as_array()
        .ok_or_else(|| bad("results[0].series is not an array".into()))?;
    series
        .iter()
        .enumerate()
        .map(|(i, s)| parse_series(s, &format!("results[0].series[{i}]")))
        .collect()
}

fn parse_series(s: &Value, at: &str) -> Result<Series, Cause> {
    let bad = |m: String| Cause::Response(format!("{at}: {m}"));
    if s.get("partial").and_then(Value::as_bool) == Some(true) {
        return Err(Cause::Data(format!(
            "{at}: the server truncated the series (\"partial\": true); use a larger step or a narrower query"
        )));
    }
    let name = s
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let tags = match s.get("tags") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(t)) => t.clone(),
        Some(_) => return Err(bad("\"tags\" is not an object".into())),
    };
    let columns: Vec<&str> = s
        .get("columns")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no \"columns\" array".into()))?
        .iter()
        .map(|c| {
            c.as_str()
                .ok_or_else(|| bad("a column name is not a string".into()))
        })
        .collect::<Result<_, _>>()?;
    let time = columns
        .iter()
        .position(|c| *c == "time")
        .ok_or_else(|| bad("no \"time\" column".into()))?;
    let value_columns: Vec<usize> = (0..columns.len()).filter(|i| *i != time).collect();
    let value = match value_columns.as_slice() {
        [one] => *one,
        [] => return Err(Cause::Data(format!("{at}: the series has no value column"))),
        more => {
            let names: Vec<&str> = more.iter().map(|i| columns[*i]).collect();
            return Err(Cause::Data(format!(
                "the query returns {} value columns ({}) where one is expected; select one field or aggregate",
                names.len(),
                names.join(", ")
            )));
        }
    };
    let rows = match s.get("values") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(rows)) => rows
            .iter()
            .enumerate()
            .map(|(j, row)| {
                let row = row
                    .as_array()
                    .filter(|r| r.len() == columns.len())
                    .ok_or_else(|| {
                        bad(format!(
                            "values[{j}] is not a row of {} columns",
                            columns.len()
                        ))
                    })?;
                let t = row[time].as_f64().ok_or_else(|| {
                    bad(format!(
                        "values[{j}]: the time {} is not a number (epoch=s was asked for)",
                        row[time]
                    ))
                })?;
                let v = match &row[value] {
                    Value::Null => None,
                    Value::Number(n) => n.as_f64(),
                    other => {
                        return Err(Cause::Data(format!(
                            "at {t}: the value {other} of {} is not a number",
                            columns[value]
                        )));
                    }
                };
                Ok((t, v))
            })
            .collect::<Result<_, Cause>>()?,
        Some(_) => return Err(bad("\"values\" is not an array".into())),
    };
    Ok(Series { name, tags, rows })
}

/// The series' rows on the window's grid (`null` = missing).
fn on_grid(series: &Series, window: Window) -> Result<Vec<Point>, Cause> {
    align(
        window,
        series.rows.iter().map(|(t, v)| (*t, v.unwrap_or(f64::NAN))),
        Snap::Nearest,
    )
}

/// Series by `le` tag, one value each → a cumulative histogram.
fn histogram(series: &[Series]) -> Result<Option<Histogram>, Cause> {
    let mut buckets = Vec::with_capacity(series.len());
    for s in series {
        let le = s.tags.get("le").and_then(Value::as_str).ok_or_else(|| {
            Cause::Data(format!(
                "the series {} has no le tag; a histogram query returns one series per bucket: GROUP BY \"le\"",
                s.describe()
            ))
        })?;
        let bound: f64 = le
            .trim()
            .parse()
            .map_err(|_| Cause::Data(format!("le={le:?} is not a number")))?;
        let values: Vec<f64> = s.rows.iter().filter_map(|(_, v)| *v).collect();
        let count = match values.as_slice() {
            [one] => *one,
            [] => return Err(Cause::Data(format!("the bucket le={le:?} has no value"))),
            more => {
                return Err(Cause::Data(format!(
                    "the bucket le={le:?} has {} values where one is expected; aggregate over the window (no GROUP BY time)",
                    more.len()
                )));
            }
        };
        buckets.push((bound, count));
    }
    histogram_from_buckets(buckets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn series_need_one_value_column_and_numeric_values() {
        let r = |columns: Value, values: Value| {
            parse_response(&json!({"results": [{"statement_id": 0, "series": [
                {"name": "m", "columns": columns, "values": values}]}]}))
        };
        let ok = r(json!(["time", "mean"]), json!([[60, 1.5], [120, null]])).unwrap();
        assert_eq!(ok[0].rows, vec![(60.0, Some(1.5)), (120.0, None)]);
        let e = r(json!(["time", "a", "b"]), json!([[60, 1, 2]])).unwrap_err();
        assert!(e.to_string().contains("2 value columns (a, b)"), "{e}");
        let e = r(json!(["time", "v"]), json!([[60, "x"]])).unwrap_err();
        assert!(e.to_string().contains("is not a number"), "{e}");
        let e = r(json!(["time", "v"]), json!([["1970-01-01T00:01:00Z", 1]])).unwrap_err();
        assert!(matches!(e, Cause::Response(_)), "{e}");
        let e = r(json!(["v"]), json!([[1]])).unwrap_err();
        assert!(e.to_string().contains("no \"time\" column"), "{e}");
        let e = r(json!(["time", "v"]), json!([[60]])).unwrap_err();
        assert!(e.to_string().contains("values[0]"), "{e}");
    }

    #[test]
    fn envelope_errors_partial_results_and_several_statements() {
        let e = parse_response(
            &json!({"results": [{"statement_id": 0, "error": "database not found: x"}]}),
        );
        assert_eq!(e, Err(Cause::Api("database not found: x".into())));
        let e = parse_response(&json!({"error": "error parsing query: found EOF"}));
        assert_eq!(e, Err(Cause::Api("error parsing query: found EOF".into())));
        let e = parse_response(
            &json!({"results": [{"statement_id": 0, "partial": true, "series": []}]}),
        );
        assert!(matches!(e, Err(Cause::Data(m)) if m.contains("truncated")));
        let e = parse_response(&json!({"results": [{"statement_id": 0}, {"statement_id": 1}]}));
        assert!(matches!(e, Err(Cause::Query(m)) if m.contains("2 statements")));
        assert_eq!(
            parse_response(&json!({"results": [{"statement_id": 0}]})),
            Ok(Vec::new())
        );
        assert!(parse_response(&json!([])).is_err());
    }

    #[test]
    fn histograms_take_one_value_per_le_tag() {
        let b = |le: &str, values: Value| {
            parse_series(
                &json!({"name": "h", "tags": {"le": le}, "columns": ["time", "sum"], "values": values}),
                "s",
            )
            .unwrap()
        };
        let h = histogram(&[
            b("+Inf", json!([[0, 10]])),
            b("0.1", json!([[0, 4]])),
            b("0.5", json!([[0, 9]])),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(h.cumulative_counts(), &[4.0, 9.0, 10.0]);
        let e = histogram(&[b("+Inf", json!([[0, 10], [60, 12]]))]).unwrap_err();
        assert!(
            e.to_string().contains("2 values where one is expected"),
            "{e}"
        );
        let e = histogram(&[b("+Inf", json!([[0, null]]))]).unwrap_err();
        assert!(e.to_string().contains("has no value"), "{e}");
        let e = histogram(&[b("fast", json!([[0, 1]]))]).unwrap_err();
        assert!(e.to_string().contains("not a number"), "{e}");
        let untagged = parse_series(
            &json!({"name": "h", "columns": ["time", "sum"], "values": [[0, 1]]}),
            "s",
        )
        .unwrap();
        let e = histogram(&[untagged]).unwrap_err();
        assert!(e.to_string().contains("has no le tag"), "{e}");
        assert!(histogram(&[]).unwrap().is_none());
    }

    proptest::proptest! {
        /// Rows at grid instants (epoch-aligned `GROUP BY time` buckets), some `null`,
        /// some absent, come back as exactly those values on the window's grid, in
        /// whatever order the rows arrive.
        #[test]
        fn rows_land_on_their_grid_instants(
            k in 0i64..1000,
            step in 1u64..600,
            cells in proptest::collection::vec(proptest::option::of(proptest::option::of(-1e6f64..1e6)), 1..40),
            rotate in 0usize..40,
        ) {
            let start = k * step as i64;
            let end = start + step as i64 * (cells.len() as i64 - 1).max(1);
            let window = Window::new(start, end, step).unwrap();
            let mut rows: Vec<Value> = cells
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.map(|v| json!([start + i as i64 * step as i64, v])))
                .collect();
            let n = rows.len().max(1);
            rows.rotate_left(rotate % n);
            let body = json!({"results": [{"statement_id": 0, "series": [
                {"name": "m", "columns": ["time", "mean"], "values": rows}]}]});
            let series = InfluxDb::single(parse_response(&body).unwrap(), "query").unwrap().unwrap();
            let points = on_grid(&series, window).unwrap();
            let grid: Vec<i64> = window.instants().collect();
            proptest::prop_assert_eq!(points.len(), grid.len());
            for (i, p) in points.iter().enumerate() {
                proptest::prop_assert_eq!(p.timestamp, grid[i]);
                proptest::prop_assert_eq!(p.value, cells.get(i).copied().flatten().flatten());
            }
        }
    }
}
