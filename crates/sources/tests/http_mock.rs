//! The generic HTTP JSON backend (`http`) against a mock server on 127.0.0.1: URL
//! templates, JSONPath extraction, the three kinds, faults and credentials.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

mod support;

use canary_judge::Config;
use canary_sources::{Cause, MetricSource, Scopes, Secret, SourceSettings, Window, build_source};
use serde_json::{Value, json};
use support::{
    Run, assert_debug_hides, assert_empty, assert_error_hides, assert_failed_fetch_never_promotes,
    assert_http_error, assert_no_failures, assert_requests_hide, assert_the_latency_histograms,
    assert_the_latency_series, assert_timed_out, at, continuous, count, count_series, counts,
    failure, mount_fails_then_ok, mount_too_slow, one_scope, scopes_of, single_metric, vars,
};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "http-SECRET-token-77";

const CONFIG: &str = r#"
version: 1
metrics:
  - name: latency_ms
    query:
      http:
        url: "/api/series?app=${scope}&cluster=${cluster}&from=${start}&to=${end}&step=${step_seconds}"
        points: "$.data[*]"
        time: "$.t"
        value: "$.v"
  - name: errors
    kind: counts
    query:
      http:
        events: {url: "/api/count?app=${scope}&code=5xx", points: "$.series[*]", time: "$[0]", value: "$[1]", time_unit: ms}
        total: {url: "/api/count?app=${scope}", points: "$.series[*]", time: "$[0]", value: "$[1]", time_unit: ms}
  - name: latency_seconds
    kind: histogram
    query:
      http:
        url: /api/histogram
        method: POST
        body: {app: "${scope}", from: "${start}", to: "${end}"}
        buckets: "$.result.buckets[*]"
        le: "$.le"
        count: "$.count"
"#;

fn config() -> Config {
    Config::from_yaml_str(CONFIG).unwrap()
}

fn latency_only() -> Config {
    single_metric(
        r#"{name: latency_ms, query: {http: {url: "/api/series?app=${scope}", points: "$.data[*]", time: "$.t", value: "$.v", error: "$.error"}}}"#,
    )
}

fn source(server: &MockServer) -> Box<dyn MetricSource> {
    at("http", server).build()
}

fn window() -> Window {
    Window::new(1000, 1180, 60).unwrap()
}

/// The window, scopes and variables of most fetches here.
fn run() -> Run {
    Run::new(window(), scopes(), vars())
}

fn scopes() -> Scopes {
    scopes_of("shop v1", "shop&v2")
}

/// A `{"data": [{"t", "v"}, …]}` answer.
fn series(pairs: &[(i64, Value)]) -> Value {
    let data: Vec<Value> = pairs.iter().map(|(t, v)| json!({"t": t, "v": v})).collect();
    json!({"data": data})
}

#[tokio::test]
async fn fetches_all_three_kinds_for_both_scopes() {
    let server = MockServer::start().await;
    for (scope, body) in [
        (
            "shop v1",
            series(&[
                (1000, json!(10)),
                (1060, json!(11)),
                (1120, json!(12)),
                (1180, json!(13)),
            ]),
        ),
        // A partial series: no 1060, a null at 1120, a numeric string at 1180, and a
        // rollup time 5 s off the grid.
        (
            "shop&v2",
            series(&[
                (1003, json!(20)),
                (1120, Value::Null),
                (1180, json!("23.5")),
            ]),
        ),
    ] {
        Mock::given(method("GET"))
            .and(path("/api/series"))
            .and(query_param("app", scope))
            .and(query_param("cluster", "eu1"))
            .and(query_param("from", "1000"))
            .and(query_param("to", "1180"))
            .and(query_param("step", "60"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
    }
    for (scope, e, t) in [("shop v1", 1, 100), ("shop&v2", 3, 100)] {
        Mock::given(method("GET"))
            .and(path("/api/count"))
            .and(query_param("app", scope))
            .and(query_param("code", "5xx"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"series": [[1_000_000, e], [1_120_000, e]]})),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/count"))
            .and(query_param("app", scope))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"series": [
                [1_000_000, t], [1_060_000, t], [1_120_000, t], [1_180_000, t]]})))
            .mount(&server)
            .await;
    }
    for (scope, inf) in [("shop v1", json!(100)), ("shop&v2", json!("50"))] {
        Mock::given(method("POST"))
            .and(path("/api/histogram"))
            .and(header("content-type", "application/json"))
            .and(body_json(json!({"app": scope, "from": "1000", "to": "1180"})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"result": {"buckets": [
                {"le": "+Inf", "count": inf}, {"le": 0.1, "count": 10}, {"le": "0.5", "count": 40}]}})))
            .expect(1)
            .mount(&server)
            .await;
    }
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &config()).await;
    assert_no_failures(&fetched);
    assert_the_latency_series(&fetched, "latency_ms", [1000, 1060, 1120, 1180]);
    let errors = count_series(&fetched, "errors");
    assert_eq!(
        errors.canary,
        counts(&[
            (1000, 3.0, 100.0),
            (1060, 0.0, 100.0),
            (1120, 3.0, 100.0),
            (1180, 0.0, 100.0)
        ])
    );
    assert_eq!(errors.baseline[0], count(1000, 1.0, 100.0));
    assert_the_latency_histograms(&fetched);
    // ${scope} is percent-encoded in the URL: "shop&v2" stays one parameter.
    let urls: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.to_string())
        .collect();
    assert!(
        urls.iter().any(|u| u.contains("app=shop%26v2&cluster=eu1")),
        "{urls:?}"
    );
}

#[tokio::test]
async fn rfc3339_times_and_absolute_urls_on_the_same_host() {
    let server = MockServer::start().await;
    Mock::given(path("/v2/metrics"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": [
            {"at": "1970-01-01T00:16:40Z", "value": 1.5},
            {"at": "1970-01-01T00:18:40+00:00", "value": 2.5}]})))
        .mount(&server)
        .await;
    let src = source(&server);
    let config = single_metric(&format!(
        r#"{{name: m, query: {{http: {{url: "{}/v2/metrics?s=${{scope}}", points: "$.items[*]", time: "$.at", value: "$.value", time_unit: rfc3339}}}}}}"#,
        server.uri()
    ));
    let fetched = run().fetch(src.as_ref(), &config).await;
    assert_no_failures(&fetched);
    let s = continuous(&fetched, "m");
    let values: Vec<Option<f64>> = s.baseline.iter().map(|p| p.value).collect();
    assert_eq!(values, [Some(1.5), None, Some(2.5), None]);
    // Another host would receive the credential: refused before any request.
    let config = single_metric(
        r#"{name: m, query: {http: {url: "http://198.51.100.7:9/x", points: "$", time: "$.t", value: "$.v"}}}"#,
    );
    let fetched = run().fetch(src.as_ref(), &config).await;
    let e = fetched.failures["m"].to_string();
    assert!(
        e.contains("must be on the source's scheme, host and port"),
        "{e}"
    );
}

#[tokio::test]
async fn an_empty_result_is_empty_data_not_an_error() {
    let server = MockServer::start().await;
    Mock::given(path("/api/series"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
        .mount(&server)
        .await;
    Mock::given(path("/api/count"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"series": []})))
        .mount(&server)
        .await;
    Mock::given(path("/api/histogram"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"result": {"buckets": []}})))
        .mount(&server)
        .await;
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &config()).await;
    assert_empty(&fetched, &["latency_ms"], &["errors"], &["latency_seconds"]);
}

#[tokio::test]
async fn a_4xx_is_sent_once_per_side_and_names_the_metric() {
    let server = MockServer::start().await;
    for scope in ["shop v1", "shop&v2"] {
        Mock::given(path("/api/series"))
            .and(query_param("app", scope))
            .respond_with(ResponseTemplate::new(404).set_body_json(json!({"error": "no such app"})))
            .expect(1)
            .mount(&server)
            .await;
    }
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_http_error(
        &fetched,
        "latency_ms",
        404,
        "http: metric \"latency_ms\" (",
        &["no such app"],
    );
}

#[tokio::test]
async fn an_error_reported_in_a_2xx_body_fails_the_fetch() {
    let server = MockServer::start().await;
    Mock::given(path("/api/series"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"error": "query timed out in the storage layer", "data": []}),
            ),
        )
        .mount(&server)
        .await;
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    let e = &fetched.failures["latency_ms"];
    assert!(
        matches!(&e.cause, Cause::Api(m) if m == "query timed out in the storage layer"),
        "{e}"
    );
    // `"error": null` is no error.
    let server = MockServer::start().await;
    Mock::given(path("/api/series"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"error": null, "data": [{"t": 1000, "v": 1}]})),
        )
        .mount(&server)
        .await;
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_no_failures(&fetched);
}

#[tokio::test]
async fn a_5xx_is_retried_until_it_succeeds() {
    let server = MockServer::start().await;
    mount_fails_then_ok(
        &server,
        || Mock::given(path("/api/series")),
        2,
        ResponseTemplate::new(503).set_body_string("overloaded"),
        ResponseTemplate::new(200).set_body_json(series(&[(1000, json!(1))])),
    )
    .await;
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_no_failures(&fetched);
}

#[tokio::test]
async fn a_timeout_is_retried_then_reported() {
    let server = MockServer::start().await;
    mount_too_slow(
        &server,
        Mock::given(path("/api/series")),
        series(&[(1000, json!(1))]),
    )
    .await;
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_timed_out(&fetched, "latency_ms");
}

#[tokio::test]
async fn malformed_json_and_values_that_are_not_numbers_are_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/api/series"))
        .and(query_param("app", "a"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"data\": [{\"t\": 1000"))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(path("/api/series"))
        .and(query_param("app", "b"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(series(&[(1000, json!(1)), (1060, json!({"x": 1}))])),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api/series"))
        .and(query_param("app", "c"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [{"t": 1000}]})))
        .mount(&server)
        .await;
    let src = source(&server);
    let fetch = |scope: &'static str| {
        let src = &src;
        async move {
            let fetched = run()
                .fetch_scoped(src.as_ref(), &latency_only(), &one_scope(scope))
                .await;
            failure(&fetched, "latency_ms").clone()
        }
    };
    let e = fetch("a").await;
    assert!(
        matches!(&e.cause, Cause::Response(m) if m.contains("not valid JSON")),
        "{e}"
    );
    let e = fetch("b").await;
    assert!(
        matches!(&e.cause, Cause::Data(m) if m.contains("point 1: the value at $.v is not a number")),
        "{e}"
    );
    let e = fetch("c").await;
    assert!(
        matches!(&e.cause, Cause::Data(m) if m.contains("$.v selects nothing")),
        "{e}"
    );
}

#[tokio::test]
async fn invalid_jsonpaths_and_templates_are_reported_before_any_request() {
    let server = MockServer::start().await;
    Mock::given(path("/api/series"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
        .expect(0)
        .mount(&server)
        .await;
    let src = source(&server);
    for (yaml, wanted) in [
        (
            r#"{name: m, query: {http: {url: /api/series, points: "$.data[?", time: "$.t", value: "$.v"}}}"#,
            "http: metric \"m\": query: query.http.points: invalid JSONPath \"$.data[?\"",
        ),
        (
            r#"{name: m, kind: counts, query: {http: {events: {url: /api/series, points: "$", time: "$.t", value: "v"}, total: {url: /x, points: "$", time: "$.t", value: "$.v"}}}}"#,
            "query.http.events.value: invalid JSONPath \"v\"",
        ),
        (
            r#"{name: m, query: {http: {url: "/api/series?a=${scpoe}", points: "$", time: "$.t", value: "$.v"}}}"#,
            "unknown variable ${scpoe}",
        ),
        (
            r#"{name: m, kind: histogram, query: {http: {url: /x, points: "$", time: "$.t", value: "$.v"}}}"#,
            "query.http.points: unknown key",
        ),
    ] {
        let fetched = run()
            .fetch_scoped(src.as_ref(), &single_metric(yaml), &scopes())
            .await;
        let e = fetched.failures["m"].to_string();
        assert!(e.contains(wanted), "{e}");
    }
}

#[tokio::test]
async fn the_token_goes_in_a_header_only() {
    let server = MockServer::start().await;
    Mock::given(path("/api/series"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(series(&[(1000, json!(1))])))
        .expect(2)
        .mount(&server)
        .await;
    let src = at("http", &server).auth(Some(TOKEN)).build();
    assert_debug_hides(src.as_ref(), &["SECRET"]);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_no_failures(&fetched);
    assert_requests_hide(&server, "SECRET").await;
    // A named header carries the token as it is.
    let server = MockServer::start().await;
    Mock::given(path("/api/series"))
        .and(header("x-api-key", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(series(&[(1000, json!(1))])))
        .expect(2)
        .mount(&server)
        .await;
    let src = at("http", &server)
        .auth(Some(TOKEN))
        .option("auth_header", "X-API-Key")
        .build();
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_no_failures(&fetched);
    for request in server.received_requests().await.unwrap() {
        assert!(request.headers.get("authorization").is_none());
    }
}

#[tokio::test]
async fn a_server_echoing_the_token_in_an_error_does_not_leak_it() {
    let server = MockServer::start().await;
    Mock::given(path("/api/series"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": format!("bad token {TOKEN}")})),
        )
        .mount(&server)
        .await;
    let src = at("http", &server).auth(Some(TOKEN)).build();
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_error_hides(&fetched, "latency_ms", &["SECRET"], "bad token [redacted]");
}

#[tokio::test]
async fn a_failed_fetch_never_promotes() {
    let server = MockServer::start().await;
    Mock::given(path("/api/series"))
        .respond_with(ResponseTemplate::new(200).set_body_json(series(&[
            (1000, json!(1)),
            (1060, json!(1)),
            (1120, json!(1)),
            (1180, json!(1)),
        ])))
        .mount(&server)
        .await;
    Mock::given(path("/api/count"))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .mount(&server)
        .await;
    Mock::given(path("/api/histogram"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"result": {"buckets": [
            {"le": 0.1, "count": 5}]}})),
        )
        .mount(&server)
        .await;
    let src = source(&server);
    let config = config();
    let fetched = run().fetch(src.as_ref(), &config).await;
    // The histogram lacks +Inf: a data error, not a guess.
    let h = fetched.failures["latency_seconds"].to_string();
    assert!(h.contains("+Inf"), "{h}");
    assert_failed_fetch_never_promotes(
        &config,
        &fetched,
        &[("errors", "HTTP 502"), ("latency_seconds", "+Inf")],
    );
}

#[test]
fn setup_checks_the_url_options_and_credentials() {
    let error = |s: SourceSettings| build_source("http", s).err().unwrap().to_string();
    assert!(error(SourceSettings::default()).contains("needs a URL"));
    let base = || SourceSettings {
        url: Some("http://127.0.0.1:9".into()),
        ..SourceSettings::default()
    };
    let mut s = base();
    s.options.insert("auth_heder".into(), "X".into());
    assert!(error(s).contains("unknown option \"auth_heder\""));
    let mut s = base();
    s.options.insert("auth_header".into(), "bad header".into());
    assert!(error(s).contains("not a header name"));
    let mut s = base();
    s.credentials
        .insert("api_key".into(), Secret::new("k".into()));
    assert!(error(s).contains("reads no named credentials"));
}
