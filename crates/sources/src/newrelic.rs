//! New Relic: NRQL queries through the NerdGraph (GraphQL) API.
//!
//! Every query is one `POST <url>/graphql` with the user API key in the `API-Key`
//! header and the JSON body
//! `{"query": "query($accountId: Int!, $nrql: Nrql!) { actor { account(id: $accountId) { nrql(query: $nrql) { results } } } }", "variables": {"accountId": …, "nrql": "…"}}`:
//! the rendered NRQL travels as a GraphQL variable, never spliced into the GraphQL
//! text. The answer is the documented
//! `{"data": {"actor": {"account": {"nrql": {"results": [...]}}}}}`; a `TIMESERIES`
//! query's results are one row per bucket,
//! `{"beginTimeSeconds": …, "endTimeSeconds": …, "average.duration": …}`.
//!
//! | kind | what the NRQL must return |
//! |---|---|
//! | continuous | `TIMESERIES ${step_seconds} seconds`, one aggregate, no `FACET` |
//! | counts | `events` and `total`: the same, each a `count(*)` per step |
//! | histogram | `FACET` by the bucket bound (`le`), one aggregate: cumulative counts over the window |
//!
//! ```yaml
//! metrics:
//!   - name: latency_ms
//!     query:
//!       newrelic: "SELECT average(duration) * 1000 FROM Transaction WHERE appName = 'web' AND appVersion = '${scope}' SINCE ${start_ms} UNTIL ${end_ms} TIMESERIES ${step_seconds} seconds"
//!   - name: errors
//!     kind: counts
//!     query:
//!       newrelic:
//!         events: "SELECT count(*) FROM Transaction WHERE appVersion = '${scope}' AND error IS true SINCE ${start_ms} UNTIL ${end_ms} TIMESERIES ${step_seconds} seconds"
//!         total:  "SELECT count(*) FROM Transaction WHERE appVersion = '${scope}' SINCE ${start_ms} UNTIL ${end_ms} TIMESERIES ${step_seconds} seconds"
//!   - name: latency_seconds
//!     kind: histogram
//!     query:
//!       newrelic: "SELECT sum(http_request_duration_seconds_bucket) FROM Metric WHERE version = '${scope}' FACET le SINCE ${start_ms} UNTIL ${end_ms} LIMIT MAX"
//! sources:
//!   newrelic:
//!     options: {account_id: '1234567'}     # required; region: eu for https://api.eu.newrelic.com
//!     auth: {env: NEW_RELIC_API_KEY}       # a user API key (default: CANARY_NEWRELIC_TOKEN)
//! ```
//!
//! Settings: the option `account_id` (required, a positive number) names the account
//! the NRQL runs in. The base URL is `--url`, or the option `region` (`us`:
//! `https://api.newrelic.com`, `eu`: `https://api.eu.newrelic.com`); without either,
//! `https://api.newrelic.com`. `auth` is the user API key (required). No named
//! credentials.
//!
//! Mapping rules:
//! - **Time.** NRQL reads a number after `SINCE`/`UNTIL` as **epoch milliseconds**, so
//!   use the built-in `${start_ms}` and `${end_ms}` template variables; a
//!   template with `SINCE ${start}` or `UNTIL ${end}` (seconds) is refused before any
//!   request, as it would select data from January 1970. New Relic anchors `TIMESERIES`
//!   buckets at `UNTIL`; each bucket's value is placed at its `endTimeSeconds` (like a
//!   Prometheus `increase(…[step])` at that instant) and snapped to the window's grid
//!   with [`Snap::Nearest`]. The first grid instant (`start`) has no bucket ending there
//!   and is a missing value. Two buckets on one instant (a `TIMESERIES` finer than the
//!   step) are an error.
//! - **Values.** The value of a row is its one field besides `beginTimeSeconds`,
//!   `endTimeSeconds`, `facet` and the facet attributes (`average.duration`, `count`, an
//!   `AS 'alias'`); a percentile's `{"95": …}` is unwrapped. Several value fields are an
//!   error naming them (select one aggregate). `null` is a missing value.
//! - **Counts.** `count(*)` per bucket; values are rounded to whole numbers; a bucket
//!   without events counts 0 (New Relic answers 0 there).
//! - **Histograms.** NRQL's `histogram()` function answers with equal-width bucket
//!   counts in a shape of its own (no `le` bounds, no `+Inf` bucket), which this source
//!   does not guess bounds for: it is refused (the rows have no facet). Instead the
//!   query must `FACET` by a bucket-bound attribute, one row per
//!   bound holding the cumulative count over the window — e.g. Prometheus histogram
//!   buckets stored as dimensional metrics with their `le` attribute. A `+Inf` bucket is
//!   required; rows of a `FACET … TIMESERIES` query are summed per bound. `FACET` lists
//!   only 10 values by default: add `LIMIT MAX`.
//! - **Errors.** NerdGraph reports GraphQL and NRQL errors with HTTP 200 and
//!   `{"errors": [{"message": …}], "data": …}`: that is [`Cause::Api`] with the
//!   messages (partial `data` beside errors is not used). `FACET` in a continuous or
//!   counts query is an error naming the number of facets. No rows is no data.

use crate::error::{Cause, SourceError};
use crate::fetch::{SourceSettings, check_base_url};
use crate::http::HttpClient;
use crate::secret::Secret;
use crate::shape::{SideData, Snap, align, histogram_from_buckets, pair_counts};
use crate::source::{FetchRequest, MetricQuery, MetricSource, SourceFuture, Window};
use crate::template::render_template;
use canary_judge::Point;
use canary_stats::Histogram;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const NAME: &str = "newrelic";

/// The base URL of New Relic's US region (the default).
pub const US_URL: &str = "https://api.newrelic.com";

/// The base URL of New Relic's EU region (option `region: eu`).
pub const EU_URL: &str = "https://api.eu.newrelic.com";

/// The options New Relic reads from [`SourceSettings::options`].
pub const OPTIONS: &[&str] = &["account_id", "region"];

/// The GraphQL document sent with every request; the NRQL is the variable `$nrql`.
pub const GRAPHQL: &str = "query($accountId: Int!, $nrql: Nrql!) { actor { account(id: $accountId) { nrql(query: $nrql) { results } } } }";

/// Fields of a result row that are not values.
const TIME_FIELDS: &[&str] = &["beginTimeSeconds", "endTimeSeconds"];

/// New Relic's NerdGraph API for one account.
#[derive(Debug, Clone)]
pub struct NewRelic {
    endpoint: reqwest::Url,
    http: HttpClient,
    api_key: Secret,
    account_id: u32,
}

impl NewRelic {
    /// A client of NerdGraph at `settings.url` (or the option `region`'s URL, else
    /// [`US_URL`]) for the account of the option `account_id`, sending `settings.auth`
    /// as the API key.
    ///
    /// # Errors
    /// [`Cause::Setup`] for a missing or non-numeric `account_id`, an unknown option,
    /// region or credential, both a URL and a region, or an invalid URL;
    /// [`Cause::Credential`] when the API key is missing.
    ///
    /// ```
    /// use canary_sources::{Secret, SourceSettings};
    /// use canary_sources::newrelic::NewRelic;
    ///
    /// let mut settings = SourceSettings::default();
    /// settings.auth = Some(Secret::new("NRAK-example".into()));
    /// settings.options.insert("account_id".into(), "12x".into());
    /// let e = NewRelic::new(settings).unwrap_err();
    /// assert!(e.to_string().contains("account_id"), "{e}");
    /// ```
    pub fn new(settings: SourceSettings) -> Result<Self, SourceError> {
        settings.check_options(NAME, OPTIONS)?;
        let setup = |m: String| SourceError::new(NAME, Cause::Setup(m));
        let account_id = match settings.options.get("account_id") {
            None => {
                return Err(setup(
                    "the option account_id is required (--option account_id=NUMBER or sources.newrelic.options.account_id)".into(),
                ));
            }
            Some(text) => text
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|id| *id > 0 && i32::try_from(*id).is_ok())
                .ok_or_else(|| {
                    setup(format!(
                        "option account_id: expected a New Relic account number, got {text:?}"
                    ))
                })?,
        };
        let url = match (settings.url.as_deref(), settings.options.get("region")) {
            (Some(_), Some(_)) => {
                return Err(setup(
                    "give either a URL or the option region, not both".into(),
                ));
            }
            (Some(url), None) => url.to_owned(),
            (None, Some(region)) => match region.trim().to_ascii_lowercase().as_str() {
                "us" => US_URL.to_owned(),
                "eu" => EU_URL.to_owned(),
                _ => {
                    return Err(setup(format!(
                        "option region: expected us or eu, got {region:?}"
                    )));
                }
            },
            (None, None) => US_URL.to_owned(),
        };
        let mut endpoint = check_base_url(NAME, Some(&url))?;
        let path = format!("{}/graphql", endpoint.path().trim_end_matches('/'));
        endpoint.set_path(&path);
        let api_key = settings.auth.ok_or_else(|| {
            SourceError::new(
                NAME,
                Cause::Credential(
                    "the New Relic API key is missing: set CANARY_NEWRELIC_TOKEN, --auth-env/--auth-file or sources.newrelic.auth".into(),
                ),
            )
        })?;
        let http = HttpClient::new(settings.http).map_err(|c| SourceError::new(NAME, c))?;
        Ok(Self {
            endpoint,
            http,
            api_key,
            account_id,
        })
    }

    /// Runs one NRQL query and returns its result rows.
    async fn query(&self, nrql: &str) -> Result<Vec<Map<String, Value>>, Cause> {
        let body = json!({
            "query": GRAPHQL,
            "variables": {"accountId": self.account_id, "nrql": nrql},
        })
        .to_string();
        let response = self
            .http
            .send(|client| {
                client
                    .post(self.endpoint.clone())
                    .header("API-Key", self.api_key.expose())
                    .header(reqwest::header::ACCEPT, "application/json")
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone())
            })
            .await?;
        parse_response(&response.json()?)
    }

    async fn fetch_side_data(
        &self,
        request: &FetchRequest<'_>,
        scope: &str,
    ) -> Result<SideData, Cause> {
        let window = request.window;
        match render(request, scope)? {
            MetricQuery::Continuous(q) => {
                let rows = self.query(&q).await?;
                Ok(SideData::Continuous(series(&rows, window, "query")?))
            }
            MetricQuery::Counts { events, total } => {
                let (events, total) =
                    futures_util::future::join(self.query(&events), self.query(&total)).await;
                let events = events?;
                let total = total?;
                let events = (!events.is_empty())
                    .then(|| series(&events, window, "events query"))
                    .transpose()?;
                let total = (!total.is_empty())
                    .then(|| series(&total, window, "total query"))
                    .transpose()?;
                Ok(SideData::Counts(pair_counts(events, total)?))
            }
            MetricQuery::Histogram(q) => {
                let rows = self.query(&q).await?;
                Ok(SideData::Histogram(histogram(&rows)?))
            }
        }
    }
}

/// The metric's NRQL templates rendered for `scope` (checked for times in seconds
/// where NRQL reads milliseconds).
fn render(request: &FetchRequest<'_>, scope: &str) -> Result<MetricQuery<String>, Cause> {
    let templates = MetricQuery::<String>::from_metric(request.metric, NAME)?;
    let vars = request.variables_for(scope)?;
    templates.try_map(|key, template| {
        check_time_units(template).map_err(|m| Cause::Query(format!("query.{NAME}.{key}: {m}")))?;
        render_template(template, &vars).map_err(|error| Cause::Template {
            key: key.to_owned(),
            error,
        })
    })
}

/// Refuses `SINCE ${start}` / `UNTIL ${end}`: NRQL would read the seconds as
/// milliseconds and query January 1970.
fn check_time_units(template: &str) -> Result<(), String> {
    let words: Vec<String> = template
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    for pair in words.windows(2) {
        let (clause, variable) = (pair[0].as_str(), pair[1].as_str());
        if (clause == "since" || clause == "until")
            && (variable.starts_with("${start}") || variable.starts_with("${end}"))
        {
            return Err(format!(
                "NRQL reads a number after {} as epoch milliseconds, but {} is in seconds; use ${{start_ms}} and ${{end_ms}}",
                clause.to_ascii_uppercase(),
                &pair[1]
            ));
        }
    }
    Ok(())
}

impl MetricSource for NewRelic {
    fn name(&self) -> &'static str {
        NAME
    }

    fn fetch<'a>(&'a self, request: &'a FetchRequest<'a>) -> SourceFuture<'a> {
        Box::pin(async move {
            request
                .both_sides(NAME, |scope| self.fetch_side_data(request, scope))
                .await
        })
    }
}

/// Parses the documented GraphQL envelope: `{"errors": [{"message": …}], …}` for errors
/// (even with HTTP 200), else `data.actor.account.nrql.results`.
fn parse_response(json: &Value) -> Result<Vec<Map<String, Value>>, Cause> {
    let bad = |m: String| Cause::Response(m);
    if !json.is_object() {
        return Err(bad("expected a JSON object".into()));
    }
    if let Some(errors) = json.get("errors").filter(|e| !e.is_null()) {
        let list = errors
            .as_array()
            .ok_or_else(|| bad(format!("\"errors\" is not a list: {errors}")))?;
        if !list.is_empty() {
            let messages: Vec<String> = list
                .iter()
                .map(|e| {
                    e.get("message")
                        .and_then(Value::as_str)
                        .map_or_else(|| e.to_string(), str::to_owned)
                })
                .collect();
            return Err(Cause::Api(messages.join("; ")));
        }
    }
    let nrql = json
        .pointer("/data/actor/account/nrql")
        .ok_or_else(|| bad("no \"data.actor.account.nrql\"".into()))?;
    if nrql.is_null() {
        return Err(bad(
            "\"data.actor.account.nrql\" is null and no error was reported".into(),
        ));
    }
    let results = nrql
        .get("results")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no \"data.actor.account.nrql.results\" list".into()))?;
    results
        .iter()
        .enumerate()
        .map(|(i, row)| {
            row.as_object()
                .cloned()
                .ok_or_else(|| bad(format!("results[{i}]: expected an object, got {row}")))
        })
        .collect()
}

/// A row's facet as text: `Some` for a string or number, an error for a multi-attribute
/// facet (a list).
fn facet(row: &Map<String, Value>) -> Result<Option<String>, Cause> {
    match row.get("facet") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(Cause::Data(format!(
            "the facet {other} has several attributes; FACET by one attribute"
        ))),
    }
}

/// Whether `key` holds the facet attribute's own value (NRQL repeats it under the
/// attribute's name: `{"facet": "0.1", "le": "0.1", …}`).
fn is_facet_echo(row: &Map<String, Value>, key: &str) -> bool {
    let Some(value) = row.get(key).and_then(Value::as_str) else {
        return false;
    };
    match row.get("facet") {
        Some(Value::String(f)) => f == value,
        Some(Value::Array(items)) => items.iter().any(|i| i.as_str() == Some(value)),
        _ => false,
    }
}

/// The row's value: its one field that is not a time, the facet or a facet attribute.
fn value(row: &Map<String, Value>, at: &str) -> Result<Option<f64>, Cause> {
    let fields: Vec<&String> = row
        .keys()
        .filter(|k| !TIME_FIELDS.contains(&k.as_str()) && *k != "facet" && !is_facet_echo(row, k))
        .collect();
    let field = match fields.as_slice() {
        [one] => *one,
        [] => {
            return Err(Cause::Data(format!(
                "{at}: the row has no value field (fields: {})",
                row.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        }
        several => {
            let names: Vec<&str> = several.iter().map(|s| s.as_str()).collect();
            return Err(Cause::Data(format!(
                "{at}: the NRQL returns several values ({}); select one aggregate",
                names.join(", ")
            )));
        }
    };
    let number = |v: &Value| -> Result<Option<f64>, Cause> {
        match v {
            Value::Null => Ok(None),
            Value::Number(n) => Ok(n.as_f64()),
            other => Err(Cause::Data(format!(
                "{at}: {field} is {other}, not a number"
            ))),
        }
    };
    match &row[field] {
        // A percentile: {"95": 130.0}.
        Value::Object(inner) if inner.len() == 1 => {
            number(inner.values().next().unwrap_or(&Value::Null))
        }
        other => number(other),
    }
}

/// `TIMESERIES` rows → points on the window's grid at each bucket's end.
fn series(rows: &[Map<String, Value>], window: Window, what: &str) -> Result<Vec<Point>, Cause> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut facets: Vec<String> = Vec::new();
    for row in rows {
        if let Some(f) = facet(row)?.filter(|f| !facets.contains(f)) {
            facets.push(f);
        }
    }
    if !facets.is_empty() {
        let shown: Vec<String> = facets.iter().take(3).map(|f| format!("{f:?}")).collect();
        return Err(Cause::Data(format!(
            "the {what} returned {} facets ({}{}) where one series is expected; remove FACET",
            facets.len(),
            shown.join(", "),
            if facets.len() > 3 { ", …" } else { "" }
        )));
    }
    let mut samples = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let at = format!("the {what}'s results[{i}]");
        let end = row
            .get("endTimeSeconds")
            .and_then(Value::as_f64)
            .ok_or_else(|| {
                Cause::Data(format!(
                    "{at} has no endTimeSeconds: the NRQL must end with TIMESERIES ${{step_seconds}} seconds"
                ))
            })?;
        samples.push((end, value(row, &at)?.unwrap_or(f64::NAN)));
    }
    align(window, samples, Snap::Nearest).map_err(|cause| match cause {
        Cause::Data(m) if m.contains("two samples") => Cause::Data(format!(
            "{m}; use TIMESERIES ${{step_seconds}} seconds in the NRQL"
        )),
        other => other,
    })
}

/// `FACET <bound>` rows → a cumulative histogram over the window.
fn histogram(rows: &[Map<String, Value>]) -> Result<Option<Histogram>, Cause> {
    let mut by_bound: BTreeMap<String, f64> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        let at = format!("results[{i}]");
        let bound = facet(row)?.ok_or_else(|| {
            Cause::Data(format!(
                "{at} has no facet: a histogram NRQL must FACET by the bucket bound (e.g. FACET le)"
            ))
        })?;
        let count = match value(row, &at)? {
            Some(v) if v.is_finite() => v,
            Some(v) => {
                return Err(Cause::Data(format!("the bucket le={bound:?} is {v}")));
            }
            None => 0.0,
        };
        *by_bound.entry(bound).or_insert(0.0) += count;
    }
    let mut buckets = Vec::with_capacity(by_bound.len());
    for (bound, count) in by_bound {
        let le = bound
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|b| !b.is_nan())
            .ok_or_else(|| {
                Cause::Data(format!(
                    "the facet {bound:?} is not a bucket bound (a number or +Inf); FACET by the bucket's le attribute"
                ))
            })?;
        buckets.push((le, count));
    }
    histogram_from_buckets(buckets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(value: Value) -> Vec<Map<String, Value>> {
        parse_response(&json!({"data": {"actor": {"account": {"nrql": {"results": value}}}}}))
            .unwrap()
    }

    #[test]
    fn timeseries_rows_land_at_their_bucket_end() {
        let w = Window::new(1000, 1180, 60).unwrap();
        let r = rows(json!([
            {"beginTimeSeconds": 1000, "endTimeSeconds": 1060, "average.duration": 1.5},
            {"beginTimeSeconds": 1060, "endTimeSeconds": 1120, "average.duration": null},
            {"beginTimeSeconds": 1120, "endTimeSeconds": 1180, "average.duration": {"95": 3.0}},
        ]));
        let v: Vec<Option<f64>> = series(&r, w, "query")
            .unwrap()
            .iter()
            .map(|p| p.value)
            .collect();
        assert_eq!(v, [None, Some(1.5), None, Some(3.0)]);
    }

    #[test]
    fn ambiguous_or_faceted_rows_are_errors() {
        let w = Window::new(1000, 1180, 60).unwrap();
        let two = rows(json!([{"endTimeSeconds": 1060, "count": 1, "average.duration": 2}]));
        let e = series(&two, w, "query").unwrap_err().to_string();
        assert!(
            e.contains("several values (average.duration, count)"),
            "{e}"
        );
        let faceted = rows(json!([
            {"endTimeSeconds": 1060, "facet": "a", "host": "a", "count": 1},
            {"endTimeSeconds": 1060, "facet": "b", "host": "b", "count": 1},
        ]));
        let e = series(&faceted, w, "query").unwrap_err().to_string();
        assert!(e.contains("2 facets (\"a\", \"b\")"), "{e}");
        let untimed = rows(json!([{"count": 4}]));
        let e = series(&untimed, w, "query").unwrap_err().to_string();
        assert!(e.contains("TIMESERIES"), "{e}");
    }

    #[test]
    fn histograms_from_le_facets() {
        let r = rows(json!([
            {"facet": "+Inf", "le": "+Inf", "sum.b": 10},
            {"facet": "0.1", "le": "0.1", "sum.b": 4},
            {"facet": "0.5", "le": "0.5", "sum.b": 7.0001},
        ]));
        let h = histogram(&r).unwrap().unwrap();
        assert_eq!(h.upper_bounds(), &[0.1, 0.5, f64::INFINITY]);
        assert_eq!(h.cumulative_counts(), &[4.0, 7.0, 10.0]);
        let unfaceted = rows(json!([{"histogram.duration": [1, 2]}]));
        assert!(matches!(histogram(&unfaceted), Err(Cause::Data(m)) if m.contains("FACET")));
        let named = rows(json!([{"facet": "web", "appName": "web", "count": 1}]));
        assert!(
            matches!(histogram(&named), Err(Cause::Data(m)) if m.contains("not a bucket bound"))
        );
        assert!(histogram(&[]).unwrap().is_none());
    }

    proptest::proptest! {
        /// The order of `TIMESERIES` rows does not matter, and each lands at its end.
        #[test]
        fn row_order_does_not_matter(
            values in proptest::collection::vec(proptest::option::of(0.0f64..1e6), 3),
            rotate in 0usize..3,
        ) {
            let w = Window::new(1000, 1180, 60).unwrap();
            let mut list: Vec<Value> = values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let end = 1060 + 60 * i as i64;
                    json!({"beginTimeSeconds": end - 60, "endTimeSeconds": end, "count": v})
                })
                .collect();
            list.rotate_left(rotate);
            let points = series(&rows(Value::Array(list)), w, "query").unwrap();
            proptest::prop_assert_eq!(points[0].value, None);
            for (i, v) in values.iter().enumerate() {
                proptest::prop_assert_eq!(points[i + 1].timestamp, 1060 + 60 * i as i64);
                proptest::prop_assert_eq!(points[i + 1].value, *v);
            }
        }

        /// A `FACET le TIMESERIES` answer sums per bound to the same histogram as the
        /// `FACET le` answer over the whole window.
        #[test]
        fn faceted_timeseries_sum_to_the_window_histogram(
            per_step in proptest::collection::vec((0u32..100, 0u32..100, 0u32..100), 1..5),
        ) {
            let bounds = ["0.1", "0.5", "+Inf"];
            let mut stepped = Vec::new();
            let mut totals = [0u32; 3];
            for (step, (a, b, c)) in per_step.iter().enumerate() {
                let cumulative = [*a, a + b, a + b + c];
                for (k, le) in bounds.iter().enumerate() {
                    totals[k] += cumulative[k];
                    stepped.push(json!({"beginTimeSeconds": 60 * step, "endTimeSeconds": 60 * (step + 1), "facet": le, "le": le, "sum.x": cumulative[k]}));
                }
            }
            let whole: Vec<Value> = bounds
                .iter()
                .zip(totals)
                .map(|(le, n)| json!({"facet": le, "le": le, "sum.x": n}))
                .collect();
            let a = histogram(&rows(Value::Array(stepped))).unwrap().unwrap();
            let b = histogram(&rows(Value::Array(whole))).unwrap().unwrap();
            proptest::prop_assert_eq!(a.cumulative_counts(), b.cumulative_counts());
            proptest::prop_assert_eq!(a.total(), f64::from(totals[2]));
        }
    }

    #[test]
    fn graphql_errors_come_with_http_200() {
        let e = parse_response(&json!({
            "data": {"actor": {"account": {"nrql": null}}},
            "errors": [{"message": "NRQL Syntax Error: Error at line 1", "path": ["actor", "account", "nrql"]}]
        }));
        assert_eq!(
            e,
            Err(Cause::Api("NRQL Syntax Error: Error at line 1".into()))
        );
        assert!(parse_response(&json!({"data": {"actor": {"account": {"nrql": null}}}})).is_err());
        assert!(parse_response(&json!({"data": null})).is_err());
    }

    #[test]
    fn seconds_after_since_or_until_are_refused() {
        assert!(check_time_units("SELECT 1 FROM T SINCE ${start} UNTIL ${end_ms}").is_err());
        assert!(check_time_units("SELECT 1 FROM T since  ${start_ms}\nuntil ${end}").is_err());
        assert!(check_time_units("SELECT 1 FROM T SINCE ${start_ms} UNTIL ${end_ms}").is_ok());
    }
}
