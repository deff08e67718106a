//! The CloudWatch backend against a mock server on 127.0.0.1 answering `GetMetricData`
//! in the JSON form of CloudWatch's API reference: `{"MetricDataResults": [{"Id",
//! "Label", "Timestamps", "Values", "StatusCode", "Messages"}], "NextToken", "Messages"}`.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

mod support;

use canary_judge::Config;
use canary_sources::{
    Cause, MetricSource, Scopes, Secret, SourceSettings, Window, build_source, fetch_all,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use support::{
    Run, assert_debug_hides, assert_empty, assert_error_hides, assert_failed_fetch_never_promotes,
    assert_http_error, assert_no_failures, assert_not_json, assert_status, assert_timed_out, at,
    continuous, count, count_series, counts, mount_fails_then_ok, mount_too_slow, one_scope,
    points, scopes_of, single_metric, vars,
};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY_ID: &str = "AKIAEXAMPLEKEYID0001";
const SECRET: &str = "cw-SECRET-wJalrXUtnFEMI/K7MDENG+bPxRfiCY";
const SESSION: &str = "cw-SESSION-FwoGZXIvYXdzEBY";

const CONFIG: &str = r#"
version: 1
metrics:
  - name: latency_p99
    query:
      cloudwatch:
        namespace: AWS/ApplicationELB
        metric: TargetResponseTime
        dimensions: {LoadBalancer: "app/shop/${cluster}", TargetGroup: "${scope}"}
        stat: p99
  - name: errors
    kind: counts
    query:
      cloudwatch:
        events: {namespace: AWS/ApplicationELB, metric: HTTPCode_Target_5XX_Count, dimensions: {TargetGroup: "${scope}"}, stat: Sum}
        total: {namespace: AWS/ApplicationELB, metric: RequestCount, dimensions: {TargetGroup: "${scope}"}, stat: Sum}
"#;

fn config() -> Config {
    Config::from_yaml_str(CONFIG).unwrap()
}

fn latency_only() -> Config {
    single_metric(
        r#"{name: latency_p99, query: {cloudwatch: {namespace: AWS/ApplicationELB, metric: TargetResponseTime, dimensions: {TargetGroup: "${scope}"}, stat: p99}}}"#,
    )
}

/// The source with both keys, and with a session token when `session`.
fn source_with(server: &MockServer, session: bool) -> Box<dyn MetricSource> {
    let at = at("cloudwatch", server)
        .option("region", "eu-west-1")
        .credential("access_key_id", KEY_ID)
        .credential("secret_access_key", SECRET);
    match session {
        true => at.credential("session_token", SESSION).build(),
        false => at.build(),
    }
}

fn source(server: &MockServer) -> Box<dyn MetricSource> {
    source_with(server, false)
}

fn window() -> Window {
    Window::new(1200, 1440, 60).unwrap()
}

/// The window, scopes and variables of most fetches here.
fn run() -> Run {
    Run::new(window(), scopes(), vars())
}

fn scopes() -> Scopes {
    scopes_of("tg-v1", "tg-v2")
}

/// A `GetMetricData` answer with one result `q`.
fn result(timestamps: &[i64], values: &[f64]) -> Value {
    json!({
        "MetricDataResults": [{
            "Id": "q",
            "Label": "TargetResponseTime",
            "Timestamps": timestamps,
            "Values": values,
            "StatusCode": "Complete"
        }],
        "Messages": []
    })
}

/// Matches a request whose JSON body contains `needle` (after removing spaces).
fn body_has(needle: &'static str) -> impl Fn(&Request) -> bool + Send + Sync + 'static {
    move |request: &Request| String::from_utf8_lossy(&request.body).contains(needle)
}

fn get_metric_data() -> wiremock::MockBuilder {
    Mock::given(method("POST")).and(path("/")).and(header(
        "x-amz-target",
        "GraniteServiceVersion20100801.GetMetricData",
    ))
}

#[tokio::test]
async fn fetches_continuous_and_counts_for_both_scopes() {
    let server = MockServer::start().await;
    // Latency: the canary lacks 1260 (a partial series).
    get_metric_data()
        .and(body_has(r#""MetricName":"TargetResponseTime""#))
        .and(body_has(r#""Value":"tg-v1""#))
        .respond_with(ResponseTemplate::new(200).set_body_json(result(
            &[1200, 1260, 1320, 1380],
            &[0.120, 0.125, 0.130, 0.128],
        )))
        .expect(1)
        .mount(&server)
        .await;
    get_metric_data()
        .and(body_has(r#""MetricName":"TargetResponseTime""#))
        .and(body_has(r#""Value":"tg-v2""#))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(result(&[1200, 1320, 1380], &[0.2, 0.21, 0.19])),
        )
        .expect(1)
        .mount(&server)
        .await;
    for (scope, errors) in [
        (r#""Value":"tg-v1""#, [1.0, 0.0]),
        (r#""Value":"tg-v2""#, [3.0, 2.0]),
    ] {
        // CloudWatch omits periods without data: no 5xx at 1260 and 1380.
        get_metric_data()
            .and(body_has(r#""MetricName":"HTTPCode_Target_5XX_Count""#))
            .and(body_has(scope))
            .respond_with(ResponseTemplate::new(200).set_body_json(result(&[1200, 1320], &errors)))
            .mount(&server)
            .await;
        get_metric_data()
            .and(body_has(r#""MetricName":"RequestCount""#))
            .and(body_has(scope))
            .respond_with(ResponseTemplate::new(200).set_body_json(result(
                &[1200, 1260, 1320, 1380],
                &[100.0, 90.0, 110.0, 95.0],
            )))
            .mount(&server)
            .await;
    }
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &config()).await;
    assert_no_failures(&fetched);
    let latency = continuous(&fetched, "latency_p99");
    // The grid is 1200..=1440; the period starting at 1440 lies after the window.
    assert_eq!(
        latency.baseline,
        points(&[
            (1200, Some(0.120)),
            (1260, Some(0.125)),
            (1320, Some(0.130)),
            (1380, Some(0.128)),
            (1440, None)
        ])
    );
    assert_eq!(
        latency.canary[1..3],
        points(&[(1260, None), (1320, Some(0.21))])
    );
    let errors = count_series(&fetched, "errors");
    assert_eq!(
        errors.canary,
        counts(&[
            (1200, 3.0, 100.0),
            (1260, 0.0, 90.0),
            (1320, 2.0, 110.0),
            (1380, 0.0, 95.0),
            (1440, 0.0, 0.0)
        ])
    );
    assert_eq!(errors.baseline[0], count(1200, 1.0, 100.0));

    // The request: the documented JSON form, the dimensions rendered per scope, the
    // period = the step, the window as unix seconds.
    let requests = server.received_requests().await.unwrap();
    let latency_request = requests
        .iter()
        .find(|r| {
            let b = String::from_utf8_lossy(&r.body);
            b.contains("TargetResponseTime") && b.contains("tg-v2")
        })
        .unwrap();
    let body: Value = serde_json::from_slice(&latency_request.body).unwrap();
    assert_eq!(
        body,
        json!({
            "MetricDataQueries": [{"Id": "q", "ReturnData": true, "MetricStat": {
                "Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": "TargetResponseTime",
                    "Dimensions": [{"Name": "LoadBalancer", "Value": "app/shop/eu1"},
                                   {"Name": "TargetGroup", "Value": "tg-v2"}]},
                "Period": 60, "Stat": "p99"}}],
            "StartTime": 1200, "EndTime": 1440, "ScanBy": "TimestampAscending"
        })
    );
    let h = |name: &str| {
        latency_request
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(h("content-type").as_deref(), Some("application/json"));
    assert_eq!(h("content-encoding").as_deref(), Some("amz-1.0"));
    assert!(h("x-amz-security-token").is_none());
}

#[tokio::test]
async fn requests_are_signed_with_sigv4_and_the_secret_goes_nowhere() {
    let server = MockServer::start().await;
    get_metric_data()
        .and(header("x-amz-security-token", SESSION))
        .respond_with(ResponseTemplate::new(200).set_body_json(result(&[1200], &[1.0])))
        .expect(2)
        .mount(&server)
        .await;
    let src = source_with(&server, true);
    assert_debug_hides(src.as_ref(), &[SECRET, SESSION, KEY_ID]);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_no_failures(&fetched);
    for request in server.received_requests().await.unwrap() {
        let auth = request
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap();
        let date = request.headers.get("x-amz-date").unwrap().to_str().unwrap();
        // x-amz-date is ISO 8601 basic (20261203T031500Z); the scope carries its day.
        assert_eq!(date.len(), 16, "{date}");
        assert!(date.ends_with('Z') && date.as_bytes()[8] == b'T', "{date}");
        let day = &date[..8];
        let prefix = format!(
            "AWS4-HMAC-SHA256 Credential={KEY_ID}/{day}/eu-west-1/monitoring/aws4_request, SignedHeaders="
        );
        assert!(auth.starts_with(&prefix), "{auth}");
        let (signed, signature) = auth[prefix.len()..].split_once(", Signature=").unwrap();
        let signed: Vec<&str> = signed.split(';').collect();
        for needed in [
            "content-type",
            "host",
            "x-amz-date",
            "x-amz-security-token",
            "x-amz-target",
        ] {
            assert!(signed.contains(&needed), "{needed} not signed: {auth}");
        }
        assert_eq!(signature.len(), 64);
        assert!(signature.bytes().all(|b| b.is_ascii_hexdigit()));
        // The secret key only keys the signature: it is in no header, URL or body.
        let mut everything = format!("{} {}", request.url, String::from_utf8_lossy(&request.body));
        for (name, value) in &request.headers {
            everything.push_str(&format!(" {name}: {}", value.to_str().unwrap_or("")));
        }
        assert!(!everything.contains(SECRET), "{everything}");
        assert!(!everything.contains("cw-SECRET"), "{everything}");
    }
}

#[tokio::test]
async fn next_token_pages_are_followed_and_merged() {
    let server = MockServer::start().await;
    let first = json!({"MetricDataResults": [{"Id": "q", "Label": "L", "Timestamps": [1200, 1260],
        "Values": [1.0, 2.0], "StatusCode": "PartialData"}], "NextToken": "page-2-token", "Messages": []});
    let second = json!({"MetricDataResults": [{"Id": "q", "Label": "L", "Timestamps": [1320, 1380],
        "Values": [3.0, 4.0], "StatusCode": "Complete"}], "Messages": []});
    get_metric_data()
        .and(body_has(r#""NextToken":"page-2-token""#))
        .respond_with(ResponseTemplate::new(200).set_body_json(second))
        .expect(2)
        .mount(&server)
        .await;
    get_metric_data()
        .respond_with(ResponseTemplate::new(200).set_body_json(first))
        .expect(2)
        .mount(&server)
        .await;
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_no_failures(&fetched);
    let s = continuous(&fetched, "latency_p99");
    let values: Vec<Option<f64>> = s.baseline.iter().map(|p| p.value).collect();
    assert_eq!(values, [Some(1.0), Some(2.0), Some(3.0), Some(4.0), None]);
}

#[tokio::test]
async fn partial_data_without_a_next_token_is_an_error_not_a_short_series() {
    let server = MockServer::start().await;
    get_metric_data()
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"MetricDataResults": [{
            "Id": "q", "Label": "L", "Timestamps": [1200], "Values": [1.0], "StatusCode": "PartialData"}]})))
        .mount(&server)
        .await;
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    let e = &fetched.failures["latency_p99"];
    assert!(
        matches!(&e.cause, Cause::Data(m) if m.contains("partial data")),
        "{e}"
    );
}

#[tokio::test]
async fn an_empty_result_is_empty_data_not_an_error() {
    let server = MockServer::start().await;
    // CloudWatch answers a metric without data with an empty result.
    get_metric_data()
        .respond_with(ResponseTemplate::new(200).set_body_json(result(&[], &[])))
        .mount(&server)
        .await;
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &config()).await;
    assert_empty(&fetched, &["latency_p99"], &["errors"], &[]);
}

#[tokio::test]
async fn a_4xx_is_sent_once_and_the_api_message_is_kept() {
    let server = MockServer::start().await;
    for scope in [r#""Value":"tg-v1""#, r#""Value":"tg-v2""#] {
        get_metric_data()
            .and(body_has(scope))
            .respond_with(ResponseTemplate::new(400).set_body_json(json!({
                "__type": "com.amazonaws.cloudwatch#InvalidParameterValueException",
                "message": "The value p999x for parameter Stat is not valid."
            })))
            .expect(1)
            .mount(&server)
            .await;
    }
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_http_error(
        &fetched,
        "latency_p99",
        400,
        "cloudwatch: metric \"latency_p99\" (",
        &[
            "InvalidParameterValueException",
            "parameter Stat is not valid",
        ],
    );
}

#[tokio::test]
async fn internal_error_and_forbidden_status_codes_are_api_errors() {
    let server = MockServer::start().await;
    get_metric_data()
        .and(body_has(r#""Value":"tg-v1""#))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"MetricDataResults": [{
            "Id": "q", "Label": "L", "Timestamps": [], "Values": [], "StatusCode": "InternalError",
            "Messages": [{"Code": "InternalError", "Value": "Internal service error"}]}]})),
        )
        .mount(&server)
        .await;
    get_metric_data()
        .and(body_has(r#""Value":"tg-v2""#))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"MetricDataResults": [{
            "Id": "q", "Label": "L", "Timestamps": [], "Values": [], "StatusCode": "Forbidden"}]})),
        )
        .mount(&server)
        .await;
    let src = source(&server);
    let fetched = run()
        .fetch_scoped(src.as_ref(), &latency_only(), &one_scope("tg-v1"))
        .await;
    let e = &fetched.failures["latency_p99"];
    assert!(
        matches!(&e.cause, Cause::Api(m) if m.contains("Internal service error")),
        "{e}"
    );
    let fetched = run()
        .fetch_scoped(src.as_ref(), &latency_only(), &one_scope("tg-v2"))
        .await;
    let e = &fetched.failures["latency_p99"];
    assert!(
        matches!(&e.cause, Cause::Api(m) if m.contains("Forbidden")),
        "{e}"
    );
}

#[tokio::test]
async fn an_operation_message_without_data_is_an_api_error_not_nodata() {
    let server = MockServer::start().await;
    get_metric_data()
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "MetricDataResults": [],
            "Messages": [{"Code": "MaxMetricsExceeded", "Value": "Maximum number of allowed metrics exceeded"}]
        })))
        .mount(&server)
        .await;
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    let e = &fetched.failures["latency_p99"];
    assert!(
        matches!(&e.cause, Cause::Api(m) if m == "MaxMetricsExceeded: Maximum number of allowed metrics exceeded"),
        "{e}"
    );
}

#[tokio::test]
async fn a_5xx_is_retried_until_it_succeeds() {
    let server = MockServer::start().await;
    mount_fails_then_ok(
        &server,
        get_metric_data,
        2,
        ResponseTemplate::new(503).set_body_json(
            json!({"__type": "ServiceUnavailable", "message": "Service is unavailable"}),
        ),
        ResponseTemplate::new(200).set_body_json(result(&[1200, 1260], &[1.0, 2.0])),
    )
    .await;
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_no_failures(&fetched);
    let s = continuous(&fetched, "latency_p99");
    assert_eq!(s.baseline[1].value, Some(2.0));
    assert_eq!(s.canary[1].value, Some(2.0));
}

#[tokio::test]
async fn a_timeout_is_retried_then_reported() {
    let server = MockServer::start().await;
    mount_too_slow(&server, get_metric_data(), result(&[1200], &[1.0])).await;
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_timed_out(&fetched, "latency_p99");
}

#[tokio::test]
async fn malformed_json_and_several_series_are_errors() {
    let server = MockServer::start().await;
    get_metric_data()
        .and(body_has(r#""Value":"tg-v1""#))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("{\"MetricDataResults\": [{\"Id\""),
        )
        .expect(2) // both sides; a parse error is not retried
        .mount(&server)
        .await;
    get_metric_data()
        .and(body_has(r#""Value":"tg-v2""#))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"MetricDataResults": [
            {"Id": "q", "Label": "i-0a", "Timestamps": [1200], "Values": [1.0], "StatusCode": "Complete"},
            {"Id": "q2", "Label": "i-0b", "Timestamps": [1200], "Values": [2.0], "StatusCode": "Complete"}]})))
        .mount(&server)
        .await;
    let src = source(&server);
    let fetched = run()
        .fetch_scoped(src.as_ref(), &latency_only(), &one_scope("tg-v1"))
        .await;
    assert_not_json(&fetched, "latency_p99");
    let fetched = run()
        .fetch_scoped(src.as_ref(), &latency_only(), &one_scope("tg-v2"))
        .await;
    let e = fetched.failures["latency_p99"].to_string();
    assert!(e.contains("2 series where one is expected"), "{e}");
    assert!(e.contains("i-0a") && e.contains("i-0b"), "{e}");
}

#[tokio::test]
async fn a_server_echoing_the_secret_in_an_error_does_not_leak_it() {
    let server = MockServer::start().await;
    get_metric_data()
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "__type": "com.amazon.coral.service#InvalidSignatureException",
            "message": format!("The request signature we calculated does not match; secret {SECRET} token {SESSION}")
        })))
        .mount(&server)
        .await;
    let src = source_with(&server, true);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_status(&fetched, "latency_p99", 403);
    assert_error_hides(
        &fetched,
        "latency_p99",
        &[SECRET, SESSION],
        "secret [redacted] token [redacted]",
    );
}

#[tokio::test]
async fn a_failed_fetch_never_promotes() {
    let server = MockServer::start().await;
    // Latency answers; the counts fail for good.
    get_metric_data()
        .and(body_has("TargetResponseTime"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(result(&[1200, 1260, 1320, 1380], &[1.0, 1.0, 1.0, 1.0])),
        )
        .mount(&server)
        .await;
    get_metric_data()
        .respond_with(ResponseTemplate::new(500).set_body_string("InternalFailure"))
        .mount(&server)
        .await;
    let src = source(&server);
    let config = config();
    let fetched = run().fetch(src.as_ref(), &config).await;
    assert!(fetched.failures.contains_key("errors"));
    assert_failed_fetch_never_promotes(&config, &fetched, &[("errors", "HTTP 500")]);
}

#[tokio::test]
async fn histograms_and_bad_queries_are_refused_before_any_request() {
    let server = MockServer::start().await;
    get_metric_data()
        .respond_with(ResponseTemplate::new(200).set_body_json(result(&[], &[])))
        .expect(0)
        .mount(&server)
        .await;
    let src = source(&server);
    let check = |yaml: &str, wanted: &'static str| {
        let config = single_metric(yaml);
        let src = &src;
        async move {
            let fetched = run().fetch(src.as_ref(), &config).await;
            let e = fetched.failures.values().next().unwrap().to_string();
            assert!(e.contains(wanted), "{e}");
        }
    };
    check(
        r#"{name: h, kind: histogram, query: {cloudwatch: {namespace: N, metric: M, stat: p99}}}"#,
        "CloudWatch keeps no cumulative le buckets",
    )
    .await;
    check(
        r#"{name: c, kind: counts, query: {cloudwatch: {events: {namespace: N, metric: E, stat: Average}, total: {namespace: N, metric: T, stat: Sum}}}}"#,
        "query.cloudwatch.events.stat: a counts metric needs stat Sum",
    )
    .await;
    check(
        r#"{name: m, query: {cloudwatch: {namespace: N, metric: M, stat: p99, dimensions: {TG: "${scpoe}"}}}}"#,
        "query.cloudwatch.dimensions.TG",
    )
    .await;
    check(
        r#"{name: m, query: {cloudwatch: {expression: "SELECT 1", stat: p99}}}"#,
        "not allowed with expression",
    )
    .await;
    let odd = Window::new(1200, 1440, 45).unwrap();
    let fetched = fetch_all(src.as_ref(), &latency_only(), odd, &scopes(), &vars()).await;
    assert!(matches!(
        fetched.failures["latency_p99"].cause,
        Cause::Window(_)
    ));
}

#[tokio::test]
async fn expressions_and_raw_queries_send_period_and_render_templates() {
    let server = MockServer::start().await;
    get_metric_data()
        .respond_with(ResponseTemplate::new(200).set_body_json(result(&[1200], &[5.0])))
        .mount(&server)
        .await;
    let src = source(&server);
    let config = Config::from_yaml_str(
        r#"
version: 1
metrics:
  - name: cpu
    query:
      cloudwatch:
        expression: SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/ECS", ServiceName) WHERE ServiceName = '${scope}'
  - name: ratio
    query:
      cloudwatch:
        queries:
          - {Id: e, MetricStat: {Metric: {Namespace: AWS/ApplicationELB, MetricName: HTTPCode_Target_5XX_Count, Dimensions: [{Name: TargetGroup, Value: "${scope}"}]}, Stat: Sum}, ReturnData: false}
          - {Id: ratio, Expression: "e / 2", Label: "${scope} ratio"}
"#,
    )
    .unwrap();
    let fetched = run().fetch(src.as_ref(), &config).await;
    assert_no_failures(&fetched);
    let bodies: Vec<Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert!(bodies.iter().any(|b| b["MetricDataQueries"]
        == json!([{"Id": "q", "Period": 60, "ReturnData": true,
            "Expression": "SELECT AVG(CPUUtilization) FROM SCHEMA(\"AWS/ECS\", ServiceName) WHERE ServiceName = 'tg-v2'"}])));
    let raw = bodies
        .iter()
        .find(|b| b["MetricDataQueries"][1]["Label"] == json!("tg-v1 ratio"))
        .unwrap();
    assert_eq!(
        raw["MetricDataQueries"][0]["MetricStat"]["Period"],
        json!(60)
    );
    assert_eq!(
        raw["MetricDataQueries"][0]["MetricStat"]["Metric"]["Dimensions"][0]["Value"],
        json!("tg-v1")
    );
    assert_eq!(raw["MetricDataQueries"][1]["Period"], json!(60));
}

#[test]
fn setup_needs_a_region_and_both_keys_and_defaults_to_the_regional_endpoint() {
    let base = || SourceSettings {
        options: BTreeMap::from([("region".to_owned(), "eu-west-1".to_owned())]),
        credentials: BTreeMap::from([
            ("access_key_id".to_owned(), Secret::new(KEY_ID.into())),
            ("secret_access_key".to_owned(), Secret::new(SECRET.into())),
        ]),
        ..SourceSettings::default()
    };
    let cw = canary_sources::cloudwatch::CloudWatch::new(base()).unwrap();
    assert_eq!(
        cw.endpoint().as_str(),
        "https://monitoring.eu-west-1.amazonaws.com/"
    );
    let error = |s: SourceSettings| build_source("cloudwatch", s).err().unwrap().to_string();
    let mut s = base();
    s.credentials.remove("secret_access_key");
    let e = error(s);
    assert!(
        e.contains("needs secret_access_key") && e.contains("CANARY_CLOUDWATCH_SECRET_ACCESS_KEY"),
        "{e}"
    );
    let mut s = base();
    s.options.clear();
    assert!(error(s).contains("needs the option region"));
    let mut s = base();
    s.options.insert("regoin".into(), "x".into());
    assert!(error(s).contains("unknown option \"regoin\""));
    let mut s = base();
    s.options.insert("region".into(), "EU West".into());
    assert!(error(s).contains("invalid region"));
    let mut s = base();
    s.credentials
        .insert("secret_key".into(), Secret::new("x".into()));
    assert!(error(s).contains("unknown credential \"secret_key\""));
    let mut s = base();
    s.auth = Some(Secret::new("tok".into()));
    assert!(error(s).contains("does not use auth"));
    assert_eq!(
        canary_sources::credential_names("cloudwatch"),
        ["access_key_id", "secret_access_key", "session_token"]
    );
}
