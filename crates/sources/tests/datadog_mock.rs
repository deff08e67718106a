//! The Datadog backend against a mock server on 127.0.0.1 serving bodies shaped like the
//! documented metrics query API (`GET /api/v1/query`): `{"status": "ok", "res_type":
//! "time_series", "series": [{"pointlist": [[ms, value], …], "scope", "tag_set", …}]}`
//! and the documented error bodies (`{"errors": [...]}`, `"status": "error"`).

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

mod support;

use canary_judge::{Config, CountPoint};
use canary_sources::{
    Cause, MetricSource, Secret, SourceSettings, Window, build_source, fetch_all,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use support::{
    Run, assert_debug_hides, assert_empty, assert_error_hides, assert_failed_fetch_never_promotes,
    assert_http_error, assert_judged_nodata, assert_no_failures, assert_not_json,
    assert_promotes_alone, assert_requests_hide, assert_status, assert_the_latency_histograms,
    assert_the_latency_series, assert_timed_out, at, continuous, count_series, histograms,
    mount_fails_then_ok, mount_too_slow, one_scope, scopes, scopes_of, single_metric, vars,
};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const API_KEY: &str = "dd-api-SECRET-1111";
const APP_KEY: &str = "dd-app-SECRET-2222";

/// The window: 2025-11-21T10:00:00Z for 3 minutes, one step a minute.
const START: i64 = 1_763_719_200;

const CONFIG: &str = r#"
version: 1
metrics:
  - name: latency_ms
    query: {datadog: 'avg:trace.http.request.duration{service:web,version:${scope},cluster:${cluster}}.rollup(avg, ${step_seconds})'}
  - name: errors
    kind: counts
    query:
      datadog:
        events: 'sum:trace.http.request.errors{version:${scope}}.as_count().rollup(sum, ${step_seconds})'
        total: 'sum:trace.http.request.hits{version:${scope}}.as_count().rollup(sum, ${step_seconds})'
  - name: latency_seconds
    kind: histogram
    query: {datadog: 'sum:http.request.duration.seconds.bucket{version:${scope}} by {upper_bound}.as_count()'}
"#;

fn config() -> Config {
    Config::from_yaml_str(CONFIG).unwrap()
}

fn source(server: &MockServer) -> Box<dyn MetricSource> {
    at("datadog", server)
        .auth(Some(API_KEY))
        .credential("app_key", APP_KEY)
        .build()
}

fn window() -> Window {
    Window::new(START, START + 180, 60).unwrap()
}

/// The window, scopes and variables of most fetches here.
fn run() -> Run {
    Run::new(window(), scopes(), vars())
}

/// One series as the API documents it: points `[ms, value|null]` and its metadata.
fn series(expression: &str, tags: &[&str], points: &[(i64, Option<f64>)]) -> Value {
    let pointlist: Vec<Value> = points
        .iter()
        .map(|(t, v)| json!([(*t as f64) * 1000.0, v]))
        .collect();
    let scope = if tags.is_empty() {
        "*".to_owned()
    } else {
        tags.join(",")
    };
    json!({
        "aggr": "sum",
        "display_name": expression,
        "end": (START + 239) * 1000,
        "expression": expression,
        "interval": 60,
        "length": points.len(),
        "metric": expression,
        "pointlist": pointlist,
        "query_index": 0,
        "scope": scope,
        "start": START * 1000,
        "tag_set": tags,
        "unit": null
    })
}

fn body(query: &str, series: Vec<Value>) -> Value {
    json!({
        "status": "ok",
        "res_type": "time_series",
        "resp_version": 1,
        "query": query,
        "message": "",
        "group_by": [],
        "from_date": START * 1000,
        "to_date": (START + 180) * 1000,
        "series": series
    })
}

/// A mock answering `query` once (and only with both keys in their headers, the window
/// in `from`/`to`).
async fn query_mock(server: &MockServer, query: &str, series: Vec<Value>) {
    query_mock_n(server, query, series, 1).await;
}

async fn query_mock_n(server: &MockServer, query: &str, series: Vec<Value>, times: u64) {
    Mock::given(method("GET"))
        .and(path("/api/v1/query"))
        .and(query_param("query", query))
        .and(query_param("from", START.to_string()))
        .and(query_param("to", (START + 180).to_string()))
        .and(header("DD-API-KEY", API_KEY))
        .and(header("DD-APPLICATION-KEY", APP_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(body(query, series)))
        .expect(times)
        .mount(server)
        .await;
}

fn latency_query(scope: &str) -> String {
    format!(
        "avg:trace.http.request.duration{{service:web,version:{scope},cluster:eu1}}.rollup(avg, 60)"
    )
}

#[tokio::test]
async fn fetches_all_three_kinds_for_both_scopes() {
    let server = MockServer::start().await;
    let t = |i: i64| START + 60 * i;
    query_mock(
        &server,
        &latency_query("v1"),
        vec![series(
            "latency",
            &[],
            &[
                (t(0), Some(10.0)),
                (t(1), Some(11.0)),
                (t(2), Some(12.0)),
                (t(3), Some(13.0)),
            ],
        )],
    )
    .await;
    // A partial series: the canary lacks the second step and the third is null.
    query_mock(
        &server,
        &latency_query("v2"),
        vec![series(
            "latency",
            &[],
            &[(t(0), Some(20.0)), (t(2), None), (t(3), Some(23.5))],
        )],
    )
    .await;
    for (scope, e, total) in [("v1", 1.0, 100.0), ("v2", 2.9999, 99.6)] {
        query_mock(
            &server,
            &format!("sum:trace.http.request.errors{{version:{scope}}}.as_count().rollup(sum, 60)"),
            // Errors only in two steps: the others have no point at all.
            vec![series("errors", &[], &[(t(0), Some(e)), (t(2), Some(e))])],
        )
        .await;
        query_mock(
            &server,
            &format!("sum:trace.http.request.hits{{version:{scope}}}.as_count().rollup(sum, 60)"),
            vec![series(
                "hits",
                &[],
                &[
                    (t(0), Some(total)),
                    (t(1), Some(total)),
                    (t(2), Some(total)),
                    (t(3), Some(total)),
                ],
            )],
        )
        .await;
    }
    for (scope, scale) in [("v1", 2.0), ("v2", 1.0)] {
        let q = format!(
            "sum:http.request.duration.seconds.bucket{{version:{scope}}} by {{upper_bound}}.as_count()"
        );
        let bucket = |bound: &str, per_step: f64| {
            let tag = format!("upper_bound:{bound}");
            series(
                "sum:http.request.duration.seconds.bucket",
                &[&format!("version:{scope}"), &tag],
                &[
                    (t(0), Some(per_step * scale)),
                    (t(1), None),
                    (t(2), Some(per_step * scale)),
                ],
            )
        };
        query_mock(
            &server,
            &q,
            vec![bucket("0.1", 5.0), bucket("inf", 25.0), bucket("0.5", 20.0)],
        )
        .await;
    }
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &config()).await;
    assert_no_failures(&fetched);
    assert_the_latency_series(&fetched, "latency_ms", [t(0), t(1), t(2), t(3)]);
    let errors = count_series(&fetched, "errors");
    let c = |i: i64, events, total| CountPoint {
        timestamp: t(i),
        events,
        total,
    };
    assert_eq!(
        errors.baseline,
        vec![
            c(0, 1.0, 100.0),
            c(1, 0.0, 100.0),
            c(2, 1.0, 100.0),
            c(3, 0.0, 100.0)
        ]
    );
    // Counts are rounded to whole numbers.
    assert_eq!(errors.canary[0], c(0, 3.0, 100.0));
    // Summed over the window's points (the null one adds nothing).
    assert_the_latency_histograms(&fetched);
    // Both keys only ever travel in headers.
    assert_requests_hide(&server, "SECRET").await;
}

fn latency_only() -> Config {
    single_metric(r#"{name: latency_ms, query: {datadog: 'avg:latency{version:${scope}}'}}"#)
}

#[tokio::test]
async fn an_empty_result_is_no_data_and_the_judge_says_nodata() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/query"))
        .respond_with(|request: &Request| {
            let query = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "query")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            ResponseTemplate::new(200).set_body_json(body(&query, Vec::new()))
        })
        .mount(&server)
        .await;
    let src = source(&server);
    let config = config();
    let fetched = run().fetch(src.as_ref(), &config).await;
    assert_empty(&fetched, &["latency_ms"], &["errors"], &["latency_seconds"]);
    assert_judged_nodata(&config, &fetched);
}

#[tokio::test]
async fn a_4xx_is_sent_once_and_reported_with_the_api_message() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/query"))
        .and(query_param("query", "avg:latency{version:v1}"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"errors": ["Error parsing query: unable to parse avg:latency{version:v1}: Rule 'scope_expr' didn't match"]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    query_mock(
        &server,
        "avg:latency{version:v2}",
        vec![series("latency", &[], &[(START, Some(1.0))])],
    )
    .await;
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_http_error(
        &fetched,
        "latency_ms",
        400,
        "datadog: metric \"latency_ms\" (baseline scope \"v1\")",
        &["Error parsing query"],
    );
}

#[tokio::test]
async fn a_5xx_is_retried_until_it_succeeds() {
    let server = MockServer::start().await;
    let steps = [(START, Some(1.0)), (START + 60, Some(2.0))];
    mount_fails_then_ok(
        &server,
        || Mock::given(path("/api/v1/query")),
        1,
        ResponseTemplate::new(503).set_body_json(json!({"errors": ["Service unavailable"]})),
        ResponseTemplate::new(200).set_body_json(body("q", vec![series("latency", &[], &steps)])),
    )
    .await;
    let src = source(&server);
    let fetched = run()
        .fetch_scoped(src.as_ref(), &latency_only(), &one_scope("a"))
        .await;
    assert_no_failures(&fetched);
    let s = continuous(&fetched, "latency_ms");
    assert_eq!(s.baseline.len(), 4);
    assert_eq!(s.baseline[1].value, Some(2.0));
}

#[tokio::test]
async fn a_timeout_is_retried_then_reported() {
    let server = MockServer::start().await;
    mount_too_slow(
        &server,
        Mock::given(path("/api/v1/query")),
        body("q", Vec::new()),
    )
    .await;
    let src = source(&server);
    let started = std::time::Instant::now();
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_timed_out(&fetched, "latency_ms");
    assert!(started.elapsed() < Duration::from_millis(1400));
}

#[tokio::test]
async fn malformed_json_is_a_response_error_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/query"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(
                r#"{"status": "ok", "series": [{"pointlist": [[1763719200000.0, 1.0"#,
            ),
        )
        .expect(2)
        .mount(&server)
        .await;
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_not_json(&fetched, "latency_ms");
}

#[tokio::test]
async fn an_error_status_in_the_body_is_an_api_error() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/query"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "error",
            "res_type": "time_series",
            "error": "Error parsing query: unknown function rollup2",
            "series": [],
            "query": "avg:latency{version:v1}.rollup2()"
        })))
        .mount(&server)
        .await;
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    let e = &fetched.failures["latency_ms"];
    assert_eq!(
        e.cause,
        Cause::Api("Error parsing query: unknown function rollup2".into())
    );
}

#[tokio::test]
async fn several_series_or_a_finer_rollup_are_errors_not_a_pick() {
    let server = MockServer::start().await;
    query_mock(
        &server,
        "avg:latency{version:grouped}",
        vec![
            series(
                "latency",
                &["version:grouped", "host:a"],
                &[(START, Some(1.0))],
            ),
            series(
                "latency",
                &["version:grouped", "host:b"],
                &[(START, Some(2.0))],
            ),
            series(
                "latency",
                &["version:grouped", "host:c"],
                &[(START, Some(3.0))],
            ),
        ],
    )
    .await;
    // Three of the canary's requests: one with the baseline, two on its own below.
    query_mock_n(
        &server,
        "avg:latency{version:fine}",
        vec![series(
            "latency",
            &[],
            &[
                (START, Some(1.0)),
                (START + 20, Some(2.0)),
                (START + 40, Some(3.0)),
            ],
        )],
        3,
    )
    .await;
    let src = source(&server);
    let scopes = scopes_of("grouped", "fine");
    // Each side fails on its own; the baseline's error is reported.
    let config = latency_only();
    let request = canary_sources::FetchRequest {
        metric: &config.metrics[0],
        window: window(),
        scopes: &scopes,
        variables: &vars(),
    };
    let e = src.fetch(&request).await.unwrap_err().to_string();
    assert!(
        e.contains("3 series where one is expected ({version:grouped,host:a}, {version:grouped,host:b}, {version:grouped,host:c})"),
        "{e}"
    );
    let fetched = run()
        .fetch_scoped(src.as_ref(), &config, &one_scope("fine"))
        .await;
    let e = fetched.failures["latency_ms"].to_string();
    assert!(e.contains("two samples fall on"), "{e}");
    assert!(e.contains(".rollup(avg, ${step_seconds})"), "{e}");
}

#[tokio::test]
async fn per_bucket_histograms_are_summed_into_cumulative_ones() {
    let server = MockServer::start().await;
    let q = "sum:rpc.duration.bucket{version:v1} by {lower_bound,upper_bound}.as_count()";
    let bucket = |lower: &str, upper: &str, n: f64| {
        series(
            "sum:rpc.duration.bucket",
            &[
                &format!("lower_bound:{lower}"),
                &format!("upper_bound:{upper}"),
            ],
            &[(START, Some(n)), (START + 60, Some(n))],
        )
    };
    let config = single_metric(
        "{name: rpc, kind: histogram, query: {datadog: 'sum:rpc.duration.bucket{version:${scope}} by {lower_bound,upper_bound}.as_count()'}}",
    );
    let src = source(&server);
    let scopes = one_scope("v1");
    query_mock_n(
        &server,
        q,
        vec![
            bucket("0.5", "inf", 1.0),
            bucket("-inf", "0.1", 3.0),
            bucket("0.1", "0.5", 6.0),
        ],
        2,
    )
    .await;
    let fetched = run().fetch_scoped(src.as_ref(), &config, &scopes).await;
    assert_no_failures(&fetched);
    let b = histograms(&fetched, "rpc").baseline.as_ref().unwrap();
    assert_eq!(b.upper_bounds(), &[0.1, 0.5, f64::INFINITY]);
    assert_eq!(b.cumulative_counts(), &[6.0, 18.0, 20.0]);
}

#[tokio::test]
async fn a_key_echoed_in_an_error_body_never_reaches_the_message() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/query"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "errors": [format!("Forbidden: API key {API_KEY} with application key {APP_KEY} is not valid")]
        })))
        .expect(2)
        .mount(&server)
        .await;
    let src = source(&server);
    assert_debug_hides(src.as_ref(), &["SECRET"]);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_status(&fetched, "latency_ms", 403);
    assert_error_hides(
        &fetched,
        "latency_ms",
        &["SECRET"],
        "Forbidden: API key [redacted] with application key [redacted]",
    );
}

#[tokio::test]
async fn a_failed_fetch_never_promotes() {
    let server = MockServer::start().await;
    // 30 identical steps for both sides: judged alone, the latency promotes.
    let points: Vec<(i64, Option<f64>)> = (0..=30)
        .map(|i| (START + 60 * i, Some(100.0 + (i % 5) as f64)))
        .collect();
    Mock::given(path("/api/v1/query"))
        .and(query_param("query", "avg:latency{version:v1}"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(body("q", vec![series("l", &[], &points)])),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/query"))
        .and(query_param("query", "avg:latency{version:v2}"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(body("q", vec![series("l", &[], &points)])),
        )
        .mount(&server)
        .await;
    // The other metric's server is down.
    Mock::given(path("/api/v1/query"))
        .and(query_param("query", "avg:cpu{version:v1}"))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/query"))
        .and(query_param("query", "avg:cpu{version:v2}"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(body("q", vec![series("c", &[], &points)])),
        )
        .mount(&server)
        .await;
    let config = Config::from_yaml_str(
        "version: 1
metrics:
  - {name: latency_ms, query: {datadog: 'avg:latency{version:${scope}}'}}
  - {name: cpu, query: {datadog: 'avg:cpu{version:${scope}}'}}
",
    )
    .unwrap();
    let window = Window::new(START, START + 1800, 60).unwrap();
    let src = source(&server);
    let fetched = fetch_all(src.as_ref(), &config, window, &scopes(), &vars()).await;
    assert_eq!(fetched.metrics.len(), 1);
    assert!(matches!(
        fetched.failures["cpu"].cause,
        Cause::Status { status: 502, .. }
    ));
    assert_failed_fetch_never_promotes(&config, &fetched, &[("cpu", "HTTP 502")]);
    // Without the failure the same data promotes: the failure is what holds it back.
    assert_promotes_alone(&config, &fetched, "latency_ms");
}

#[test]
fn setup_needs_both_keys_and_knows_sites_and_options() {
    let base = || SourceSettings {
        auth: Some(Secret::new(API_KEY.to_owned())),
        credentials: BTreeMap::from([("app_key".to_owned(), Secret::new(APP_KEY.to_owned()))]),
        ..SourceSettings::default()
    };
    let err = |s: SourceSettings| build_source("datadog", s).err().unwrap();
    let mut no_app = base();
    no_app.credentials.clear();
    let e = err(no_app);
    assert!(matches!(e.cause, Cause::Credential(_)), "{e}");
    assert!(e.to_string().contains("CANARY_DATADOG_APP_KEY"), "{e}");
    let mut no_api = base();
    no_api.auth = None;
    assert!(err(no_api).to_string().contains("CANARY_DATADOG_TOKEN"));
    let mut typo = base();
    typo.options.insert("stie".into(), "datadoghq.eu".into());
    assert!(err(typo).to_string().contains("unknown option \"stie\""));
    let mut both = base();
    both.url = Some("https://api.datadoghq.eu".into());
    both.options.insert("site".into(), "datadoghq.eu".into());
    assert!(err(both).to_string().contains("not both"));
    let mut cred = base();
    cred.credentials
        .insert("api_key".into(), Secret::new("x".into()));
    assert!(
        err(cred)
            .to_string()
            .contains("unknown credential \"api_key\"")
    );
    let mut site = base();
    site.options.insert("site".into(), "datadoghq.eu".into());
    let src = build_source("datadog", site).unwrap();
    let shown = format!("{src:?}");
    assert!(shown.contains("api.datadoghq.eu"), "{shown}");
    assert!(!shown.contains("SECRET"), "{shown}");
    assert_eq!(canary_sources::credential_names("datadog"), &["app_key"]);
    assert!(canary_sources::BACKENDS.contains(&"datadog"));
}
