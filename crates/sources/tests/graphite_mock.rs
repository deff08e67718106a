//! The Graphite backend against a mock server on 127.0.0.1 serving response bodies shaped
//! like graphite-web's documented render API JSON:
//! `[{"target": "...", "tags": {...}, "datapoints": [[value | null, time], ...]}]`, and its
//! HTTP 400 text for a bad target. Where these mocks make a claim about graphite-web's
//! behaviour (the 400 text, `null`-filled buckets before the data), it was checked against
//! graphite-web 1.1.8 by `crates/cli/tests/graphite_live.rs`.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

mod support;

use canary_judge::Config;
use canary_sources::{Cause, MetricSource, Secret, SourceSettings, Window, build_source};
use serde_json::{Value, json};
use support::{
    Run, assert_debug_hides, assert_empty, assert_error_hides, assert_failed_fetch_never_promotes,
    assert_http_error, assert_judged_nodata, assert_no_failures, assert_not_json,
    assert_requests_hide, assert_status, assert_the_latency_histograms, assert_the_latency_series,
    assert_timed_out, at, continuous, count, count_series, counts, failure, histograms,
    mount_fails_then_ok, mount_too_slow, one_scope, scopes, single_metric, vars,
};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

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

/// A Graphite source whose URL is the mock server's `/graphite`: graphite-web below a
/// path, as behind a reverse proxy.
fn source(server: &MockServer, auth: Option<&str>) -> Box<dyn MetricSource> {
    let mut settings = at("graphite", server).auth(auth).settings();
    settings.url = Some(format!("{}/graphite", server.uri()));
    build_source("graphite", settings).unwrap()
}

fn window() -> Window {
    Window::new(1020, 1200, 60).unwrap()
}

/// The window, scopes and variables of most fetches here.
fn run() -> Run {
    Run::new(window(), scopes(), vars())
}

/// Every render request, whatever its target.
fn render() -> MockBuilder {
    Mock::given(path("/graphite/render"))
}

/// The render requests for `target`.
fn render_of(target: &str) -> MockBuilder {
    render().and(query_param("target", target))
}

fn datapoints(points: &[(Value, i64)]) -> Vec<Value> {
    points.iter().map(|(v, t)| json!([v, t])).collect()
}

/// A render answer with one series.
fn one(target: &str, points: &[(Value, i64)]) -> Value {
    json!([{"target": target, "tags": {"name": target}, "datapoints": datapoints(points)}])
}

/// A 200 answer with `body`.
fn answer(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// Answers the GET render request for `target` over the window with `body`.
async fn render_mock(server: &MockServer, target: &str, body: Value) {
    render_of(target)
        .and(method("GET"))
        .and(query_param("from", "1019"))
        .and(query_param("until", "1200"))
        .and(query_param("format", "json"))
        .respond_with(answer(body))
        .mount(server)
        .await;
}

fn latency_only() -> Config {
    single_metric(r#"{name: latency_ms, query: {graphite: 'app.${scope}.latency'}}"#)
}

/// One histogram metric `h` over the untagged buckets `app.latency.*`.
fn histogram_only() -> Config {
    single_metric(r#"{name: h, kind: histogram, query: {graphite: 'app.latency.*'}}"#)
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
    let fetched = run().fetch(src.as_ref(), &config()).await;
    assert_no_failures(&fetched);
    assert_the_latency_series(&fetched, "latency_ms", [1020, 1080, 1140, 1200]);
    let errors = count_series(&fetched, "errors");
    assert_eq!(
        errors.canary,
        counts(&[
            (1020, 3.0, 99.0),
            (1080, 0.0, 99.0),
            (1140, 3.0, 99.0),
            (1200, 0.0, 99.0)
        ])
    );
    assert_eq!(errors.baseline[0], count(1020, 1.0, 100.0));
    assert_the_latency_histograms(&fetched);
}

#[tokio::test]
async fn untagged_buckets_take_le_from_the_target_name() {
    let server = MockServer::start().await;
    render()
        .respond_with(answer(json!([
            {"target": "app.latency.le_0_25", "datapoints": [[7, 1200]]},
            {"target": "app.latency.le_inf", "datapoints": [[9, 1200]]},
            {"target": "1", "datapoints": [[8, 1140], [null, 1200]]}
        ])))
        .mount(&server)
        .await;
    let src = source(&server, None);
    let fetched = run().fetch(src.as_ref(), &histogram_only()).await;
    let b = histograms(&fetched, "h").baseline.as_ref().unwrap();
    assert_eq!(b.upper_bounds(), &[0.25, 1.0, f64::INFINITY]);
    assert_eq!(b.cumulative_counts(), &[7.0, 8.0, 9.0]);
}

#[tokio::test]
async fn buckets_without_values_in_the_window_are_no_data() {
    // graphite-web returns every stored bucket over any window, `null` where it has
    // nothing: a window before the data is no data, not an error.
    let server = MockServer::start().await;
    render()
        .respond_with(answer(json!([
            {"target": "app.latency.le_0_25", "tags": {"name": "app.latency.le_0_25"}, "datapoints": [[null, 1140], [null, 1200]]},
            {"target": "app.latency.le_inf", "tags": {"name": "app.latency.le_inf"}, "datapoints": [[null, 1140], [null, 1200]]}
        ])))
        .mount(&server)
        .await;
    let src = source(&server, None);
    let fetched = run().fetch(src.as_ref(), &histogram_only()).await;
    assert_empty(&fetched, &[], &[], &["h"]);
}

#[tokio::test]
async fn an_empty_list_is_empty_data_and_the_judge_says_nodata() {
    let server = MockServer::start().await;
    render()
        .respond_with(answer(json!([])))
        .expect(8) // 2 sides × (1 + 2 + 1 targets)
        .mount(&server)
        .await;
    let src = source(&server, None);
    let fetched = run().fetch(src.as_ref(), &config()).await;
    assert_empty(&fetched, &["latency_ms"], &["errors"], &["latency_seconds"]);
    assert_judged_nodata(&config(), &fetched);
}

#[tokio::test]
async fn a_bad_target_is_a_400_sent_once_with_graphites_message() {
    let server = MockServer::start().await;
    render_of("app.v1.latency")
        .respond_with(
            // graphite-web 1.1.8's answer, word for word.
            ResponseTemplate::new(400).set_body_string(
                "Invalid parameters (Received request for unknown function: averageSeriez); targets: \"app.v1.latency\"",
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    render_of("app.v2.latency")
        .respond_with(answer(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let src = source(&server, None);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_http_error(
        &fetched,
        "latency_ms",
        400,
        "graphite: metric \"latency_ms\" (baseline scope \"v1\"): HTTP 400",
        &["unknown function: averageSeriez"],
    );
}

#[tokio::test]
async fn a_5xx_is_retried_until_it_succeeds() {
    let server = MockServer::start().await;
    mount_fails_then_ok(
        &server,
        render,
        2,
        ResponseTemplate::new(500).set_body_string("<html>Server Error</html>"),
        answer(one("x", &[(json!(1.5), 1020)])),
    )
    .await;
    let src = source(&server, None);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_no_failures(&fetched);
    let s = continuous(&fetched, "latency_ms");
    assert_eq!(s.baseline[0].value, Some(1.5));
    assert_eq!(s.canary.len(), 4);
}

#[tokio::test]
async fn a_timeout_is_retried_then_reported_and_never_promotes() {
    let server = MockServer::start().await;
    mount_too_slow(&server, render(), json!([])).await;
    let src = source(&server, None);
    let config = latency_only();
    let fetched = run().fetch(src.as_ref(), &config).await;
    assert_timed_out(&fetched, "latency_ms");
    assert_failed_fetch_never_promotes(
        &config,
        &fetched,
        &[("latency_ms", "no response within 0.3 s")],
    );
}

#[tokio::test]
async fn malformed_json_several_series_and_finer_resolution_are_errors() {
    let server = MockServer::start().await;
    render_of("app.bad.latency")
        .respond_with(ResponseTemplate::new(200).set_body_string("[{\"target\": \"x\", "))
        .expect(2)
        .mount(&server)
        .await;
    render_of("app.two.latency")
        .respond_with(answer(json!([
            {"target": "app.two.a.latency", "datapoints": [[1, 1020]]},
            {"target": "app.two.b.latency", "datapoints": [[2, 1020]]}
        ])))
        .mount(&server)
        .await;
    render_of("app.fine.latency")
        .respond_with(answer(one(
            "app.fine.latency",
            &[(json!(1), 1070), (json!(2), 1080)],
        )))
        .mount(&server)
        .await;
    render_of("app.object.latency")
        .respond_with(answer(json!({"error": "not a list"})))
        .mount(&server)
        .await;
    let src = source(&server, None);
    let config = latency_only();
    let fetch = |scope: &'static str| {
        let src = &src;
        let config = &config;
        async move {
            run()
                .fetch_scoped(src.as_ref(), config, &one_scope(scope))
                .await
        }
    };
    assert_not_json(&fetch("bad").await, "latency_ms");
    let e = failure(&fetch("two").await, "latency_ms").to_string();
    assert!(
        e.contains("2 series where one is expected (app.two.a.latency, app.two.b.latency)"),
        "{e}"
    );
    let e = failure(&fetch("fine").await, "latency_ms").to_string();
    assert!(e.contains("two samples fall on 1080"), "{e}");
    let e = failure(&fetch("object").await, "latency_ms").clone();
    assert!(
        matches!(&e.cause, Cause::Response(m) if m.contains("expected a list of series")),
        "{e}"
    );
}

#[tokio::test]
async fn the_token_goes_in_the_authorization_header_only() {
    let server = MockServer::start().await;
    render()
        .and(header("authorization", "Bearer tok-SECRET-42"))
        .respond_with(answer(json!([])))
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
async fn a_server_echoing_the_token_in_an_error_does_not_leak_it() {
    let server = MockServer::start().await;
    render()
        .respond_with(ResponseTemplate::new(401).set_body_string("invalid token tok-SECRET-42"))
        .mount(&server)
        .await;
    let src = source(&server, Some("tok-SECRET-42"));
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_status(&fetched, "latency_ms", 401);
    assert_error_hides(
        &fetched,
        "latency_ms",
        &["SECRET"],
        "invalid token [redacted]",
    );
}

#[test]
fn setup_refuses_options_credentials_and_urls_with_credentials() {
    // What building a source says about settings changed from a plain local URL.
    let refused = |change: fn(&mut SourceSettings)| {
        let mut settings = SourceSettings {
            url: Some("http://127.0.0.1:8080".into()),
            ..SourceSettings::default()
        };
        change(&mut settings);
        build_source("graphite", settings)
            .err()
            .map(|e| e.to_string())
    };
    let said = refused(|s| {
        s.options.insert("database".into(), "x".into());
    })
    .unwrap();
    assert!(said.contains("unknown option \"database\" for graphite; it knows: none"));
    let said = refused(|s| {
        s.credentials
            .insert("api_key".into(), Secret::new("k".into()));
    })
    .unwrap();
    assert!(said.contains("unknown credential \"api_key\""));
    let said = refused(|s| s.url = Some("https://user:pw@graphite.example".into())).unwrap();
    assert!(said.contains("must not hold credentials"));
    assert!(refused(|_| {}).is_none());
}
