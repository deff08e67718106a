//! The generic HTTP JSON backend (`http`) against a mock server on 127.0.0.1: URL
//! templates, JSONPath extraction, the three kinds, faults and credentials.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

use canary_judge::{Classification, Config, CountPoint, MetricData, Point, Verdict, judge_fetched};
use canary_sources::http::HttpOptions;
use canary_sources::{
    Cause, MetricSource, Scopes, Secret, SourceSettings, Window, build_source, fetch_all,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
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

fn single_metric(yaml: &str) -> Config {
    Config::from_yaml_str(&format!("version: 1\nmetrics:\n  - {yaml}\n")).unwrap()
}

fn latency_only() -> Config {
    single_metric(
        r#"{name: latency_ms, query: {http: {url: "/api/series?app=${scope}", points: "$.data[*]", time: "$.t", value: "$.v", error: "$.error"}}}"#,
    )
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
        url: Some(server.uri()),
        auth: auth.map(|t| Secret::new(t.to_owned())),
        http: fast(),
        ..SourceSettings::default()
    }
}

fn source(server: &MockServer) -> Box<dyn MetricSource> {
    build_source("http", settings(server, None)).unwrap()
}

fn window() -> Window {
    Window::new(1000, 1180, 60).unwrap()
}

fn scopes() -> Scopes {
    Scopes {
        baseline: "shop v1".into(),
        canary: "shop&v2".into(),
    }
}

fn vars() -> BTreeMap<String, String> {
    BTreeMap::from([("cluster".to_owned(), "eu1".to_owned())])
}

fn points(pairs: &[(i64, Value)]) -> Value {
    let data: Vec<Value> = pairs.iter().map(|(t, v)| json!({"t": t, "v": v})).collect();
    json!({"data": data})
}

#[tokio::test]
async fn fetches_all_three_kinds_for_both_scopes() {
    let server = MockServer::start().await;
    for (scope, body) in [
        (
            "shop v1",
            points(&[
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
            points(&[
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
    let fetched = fetch_all(src.as_ref(), &config(), window(), &scopes(), &vars()).await;
    assert!(fetched.failures.is_empty(), "{:?}", fetched.failures);
    let MetricData::Continuous(latency) = &fetched.metrics["latency_ms"] else {
        panic!("not continuous")
    };
    let p = |timestamp, value| Point { timestamp, value };
    assert_eq!(
        latency.baseline,
        vec![
            p(1000, Some(10.0)),
            p(1060, Some(11.0)),
            p(1120, Some(12.0)),
            p(1180, Some(13.0))
        ]
    );
    assert_eq!(
        latency.canary,
        vec![
            p(1000, Some(20.0)),
            p(1060, None),
            p(1120, None),
            p(1180, Some(23.5))
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
            c(1000, 3.0, 100.0),
            c(1060, 0.0, 100.0),
            c(1120, 3.0, 100.0),
            c(1180, 0.0, 100.0)
        ]
    );
    assert_eq!(errors.baseline[0], c(1000, 1.0, 100.0));
    let MetricData::Histogram(h) = &fetched.metrics["latency_seconds"] else {
        panic!("not a histogram")
    };
    let canary = h.canary.as_ref().unwrap();
    assert_eq!(canary.upper_bounds(), &[0.1, 0.5, f64::INFINITY]);
    assert_eq!(canary.cumulative_counts(), &[10.0, 40.0, 50.0]);
    assert_eq!(h.baseline.as_ref().unwrap().total(), 100.0);
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
    let fetched = fetch_all(src.as_ref(), &config, window(), &scopes(), &vars()).await;
    assert!(fetched.failures.is_empty(), "{:?}", fetched.failures);
    let MetricData::Continuous(s) = &fetched.metrics["m"] else {
        panic!()
    };
    let values: Vec<Option<f64>> = s.baseline.iter().map(|p| p.value).collect();
    assert_eq!(values, [Some(1.5), None, Some(2.5), None]);
    // Another host would receive the credential: refused before any request.
    let config = single_metric(
        r#"{name: m, query: {http: {url: "http://198.51.100.7:9/x", points: "$", time: "$.t", value: "$.v"}}}"#,
    );
    let fetched = fetch_all(src.as_ref(), &config, window(), &scopes(), &vars()).await;
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
    let fetched = fetch_all(src.as_ref(), &latency_only(), window(), &scopes(), &vars()).await;
    let e = &fetched.failures["latency_ms"];
    assert!(matches!(e.cause, Cause::Status { status: 404, .. }), "{e}");
    let text = e.to_string();
    assert!(text.starts_with("http: metric \"latency_ms\" ("), "{text}");
    assert!(text.contains("no such app"), "{text}");
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
    let fetched = fetch_all(src.as_ref(), &latency_only(), window(), &scopes(), &vars()).await;
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
    let fetched = fetch_all(src.as_ref(), &latency_only(), window(), &scopes(), &vars()).await;
    assert!(fetched.failures.is_empty(), "{:?}", fetched.failures);
}

#[tokio::test]
async fn a_5xx_is_retried_until_it_succeeds() {
    let server = MockServer::start().await;
    Mock::given(path("/api/series"))
        .respond_with(ResponseTemplate::new(503).set_body_string("overloaded"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(path("/api/series"))
        .respond_with(ResponseTemplate::new(200).set_body_json(points(&[(1000, json!(1))])))
        .expect(2)
        .mount(&server)
        .await;
    let src = source(&server);
    let fetched = fetch_all(src.as_ref(), &latency_only(), window(), &scopes(), &vars()).await;
    assert!(fetched.failures.is_empty(), "{:?}", fetched.failures);
}

#[tokio::test]
async fn a_timeout_is_retried_then_reported() {
    let server = MockServer::start().await;
    Mock::given(path("/api/series"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(points(&[(1000, json!(1))]))
                .set_delay(Duration::from_millis(1500)),
        )
        .expect(6)
        .mount(&server)
        .await;
    let src = source(&server);
    let fetched = fetch_all(src.as_ref(), &latency_only(), window(), &scopes(), &vars()).await;
    let e = &fetched.failures["latency_ms"];
    assert!(matches!(e.cause, Cause::Timeout { .. }), "{e}");
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
                .set_body_json(points(&[(1000, json!(1)), (1060, json!({"x": 1}))])),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api/series"))
        .and(query_param("app", "c"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [{"t": 1000}]})))
        .mount(&server)
        .await;
    let src = source(&server);
    let one_side = |s: &str| Scopes {
        baseline: s.into(),
        canary: s.into(),
    };
    let fetch = |scope: &'static str| {
        let src = &src;
        async move {
            let fetched = fetch_all(
                src.as_ref(),
                &latency_only(),
                window(),
                &one_side(scope),
                &vars(),
            )
            .await;
            fetched.failures["latency_ms"].clone()
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
        let fetched = fetch_all(
            src.as_ref(),
            &single_metric(yaml),
            window(),
            &scopes(),
            &vars(),
        )
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
        .respond_with(ResponseTemplate::new(200).set_body_json(points(&[(1000, json!(1))])))
        .expect(2)
        .mount(&server)
        .await;
    let src = build_source("http", settings(&server, Some(TOKEN))).unwrap();
    assert!(!format!("{src:?}").contains("SECRET"));
    let fetched = fetch_all(src.as_ref(), &latency_only(), window(), &scopes(), &vars()).await;
    assert!(fetched.failures.is_empty(), "{:?}", fetched.failures);
    for request in server.received_requests().await.unwrap() {
        assert!(!request.url.as_str().contains("SECRET"));
        assert!(!String::from_utf8_lossy(&request.body).contains("SECRET"));
    }
    // A named header carries the token as it is.
    let server = MockServer::start().await;
    Mock::given(path("/api/series"))
        .and(header("x-api-key", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(points(&[(1000, json!(1))])))
        .expect(2)
        .mount(&server)
        .await;
    let mut s = settings(&server, Some(TOKEN));
    s.options.insert("auth_header".into(), "X-API-Key".into());
    let src = build_source("http", s).unwrap();
    let fetched = fetch_all(src.as_ref(), &latency_only(), window(), &scopes(), &vars()).await;
    assert!(fetched.failures.is_empty(), "{:?}", fetched.failures);
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
    let src = build_source("http", settings(&server, Some(TOKEN))).unwrap();
    let fetched = fetch_all(src.as_ref(), &latency_only(), window(), &scopes(), &vars()).await;
    let e = &fetched.failures["latency_ms"];
    let text = format!("{e} {e:?}");
    assert!(!text.contains("SECRET"), "{text}");
    assert!(text.contains("bad token [redacted]"), "{text}");
}

#[tokio::test]
async fn a_failed_fetch_never_promotes() {
    let server = MockServer::start().await;
    Mock::given(path("/api/series"))
        .respond_with(ResponseTemplate::new(200).set_body_json(points(&[
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
    let fetched = fetch_all(src.as_ref(), &config, window(), &scopes(), &vars()).await;
    // The histogram lacks +Inf: a data error, not a guess.
    let h = fetched.failures["latency_seconds"].to_string();
    assert!(h.contains("+Inf"), "{h}");
    let report = judge_fetched(
        &config,
        "live",
        &fetched.metrics,
        &fetched.failure_messages(),
    )
    .unwrap();
    assert_ne!(report.verdict, Verdict::Promote);
    for name in ["errors", "latency_seconds"] {
        let m = report.metrics.iter().find(|m| m.name == name).unwrap();
        assert_eq!(m.classification, Classification::Error, "{name}");
    }
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
