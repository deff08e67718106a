//! Amazon CloudWatch metrics through the `GetMetricData` API.
//!
//! **Request.** One signed `POST /` per query and side, in the JSON form CloudWatch's API
//! reference documents under "Making API Requests Using the POST Method": headers
//! `X-Amz-Target: GraniteServiceVersion20100801.GetMetricData`,
//! `Content-Type: application/json`, `Content-Encoding: amz-1.0`,
//! `Accept: application/json`, and a JSON body
//!
//! ```json
//! {"MetricDataQueries": [{"Id": "q", "MetricStat": {"Metric": {"Namespace": "AWS/ApplicationELB",
//!    "MetricName": "TargetResponseTime", "Dimensions": [{"Name": "TargetGroup", "Value": "targetgroup/v2/…"}]},
//!    "Period": 60, "Stat": "p99"}, "ReturnData": true}],
//!  "StartTime": 1763719200, "EndTime": 1763721000, "ScanBy": "TimestampAscending"}
//! ```
//!
//! (times are unix seconds; `NextToken` is added when paging). The answer is
//! `{"MetricDataResults": [{"Id", "Label", "Timestamps": [unix seconds…], "Values": […],
//! "StatusCode": "Complete" | "PartialData" | "InternalError" | "Forbidden", "Messages"}],
//! "NextToken", "Messages"}`. Requests are signed with AWS Signature Version 4 (service
//! `monitoring`) by the `aws-sigv4` crate: an `Authorization: AWS4-HMAC-SHA256 …` header,
//! `X-Amz-Date` and, with temporary credentials, `X-Amz-Security-Token`. The secret key
//! never leaves the process; it only keys the signature.
//!
//! **Settings.** Option `region` (required, e.g. `eu-west-1`); the URL defaults to
//! `https://monitoring.<region>.amazonaws.com` (`--url` overrides it, e.g. for a VPC
//! endpoint). Credentials: `access_key_id` and `secret_access_key` (required) and
//! `session_token` (optional), read from `CANARY_CLOUDWATCH_ACCESS_KEY_ID`,
//! `CANARY_CLOUDWATCH_SECRET_ACCESS_KEY` and `CANARY_CLOUDWATCH_SESSION_TOKEN` unless the
//! config or the command line names them (`--credential-env
//! access_key_id=AWS_ACCESS_KEY_ID`). `auth` is not used and refused.
//!
//! **Queries.** `query.cloudwatch` is, per query, one of
//! - a metric stat: `namespace`, `metric`, `dimensions` (a map; values are templates,
//!   typically `${scope}`), `stat` (`Average`, `Sum`, `p99`, `tm90`, …) and optionally
//!   `unit`;
//! - `expression`: a metric math, `SEARCH` or Metrics Insights expression returning one
//!   series (Metrics Insights only reaches back three hours);
//! - `queries`: a list of `MetricDataQuery` structures exactly as the API takes them (the
//!   form of Argo Rollouts' `metricDataQueries`), every string a template; exactly one of
//!   them may return data (the others set `ReturnData: false`). A `Period` they leave out
//!   is the step.
//!
//! The `Period` is the step (`--step`), so the step must be 1, 5, 10, 30 or a multiple of
//! 60 seconds.
//!
//! ```yaml
//! metrics:
//!   - name: latency_p99
//!     query:
//!       cloudwatch:
//!         namespace: AWS/ApplicationELB
//!         metric: TargetResponseTime
//!         dimensions: {LoadBalancer: app/shop/50dc6c495c0c9188, TargetGroup: "${scope}"}
//!         stat: p99
//!   - name: errors
//!     kind: counts                    # events and total per step, both with stat Sum
//!     query:
//!       cloudwatch:
//!         events: {namespace: AWS/ApplicationELB, metric: HTTPCode_Target_5XX_Count,
//!                  dimensions: {TargetGroup: "${scope}"}, stat: Sum}
//!         total:  {namespace: AWS/ApplicationELB, metric: RequestCount,
//!                  dimensions: {TargetGroup: "${scope}"}, stat: Sum}
//!   - name: cpu
//!     query:
//!       cloudwatch:
//!         expression: SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/ECS", ServiceName) WHERE ServiceName = '${scope}'
//! ```
//!
//! **Histograms** cannot be expressed: CloudWatch keeps no cumulative `le` buckets, and
//! inventing them from percentiles would be guessing. A `histogram` metric is refused
//! with a [`Cause::Query`] before any request; judge a percentile statistic (`stat: p99`)
//! as a `continuous` metric instead.
//!
//! **Mapping.** CloudWatch labels each period by its start and omits periods without
//! data. Timestamps go to the nearest instant of the grid `start, start + step, …, end`
//! ([`Snap::Nearest`]); a period the answer lacks is a missing value (for counts: zero
//! events and zero total), so the instant `end` itself (a period that starts when the
//! window ends) is always missing. A result without data points is no data (the judge
//! says `nodata`). A counts metric stat must use `Sum` or `SampleCount`; counts are
//! rounded to whole numbers. `NextToken` pages are followed and merged (at most
//! 100 pages). `StatusCode: PartialData` with no `NextToken` (math expressions), `InternalError`
//! and `Forbidden` are errors, never a shorter series; no data alongside an operation
//! `Messages` entry (e.g. a limit exceeded) is that message as an error, not `nodata`;
//! several returned series where one is expected are an error naming their labels.

use crate::error::{Cause, SourceError};
use crate::fetch::{SourceSettings, check_base_url};
use crate::http::HttpClient;
use crate::secret::Secret;
use crate::shape::{SideData, Snap, align, pair_counts};
use crate::source::{FetchRequest, MetricQuery, MetricSource, SourceFuture, Window};
use crate::template::render_template;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use canary_judge::{MetricKind, Point};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::time::SystemTime;

const NAME: &str = "cloudwatch";
/// The SigV4 signing name of CloudWatch.
const SERVICE: &str = "monitoring";
/// The `X-Amz-Target` of `GetMetricData`.
pub const TARGET: &str = "GraniteServiceVersion20100801.GetMetricData";
/// The most `NextToken` pages followed for one query.
pub const MAX_PAGES: usize = 100;

/// A CloudWatch endpoint and the credentials that sign its requests.
#[derive(Debug, Clone)]
pub struct CloudWatch {
    endpoint: reqwest::Url,
    region: String,
    http: HttpClient,
    access_key_id: Secret,
    secret_access_key: Secret,
    session_token: Option<Secret>,
}

fn setup(message: String) -> SourceError {
    SourceError::new(NAME, Cause::Setup(message))
}

impl CloudWatch {
    /// A client for `settings.options["region"]`, at `settings.url` or the region's
    /// public endpoint.
    ///
    /// # Errors
    /// [`Cause::Setup`]: no or an invalid region, an unknown option or credential name,
    /// `auth` given, a bad URL; [`Cause::Credential`]: a required credential is missing.
    ///
    /// ```
    /// use canary_sources::{SourceSettings, cloudwatch::CloudWatch};
    /// let e = CloudWatch::new(SourceSettings::default()).unwrap_err();
    /// assert!(e.to_string().contains("needs the option region"));
    /// ```
    pub fn new(settings: SourceSettings) -> Result<Self, SourceError> {
        settings.check_options(NAME, &["region"])?;
        let region = settings
            .options
            .get("region")
            .map(|r| r.trim().to_owned())
            .ok_or_else(|| {
                setup(
                    "the cloudwatch source needs the option region (--option region=eu-west-1 or sources.cloudwatch.options.region)".into(),
                )
            })?;
        if region.is_empty()
            || !region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(setup(format!(
                "invalid region {region:?}: expected an AWS region such as eu-west-1"
            )));
        }
        if settings.auth.is_some() {
            return Err(setup(
                "cloudwatch signs its requests with the credentials access_key_id and secret_access_key (and session_token); it does not use auth (unset CANARY_CLOUDWATCH_TOKEN or sources.cloudwatch.auth)".into(),
            ));
        }
        let mut credentials = settings.credentials;
        let mut required = |name: &str| {
            credentials.remove(name).ok_or_else(|| {
                SourceError::new(
                    NAME,
                    Cause::Credential(format!(
                        "cloudwatch needs {name}: set CANARY_CLOUDWATCH_{}, or name a variable or file with --credential-env {name}=VAR, --credential-file {name}=PATH or sources.cloudwatch.credentials.{name}",
                        name.to_ascii_uppercase()
                    )),
                )
            })
        };
        let access_key_id = required("access_key_id")?;
        let secret_access_key = required("secret_access_key")?;
        let session_token = credentials.remove("session_token");
        let default_url = format!("https://monitoring.{region}.amazonaws.com");
        let endpoint = check_base_url(NAME, Some(settings.url.as_deref().unwrap_or(&default_url)))?;
        let http = HttpClient::new(settings.http).map_err(|c| SourceError::new(NAME, c))?;
        Ok(Self {
            endpoint,
            region,
            http,
            access_key_id,
            secret_access_key,
            session_token,
        })
    }

    /// The URL requests go to (the region's public endpoint unless a URL was given).
    pub fn endpoint(&self) -> &reqwest::Url {
        &self.endpoint
    }

    /// The SigV4 headers for a `POST` of `body` to the endpoint with `headers`.
    fn signature(
        &self,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Vec<(String, String)>, Cause> {
        let credentials = Credentials::new(
            self.access_key_id.expose(),
            self.secret_access_key.expose(),
            self.session_token.as_ref().map(|s| s.expose().to_owned()),
            None,
            "canary-judge",
        );
        signature_headers(
            credentials,
            &self.region,
            SERVICE,
            "POST",
            self.endpoint.as_str(),
            headers,
            body,
            SystemTime::now(),
        )
    }

    /// Runs one `GetMetricData` call (following `NextToken`) and returns the series of
    /// the results that hold data.
    async fn get_metric_data(
        &self,
        queries: &[Value],
        window: Window,
    ) -> Result<Vec<Series>, Cause> {
        let mut merged: Vec<Series> = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut body = json!({
                "MetricDataQueries": queries,
                "StartTime": window.start,
                "EndTime": window.end,
                "ScanBy": "TimestampAscending",
            });
            if let (Some(t), Some(object)) = (&token, body.as_object_mut()) {
                object.insert("NextToken".into(), Value::String(t.clone()));
            }
            let bytes = serde_json::to_vec(&body)
                .map_err(|e| Cause::Setup(format!("cannot encode the request: {e}")))?;
            let headers = [
                ("content-type", "application/json"),
                ("content-encoding", "amz-1.0"),
                ("accept", "application/json"),
                ("x-amz-target", TARGET),
            ];
            // Signed once per call: a signature stays valid for minutes, longer than
            // every retry with its backoff takes.
            let signed = self.signature(&headers, &bytes)?;
            let response = self
                .http
                .send(|client| {
                    let mut request = client.post(self.endpoint.clone()).body(bytes.clone());
                    for (name, value) in headers.iter().copied() {
                        request = request.header(name, value);
                    }
                    for (name, value) in &signed {
                        request = request.header(name.as_str(), value.as_str());
                    }
                    request
                })
                .await?;
            let page = parse_page(&response.json()?)?;
            notes.extend(page.messages);
            for result in page.results {
                match merged.iter_mut().find(|s| s.id == result.id) {
                    Some(series) => {
                        series.samples.extend(result.samples);
                        series.partial = result.partial;
                    }
                    None => merged.push(result),
                }
            }
            match page.next_token {
                Some(next) if token.as_deref() == Some(next.as_str()) => {
                    return Err(Cause::Response(
                        "NextToken repeats the previous page's token".into(),
                    ));
                }
                Some(next) => token = Some(next),
                None => {
                    if let Some(s) = merged.iter().find(|s| s.partial) {
                        return Err(Cause::Data(format!(
                            "CloudWatch returned partial data for {} without a NextToken to fetch the rest (a math expression over too many points?); use a larger step or a shorter window",
                            s.describe()
                        )));
                    }
                    let with_data: Vec<Series> = merged
                        .into_iter()
                        .filter(|s| !s.samples.is_empty())
                        .collect();
                    // "If there is a message, as much of the operation as possible is
                    // still executed": no data plus a message is that message, not nodata.
                    if with_data.is_empty() && !notes.is_empty() {
                        return Err(Cause::Api(notes.join("; ")));
                    }
                    return Ok(with_data);
                }
            }
        }
        Err(Cause::Response(format!(
            "more than {MAX_PAGES} pages of results; use a larger step or a shorter window"
        )))
    }

    /// One query's points on the grid, or `None` when it returned no data.
    async fn series(
        &self,
        query: &Value,
        window: Window,
        what: &str,
    ) -> Result<Option<Vec<Point>>, Cause> {
        let queries = match query {
            Value::Array(list) => list.clone(),
            one => vec![one.clone()],
        };
        let mut series = self.get_metric_data(&queries, window).await?;
        match series.len() {
            0 => Ok(None),
            1 => {
                let s = series.remove(0);
                align(window, s.samples, Snap::Nearest).map(Some)
            }
            n => {
                let shown: Vec<String> = series.iter().take(3).map(Series::describe).collect();
                Err(Cause::Data(format!(
                    "the {what} returned {n} series where one is expected ({}{}); aggregate them (e.g. SUM(SEARCH(...)) or a Metrics Insights query without GROUP BY)",
                    shown.join(", "),
                    if n > 3 { ", …" } else { "" }
                )))
            }
        }
    }

    async fn fetch_side(
        &self,
        request: &FetchRequest<'_>,
        parsed: &MetricQuery<CwQuery>,
        scope: &str,
    ) -> Result<SideData, Cause> {
        let vars = request.variables_for(scope)?;
        let window = request.window;
        let rendered = parsed.try_map(|key, q| q.render(key, &vars, window.step))?;
        match rendered {
            MetricQuery::Continuous(q) => Ok(SideData::Continuous(
                self.series(&q, window, "query").await?.unwrap_or_default(),
            )),
            MetricQuery::Counts { events, total } => {
                let (events, total) = futures_util::future::join(
                    self.series(&events, window, "events query"),
                    self.series(&total, window, "total query"),
                )
                .await;
                let counts = pair_counts(events?, total?)?;
                Ok(SideData::Counts(counts))
            }
            MetricQuery::Histogram(_) => Err(histogram_refused()),
        }
    }
}

fn histogram_refused() -> Cause {
    Cause::Query(
        "CloudWatch keeps no cumulative le buckets, so a histogram metric cannot be fetched faithfully; judge a percentile statistic instead (kind: continuous with stat: p99)".into(),
    )
}

/// Computes the SigV4 headers (`authorization`, `x-amz-date`, and
/// `x-amz-security-token` with temporary credentials) for a request.
#[allow(clippy::too_many_arguments)]
fn signature_headers(
    credentials: Credentials,
    region: &str,
    service: &str,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    time: SystemTime,
) -> Result<Vec<(String, String)>, Cause> {
    let identity: Identity = credentials.into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| Cause::Setup(format!("cannot sign the request: {e}")))?
        .into();
    let signable = SignableRequest::new(
        method,
        url,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| Cause::Setup(format!("cannot sign the request: {e}")))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| Cause::Setup(format!("cannot sign the request: {e}")))?
        .into_parts();
    Ok(instructions
        .headers()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect())
}

impl MetricSource for CloudWatch {
    fn name(&self) -> &'static str {
        NAME
    }

    fn fetch<'a>(&'a self, request: &'a FetchRequest<'a>) -> SourceFuture<'a> {
        Box::pin(async move {
            let fail = |cause| request.error(NAME, None, cause);
            if request.metric.kind == MetricKind::Histogram {
                return Err(fail(histogram_refused()));
            }
            let step = request.window.step;
            if !(matches!(step, 1 | 5 | 10 | 30) || step.is_multiple_of(60)) {
                return Err(fail(Cause::Window(format!(
                    "CloudWatch periods are 1, 5, 10, 30 or a multiple of 60 seconds; the step is {step} s"
                ))));
            }
            let parsed =
                MetricQuery::parse_with(request.metric, NAME, CwQuery::parse).map_err(fail)?;
            if let MetricQuery::Counts { events, total } = &parsed {
                for (key, q) in [("events", events), ("total", total)] {
                    q.check_counts(key).map_err(fail)?;
                }
            }
            request
                .both_sides(NAME, |scope| self.fetch_side(request, &parsed, scope))
                .await
        })
    }
}

/// One query of `query.cloudwatch`, checked but not yet rendered.
#[derive(Debug, Clone, PartialEq)]
enum CwQuery {
    /// A metric and a statistic.
    Stat {
        namespace: String,
        metric: String,
        dimensions: BTreeMap<String, String>,
        stat: String,
        unit: Option<String>,
    },
    /// A metric math, SEARCH or Metrics Insights expression.
    Expression(String),
    /// `MetricDataQuery` structures as the API takes them.
    Queries(Vec<Value>),
}

const STAT_KEYS: [&str; 5] = ["namespace", "metric", "dimensions", "stat", "unit"];

impl CwQuery {
    fn parse(key: &str, value: &Value) -> Result<Self, String> {
        let object = value.as_object().ok_or_else(|| {
            format!(
                "{key}: expected a metric stat {{namespace, metric, dimensions, stat}}, {{expression}} or {{queries}}, got {value}"
            )
        })?;
        let text = |name: &str| -> Result<Option<String>, String> {
            match object.get(name) {
                None => Ok(None),
                Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
                Some(other) => Err(format!(
                    "{key}.{name}: expected a non-empty string, got {other}"
                )),
            }
        };
        if object.contains_key("expression") || object.contains_key("queries") {
            let which = if object.contains_key("expression") {
                "expression"
            } else {
                "queries"
            };
            if let Some(other) = object.keys().find(|k| *k != which) {
                return Err(format!(
                    "{key}.{other}: not allowed with {which} (give a metric stat, an expression or queries)"
                ));
            }
            if which == "expression" {
                return Ok(CwQuery::Expression(text("expression")?.unwrap_or_default()));
            }
            let list = object
                .get("queries")
                .and_then(Value::as_array)
                .filter(|l| !l.is_empty())
                .ok_or_else(|| {
                    format!("{key}.queries: expected a non-empty list of MetricDataQuery")
                })?;
            for (i, q) in list.iter().enumerate() {
                let id = q.get("Id").and_then(Value::as_str);
                if !q.is_object() || id.is_none_or(str::is_empty) {
                    return Err(format!(
                        "{key}.queries[{i}]: expected a MetricDataQuery with an Id, got {q}"
                    ));
                }
            }
            return Ok(CwQuery::Queries(list.clone()));
        }
        if let Some(other) = object.keys().find(|k| !STAT_KEYS.contains(&k.as_str())) {
            return Err(format!(
                "{key}.{other}: unknown key; a metric stat has namespace, metric, dimensions, stat and unit (or give expression or queries)"
            ));
        }
        let need = |name: &str| {
            text(name)?.ok_or_else(|| {
                format!("{key}.{name}: missing (a metric stat needs namespace, metric and stat)")
            })
        };
        let mut dimensions = BTreeMap::new();
        match object.get("dimensions") {
            None => {}
            Some(Value::Object(map)) => {
                for (name, v) in map {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        other => {
                            return Err(format!(
                                "{key}.dimensions.{name}: expected a string, got {other}"
                            ));
                        }
                    };
                    dimensions.insert(name.clone(), v);
                }
            }
            Some(other) => {
                return Err(format!(
                    "{key}.dimensions: expected a map of dimension names to values, got {other}"
                ));
            }
        }
        Ok(CwQuery::Stat {
            namespace: need("namespace")?,
            metric: need("metric")?,
            dimensions,
            stat: need("stat")?,
            unit: text("unit")?,
        })
    }

    /// Counts must add up events: a metric stat must use `Sum` or `SampleCount`.
    fn check_counts(&self, key: &str) -> Result<(), Cause> {
        match self {
            CwQuery::Stat { stat, .. } if stat != "Sum" && stat != "SampleCount" => {
                Err(Cause::Query(format!(
                    "query.cloudwatch.{key}.stat: a counts metric needs stat Sum (or SampleCount), not {stat:?}"
                )))
            }
            _ => Ok(()),
        }
    }

    /// The `MetricDataQuery` list of this query for one side (`Value::Array`), every
    /// template rendered.
    fn render(&self, key: &str, vars: &BTreeMap<&str, String>, step: u64) -> Result<Value, Cause> {
        let key = if key == "query" {
            "query.cloudwatch".to_owned()
        } else {
            format!("query.cloudwatch.{key}")
        };
        let r = |sub: &str, template: &str| {
            render_template(template, vars).map_err(|error| Cause::Template {
                key: format!("{key}{sub}"),
                error,
            })
        };
        Ok(match self {
            CwQuery::Stat {
                namespace,
                metric,
                dimensions,
                stat,
                unit,
            } => {
                let dims = dimensions
                    .iter()
                    .map(|(name, value)| {
                        Ok(json!({"Name": name, "Value": r(&format!(".dimensions.{name}"), value)?}))
                    })
                    .collect::<Result<Vec<Value>, Cause>>()?;
                let mut stat_json = json!({
                    "Metric": {"Namespace": r(".namespace", namespace)?, "MetricName": r(".metric", metric)?, "Dimensions": dims},
                    "Period": step,
                    "Stat": r(".stat", stat)?,
                });
                if let (Some(u), Some(o)) = (unit, stat_json.as_object_mut()) {
                    o.insert("Unit".into(), Value::String(r(".unit", u)?));
                }
                json!([{"Id": "q", "MetricStat": stat_json, "ReturnData": true}])
            }
            CwQuery::Expression(e) => json!([{
                "Id": "q",
                "Expression": r(".expression", e)?,
                "Period": step,
                "ReturnData": true,
            }]),
            CwQuery::Queries(list) => {
                let mut out = Vec::with_capacity(list.len());
                for (i, q) in list.iter().enumerate() {
                    let mut q = render_leaves(q, &|t| r(&format!(".queries[{i}]"), t))?;
                    if let Some(o) = q.as_object_mut() {
                        if let Some(Value::Object(ms)) = o.get_mut("MetricStat") {
                            ms.entry("Period").or_insert(json!(step));
                        } else if o.contains_key("Expression") {
                            o.entry("Period").or_insert(json!(step));
                        }
                    }
                    out.push(q);
                }
                Value::Array(out)
            }
        })
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

/// One `MetricDataResult` (merged over pages).
#[derive(Debug, Clone, PartialEq)]
struct Series {
    id: String,
    label: String,
    samples: Vec<(f64, f64)>,
    /// `StatusCode: PartialData` on the last page seen.
    partial: bool,
}

impl Series {
    fn describe(&self) -> String {
        if self.label.is_empty() {
            format!("Id {:?}", self.id)
        } else {
            format!("Id {:?} label {:?}", self.id, self.label)
        }
    }
}

/// One page of a `GetMetricData` answer.
#[derive(Debug)]
struct Page {
    results: Vec<Series>,
    next_token: Option<String>,
    /// The operation's `Messages` (`Code: Value`).
    messages: Vec<String>,
}

fn messages(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|m| {
                    let field = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("");
                    format!("{}: {}", field("Code"), field("Value"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Parses `{"MetricDataResults": [...], "NextToken": ..., "Messages": [...]}`.
fn parse_page(json: &Value) -> Result<Page, Cause> {
    let bad = |m: &str| Cause::Response(format!("GetMetricData: {m}"));
    let object = json
        .as_object()
        .ok_or_else(|| bad("expected a JSON object"))?;
    let results = match object.get("MetricDataResults") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list.clone(),
        Some(_) => return Err(bad("\"MetricDataResults\" is not a list")),
    };
    let next_token = match object.get("NextToken") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(bad("\"NextToken\" is not a string")),
    };
    let top_messages = messages(object.get("Messages"));
    let mut out = Vec::with_capacity(results.len());
    for (i, r) in results.iter().enumerate() {
        let at = format!("MetricDataResults[{i}]");
        let id = r
            .get("Id")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(&format!("{at}: no \"Id\"")))?
            .to_owned();
        let label = r
            .get("Label")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let numbers = |field: &str| -> Result<Vec<f64>, Cause> {
            match r.get(field) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(list)) => list
                    .iter()
                    .enumerate()
                    .map(|(j, v)| {
                        v.as_f64()
                            .ok_or_else(|| bad(&format!("{at}.{field}[{j}] is not a number: {v}")))
                    })
                    .collect(),
                Some(_) => Err(bad(&format!("{at}.{field} is not a list"))),
            }
        };
        let timestamps = numbers("Timestamps")?;
        let values = numbers("Values")?;
        if timestamps.len() != values.len() {
            return Err(bad(&format!(
                "{at}: {} timestamps but {} values",
                timestamps.len(),
                values.len()
            )));
        }
        let mut series = Series {
            id,
            label,
            samples: timestamps.into_iter().zip(values).collect(),
            partial: false,
        };
        let mut detail = messages(r.get("Messages"));
        detail.extend(top_messages.iter().cloned());
        let detail = if detail.is_empty() {
            String::new()
        } else {
            format!(": {}", detail.join("; "))
        };
        match r.get("StatusCode").and_then(Value::as_str) {
            None | Some("Complete") => {}
            Some("PartialData") => series.partial = true,
            Some("InternalError") => {
                return Err(Cause::Api(format!(
                    "InternalError for {}{detail}",
                    series.describe()
                )));
            }
            Some("Forbidden") => {
                return Err(Cause::Api(format!(
                    "Forbidden: no access to the data of {}{detail}",
                    series.describe()
                )));
            }
            Some(other) => return Err(bad(&format!("{at}: unknown StatusCode {other:?}"))),
        }
        out.push(series);
    }
    Ok(Page {
        results: out,
        next_token,
        messages: top_messages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    const KEY_ID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    /// The AWS SigV4 test suite's `get-vanilla` and `post-vanilla` requests
    /// (2015-08-30T12:36:00Z, us-east-1, service `service`).
    #[test]
    fn signs_the_published_sigv4_test_vectors() {
        let at = UNIX_EPOCH + Duration::from_secs(1_440_938_160);
        for (method, signature) in [
            (
                "GET",
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
            (
                "POST",
                "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            ),
        ] {
            let creds = Credentials::new(KEY_ID, SECRET, None, None, "test");
            let headers = signature_headers(
                creds,
                "us-east-1",
                "service",
                method,
                "https://example.amazonaws.com/",
                &[],
                b"",
                at,
            )
            .unwrap();
            let get = |name: &str| {
                headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
            };
            assert_eq!(get("x-amz-date").as_deref(), Some("20150830T123600Z"));
            assert_eq!(
                get("authorization").unwrap(),
                format!(
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={signature}"
                )
            );
        }
    }

    #[test]
    fn queries_parse_by_shape_and_refuse_mixtures() {
        let stat = CwQuery::parse(
            "query.cloudwatch",
            &json!({"namespace": "AWS/ELB", "metric": "Latency", "dimensions": {"TG": "${scope}"}, "stat": "p99"}),
        )
        .unwrap();
        assert!(matches!(&stat, CwQuery::Stat { stat, .. } if stat == "p99"));
        let vars = BTreeMap::from([("scope", "v2".to_owned())]);
        let rendered = stat.render("query", &vars, 60).unwrap();
        assert_eq!(
            rendered,
            json!([{"Id": "q", "ReturnData": true, "MetricStat": {"Period": 60, "Stat": "p99",
                "Metric": {"Namespace": "AWS/ELB", "MetricName": "Latency",
                           "Dimensions": [{"Name": "TG", "Value": "v2"}]}}}])
        );
        for (bad, wanted) in [
            (
                json!({"expression": "x", "stat": "Sum"}),
                "not allowed with expression",
            ),
            (json!({"namespace": "a", "metric": "b"}), "stat: missing"),
            (
                json!({"namespace": "a", "metric": "b", "stat": "Sum", "dims": {}}),
                "dims: unknown key",
            ),
            (json!({"queries": []}), "non-empty list"),
            (json!({"queries": [{"Expression": "x"}]}), "with an Id"),
            (json!("SELECT 1"), "expected a metric stat"),
        ] {
            let e = CwQuery::parse("query.cloudwatch", &bad).unwrap_err();
            assert!(e.contains(wanted), "{bad}: {e}");
        }
        let raw = CwQuery::parse(
            "query.cloudwatch",
            &json!({"queries": [{"Id": "m1", "MetricStat": {"Metric": {"MetricName": "${scope}"}, "Stat": "Sum"}, "ReturnData": false},
                                 {"Id": "e1", "Expression": "m1 * 2"}]}),
        )
        .unwrap();
        let r = raw.render("query", &vars, 300).unwrap();
        assert_eq!(r[0]["MetricStat"]["Period"], json!(300));
        assert_eq!(r[0]["MetricStat"]["Metric"]["MetricName"], json!("v2"));
        assert_eq!(r[1]["Period"], json!(300));
        let e = CwQuery::Expression("${nope}".into())
            .render("events", &vars, 60)
            .unwrap_err();
        assert!(
            e.to_string().contains("query.cloudwatch.events.expression"),
            "{e}"
        );
    }

    #[test]
    fn pages_report_status_codes_and_length_mismatches() {
        let page = |r: Value| parse_page(&json!({"MetricDataResults": [r]}));
        assert!(matches!(
            page(json!({"Id": "q", "Timestamps": [1.0], "Values": []})),
            Err(Cause::Response(m)) if m.contains("1 timestamps but 0 values")
        ));
        assert!(matches!(
            page(json!({"Id": "q", "StatusCode": "InternalError", "Messages": [{"Code": "X", "Value": "boom"}]})),
            Err(Cause::Api(m)) if m.contains("X: boom")
        ));
        assert!(matches!(
            page(json!({"Id": "q", "StatusCode": "Forbidden"})),
            Err(Cause::Api(m)) if m.contains("Forbidden")
        ));
        let p = page(json!({"Id": "q", "Label": "L", "Timestamps": [60, 120], "Values": [1, 2.5], "StatusCode": "PartialData"})).unwrap();
        assert!(p.results[0].partial);
        assert_eq!(p.results[0].samples, vec![(60.0, 1.0), (120.0, 2.5)]);
        assert!(parse_page(&json!([])).is_err());
    }
}
