//! The Graphite backend against a mock server on 127.0.0.1 serving response bodies shaped
//! like graphite-web's documented render API JSON:
//! `[{"target": "...", "tags": {...}, "datapoints": [[value | null, time], ...]}]`, and its
//! HTTP 400 text for a bad target. Where these mocks make a claim about graphite-web's
//! behaviour (the 400 text, `null`-filled buckets before the data), it was checked against
//! graphite-web 1.1.8 by `crates/cli/tests/graphite_live.rs`.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

use canary_judge::{Classification, Config, CountPoint, MetricData, Point, Verdict};
use canary_sources::http::HttpOptions;
use canary_sources::{
    Cause, MetricSource, Scopes, Secret, SourceSettings, Window, build_source, fetch_all,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CONFIG: &str = r#"
version: 1
metrics:
  - name: latency_ms
    query: {graphite: 'averageSeries(app.${cluster}.${scope}.*.latency_ms)'}
  - name: errors
    kind: counts
    query:
      graphite:
        events: 'sumSeries(app.${scope}.*.responses.5xx)'
        total: 'sumSeries(app.${scope}.*.responses.*)'
  - name: latency_seconds
    kind: histogram
    query: {graphite: "integral(groupByTags(seriesByTag('name=latency_bucket', 'version=${scope}'), 'sum', 'le'))"}
"#;

fn config() -> Config {
    Config::from_yaml_str(CONFIG).unwrap()
}

fn fast() -> HttpOptions {
    HttpOptions {
        timeout: Duration::from_millis(300),
        retries: 2,
        backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        ..HttpOptions::default()
    }
}

fn settings(server: &MockServer, auth: Option<&str>) -> SourceSettings {
    SourceSettings {
        url: Some(format!("{}/graphite", server.uri())),
        auth: auth.map(|t| Secret::new(t.to_owned())),
        http: fast(),
        ..SourceSettings::default()
    }
}

fn source(server: &MockServer, auth: Option<&str>) -> Box<dyn MetricSource> {
    build_source("graphite", settings(server, auth)).unwrap()
}

fn window() -> Window {
    Window::new(1020, 1200, 60).unwrap()
}

fn scopes() -> Scopes {
    Scopes {
        baseline: "v1".into(),
        canary: "v2".into(),
    }
}

fn vars() -> BTreeMap<String, String> {
    BTreeMap::from([("cluster".to_owned(), "eu1".to_owned())])
}

fn datapoints(points: &[(Value, i64)]) -> Vec<Value> {
    points.iter().map(|(v, t)| json!([v, t])).collect()
}

/// A render answer with one series.
fn one(target: &str, points: &[(Value, i64)]) -> Value {
    json!([{"target": target, "tags": {"name": target}, "datapoints": datapoints(points)}])
}

async fn render_mock(server: &MockServer, target: &str, body: Value) {
    Mock::given(method("GET"))
        .and(path("/graphite/render"))
        .and(query_param("target", target))
        .and(query_param("from", "1019"))
        .and(query_param("until", "1200"))
        .and(query_param("format", "json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn fetches_all_three_kinds_for_both_scopes() {
    let server = MockServer::start().await;
    render_mock(
        &server,
        "averageSeries(app.eu1.v1.*.latency_ms)",
        one(
            "averageSeries(app.eu1.v1.*.latency_ms)",
            &[
                (json!(10.0), 1020),
                (json!(11.0), 1080),
                (json!(12.0), 1140),
                (json!(13.0), 1200),
            ],
        ),
    )
    .await;
    // A partial series: the canary lacks 1080 and has null at 1140.
    render_mock(
        &server,
        "averageSeries(app.eu1.v2.*.latency_ms)",
        one(
            "averageSeries(app.eu1.v2.*.latency_ms)",
            &[
                (json!(20.0), 1020),
                (Value::Null, 1140),
                (json!(23.5), 1200),
            ],
        ),
    )
    .await;
    for (scope, e, t) in [("v1", 1, 100), ("v2", 3, 99)] {
        let events = format!("sumSeries(app.{scope}.*.responses.5xx)");
        render_mock(
            &server,
            &events,
            one(
                &events,
                &[
                    (json!(e), 1020),
                    (Value::Null, 1080),
                    (json!(e), 1140),
                    (json!(0), 1200),
                ],
            ),
        )
        .await;
        let total = format!("sumSeries(app.{scope}.*.responses.*)");
        let points: Vec<(Value, i64)> = [1020, 1080, 1140, 1200]
            .iter()
            .map(|ts| (json!(t), *ts))
            .collect();
        render_mock(&server, &total, one(&total, &points)).await;
    }
    for (scope, inf) in [("v1", 100), ("v2", 50)] {
        // integral(): a running sum whose last point is the window's count.
        let bucket = |le: &str, last: i64| {
            json!({"target": format!("integral(latency_bucket;le={le};version={scope})"),
                "tags": {"name": "latency_bucket", "le": le, "version": scope},
                "datapoints": [[last / 2, 1140], [last, 1200]]})
        };
        render_mock(
            &server,
            &format!(
                "integral(groupByTags(seriesByTag('name=latency_bucket', 'version={scope}'), 'sum', 'le'))"
            ),
            json!([bucket("+Inf", inf), bucket("0.1", 10), bucket("0.5", 40)]),
        )
        .await;
    }
    let src = source(&server, None);
    let fetched = fetch_all(src.as_ref(), &config(), window(), &scopes(), &vars()).await;
    assert!(fetched.failures.is_empty(), "{:?}", fetched.failures);
    let MetricData::Continuous(latency) = &fetched.metrics["latency_ms"] else {
        panic!("not continuous")
    };
    let p = |timestamp, value| Point { timestamp, value };
    assert_eq!(
        latency.baseline,
        vec![
            p(1020, Some(10.0)),
            p(1080, Some(11.0)),
            p(1140, Some(12.0)),
            p(1200, Some(13.0))
        ]
    );
    assert_eq!(
        latency.canary,
        vec![
            p(1020, Some(20.0)),
            p(1080, None),
            p(1140, None),
            p(1200, Some(23.5))
        ]
    );
    let MetricData::Counts(errors) = &fetched.metrics["errors"] else {
        panic!("not counts")
    };
    let c = |timestamp, events, total| CountPoint {
        timestamp,
        events,
        total,
    };
    assert_eq!(
        errors.canary,
        vec![
            c(1020, 3.0, 99.0),
            c(1080, 0.0, 99.0),
            c(1140, 3.0, 99.0),
            c(1200, 0.0, 99.0)
        ]
    );
    assert_eq!(errors.baseline[0], c(1020, 1.0, 100.0));
    let MetricData::Histogram(h) = &fetched.metrics["latency_seconds"] else {
        panic!("not a histogram")
    };
    let canary = h.canary.as_ref().unwrap();
    assert_eq!(canary.upper_bounds(), &[0.1, 0.5, f64::INFINITY]);
    assert_eq!(canary.cumulative_counts(), &[10.0, 40.0, 50.0]);
    assert_eq!(h.baseline.as_ref().unwrap().total(), 100.0);
}

#[tokio::test]
async fn untagged_buckets_take_le_from_the_target_name() {
    let server = MockServer::start().await;
    let body = json!([
        {"target": "app.latency.le_0_25", "datapoints": [[7, 1200]]},
        {"target": "app.latency.le_inf", "datapoints": [[9, 1200]]},
        {"target": "1", "datapoints": [[8, 1140], [null, 1200]]}
    ]);
    Mock::given(path("/graphite/render"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let config = single_metric(r#"{name: h, kind: histogram, query: {graphite: 'app.latency.*'}}"#);
    let src = source(&server, None);
    let fetched = fetch_all(src.as_ref(), &config, window(), &scopes(), &vars()).await;
    let MetricData::Histogram(h) = &fetched.metrics["h"] else {
        panic!("{:?}", fetched.failures)
    };
    let b = h.baseline.as_ref().unwrap();
    assert_eq!(b.upper_bounds(), &[0.25, 1.0, f64::INFINITY]);
    assert_eq!(b.cumulative_counts(), &[7.0, 8.0, 9.0]);
}

#[tokio::test]
async fn buckets_without_values_in_the_window_are_no_data() {
    // graphite-web returns every stored bucket over any window, `null` where it has
    // nothing: a window before the data is no data, not an error.
    let server = MockServer::start().await;
    let body = json!([
        {"target": "app.latency.le_0_25", "tags": {"name": "app.latency.le_0_25"}, "datapoints": [[null, 1140], [null, 1200]]},
        {"target": "app.latency.le_inf", "tags": {"name": "app.latency.le_inf"}, "datapoints": [[null, 1140], [null, 1200]]}
    ]);
    Mock::given(path("/graphite/render"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let config = single_metric(r#"{name: h, kind: histogram, query: {graphite: 'app.latency.*'}}"#);
    let src = source(&server, None);
    let fetched = fetch_all(src.as_ref(), &config, window(), &scopes(), &vars()).await;
    assert!(fetched.failures.is_empty(), "{:?}", fetched.failures);
    assert!(
        matches!(&fetched.metrics["h"], MetricData::Histogram(s) if s.baseline.is_none() && s.canary.is_none())
    );
}

fn single_metric(kind_yaml: &str) -> Config {
    Config::from_yaml_str(&format!("version: 1\nmetrics:\n  - {kind_yaml}\n")).unwrap()
}

fn latency_only() -> Config {
    single_metric(r#"{name: latency_ms, query: {graphite: 'app.${scope}.latency'}}"#)
}

#[tokio::test]
async fn an_empty_list_is_empty_data_and_the_judge_says_nodata() {
    let server = MockServer::start().await;
    Mock::given(path("/graphite/render"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(8) // 2 sides × (1 + 2 + 1 targets)
        .mount(&server)
        .await;
    let src = source(&server, None);
    let fetched = fetch_all(src.as_ref(), &config(), window(), &scopes(), &vars()).await;
    assert!(fetched.failures.is_empty(), "{:?}", fetched.failures);
    assert!(
        matches!(&fetched.metrics["latency_ms"], MetricData::Continuous(s) if s.baseline.is_empty() && s.canary.is_empty())
    );
    assert!(
        matches!(&fetched.metrics["errors"], MetricData::Counts(s) if s.baseline.is_empty() && s.canary.is_empty())
    );
    assert!(
        matches!(&fetched.metrics["latency_seconds"], MetricData::Histogram(s) if s.baseline.is_none() && s.canary.is_none())
    );
    let report = canary_judge::judge_fetched(
        &config(),
        "empty",
        &fetched.metrics,
        &fetched.failure_messages(),
    )
    .unwrap();
    assert!(
        report
            .metrics
            .iter()
            .all(|m| m.classification == Classification::Nodata)
    );
    assert_ne!(report.verdict, Verdict::Promote);
}

#[tokio::test]
async fn a_bad_target_is_a_400_sent_once_with_graphites_message() {
    let server = MockServer::start().await;
    Mock::given(path("/graphite/render"))
        .and(query_param("target", "app.v1.latency"))
        .respond_with(
            // graphite-web 1.1.8's answer, word for word.
            ResponseTemplate::new(400).set_body_string(
                "Invalid parameters (Received request for unknown function: averageSeriez); targets: \"app.v1.latency\"",
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/graphite/render"))
        .and(query_param("target", "app.v2.latency"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let src = source(&server, None);
    let fetched = fetch_all(src.as_ref(), &latency_only(), window(), &scopes(), &vars()).await;
    let e = &fetched.failures["latency_ms"];
    assert!(matches!(e.cause, Cause::Status { status: 400, .. }), "{e}");
    let text = e.to_string();
    assert!(
        text.starts_with("graphite: metric \"latency_ms\" (baseline scope \"v1\"): HTTP 400"),
        "{text}"
    );
    assert!(text.contains("unknown function: averageSeriez"), "{text}");
}

#[tokio::test]
async fn a_5xx_is_retried_until_it_succeeds() {
    let server = MockServer::start().await;
    Mock::given(path("/graphite/render"))
        .respond_with(ResponseTemplate::new(500).set_body_string("<html>Server Error</html>"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(path("/graphite/render"))
        .respond_with(ResponseTemplate::new(200).set_body_json(one("x", &[(json!(1.5), 1020)])))
        .expect(2)
        .mount(&server)
        .await;
    let src = source(&server, None);
    let fetched = fetch_all(src.as_ref(), &latency_only(), window(), &scopes(), &vars()).await;
    assert!(fetched.failures.is_empty(), "{:?}", fetched.failures);
    let MetricData::Continuous(s) = &fetched.metrics["latency_ms"] else {
        panic!()
    };
    assert_eq!(s.baseline[0].value, Some(1.5));
    assert_eq!(s.canary.len(), 4);
}

#[tokio::test]
async fn a_timeout_is_retried_then_reported_and_never_promotes() {
    let server = MockServer::start().await;
    Mock::given(path("/graphite/render"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(Duration::from_millis(1500)),
        )
        .expect(6)
        .mount(&server)
        .await;
    let src = source(&server, None);
    let config = latency_only();
    let fetched = fetch_all(src.as_ref(), &config, window(), &scopes(), &vars()).await;
    let e = &fetched.failures["latency_ms"];
    assert!(matches!(e.cause, Cause::Timeout { .. }), "{e}");
    let report = canary_judge::judge_fetched(
        &config,
        "timeout",
        &fetched.metrics,
        &fetched.failure_messages(),
    )
    .unwrap();
    assert_eq!(report.metrics[0].classification, Classification::Error);
    assert!(
        report.metrics[0]
            .reason
            .contains("no response within 0.3 s")
    );
    assert_ne!(report.verdict, Verdict::Promote);
}

#[tokio::test]
async fn malformed_json_several_series_and_finer_resolution_are_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/graphite/render"))
        .and(query_param("target", "app.bad.latency"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[{\"target\": \"x\", "))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(path("/graphite/render"))
        .and(query_param("target", "app.two.latency"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"target": "app.two.a.latency", "datapoints": [[1, 1020]]},
            {"target": "app.two.b.latency", "datapoints": [[2, 1020]]}
        ])))
        .mount(&server)
        .await;
    Mock::given(path("/graphite/render"))
        .and(query_param("target", "app.fine.latency"))
        .respond_with(ResponseTemplate::new(200).set_body_json(one(
            "app.fine.latency",
            &[(json!(1), 1070), (json!(2), 1080)],
        )))
        .mount(&server)
        .await;
    Mock::given(path("/graphite/render"))
        .and(query_param("target", "app.object.latency"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"error": "not a list"})))
        .mount(&server)
        .await;
    let src = source(&server, None);
    let config = latency_only();
    let failure = |scope: &'static str| {
        let src = &src;
        let config = &config;
        async move {
            let scopes = Scopes {
                baseline: scope.into(),
                canary: scope.into(),
            };
            fetch_all(src.as_ref(), config, window(), &scopes, &vars())
                .await
                .failures["latency_ms"]
                .clone()
        }
    };
    let e = failure("bad").await;
    assert!(
        matches!(&e.cause, Cause::Response(m) if m.contains("not valid JSON")),
        "{e}"
    );
    let e = failure("two").await.to_string();
    assert!(
        e.contains("2 series where one is expected (app.two.a.latency, app.two.b.latency)"),
        "{e}"
    );
    let e = failure("fine").await.to_string();
    assert!(e.contains("two samples fall on 1080"), "{e}");
    let e = failure("object").await;
    assert!(
        matches!(&e.cause, Cause::Response(m) if m.contains("expected a list of series")),
        "{e}"
    );
}

#[tokio::test]
async fn the_token_goes_in_the_authorization_header_only() {
    let server = MockServer::start().await;
    Mock::given(path("/graphite/render"))
        .and(header("authorization", "Bearer tok-SECRET-42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(2)
        .mount(&server)
        .await;
    let src = source(&server, Some("tok-SECRET-42"));
    assert!(!format!("{src:?}").contains("SECRET"));
    let fetched = fetch_all(src.as_ref(), &latency_only(), window(), &scopes(), &vars()).await;
    assert!(fetched.failures.is_empty(), "{:?}", fetched.failures);
    for request in server.received_requests().await.unwrap() {
        assert!(!request.url.as_str().contains("SECRET"), "{}", request.url);
    }
}

#[tokio::test]
async fn a_server_echoing_the_token_in_an_error_does_not_leak_it() {
    let server = MockServer::start().await;
    Mock::given(path("/graphite/render"))
        .respond_with(ResponseTemplate::new(401).set_body_string("invalid token tok-SECRET-42"))
        .mount(&server)
        .await;
    let src = source(&server, Some("tok-SECRET-42"));
    let fetched = fetch_all(src.as_ref(), &latency_only(), window(), &scopes(), &vars()).await;
    let e = &fetched.failures["latency_ms"];
    assert!(matches!(e.cause, Cause::Status { status: 401, .. }), "{e}");
    let text = format!("{e} {e:?}");
    assert!(!text.contains("SECRET"), "{text}");
    assert!(text.contains("invalid token [redacted]"), "{text}");
}

#[test]
fn setup_refuses_options_credentials_and_urls_with_credentials() {
    let base = || SourceSettings {
        url: Some("http://127.0.0.1:8080".into()),
        ..SourceSettings::default()
    };
    let error = |settings: SourceSettings| {
        build_source("graphite", settings)
            .err()
            .unwrap()
            .to_string()
    };
    let mut s = base();
    s.options.insert("database".into(), "x".into());
    assert!(error(s).contains("unknown option \"database\" for graphite; it knows: none"));
    let mut s = base();
    s.credentials
        .insert("api_key".into(), Secret::new("k".into()));
    assert!(error(s).contains("unknown credential \"api_key\""));
    let mut s = base();
    s.url = Some("https://user:pw@graphite.example".into());
    assert!(error(s).contains("must not hold credentials"));
    assert!(build_source("graphite", base()).is_ok());
}
