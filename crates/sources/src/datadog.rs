//! Datadog through the metrics query API (v1): `GET /api/v1/query?from=&to=&query=`.
//!
//! Every query runs over the window (`from` = start, `to` = end, unix seconds) with the
//! API key in the `DD-API-KEY` header and the application key in `DD-APPLICATION-KEY`;
//! neither ever goes into the URL. The answer is the documented
//! `{"status": "ok", "res_type": "time_series", "series": [{"pointlist": [[ms, value], …],
//! "scope": …, "tag_set": […], …}], …}`.
//!
//! | kind | what the query must return |
//! |---|---|
//! | continuous | one series (aggregate: `avg:`/`sum:` without `by {…}`) |
//! | counts | `events` and `total`: one series each, the count per step (`.as_count()`) |
//! | histogram | one series per bucket, grouped `by {upper_bound}` (or `by {le}`), counts summed over the window |
//!
//! ```yaml
//! metrics:
//!   - name: latency_ms
//!     query:
//!       datadog: 'avg:trace.http.request.duration{service:web,version:${scope}}.rollup(avg, ${step_seconds})'
//!   - name: errors
//!     kind: counts
//!     query:
//!       datadog:
//!         events: 'sum:trace.http.request.errors{service:web,version:${scope}}.as_count().rollup(sum, ${step_seconds})'
//!         total:  'sum:trace.http.request.hits{service:web,version:${scope}}.as_count().rollup(sum, ${step_seconds})'
//!   - name: latency_seconds
//!     kind: histogram
//!     query:
//!       datadog: 'sum:http.request.duration.seconds.bucket{version:${scope}} by {upper_bound}.as_count()'
//! sources:
//!   datadog:
//!     url: https://api.datadoghq.eu        # or options: {site: datadoghq.eu}; default https://api.datadoghq.com
//!     auth: {env: DD_API_KEY}              # the API key (default: CANARY_DATADOG_TOKEN)
//!     credentials:
//!       app_key: {env: DD_APP_KEY}         # the application key (default: CANARY_DATADOG_APP_KEY)
//! ```
//!
//! Settings: the base URL is `--url` (one per Datadog site: `https://api.datadoghq.com`,
//! `https://api.datadoghq.eu`, `https://api.us5.datadoghq.com`, …), or the option `site`
//! (`datadoghq.eu`, `us5.datadoghq.com`) which means `https://api.<site>`; without
//! either, `https://api.datadoghq.com`. Credentials: `auth` is the API key and the named
//! credential `app_key` the application key; both are required.
//!
//! Mapping rules:
//! - **Time.** Datadog rolls points up to its own interval and stamps each with the start
//!   of its rollup bucket, in milliseconds. Points are put on the window's grid
//!   `start, start + step, …, end` by [`Snap::Nearest`]: each goes to the nearest instant
//!   within half a step, points more than half a step outside the window are dropped, a
//!   step without a point is a missing value, `null` too. When Datadog's interval is
//!   finer than the step two points land on one instant: that is an error, never a
//!   silent pick — add `.rollup(avg, ${step_seconds})` (or `.rollup(sum, …)` for counts)
//!   so Datadog answers once per step.
//! - **Counts.** Use `.as_count()` so each point is the number of events in its
//!   interval; values are rounded to whole numbers (Datadog may interpolate); a step
//!   where `events` has no point counts 0; no `total` series at all is no data.
//! - **Histograms.** Datadog's distribution metrics do not expose their buckets, so a
//!   histogram needs a bucket-count metric, e.g. a Prometheus/OpenMetrics histogram
//!   collected by the Agent (`<name>.bucket`, tagged `upper_bound:<bound>`, the top
//!   bucket `upper_bound:inf`) or an OpenTelemetry histogram, grouped by its bound tag
//!   (`by {upper_bound}`; a tag `le:<bound>` works too). Each series' points are summed
//!   over the window. Series tagged only with an upper bound are taken as cumulative
//!   (Prometheus `le` semantics). When every series also carries `lower_bound:<bound>`
//!   (group `by {lower_bound,upper_bound}`, as Datadog's OpenTelemetry exporter and the
//!   Agent's `non_cumulative_histogram_buckets` send them) they are per-bucket counts:
//!   the buckets must chain (each lower bound is the previous upper bound) and are
//!   summed into cumulative counts. A `+Inf` bucket is required either way.
//! - **Errors.** More than one series where one is expected is an error naming how many
//!   and their tags (aggregate without `by {…}`, or with `sum:`/`avg:`). No series is
//!   no data (the judge says `nodata`). A body with `"status": "error"` or `"errors"` is
//!   [`Cause::Api`]; a 4xx (e.g. `{"errors": ["Forbidden"]}`) is not retried and is
//!   reported with its body, redacted of both keys.

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
use serde_json::Value;
use std::future::Future;

const NAME: &str = "datadog";

/// The base URL when neither `url` nor the option `site` is given.
pub const DEFAULT_URL: &str = "https://api.datadoghq.com";

/// The options Datadog reads from [`SourceSettings::options`].
pub const OPTIONS: &[&str] = &["site"];

/// The named credentials Datadog reads from [`SourceSettings::credentials`].
pub const CREDENTIALS: &[&str] = &["app_key"];

/// A Datadog site's metrics query API.
#[derive(Debug, Clone)]
pub struct Datadog {
    base: reqwest::Url,
    http: HttpClient,
    api_key: Secret,
    app_key: Secret,
}

impl Datadog {
    /// A client of the site at `settings.url` (or `https://api.<site>` for the option
    /// `site`, else [`DEFAULT_URL`]), sending `settings.auth` as the API key and the
    /// credential `app_key` as the application key.
    ///
    /// # Errors
    /// [`Cause::Setup`] for an invalid URL, both a URL and a site, or an unknown option
    /// or credential name; [`Cause::Credential`] when a key is missing.
    ///
    /// ```
    /// use canary_sources::{Secret, SourceSettings};
    /// use canary_sources::datadog::Datadog;
    ///
    /// let mut settings = SourceSettings::default();
    /// settings.auth = Some(Secret::new("api-key".into()));
    /// let e = Datadog::new(settings).unwrap_err();
    /// assert!(e.to_string().contains("app_key"), "{e}");
    /// ```
    pub fn new(settings: SourceSettings) -> Result<Self, SourceError> {
        settings.check_options(NAME, OPTIONS)?;
        let setup = |m: String| SourceError::new(NAME, Cause::Setup(m));
        let url = match (settings.url.as_deref(), settings.options.get("site")) {
            (Some(_), Some(_)) => {
                return Err(setup(
                    "give either a URL or the option site, not both".into(),
                ));
            }
            (Some(url), None) => url.to_owned(),
            (None, Some(site)) => site_url(site).map_err(setup)?,
            (None, None) => DEFAULT_URL.to_owned(),
        };
        let base = check_base_url(NAME, Some(&url))?;
        let missing = |what: &str, how: &str| {
            SourceError::new(
                NAME,
                Cause::Credential(format!("the Datadog {what} is missing: {how}")),
            )
        };
        let api_key = settings.auth.ok_or_else(|| {
            missing(
                "API key",
                "set CANARY_DATADOG_TOKEN, --auth-env/--auth-file or sources.datadog.auth",
            )
        })?;
        let app_key = settings
            .credentials
            .get("app_key")
            .cloned()
            .ok_or_else(|| {
                missing(
                    "application key (credential app_key)",
                    "set CANARY_DATADOG_APP_KEY, --credential-env app_key=VAR or sources.datadog.credentials.app_key",
                )
            })?;
        let http = HttpClient::new(settings.http).map_err(|c| SourceError::new(NAME, c))?;
        Ok(Self {
            base,
            http,
            api_key,
            app_key,
        })
    }

    /// Runs one query over the window and returns its series.
    async fn query(&self, query: &str, window: Window) -> Result<Vec<Series>, Cause> {
        let mut url = self.base.clone();
        let path = format!("{}/api/v1/query", url.path().trim_end_matches('/'));
        url.set_path(&path);
        url.query_pairs_mut()
            .append_pair("from", &window.start.to_string())
            .append_pair("to", &window.end.to_string())
            .append_pair("query", query);
        let response = self
            .http
            .send(|client| {
                client
                    .get(url.clone())
                    .header("DD-API-KEY", self.api_key.expose())
                    .header("DD-APPLICATION-KEY", self.app_key.expose())
                    .header(reqwest::header::ACCEPT, "application/json")
            })
            .await?;
        parse_response(&response.json()?)
    }
}

/// `https://api.<site>` for a Datadog site name such as `datadoghq.eu`.
fn site_url(site: &str) -> Result<String, String> {
    let site = site.trim();
    let valid = !site.is_empty()
        && site.contains('.')
        && site
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if !valid {
        return Err(format!(
            "option site: expected a Datadog site such as datadoghq.com, datadoghq.eu or us5.datadoghq.com, got {site:?}"
        ));
    }
    Ok(format!("https://api.{site}"))
}

impl SeriesBackend for Datadog {
    type Series = Series;
    const QUERY: &'static str = "query";

    fn series(
        &self,
        query: &str,
        _kind: MetricKind,
        window: Window,
    ) -> impl Future<Output = Result<Vec<Series>, Cause>> + Send {
        self.query(query, window)
    }

    fn single(series: Vec<Series>, what: &str) -> Result<Option<Series>, Cause> {
        single_series(
            series,
            what,
            Series::describe,
            "aggregate them into one (e.g. sum:… or avg:… without `by {…}`)",
        )
    }

    fn on_grid(series: &Series, window: Window) -> Result<Vec<Point>, Cause> {
        on_grid(series, window)
    }

    fn histogram(series: Vec<Series>) -> Result<Option<Histogram>, Cause> {
        histogram(&series)
    }
}

impl MetricSource for Datadog {
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

/// One series of a response: its tags and `(unix seconds, value)` points (`None` for
/// `null`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series {
    scope: String,
    tags: Vec<String>,
    points: Vec<(f64, Option<f64>)>,
}

impl Series {
    fn describe(&self) -> String {
        if self.tags.is_empty() {
            format!("{{{}}}", self.scope)
        } else {
            format!("{{{}}}", self.tags.join(","))
        }
    }

    /// The value of the tag `name` (`upper_bound:0.5` → `0.5`).
    fn tag(&self, name: &str) -> Option<&str> {
        self.tags.iter().find_map(|t| {
            t.split_once(':')
                .filter(|(k, _)| *k == name)
                .map(|(_, v)| v)
        })
    }
}

/// Parses the documented response: `{"status": "ok", "series": [...]}`, or an error
/// body (`"status": "error"` with `"error"`, or `"errors": [...]`).
fn parse_response(json: &Value) -> Result<Vec<Series>, Cause> {
    let bad = |m: String| Cause::Response(m);
    if !json.is_object() {
        return Err(bad("expected a JSON object".into()));
    }
    if let Some(errors) = json
        .get("errors")
        .and_then(Value::as_array)
        .filter(|e| !e.is_empty())
    {
        let messages: Vec<String> = errors
            .iter()
            .map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_owned))
            .collect();
        return Err(Cause::Api(messages.join("; ")));
    }
    let status = json.get("status").and_then(Value::as_str);
    if status == Some("error") {
        let message = json
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("no message");
        return Err(Cause::Api(message.to_owned()));
    }
    if status != Some("ok") {
        return Err(bad(format!(
            "expected \"status\": \"ok\" or \"error\", got {}",
            json.get("status")
                .map_or("nothing".into(), Value::to_string)
        )));
    }
    let series = json
        .get("series")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no \"series\" array".into()))?;
    let mut out = Vec::with_capacity(series.len());
    for (i, item) in series.iter().enumerate() {
        let at = format!("series[{i}]");
        let scope = item
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let tags = match item.get("tag_set") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(tags)) => tags
                .iter()
                .map(|t| {
                    t.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| bad(format!("{at}.tag_set: expected strings, got {t}")))
                })
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(bad(format!("{at}.tag_set: expected a list, got {other}")));
            }
        };
        let pointlist = item
            .get("pointlist")
            .and_then(Value::as_array)
            .ok_or_else(|| bad(format!("{at}: no \"pointlist\" array")))?;
        let points = pointlist
            .iter()
            .enumerate()
            .map(|(j, p)| {
                let at = format!("{at}.pointlist[{j}]");
                let pair = p
                    .as_array()
                    .filter(|p| p.len() == 2)
                    .ok_or_else(|| bad(format!("{at}: expected [milliseconds, value]")))?;
                let ms = pair[0]
                    .as_f64()
                    .ok_or_else(|| bad(format!("{at}: the timestamp is not a number")))?;
                let value = match &pair[1] {
                    Value::Null => None,
                    v => Some(
                        v.as_f64()
                            .ok_or_else(|| bad(format!("{at}: the value {v} is not a number")))?,
                    ),
                };
                Ok((ms / 1000.0, value))
            })
            .collect::<Result<Vec<_>, Cause>>()?;
        out.push(Series {
            scope,
            tags,
            points,
        });
    }
    Ok(out)
}

/// The series' points on the window's grid (nearest instant within half a step).
fn on_grid(series: &Series, window: Window) -> Result<Vec<Point>, Cause> {
    let samples = series
        .points
        .iter()
        .map(|(t, v)| (*t, v.unwrap_or(f64::NAN)));
    align(window, samples, Snap::Nearest).map_err(|cause| match cause {
        Cause::Data(m) if m.contains("two samples") => Cause::Data(format!(
            "{m}; Datadog rolled the data up to a finer interval than the step: add .rollup(avg, ${{step_seconds}}) (or .rollup(sum, ${{step_seconds}}) for counts) to the query"
        )),
        other => other,
    })
}

/// A bucket bound from a tag value: a number, or `inf` / `+Inf` / `-inf`.
fn bound(text: &str, tag: &str, series: &Series) -> Result<f64, Cause> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|b| !b.is_nan())
        .ok_or_else(|| {
            Cause::Data(format!(
                "the series {}: {tag}:{text} is not a number",
                series.describe()
            ))
        })
}

/// One series per bucket → a cumulative histogram over the window.
fn histogram(series: &[Series]) -> Result<Option<Histogram>, Cause> {
    if series.is_empty() {
        return Ok(None);
    }
    let lower_tagged = series
        .iter()
        .filter(|s| s.tag("lower_bound").is_some())
        .count();
    if lower_tagged != 0 && lower_tagged != series.len() {
        return Err(Cause::Data(format!(
            "{lower_tagged} of {} bucket series carry a lower_bound tag; group the query by {{upper_bound}} (cumulative buckets) or by {{lower_bound,upper_bound}} (per-bucket counts), not a mix",
            series.len()
        )));
    }
    // (lower, upper, count over the window)
    let mut buckets: Vec<(Option<f64>, f64, f64)> = Vec::with_capacity(series.len());
    for s in series {
        let (tag, text) = match (s.tag("upper_bound"), s.tag("le")) {
            (Some(text), _) => ("upper_bound", text),
            (None, Some(text)) => ("le", text),
            (None, None) => {
                return Err(Cause::Data(format!(
                    "the series {} has no upper_bound (or le) tag; a histogram query must return one series per bucket, e.g. `sum:<metric>.bucket{{…}} by {{upper_bound}}.as_count()`",
                    s.describe()
                )));
            }
        };
        let upper = bound(text, tag, s)?;
        let lower = s
            .tag("lower_bound")
            .map(|text| bound(text, "lower_bound", s))
            .transpose()?;
        let mut count = 0.0;
        for (t, v) in &s.points {
            match v {
                Some(v) if v.is_finite() => count += v,
                Some(v) => {
                    return Err(Cause::Data(format!(
                        "the bucket {tag}:{text} has the value {v} at {t}"
                    )));
                }
                None => {}
            }
        }
        buckets.push((lower, upper, count));
    }
    if lower_tagged == 0 {
        return histogram_from_buckets(buckets.into_iter().map(|(_, u, c)| (u, c)).collect());
    }
    // Per-bucket counts: they must chain, then add up into cumulative ones.
    buckets.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut cumulative = Vec::with_capacity(buckets.len());
    let mut running = 0.0;
    let mut previous: Option<f64> = None;
    for (lower, upper, count) in buckets {
        let lower = lower.unwrap_or(f64::NEG_INFINITY);
        if let Some(p) = previous.filter(|p| *p != lower) {
            return Err(Cause::Data(format!(
                "the buckets do not chain: one ends at {p} and the next starts at {lower} (a bucket is missing or the query is not grouped by {{lower_bound,upper_bound}})"
            )));
        }
        if count < 0.0 {
            return Err(Cause::Data(format!(
                "the bucket lower_bound:{lower},upper_bound:{upper} counts {count}"
            )));
        }
        running += count;
        cumulative.push((upper, running));
        previous = Some(upper);
    }
    histogram_from_buckets(cumulative)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn series(tags: &[&str], points: &[(f64, Option<f64>)]) -> Series {
        Series {
            scope: "version:v1".into(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            points: points.to_vec(),
        }
    }

    #[test]
    fn points_snap_to_the_nearest_step_and_finer_rollups_are_refused() {
        let w = Window::new(1000, 1180, 60).unwrap();
        let s = series(
            &[],
            &[(1010.0, Some(1.0)), (1121.0, None), (1175.0, Some(3.0))],
        );
        let values: Vec<Option<f64>> = on_grid(&s, w).unwrap().iter().map(|p| p.value).collect();
        assert_eq!(values, [Some(1.0), None, None, Some(3.0)]);
        let fine = series(&[], &[(1000.0, Some(1.0)), (1020.0, Some(2.0))]);
        let e = on_grid(&fine, w).unwrap_err().to_string();
        assert!(e.contains(".rollup(avg, ${step_seconds})"), "{e}");
    }

    #[test]
    fn cumulative_and_per_bucket_histograms() {
        let b =
            |tags: &[&str], v: f64| series(tags, &[(0.0, Some(v)), (60.0, Some(v)), (120.0, None)]);
        let h = histogram(&[
            b(&["upper_bound:inf"], 5.0),
            b(&["upper_bound:0.1"], 2.0),
            b(&["upper_bound:0.5"], 4.0),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(h.upper_bounds(), &[0.1, 0.5, f64::INFINITY]);
        assert_eq!(h.cumulative_counts(), &[4.0, 8.0, 10.0]);
        let h = histogram(&[
            b(&["lower_bound:0.1", "upper_bound:0.5"], 2.0),
            b(&["lower_bound:-inf", "upper_bound:0.1"], 1.0),
            b(&["lower_bound:0.5", "upper_bound:inf"], 3.0),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(h.cumulative_counts(), &[2.0, 6.0, 12.0]);
        let gap = histogram(&[
            b(&["lower_bound:-inf", "upper_bound:0.1"], 1.0),
            b(&["lower_bound:0.5", "upper_bound:inf"], 3.0),
        ]);
        assert!(matches!(gap, Err(Cause::Data(m)) if m.contains("do not chain")));
        let mixed = histogram(&[
            b(&["lower_bound:-inf", "upper_bound:0.1"], 1.0),
            b(&["upper_bound:inf"], 3.0),
        ]);
        assert!(matches!(mixed, Err(Cause::Data(m)) if m.contains("not a mix")));
        let le = histogram(&[b(&["le:+Inf"], 3.0), b(&["le:1"], 1.0)])
            .unwrap()
            .unwrap();
        assert_eq!(le.cumulative_counts(), &[2.0, 6.0]);
        let none = histogram(&[b(&["host:a"], 1.0)]);
        assert!(matches!(none, Err(Cause::Data(m)) if m.contains("no upper_bound")));
        let nan = histogram(&[b(&["upper_bound:nan"], 1.0)]);
        assert!(matches!(nan, Err(Cause::Data(m)) if m.contains("not a number")));
        assert!(histogram(&[]).unwrap().is_none());
    }

    #[test]
    fn envelopes_and_errors() {
        assert_eq!(
            parse_response(&json!({"status": "error", "error": "Error parsing query"})),
            Err(Cause::Api("Error parsing query".into()))
        );
        assert_eq!(
            parse_response(&json!({"errors": ["Forbidden", "bad key"]})),
            Err(Cause::Api("Forbidden; bad key".into()))
        );
        assert!(parse_response(&json!({"status": "ok"})).is_err());
        assert!(parse_response(&json!([1])).is_err());
        let bad_point = json!({"status": "ok", "series": [{"pointlist": [[1000, "x"]]}]});
        assert!(
            matches!(parse_response(&bad_point), Err(Cause::Response(m)) if m.contains("pointlist[0]"))
        );
        let ok = json!({"status": "ok", "series": [{"pointlist": [[1000000.0, null], [1060000, 2.5]], "scope": "version:v1", "tag_set": []}]});
        assert_eq!(
            parse_response(&ok).unwrap()[0].points,
            vec![(1000.0, None), (1060.0, Some(2.5))]
        );
    }

    proptest::proptest! {
        /// Per-bucket series, in any order, add up to the same cumulative histogram as
        /// the cumulative series of the same data.
        #[test]
        fn per_bucket_and_cumulative_buckets_agree(
            counts in proptest::collection::vec(0u32..1000, 1..8),
            rotate in 0usize..8,
        ) {
            let bounds: Vec<String> = (0..counts.len())
                .map(|i| if i + 1 == counts.len() { "inf".to_owned() } else { format!("{}", 0.1 * (i + 1) as f64) })
                .collect();
            let mut per_bucket: Vec<Series> = counts
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let lower = if i == 0 { "-inf".to_owned() } else { bounds[i - 1].clone() };
                    series(
                        &[&format!("lower_bound:{lower}"), &format!("upper_bound:{}", bounds[i])],
                        &[(0.0, Some(f64::from(*c))), (60.0, None)],
                    )
                })
                .collect();
            per_bucket.rotate_left(rotate % counts.len());
            let mut running = 0.0;
            let cumulative: Vec<Series> = counts
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    running += f64::from(*c);
                    series(&[&format!("upper_bound:{}", bounds[i])], &[(0.0, Some(running))])
                })
                .collect();
            let a = histogram(&per_bucket).unwrap().unwrap();
            let b = histogram(&cumulative).unwrap().unwrap();
            proptest::prop_assert_eq!(a.cumulative_counts(), b.cumulative_counts());
            proptest::prop_assert_eq!(a.upper_bounds(), b.upper_bounds());
            let total: u32 = counts.iter().sum();
            proptest::prop_assert_eq!(a.total(), f64::from(total));
        }

        /// A point within half a step of a grid instant lands on that instant, whatever
        /// the order of the points.
        #[test]
        fn points_near_an_instant_land_on_it(
            offsets in proptest::collection::vec(-29i64..=29, 4),
            present in proptest::collection::vec(proptest::bool::ANY, 4),
        ) {
            let w = Window::new(1000, 1180, 60).unwrap();
            let mut points: Vec<(f64, Option<f64>)> = offsets
                .iter()
                .zip(&present)
                .enumerate()
                .filter(|(_, (_, p))| **p)
                .map(|(i, (o, _))| ((1000 + 60 * i as i64 + o) as f64, Some(i as f64)))
                .collect();
            points.reverse();
            let grid = on_grid(&series(&[], &points), w).unwrap();
            for (i, p) in grid.iter().enumerate() {
                proptest::prop_assert_eq!(p.timestamp, 1000 + 60 * i as i64);
                proptest::prop_assert_eq!(p.value, present[i].then_some(i as f64));
            }
        }
    }

    #[test]
    fn sites_become_api_urls() {
        assert_eq!(
            site_url("datadoghq.eu").unwrap(),
            "https://api.datadoghq.eu"
        );
        assert!(site_url("evil.com/x?y").is_err());
        assert!(site_url("").is_err());
    }
}
