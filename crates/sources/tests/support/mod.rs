//! What the backends' mock-server tests share: a source at a `MockServer` with fast
//! HTTP options, scopes and variables, constructors and assertions for the expected
//! series, the checks that a failed fetch never promotes and that a secret never shows.
//! Each `*_mock.rs` includes it with `mod support;`; not every file uses every item.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use canary_judge::stats::Histogram;
use canary_judge::{
    Classification, Config, CountPoint, MetricData, Point, Report, Sides, Verdict, judge_fetched,
};
use canary_sources::http::HttpOptions;
use canary_sources::{
    Cause, Fetched, MetricSource, Scopes, Secret, SourceError, SourceSettings, Window,
    build_source, fetch_all,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;
use wiremock::{MockBuilder, MockServer, ResponseTemplate};

/// HTTP options that fail fast: a 0.3 s timeout, two retries, millisecond backoff.
pub fn fast() -> HttpOptions {
    HttpOptions {
        timeout: Duration::from_millis(300),
        retries: 2,
        backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        ..HttpOptions::default()
    }
}

/// How many requests a fetch that always times out (or always gets a 5xx) sends: two
/// sides × (1 attempt + 2 retries) with [`fast`].
pub const EVERY_ATTEMPT: u64 = 6;

/// A 200 answer that arrives long after [`fast`]'s timeout.
pub fn too_slow(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(body)
        .set_delay(Duration::from_millis(1500))
}

/// Answers every request `given` matches with `body` too late, and expects
/// [`EVERY_ATTEMPT`] of them.
pub async fn mount_too_slow(server: &MockServer, given: MockBuilder, body: Value) {
    given
        .respond_with(too_slow(body))
        .expect(EVERY_ATTEMPT)
        .mount(server)
        .await;
}

/// Answers the first `failures` requests `given` matches with `failing` (and expects
/// exactly that many), then the next two, one a side, with `ok`: a transient fault
/// that retries get past.
pub async fn mount_fails_then_ok(
    server: &MockServer,
    given: impl Fn() -> MockBuilder,
    failures: u64,
    failing: ResponseTemplate,
    ok: ResponseTemplate,
) {
    given()
        .respond_with(failing)
        .up_to_n_times(failures)
        .expect(failures)
        .mount(server)
        .await;
    given().respond_with(ok).expect(2).mount(server).await;
}

/// A source of `backend` at a mock server, built up with options and credentials.
pub struct At {
    backend: &'static str,
    settings: SourceSettings,
}

/// Starts the settings of a `backend` source at `server` with [`fast`] HTTP options.
pub fn at(backend: &'static str, server: &MockServer) -> At {
    At {
        backend,
        settings: SourceSettings {
            url: Some(server.uri()),
            http: fast(),
            ..SourceSettings::default()
        },
    }
}

impl At {
    /// Adds a backend option.
    pub fn option(mut self, name: &str, value: &str) -> Self {
        self.settings.options.insert(name.into(), value.into());
        self
    }

    /// Adds a named credential.
    pub fn credential(mut self, name: &str, value: &str) -> Self {
        self.settings
            .credentials
            .insert(name.into(), Secret::new(value.into()));
        self
    }

    /// Sets the main credential (`auth`), when there is one.
    pub fn auth(mut self, token: Option<&str>) -> Self {
        self.settings.auth = token.map(|t| Secret::new(t.to_owned()));
        self
    }

    /// Replaces the HTTP options.
    pub fn http(mut self, http: HttpOptions) -> Self {
        self.settings.http = http;
        self
    }

    /// The settings, to change further in the test.
    pub fn settings(self) -> SourceSettings {
        self.settings
    }

    /// The source.
    pub fn build(self) -> Box<dyn MetricSource> {
        build_source(self.backend, self.settings).unwrap()
    }
}

/// Baseline `v1`, canary `v2`.
pub fn scopes() -> Scopes {
    scopes_of("v1", "v2")
}

/// The given baseline and canary scopes.
pub fn scopes_of(baseline: &str, canary: &str) -> Scopes {
    Scopes {
        baseline: baseline.into(),
        canary: canary.into(),
    }
}

/// The same scope on both sides: one mock answers both.
pub fn one_scope(scope: &str) -> Scopes {
    scopes_of(scope, scope)
}

/// What a test fetches over: the window, the scopes and the template variables.
pub struct Run {
    window: Window,
    scopes: Scopes,
    vars: BTreeMap<String, String>,
}

impl Run {
    /// Fetches over `window` for `scopes` with `vars`.
    pub fn new(window: Window, scopes: Scopes, vars: BTreeMap<String, String>) -> Self {
        Run {
            window,
            scopes,
            vars,
        }
    }

    /// Fetches every metric of `config` with `src`.
    pub async fn fetch(&self, src: &dyn MetricSource, config: &Config) -> Fetched {
        self.fetch_scoped(src, config, &self.scopes).await
    }

    /// The same for other scopes.
    pub async fn fetch_scoped(
        &self,
        src: &dyn MetricSource,
        config: &Config,
        scopes: &Scopes,
    ) -> Fetched {
        fetch_all(src, config, self.window, scopes, &self.vars).await
    }
}

/// The template variables: `cluster = eu1`.
pub fn vars() -> BTreeMap<String, String> {
    BTreeMap::from([("cluster".to_owned(), "eu1".to_owned())])
}

/// A config of one metric, given as a YAML flow mapping.
pub fn single_metric(yaml: &str) -> Config {
    Config::from_yaml_str(&format!("version: 1\nmetrics:\n  - {yaml}\n")).unwrap()
}

/// Points from `(timestamp, value)` pairs.
pub fn points(pairs: &[(i64, Option<f64>)]) -> Vec<Point> {
    pairs
        .iter()
        .map(|&(timestamp, value)| Point { timestamp, value })
        .collect()
}

/// One count point.
pub fn count(timestamp: i64, events: f64, total: f64) -> CountPoint {
    CountPoint {
        timestamp,
        events,
        total,
    }
}

/// Count points from `(timestamp, events, total)` triples.
pub fn counts(triples: &[(i64, f64, f64)]) -> Vec<CountPoint> {
    triples.iter().map(|&(t, e, n)| count(t, e, n)).collect()
}

/// The continuous series of `name`; panics naming the failures when there is none.
pub fn continuous<'a>(fetched: &'a Fetched, name: &str) -> &'a Sides<Vec<Point>> {
    match fetched.metrics.get(name) {
        Some(MetricData::Continuous(s)) => s,
        other => panic!("{name}: not continuous: {other:?} {:?}", fetched.failures),
    }
}

/// The counts of `name`.
pub fn count_series<'a>(fetched: &'a Fetched, name: &str) -> &'a Sides<Vec<CountPoint>> {
    match fetched.metrics.get(name) {
        Some(MetricData::Counts(s)) => s,
        other => panic!("{name}: not counts: {other:?} {:?}", fetched.failures),
    }
}

/// The histograms of `name`.
pub fn histograms<'a>(fetched: &'a Fetched, name: &str) -> &'a Sides<Option<Histogram>> {
    match fetched.metrics.get(name) {
        Some(MetricData::Histogram(s)) => s,
        other => panic!("{name}: not a histogram: {other:?} {:?}", fetched.failures),
    }
}

/// Nothing failed.
pub fn assert_no_failures(fetched: &Fetched) {
    assert!(fetched.failures.is_empty(), "{:?}", fetched.failures);
}

/// The failure of `name`.
pub fn failure<'a>(fetched: &'a Fetched, name: &str) -> &'a SourceError {
    fetched
        .failures
        .get(name)
        .unwrap_or_else(|| panic!("{name} did not fail: {:?}", fetched.metrics.get(name)))
}

/// The latency every backend's three-kinds test serves on a four-step `grid`: the
/// baseline 10, 11, 12, 13; the canary partial: 20, a missing step, a missing or null
/// step, 23.5.
pub fn assert_the_latency_series(fetched: &Fetched, name: &str, grid: [i64; 4]) {
    let [a, b, c, d] = grid;
    let latency = continuous(fetched, name);
    assert_eq!(
        latency.baseline,
        points(&[
            (a, Some(10.0)),
            (b, Some(11.0)),
            (c, Some(12.0)),
            (d, Some(13.0))
        ])
    );
    assert_eq!(
        latency.canary,
        points(&[(a, Some(20.0)), (b, None), (c, None), (d, Some(23.5))])
    );
}

/// The fetch of `name` failed with HTTP `status`.
pub fn assert_status<'a>(fetched: &'a Fetched, name: &str, status: u16) -> &'a SourceError {
    let e = failure(fetched, name);
    assert!(
        matches!(e.cause, Cause::Status { status: s, .. } if s == status),
        "{e}"
    );
    e
}

/// The fetch of `name` failed with HTTP `status`, a message that starts with `starts`
/// (the backend, metric and scope) and holds each of `holds` (what the API said).
pub fn assert_http_error(fetched: &Fetched, name: &str, status: u16, starts: &str, holds: &[&str]) {
    let text = assert_status(fetched, name, status).to_string();
    assert!(text.starts_with(starts), "{text}");
    for held in holds {
        assert!(text.contains(held), "{text}");
    }
}

/// The fetch of `name` failed as a response that is not JSON.
pub fn assert_not_json(fetched: &Fetched, name: &str) {
    let e = failure(fetched, name);
    assert!(
        matches!(&e.cause, Cause::Response(m) if m.contains("not valid JSON")),
        "{e}"
    );
}

/// The fetch of `name` failed on a timeout.
pub fn assert_timed_out(fetched: &Fetched, name: &str) {
    let e = failure(fetched, name);
    assert!(matches!(e.cause, Cause::Timeout { .. }), "{e}");
}

/// The histogram every backend's three-kinds test serves for `latency_seconds`: buckets
/// 0.1, 0.5 and +Inf; the canary's cumulative counts 10, 40, 50; the baseline's total 100.
pub fn assert_the_latency_histograms(fetched: &Fetched) {
    let h = histograms(fetched, "latency_seconds");
    let canary = h.canary.as_ref().unwrap();
    assert_eq!(canary.upper_bounds(), &[0.1, 0.5, f64::INFINITY]);
    assert_eq!(canary.cumulative_counts(), &[10.0, 40.0, 50.0]);
    assert_eq!(h.baseline.as_ref().unwrap().total(), 100.0);
}

/// The metrics fetched without failure and with no data on either side: an empty
/// series for `continuous` and `counts` metrics, no histogram for `histogram` ones.
pub fn assert_empty(fetched: &Fetched, continuous: &[&str], counts: &[&str], histogram: &[&str]) {
    assert_no_failures(fetched);
    for name in continuous {
        assert!(
            matches!(&fetched.metrics[*name], MetricData::Continuous(s) if s.baseline.is_empty() && s.canary.is_empty()),
            "{name}"
        );
    }
    for name in counts {
        assert!(
            matches!(&fetched.metrics[*name], MetricData::Counts(s) if s.baseline.is_empty() && s.canary.is_empty()),
            "{name}"
        );
    }
    for name in histogram {
        assert!(
            matches!(&fetched.metrics[*name], MetricData::Histogram(s) if s.baseline.is_none() && s.canary.is_none()),
            "{name}"
        );
    }
}

/// `canary_judge::judge_fetched` on what was fetched, failures included.
pub fn judge(config: &Config, name: &str, fetched: &Fetched) -> Report {
    judge_fetched(config, name, &fetched.metrics, &fetched.failure_messages()).unwrap()
}

/// Judged, every metric is `nodata` and the verdict is not promote.
pub fn assert_judged_nodata(config: &Config, fetched: &Fetched) {
    let report = judge(config, "live", fetched);
    assert_ne!(report.verdict, Verdict::Promote, "{}", report.to_json());
    assert!(
        report
            .metrics
            .iter()
            .all(|m| m.classification == Classification::Nodata),
        "{}",
        report.to_json()
    );
}

/// Judged with its failures, the run does not promote, and each failed metric of
/// `failed` is `error` with a reason holding the given text.
pub fn assert_failed_fetch_never_promotes(
    config: &Config,
    fetched: &Fetched,
    failed: &[(&str, &str)],
) {
    let report = judge(config, "live", fetched);
    assert_ne!(report.verdict, Verdict::Promote, "{}", report.to_json());
    for (name, reason) in failed {
        let m = report.metrics.iter().find(|m| m.name == *name).unwrap();
        assert_eq!(m.classification, Classification::Error, "{name}");
        assert!(m.reason.contains(reason), "{name}: {}", m.reason);
    }
}

/// Judged on its own, without the failures, the metric `kept` promotes: the failure is
/// what held the run back.
pub fn assert_promotes_alone(config: &Config, fetched: &Fetched, kept: &str) {
    let mut alone = config.clone();
    alone.metrics.retain(|m| m.name == kept);
    let report = judge_fetched(&alone, "live", &fetched.metrics, &BTreeMap::new()).unwrap();
    assert_eq!(report.verdict, Verdict::Promote, "{}", report.to_json());
}

/// A source's `Debug` shows no secret.
pub fn assert_debug_hides(source: &dyn MetricSource, secrets: &[&str]) {
    let shown = format!("{source:?}");
    for secret in secrets {
        assert!(!shown.contains(secret), "{shown}");
    }
}

/// No request the server received carries `secret` in its URL or body.
pub async fn assert_requests_hide(server: &MockServer, secret: &str) {
    for request in server.received_requests().await.unwrap() {
        assert!(!request.url.as_str().contains(secret), "{}", request.url);
        assert!(
            !String::from_utf8_lossy(&request.body).contains(secret),
            "{}",
            request.url
        );
    }
}

/// The failure of `name` (its message, `Debug` and the messages the judge gets) shows
/// none of `secrets` and does show `wanted` (where the secret stood, `[redacted]`).
pub fn assert_error_hides(fetched: &Fetched, name: &str, secrets: &[&str], wanted: &str) {
    let e = failure(fetched, name);
    let text = format!("{e} {e:?} {:?}", fetched.failure_messages());
    for secret in secrets {
        assert!(!text.contains(secret), "{text}");
    }
    assert!(text.contains(wanted), "{text}");
}
