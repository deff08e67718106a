//! The Prometheus backend against a mock server on 127.0.0.1 serving response bodies
//! shaped like the documented HTTP API (`/api/v1/query_range`, `/api/v1/query`).

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

mod support;

use canary_judge::Config;
use canary_sources::http::HttpOptions;
use canary_sources::{Cause, MetricSource, SourceSettings, Window, build_source, fetch_all};
use serde_json::{Value, json};
use std::time::Duration;
use support::{
    EVERY_ATTEMPT, Run, assert_debug_hides, assert_empty, assert_error_hides, assert_http_error,
    assert_no_failures, assert_not_json, assert_requests_hide, assert_status,
    assert_the_latency_histograms, assert_the_latency_series, assert_timed_out, at, continuous,
    count, count_series, failure, fast, mount_fails_then_ok, mount_too_slow, one_scope, scopes,
    single_metric, vars,
};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CONFIG: &str = r#"
version: 1
metrics:
  - name: latency_ms
    query: {prometheus: 'avg(latency_ms{version="${scope}", cluster="${cluster}"})'}
  - name: errors
    kind: counts
    query:
      prometheus:
        events: 'sum(increase(requests_total{code="500", version="${scope}"}[${step}]))'
        total: 'sum(increase(requests_total{version="${scope}"}[${step}]))'
  - name: latency_seconds
    kind: histogram
    query: {prometheus: 'sum by (le) (increase(latency_bucket{version="${scope}"}[${window}]))'}
"#;

fn config() -> Config {
    Config::from_yaml_str(CONFIG).unwrap()
}

fn source(server: &MockServer, auth: Option<&str>) -> Box<dyn MetricSource> {
    at("prometheus", server).auth(auth).build()
}

fn window() -> Window {
    Window::new(1000, 1180, 60).unwrap()
}

/// The window, scopes and variables of most fetches here.
fn run() -> Run {
    Run::new(window(), scopes(), vars())
}

fn matrix(values: &[(i64, &str)]) -> Value {
    let values: Vec<Value> = values.iter().map(|(t, v)| json!([t, v])).collect();
    json!({"status": "success", "data": {"resultType": "matrix",
        "result": [{"metric": {}, "values": values}]}})
}

fn empty_matrix() -> Value {
    json!({"status": "success", "data": {"resultType": "matrix", "result": []}})
}

fn buckets(pairs: &[(&str, &str)]) -> Value {
    let result: Vec<Value> = pairs
        .iter()
        .map(|(le, v)| json!({"metric": {"le": le}, "value": [1180, v]}))
        .collect();
    json!({"status": "success", "data": {"resultType": "vector", "result": result}})
}

async fn range_mock(server: &MockServer, query: &str, body: Value) {
    Mock::given(method("GET"))
        .and(path("/api/v1/query_range"))
        .and(query_param("query", query))
        .and(query_param("start", "1000"))
        .and(query_param("end", "1180"))
        .and(query_param("step", "60"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

fn latency_query(scope: &str) -> String {
    format!(r#"avg(latency_ms{{version="{scope}", cluster="eu1"}})"#)
}

#[tokio::test]
async fn fetches_all_three_kinds_for_both_scopes() {
    let server = MockServer::start().await;
    range_mock(
        &server,
        &latency_query("v1"),
        matrix(&[(1000, "10"), (1060, "11"), (1120, "12"), (1180, "13")]),
    )
    .await;
    // A partial series: the canary lacks 1060, and 1120 is NaN.
    range_mock(
        &server,
        &latency_query("v2"),
        matrix(&[(1000, "20"), (1120, "NaN"), (1180, "23.5")]),
    )
    .await;
    for (scope, e, t) in [("v1", "1", "100"), ("v2", "2.9999", "99.6")] {
        range_mock(
            &server,
            &format!(r#"sum(increase(requests_total{{code="500", version="{scope}"}}[60s]))"#),
            matrix(&[(1000, e), (1060, "0"), (1120, e), (1180, "0")]),
        )
        .await;
        range_mock(
            &server,
            &format!(r#"sum(increase(requests_total{{version="{scope}"}}[60s]))"#),
            matrix(&[(1000, t), (1060, t), (1120, t), (1180, t)]),
        )
        .await;
    }
    for (scope, inf) in [("v1", "100"), ("v2", "50")] {
        Mock::given(method("GET"))
            .and(path("/api/v1/query"))
            .and(query_param(
                "query",
                format!(r#"sum by (le) (increase(latency_bucket{{version="{scope}"}}[180s]))"#),
            ))
            .and(query_param("time", "1180"))
            .respond_with(ResponseTemplate::new(200).set_body_json(buckets(&[
                ("+Inf", inf),
                ("0.1", "10"),
                ("0.5", "40"),
            ])))
            .mount(&server)
            .await;
    }
    let src = source(&server, None);
    let fetched = run().fetch(src.as_ref(), &config()).await;
    assert_no_failures(&fetched);
    assert_the_latency_series(&fetched, "latency_ms", [1000, 1060, 1120, 1180]);
    let errors = count_series(&fetched, "errors");
    assert_eq!(errors.baseline[0], count(1000, 1.0, 100.0));
    // increase() extrapolates: counts are rounded to whole numbers.
    assert_eq!(errors.canary[0], count(1000, 3.0, 100.0));
    assert_eq!(errors.canary.len(), 4);
    assert_the_latency_histograms(&fetched);
}

fn latency_only() -> Config {
    single_metric(r#"{name: latency_ms, query: {prometheus: 'up{v="${scope}"}'}}"#)
}

#[tokio::test]
async fn an_empty_result_is_empty_data_not_an_error() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/query_range"))
        .respond_with(ResponseTemplate::new(200).set_body_json(empty_matrix()))
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/query"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"status": "success", "data": {"resultType": "vector", "result": []}}),
        ))
        .mount(&server)
        .await;
    let src = source(&server, None);
    let fetched = run().fetch(src.as_ref(), &config()).await;
    assert_empty(&fetched, &["latency_ms"], &["errors"], &["latency_seconds"]);
}

#[tokio::test]
async fn a_4xx_is_not_retried_and_names_the_metric_scope_and_api_message() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/query_range"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"status": "error", "errorType": "bad_data", "error": "1:5: parse error: unexpected"}),
        ))
        .expect(2) // one request per side, no retry
        .mount(&server)
        .await;
    let src = source(&server, None);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_http_error(
        &fetched,
        "latency_ms",
        400,
        "prometheus: metric \"latency_ms\" (",
        &["parse error: unexpected"],
    );
    let text = failure(&fetched, "latency_ms").to_string();
    assert!(
        text.contains("scope \"v1\"") || text.contains("scope \"v2\""),
        "{text}"
    );
    assert!(fetched.all_failed());
}

#[tokio::test]
async fn a_5xx_is_retried_until_it_succeeds() {
    let server = MockServer::start().await;
    mount_fails_then_ok(
        &server,
        || Mock::given(path("/api/v1/query_range")),
        2,
        ResponseTemplate::new(503).set_body_string("overloaded"),
        ResponseTemplate::new(200).set_body_json(matrix(&[(1000, "1"), (1060, "2")])),
    )
    .await;
    let src = source(&server, None);
    let fetched = run()
        .fetch_scoped(src.as_ref(), &latency_only(), &one_scope("a"))
        .await;
    assert_no_failures(&fetched);
    assert_eq!(continuous(&fetched, "latency_ms").baseline.len(), 4);
}

/// 429 (rate limited) is the one 4xx that is retried: after its `Retry-After` when that
/// is short, at once as a failure when it asks for longer than `max_retry_after`.
#[tokio::test]
async fn a_429_is_retried_after_its_retry_after_unless_that_is_too_long() {
    let server = MockServer::start().await;
    mount_fails_then_ok(
        &server,
        || Mock::given(path("/api/v1/query_range")),
        2,
        ResponseTemplate::new(429)
            .insert_header("retry-after", "0")
            .set_body_string("slow down"),
        ResponseTemplate::new(200).set_body_json(matrix(&[(1000, "1"), (1060, "2")])),
    )
    .await;
    let src = source(&server, None);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_no_failures(&fetched);

    let server = MockServer::start().await;
    Mock::given(path("/api/v1/query_range"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "3600")
                .set_body_string("come back in an hour"),
        )
        .expect(2) // one request per side: an hour is beyond max_retry_after
        .mount(&server)
        .await;
    let src = source(&server, None);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    let e = &fetched.failures["latency_ms"];
    assert!(
        matches!(&e.cause, Cause::Status { status: 429, body } if body.contains("an hour")),
        "{e}"
    );
}

#[tokio::test]
async fn a_5xx_that_persists_fails_after_every_retry() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/query_range"))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .expect(EVERY_ATTEMPT)
        .mount(&server)
        .await;
    let src = source(&server, None);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    let e = &fetched.failures["latency_ms"];
    assert!(
        matches!(&e.cause, Cause::Status { status: 502, body } if body == "bad gateway"),
        "{e}"
    );
}

#[tokio::test]
async fn a_timeout_is_retried_then_reported() {
    let server = MockServer::start().await;
    mount_too_slow(
        &server,
        Mock::given(path("/api/v1/query_range")),
        matrix(&[(1000, "1")]),
    )
    .await;
    let src = source(&server, None);
    let started = std::time::Instant::now();
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_timed_out(&fetched, "latency_ms");
    let e = failure(&fetched, "latency_ms");
    assert!(e.to_string().contains("no response within 0.3 s"), "{e}");
    assert!(started.elapsed() < Duration::from_millis(1400));
}

#[tokio::test]
async fn malformed_json_and_several_series_are_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/query_range"))
        .and(query_param("query", r#"up{v="v1"}"#))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("{\"status\": \"success\", \"data\": {"),
        )
        .expect(2) // both sides; a parse error is not retried
        .mount(&server)
        .await;
    let two = json!({"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"pod": "a"}, "values": [[1000, "1"]]},
        {"metric": {"pod": "b"}, "values": [[1000, "2"]]}]}});
    Mock::given(path("/api/v1/query_range"))
        .and(query_param("query", r#"up{v="v2"}"#))
        .respond_with(ResponseTemplate::new(200).set_body_json(two))
        .mount(&server)
        .await;
    let src = source(&server, None);
    let config = latency_only();
    let fetched = run()
        .fetch_scoped(src.as_ref(), &config, &one_scope("v1"))
        .await;
    assert_not_json(&fetched, "latency_ms");
    let fetched = run()
        .fetch_scoped(src.as_ref(), &config, &one_scope("v2"))
        .await;
    let e = fetched.failures["latency_ms"].to_string();
    assert!(
        e.contains("2 series where one is expected ({pod=\"a\"}, {pod=\"b\"})"),
        "{e}"
    );
}

#[tokio::test]
async fn the_token_goes_in_the_authorization_header_only() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/query_range"))
        .and(header("authorization", "Bearer tok-SECRET-42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(matrix(&[(1000, "1")])))
        .expect(2)
        .mount(&server)
        .await;
    let src = source(&server, Some("tok-SECRET-42"));
    assert_debug_hides(src.as_ref(), &["SECRET"]);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_no_failures(&fetched);
    assert_requests_hide(&server, "SECRET").await;
}

#[tokio::test]
async fn responses_beyond_the_size_cap_are_refused() {
    let server = MockServer::start().await;
    let big: Vec<(i64, &str)> = (0..4).map(|i| (1000 + 60 * i, "1.0000000000")).collect();
    Mock::given(path("/api/v1/query_range"))
        .respond_with(ResponseTemplate::new(200).set_body_json(matrix(&big)))
        .expect(2)
        .mount(&server)
        .await;
    let src = at("prometheus", &server)
        .http(HttpOptions {
            max_response_bytes: 64,
            ..fast()
        })
        .build();
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert!(matches!(
        fetched.failures["latency_ms"].cause,
        Cause::TooLarge { limit: 64 }
    ));
}

#[tokio::test]
async fn template_and_query_problems_are_reported_before_any_request() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/query_range"))
        .respond_with(ResponseTemplate::new(200).set_body_json(empty_matrix()))
        .expect(0)
        .mount(&server)
        .await;
    let src = source(&server, None);
    let config = single_metric(r#"{name: m, query: {prometheus: 'up{v="${scpoe}"}'}}"#);
    let fetched = run().fetch(src.as_ref(), &config).await;
    let e = fetched.failures["m"].to_string();
    assert!(e.contains("unknown variable ${scpoe}"), "{e}");
    let config = single_metric(r#"{name: m, kind: counts, query: {prometheus: 'up'}}"#);
    let fetched = run().fetch(src.as_ref(), &config).await;
    let e = fetched.failures["m"].to_string();
    assert!(
        e.contains("query.prometheus: a counts metric needs {events: <query>, total: <query>}"),
        "{e}"
    );
    let config = single_metric(r#"{name: m, query: {influxdb: 'SELECT 1'}}"#);
    let fetched = run().fetch(src.as_ref(), &config).await;
    let e = fetched.failures["m"].to_string();
    assert!(
        e.contains("no query for prometheus (the metric has queries for: influxdb)"),
        "{e}"
    );
    let wide = Window::new(0, 60 * 20_000, 60).unwrap();
    let fetched = fetch_all(src.as_ref(), &latency_only(), wide, &scopes(), &vars()).await;
    assert!(matches!(
        fetched.failures["latency_ms"].cause,
        Cause::Window(_)
    ));
}

#[tokio::test]
async fn an_unreachable_server_is_a_connection_error() {
    // Bind then drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let src = build_source(
        "prometheus",
        SourceSettings {
            url: Some(format!("http://127.0.0.1:{port}")),
            http: fast(),
            ..SourceSettings::default()
        },
    )
    .unwrap();
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    let e = &fetched.failures["latency_ms"];
    assert!(matches!(e.cause, Cause::Connect(_)), "{e}");
    assert!(e.is_transport());
}

#[test]
fn urls_with_credentials_or_other_schemes_are_refused() {
    for (url, wanted) in [
        ("http://user:pw@127.0.0.1:9090", "must not hold credentials"),
        ("ftp://127.0.0.1", "must be http or https"),
        ("not a url", "invalid URL"),
    ] {
        let e = build_source(
            "prometheus",
            SourceSettings {
                url: Some(url.into()),
                ..SourceSettings::default()
            },
        )
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains(wanted), "{url}: {e}");
        assert!(!e.contains("pw"), "{e}");
    }
    let e = build_source("nosuch", SourceSettings::default())
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("unknown source \"nosuch\""), "{e}");
}

#[tokio::test]
async fn a_server_echoing_the_token_in_an_error_does_not_leak_it() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/query_range"))
        .respond_with(
            ResponseTemplate::new(401).set_body_string("invalid bearer token tok-SECRET-42"),
        )
        .mount(&server)
        .await;
    let src = source(&server, Some("tok-SECRET-42"));
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_status(&fetched, "latency_ms", 401);
    assert_error_hides(
        &fetched,
        "latency_ms",
        &["SECRET"],
        "invalid bearer token [redacted]",
    );
}
