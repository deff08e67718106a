//! The New Relic backend against a mock NerdGraph on 127.0.0.1 serving bodies shaped
//! like the documented API: `POST /graphql` answering
//! `{"data": {"actor": {"account": {"nrql": {"results": [...]}}}}}`, `TIMESERIES` rows
//! `{"beginTimeSeconds", "endTimeSeconds", "<aggregate>"}`, `FACET` rows
//! `{"facet", "<attribute>", "<aggregate>"}`, and GraphQL errors with HTTP 200.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

mod support;

use canary_judge::{Config, CountPoint, Point};
use canary_sources::newrelic::GRAPHQL;
use canary_sources::{
    Cause, MetricSource, Secret, SourceSettings, Window, build_source, fetch_all,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use support::{
    Run, assert_debug_hides, assert_empty, assert_error_hides, assert_failed_fetch_never_promotes,
    assert_http_error, assert_judged_nodata, assert_no_failures, assert_not_json,
    assert_promotes_alone, assert_requests_hide, assert_the_latency_histograms, assert_timed_out,
    at, continuous, count_series, mount_too_slow, one_scope, scopes, single_metric,
};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "NRAK-SECRET-0123456789";
const ACCOUNT: u64 = 1_234_567;

/// The window: 2025-11-21T10:00:00Z for 3 minutes, one step a minute.
const START: i64 = 1_763_719_200;

const CONFIG: &str = r#"
version: 1
metrics:
  - name: latency_ms
    query: {newrelic: "SELECT average(duration) * 1000 FROM Transaction WHERE appName = '${app}' AND appVersion = '${scope}' SINCE ${start_ms} UNTIL ${end_ms} TIMESERIES ${step_seconds} seconds"}
  - name: errors
    kind: counts
    query:
      newrelic:
        events: "SELECT count(*) FROM Transaction WHERE appVersion = '${scope}' AND error IS true SINCE ${start_ms} UNTIL ${end_ms} TIMESERIES ${step_seconds} seconds"
        total: "SELECT count(*) FROM Transaction WHERE appVersion = '${scope}' SINCE ${start_ms} UNTIL ${end_ms} TIMESERIES ${step_seconds} seconds"
  - name: latency_seconds
    kind: histogram
    query: {newrelic: "SELECT sum(http_request_duration_seconds_bucket) FROM Metric WHERE version = '${scope}' FACET le SINCE ${start_ms} UNTIL ${end_ms} LIMIT MAX"}
"#;

fn config() -> Config {
    Config::from_yaml_str(CONFIG).unwrap()
}

fn source(server: &MockServer) -> Box<dyn MetricSource> {
    at("newrelic", server)
        .auth(Some(KEY))
        .option("account_id", &ACCOUNT.to_string())
        .build()
}

fn window() -> Window {
    Window::new(START, START + 180, 60).unwrap()
}

/// The window, scopes and variables of most fetches here.
fn run() -> Run {
    Run::new(window(), scopes(), vars())
}

fn vars() -> BTreeMap<String, String> {
    BTreeMap::from([("app".to_owned(), "web".to_owned())])
}

const SINCE_UNTIL: &str = "SINCE 1763719200000 UNTIL 1763719380000";

fn results(rows: Value) -> Value {
    json!({"data": {"actor": {"account": {"nrql": {"results": rows}}}}})
}

/// `TIMESERIES 60 seconds` rows ending at the given grid steps (1, 2, 3).
fn timeseries(field: &str, values: &[(i64, Value)]) -> Value {
    let rows: Vec<Value> = values
        .iter()
        .map(|(i, v)| {
            let mut row = serde_json::Map::new();
            row.insert("beginTimeSeconds".into(), json!(START + 60 * (i - 1)));
            row.insert("endTimeSeconds".into(), json!(START + 60 * i));
            row.insert(field.into(), v.clone());
            Value::Object(row)
        })
        .collect();
    results(Value::Array(rows))
}

/// A mock answering the NRQL `nrql` once, only with the key in its header, the
/// account and the NRQL as GraphQL variables.
async fn nrql_mock(server: &MockServer, nrql: &str, body: Value) {
    nrql_mock_n(server, nrql, body, 1).await;
}

async fn nrql_mock_n(server: &MockServer, nrql: &str, body: Value, times: u64) {
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(header("API-Key", KEY))
        .and(header("content-type", "application/json"))
        .and(body_partial_json(json!({
            "query": GRAPHQL,
            "variables": {"accountId": ACCOUNT, "nrql": nrql}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(times)
        .mount(server)
        .await;
}

fn latency_nrql(scope: &str) -> String {
    format!(
        "SELECT average(duration) * 1000 FROM Transaction WHERE appName = 'web' AND appVersion = '{scope}' {SINCE_UNTIL} TIMESERIES 60 seconds"
    )
}

#[tokio::test]
async fn fetches_all_three_kinds_for_both_scopes() {
    let server = MockServer::start().await;
    let field = "average.duration";
    nrql_mock(
        &server,
        &latency_nrql("v1"),
        timeseries(
            field,
            &[(1, json!(11.0)), (2, json!(12.0)), (3, json!(13.0))],
        ),
    )
    .await;
    // A partial series: the second bucket is null and the third is missing.
    nrql_mock(
        &server,
        &latency_nrql("v2"),
        timeseries(field, &[(1, json!(21.5)), (2, Value::Null)]),
    )
    .await;
    for (scope, e, total) in [("v1", 1, 100), ("v2", 3, 99)] {
        nrql_mock(
            &server,
            &format!("SELECT count(*) FROM Transaction WHERE appVersion = '{scope}' AND error IS true {SINCE_UNTIL} TIMESERIES 60 seconds"),
            timeseries("count", &[(1, json!(e)), (2, json!(0)), (3, json!(e))]),
        )
        .await;
        nrql_mock(
            &server,
            &format!("SELECT count(*) FROM Transaction WHERE appVersion = '{scope}' {SINCE_UNTIL} TIMESERIES 60 seconds"),
            timeseries("count", &[(1, json!(total)), (2, json!(total)), (3, json!(total))]),
        )
        .await;
    }
    for (scope, inf) in [("v1", 100), ("v2", 50)] {
        let row = |le: &str, n: i64| json!({"facet": le, "le": le, "sum.http_request_duration_seconds_bucket": n});
        nrql_mock(
            &server,
            &format!("SELECT sum(http_request_duration_seconds_bucket) FROM Metric WHERE version = '{scope}' FACET le {SINCE_UNTIL} LIMIT MAX"),
            results(json!([row("+Inf", inf), row("0.5", 40), row("0.1", 10)])),
        )
        .await;
    }
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &config()).await;
    assert_no_failures(&fetched);
    let t = |i: i64| START + 60 * i;
    let p = |i: i64, value| Point {
        timestamp: t(i),
        value,
    };
    let latency = continuous(&fetched, "latency_ms");
    // Each bucket lands at its end; no bucket ends at the window's start.
    assert_eq!(
        latency.baseline,
        vec![
            p(0, None),
            p(1, Some(11.0)),
            p(2, Some(12.0)),
            p(3, Some(13.0))
        ]
    );
    assert_eq!(
        latency.canary,
        vec![p(0, None), p(1, Some(21.5)), p(2, None), p(3, None)]
    );
    let errors = count_series(&fetched, "errors");
    let c = |i: i64, events, total| CountPoint {
        timestamp: t(i),
        events,
        total,
    };
    assert_eq!(
        errors.canary,
        vec![
            c(0, 0.0, 0.0),
            c(1, 3.0, 99.0),
            c(2, 0.0, 99.0),
            c(3, 3.0, 99.0)
        ]
    );
    assert_the_latency_histograms(&fetched);
    // The key travels in its header only: never in the URL or the body.
    assert_requests_hide(&server, "SECRET").await;
}

#[tokio::test]
async fn the_nrql_is_a_graphql_variable_so_quotes_cannot_change_the_document() {
    let server = MockServer::start().await;
    let scope = r#"v1") { results } } } } #"#;
    let config = Config::from_yaml_str(
        r#"
version: 1
metrics:
  - name: m
    query: {newrelic: "SELECT count(*) FROM T WHERE v = '${scope}' SINCE ${start_ms} UNTIL ${end_ms} TIMESERIES ${step_seconds} seconds"}
"#,
    )
    .unwrap();
    let src = source(&server);
    let scopes = one_scope(scope);
    nrql_mock_n(
        &server,
        &format!("SELECT count(*) FROM T WHERE v = '{scope}' {SINCE_UNTIL} TIMESERIES 60 seconds"),
        timeseries("count", &[(1, json!(1))]),
        2,
    )
    .await;
    let fetched = run().fetch_scoped(src.as_ref(), &config, &scopes).await;
    assert_no_failures(&fetched);
    for request in server.received_requests().await.unwrap() {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(body["query"], GRAPHQL);
    }
}

fn latency_only() -> Config {
    single_metric(
        r#"{name: latency_ms, query: {newrelic: "SELECT average(duration) FROM Transaction WHERE appVersion = '${scope}' SINCE ${start_ms} UNTIL ${end_ms} TIMESERIES ${step_seconds} seconds"}}"#,
    )
}

fn latency_only_nrql(scope: &str) -> String {
    format!(
        "SELECT average(duration) FROM Transaction WHERE appVersion = '{scope}' {SINCE_UNTIL} TIMESERIES 60 seconds"
    )
}

#[tokio::test]
async fn an_empty_result_is_no_data_and_the_judge_says_nodata() {
    let server = MockServer::start().await;
    Mock::given(path("/graphql"))
        .respond_with(ResponseTemplate::new(200).set_body_json(results(json!([]))))
        .mount(&server)
        .await;
    let src = source(&server);
    let config = config();
    let fetched = run().fetch(src.as_ref(), &config).await;
    assert_empty(&fetched, &["latency_ms"], &["errors"], &["latency_seconds"]);
    assert_judged_nodata(&config, &fetched);
}

#[tokio::test]
async fn a_4xx_is_sent_once() {
    let server = MockServer::start().await;
    Mock::given(path("/graphql"))
        .and(body_partial_json(
            json!({"variables": {"nrql": latency_only_nrql("v1")}}),
        ))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "errors": [{"message": "Bad Request: the request body is not valid GraphQL"}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    nrql_mock(
        &server,
        &latency_only_nrql("v2"),
        timeseries("average.duration", &[(1, json!(1.0))]),
    )
    .await;
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_http_error(
        &fetched,
        "latency_ms",
        400,
        "newrelic: metric \"latency_ms\" (baseline scope \"v1\")",
        &["not valid GraphQL"],
    );
}

#[tokio::test]
async fn a_5xx_is_retried_until_it_succeeds() {
    let server = MockServer::start().await;
    Mock::given(path("/graphql"))
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    nrql_mock_n(
        &server,
        &latency_only_nrql("a"),
        timeseries("average.duration", &[(1, json!(1.0)), (2, json!(2.0))]),
        2,
    )
    .await;
    let src = source(&server);
    let fetched = run()
        .fetch_scoped(src.as_ref(), &latency_only(), &one_scope("a"))
        .await;
    assert_no_failures(&fetched);
    assert_eq!(
        continuous(&fetched, "latency_ms").baseline[2].value,
        Some(2.0)
    );
}

#[tokio::test]
async fn a_timeout_is_retried_then_reported() {
    let server = MockServer::start().await;
    mount_too_slow(&server, Mock::given(path("/graphql")), results(json!([]))).await;
    let src = source(&server);
    let started = std::time::Instant::now();
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_timed_out(&fetched, "latency_ms");
    assert!(started.elapsed() < Duration::from_millis(1400));
}

#[tokio::test]
async fn malformed_json_is_a_response_error_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/graphql"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(r#"{"data": {"actor": {"account": {"nrql": {"results": [{"#),
        )
        .expect(2)
        .mount(&server)
        .await;
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_not_json(&fetched, "latency_ms");
}

#[tokio::test]
async fn graphql_errors_with_http_200_are_api_errors_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/graphql"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"actor": {"account": {"nrql": null}}},
            "errors": [{
                "locations": [{"column": 37, "line": 1}],
                "message": "NRQL Syntax Error: Error at line 1 position 8, unknown function averag",
                "path": ["actor", "account", "nrql"]
            }]
        })))
        .expect(2)
        .mount(&server)
        .await;
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    let e = &fetched.failures["latency_ms"];
    assert_eq!(
        e.cause,
        Cause::Api("NRQL Syntax Error: Error at line 1 position 8, unknown function averag".into())
    );
}

#[tokio::test]
async fn facets_or_several_values_where_one_series_is_expected_are_errors() {
    let server = MockServer::start().await;
    let faceted = results(json!([
        {"beginTimeSeconds": START, "endTimeSeconds": START + 60, "facet": "host-a", "host": "host-a", "average.duration": 1.0},
        {"beginTimeSeconds": START, "endTimeSeconds": START + 60, "facet": "host-b", "host": "host-b", "average.duration": 2.0},
        {"beginTimeSeconds": START, "endTimeSeconds": START + 60, "facet": "host-c", "host": "host-c", "average.duration": 3.0},
        {"beginTimeSeconds": START, "endTimeSeconds": START + 60, "facet": "host-d", "host": "host-d", "average.duration": 4.0},
    ]));
    nrql_mock_n(&server, &latency_only_nrql("faceted"), faceted, 2).await;
    let two_values = results(json!([
        {"beginTimeSeconds": START, "endTimeSeconds": START + 60, "average.duration": 1.0, "max.duration": 9.0},
    ]));
    nrql_mock_n(&server, &latency_only_nrql("two"), two_values, 2).await;
    let src = source(&server);
    let fetched = run()
        .fetch_scoped(src.as_ref(), &latency_only(), &one_scope("faceted"))
        .await;
    let e = fetched.failures["latency_ms"].to_string();
    assert!(
        e.contains("4 facets (\"host-a\", \"host-b\", \"host-c\", …) where one series is expected; remove FACET"),
        "{e}"
    );
    let fetched = run()
        .fetch_scoped(src.as_ref(), &latency_only(), &one_scope("two"))
        .await;
    let e = fetched.failures["latency_ms"].to_string();
    assert!(
        e.contains("several values (average.duration, max.duration); select one aggregate"),
        "{e}"
    );
}

#[tokio::test]
async fn seconds_after_since_are_refused_before_any_request() {
    let server = MockServer::start().await;
    Mock::given(path("/graphql"))
        .respond_with(ResponseTemplate::new(200).set_body_json(results(json!([]))))
        .expect(0)
        .mount(&server)
        .await;
    let src = source(&server);
    let config = single_metric(
        r#"{name: m, query: {newrelic: "SELECT count(*) FROM T SINCE ${start} UNTIL ${end} TIMESERIES 60 seconds"}}"#,
    );
    let fetched = run().fetch(src.as_ref(), &config).await;
    let e = fetched.failures["m"].to_string();
    assert!(e.contains("epoch milliseconds"), "{e}");
    assert!(e.contains("${start_ms}"), "{e}");
    let mut clash = vars();
    clash.insert("start_ms".into(), "0".into());
    let fetched = fetch_all(src.as_ref(), &latency_only(), window(), &scopes(), &clash).await;
    let e = fetched.failures["latency_ms"].to_string();
    assert!(
        e.contains("\"start_ms\" is built in and cannot be set"),
        "{e}"
    );
}

#[tokio::test]
async fn a_key_echoed_in_an_error_never_reaches_the_message() {
    let server = MockServer::start().await;
    Mock::given(path("/graphql"))
        .and(body_partial_json(
            json!({"variables": {"nrql": latency_only_nrql("v1")}}),
        ))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "errors": [{"message": format!("Invalid API key: {KEY}")}]
        })))
        .mount(&server)
        .await;
    Mock::given(path("/graphql"))
        .and(body_partial_json(
            json!({"variables": {"nrql": latency_only_nrql("v2")}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"actor": {"account": null}},
            "errors": [{"message": format!("Account {ACCOUNT} is not accessible with key {KEY}")}]
        })))
        .mount(&server)
        .await;
    let src = source(&server);
    assert_debug_hides(src.as_ref(), &["SECRET"]);
    let config = latency_only();
    for (side, wanted) in [
        ("v1", "Invalid API key: [redacted]"),
        ("v2", "is not accessible with key [redacted]"),
    ] {
        let fetched = run()
            .fetch_scoped(src.as_ref(), &config, &one_scope(side))
            .await;
        assert_error_hides(&fetched, "latency_ms", &["SECRET"], wanted);
    }
}

#[tokio::test]
async fn a_failed_fetch_never_promotes() {
    let server = MockServer::start().await;
    // 30 buckets alike on both sides: judged alone, the latency promotes.
    let steady: Vec<(i64, Value)> = (1..=30)
        .map(|i| (i, json!(100.0 + (i % 5) as f64)))
        .collect();
    for scope in ["v1", "v2"] {
        let nrql = format!(
            "SELECT average(duration) FROM Transaction WHERE appVersion = '{scope}' SINCE 1763719200000 UNTIL 1763721000000 TIMESERIES 60 seconds"
        );
        nrql_mock(&server, &nrql, timeseries("average.duration", &steady)).await;
    }
    // The other metric's query fails (New Relic down for one side).
    Mock::given(path("/graphql"))
        .and(body_partial_json(json!({"variables": {"nrql": "SELECT average(cpuPercent) FROM SystemSample WHERE version = 'v2' SINCE 1763719200000 UNTIL 1763721000000 TIMESERIES 60 seconds"}})))
        .respond_with(ResponseTemplate::new(503).set_body_string("Service Unavailable"))
        .mount(&server)
        .await;
    Mock::given(path("/graphql"))
        .and(body_partial_json(json!({"variables": {"nrql": "SELECT average(cpuPercent) FROM SystemSample WHERE version = 'v1' SINCE 1763719200000 UNTIL 1763721000000 TIMESERIES 60 seconds"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(timeseries("average.cpuPercent", &steady)))
        .mount(&server)
        .await;
    let config = Config::from_yaml_str(
        r#"
version: 1
metrics:
  - name: latency_ms
    query: {newrelic: "SELECT average(duration) FROM Transaction WHERE appVersion = '${scope}' SINCE ${start_ms} UNTIL ${end_ms} TIMESERIES ${step_seconds} seconds"}
  - name: cpu
    query: {newrelic: "SELECT average(cpuPercent) FROM SystemSample WHERE version = '${scope}' SINCE ${start_ms} UNTIL ${end_ms} TIMESERIES ${step_seconds} seconds"}
"#,
    )
    .unwrap();
    let window = Window::new(START, START + 1800, 60).unwrap();
    let src = source(&server);
    let fetched = fetch_all(src.as_ref(), &config, window, &scopes(), &vars()).await;
    assert_eq!(fetched.metrics.len(), 1, "{:?}", fetched.failures);
    assert_failed_fetch_never_promotes(&config, &fetched, &[("cpu", "HTTP 503")]);
    assert_promotes_alone(&config, &fetched, "latency_ms");
}

#[test]
fn setup_needs_an_account_and_a_key_and_knows_regions() {
    let base = || SourceSettings {
        auth: Some(Secret::new(KEY.to_owned())),
        options: BTreeMap::from([("account_id".to_owned(), ACCOUNT.to_string())]),
        ..SourceSettings::default()
    };
    let err = |s: SourceSettings| build_source("newrelic", s).err().unwrap().to_string();
    let mut none = base();
    none.options.clear();
    assert!(err(none).contains("the option account_id is required"));
    for bad in ["12x", "0", "-5", "99999999999"] {
        let mut s = base();
        s.options.insert("account_id".into(), bad.into());
        assert!(
            err(s).contains("expected a New Relic account number"),
            "{bad}"
        );
    }
    let mut no_key = base();
    no_key.auth = None;
    assert!(err(no_key).contains("CANARY_NEWRELIC_TOKEN"));
    let mut region = base();
    region.options.insert("region".into(), "mars".into());
    assert!(err(region).contains("expected us or eu"));
    let mut cred = base();
    cred.credentials
        .insert("app_key".into(), Secret::new("x".into()));
    assert!(err(cred).contains("unknown credential"));
    let mut eu = base();
    eu.options.insert("region".into(), "EU".into());
    let shown = format!("{:?}", build_source("newrelic", eu).unwrap());
    assert!(shown.contains("\"api.eu.newrelic.com\""), "{shown}");
    assert!(shown.contains("path: \"/graphql\""), "{shown}");
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(canary_sources::BACKENDS.contains(&"newrelic"));
}
