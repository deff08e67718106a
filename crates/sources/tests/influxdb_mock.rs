//! The InfluxDB 1.x backend against a mock server on 127.0.0.1 serving response bodies
//! shaped like the documented `/query` API: `{"results": [{"statement_id": 0,
//! "series": [{"name", "tags", "columns", "values"}]}]}`, `"error"` in a result (HTTP
//! 200) or at the top level (4xx).

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

mod support;

use canary_judge::{Classification, Config, Verdict};
use canary_sources::{
    Cause, MetricSource, Secret, SourceSettings, Window, build_source, fetch_all,
};
use serde_json::{Value, json};
use support::{
    Run, assert_debug_hides, assert_empty, assert_error_hides, assert_http_error,
    assert_judged_nodata, assert_no_failures, assert_requests_hide, assert_status,
    assert_the_latency_histograms, assert_the_latency_series, assert_timed_out, at, continuous,
    count, count_series, counts, failure, judge, mount_fails_then_ok, mount_too_slow, one_scope,
    points, scopes, single_metric, vars,
};
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CONFIG: &str = r#"
version: 1
metrics:
  - name: latency_ms
    query: {influxdb: 'SELECT mean("value") FROM "latency" WHERE "version" = ''${scope}'' AND "cluster" = ''${cluster}'' AND time >= ${start}s AND time <= ${end}s GROUP BY time(${step}) fill(null)'}
  - name: errors
    kind: counts
    query:
      influxdb:
        events: 'SELECT sum("errors") FROM "requests" WHERE "version" = ''${scope}'' GROUP BY time(${step})'
        total: 'SELECT sum("count") FROM "requests" WHERE "version" = ''${scope}'' GROUP BY time(${step})'
  - name: latency_seconds
    kind: histogram
    query: {influxdb: 'SELECT sum("count") FROM "latency_bucket" WHERE "version" = ''${scope}'' AND time >= ${start}s AND time <= ${end}s GROUP BY "le"'}
"#;

fn config() -> Config {
    Config::from_yaml_str(CONFIG).unwrap()
}

fn settings(server: &MockServer) -> SourceSettings {
    at("influxdb", server)
        .option("database", "metrics")
        .settings()
}

fn source(server: &MockServer) -> Box<dyn MetricSource> {
    build_source("influxdb", settings(server)).unwrap()
}

fn window() -> Window {
    Window::new(1020, 1200, 60).unwrap()
}

/// The window, scopes and variables of most fetches here.
fn run() -> Run {
    Run::new(window(), scopes(), vars())
}

/// One series with a `time` and one value column, as `epoch=s` returns it.
fn series(column: &str, rows: &[(i64, Value)]) -> Value {
    let values: Vec<Value> = rows.iter().map(|(t, v)| json!([t, v])).collect();
    json!({"results": [{"statement_id": 0, "series": [
        {"name": "m", "columns": ["time", column], "values": values}]}]})
}

fn no_series() -> Value {
    json!({"results": [{"statement_id": 0}]})
}

fn latency_query(scope: &str) -> String {
    format!(
        r#"SELECT mean("value") FROM "latency" WHERE "version" = '{scope}' AND "cluster" = 'eu1' AND time >= 1020s AND time <= 1200s GROUP BY time(60s) fill(null)"#
    )
}

async fn query_mock(server: &MockServer, q: &str, body: Value) {
    Mock::given(method("GET"))
        .and(path("/query"))
        .and(query_param("db", "metrics"))
        .and(query_param("epoch", "s"))
        .and(query_param("q", q))
        .and(query_param_is_missing("rp"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn fetches_all_three_kinds_for_both_scopes() {
    let server = MockServer::start().await;
    query_mock(
        &server,
        &latency_query("v1"),
        series(
            "mean",
            &[
                (1020, json!(10)),
                (1080, json!(11)),
                (1140, json!(12)),
                (1200, json!(13)),
            ],
        ),
    )
    .await;
    // A partial series: the canary lacks 1080 and 1140 is null (fill(null)).
    query_mock(
        &server,
        &latency_query("v2"),
        series(
            "mean",
            &[(1020, json!(20)), (1140, Value::Null), (1200, json!(23.5))],
        ),
    )
    .await;
    // GROUP BY time buckets start at multiples of the step: 1020 = 17 × 60.
    for (scope, e, t) in [("v1", 1, 100), ("v2", 3, 99)] {
        query_mock(
            &server,
            &format!(
                r#"SELECT sum("errors") FROM "requests" WHERE "version" = '{scope}' GROUP BY time(60s)"#
            ),
            // A step with no row counts 0.
            series("sum", &[(1020, json!(e)), (1140, json!(e)), (1200, json!(0))]),
        )
        .await;
        query_mock(
            &server,
            &format!(
                r#"SELECT sum("count") FROM "requests" WHERE "version" = '{scope}' GROUP BY time(60s)"#
            ),
            series(
                "sum",
                &[
                    (1020, json!(t)),
                    (1080, json!(t)),
                    (1140, json!(t)),
                    (1200, json!(t)),
                ],
            ),
        )
        .await;
    }
    for (scope, inf) in [("v1", 100), ("v2", 50)] {
        let bucket = |le: &str, v: i64| {
            json!({"name": "latency_bucket", "tags": {"le": le},
                "columns": ["time", "sum"], "values": [[1020, v]]})
        };
        query_mock(
            &server,
            &format!(
                r#"SELECT sum("count") FROM "latency_bucket" WHERE "version" = '{scope}' AND time >= 1020s AND time <= 1200s GROUP BY "le""#
            ),
            json!({"results": [{"statement_id": 0, "series": [
                bucket("+Inf", inf), bucket("0.1", 10), bucket("0.5", 40)]}]}),
        )
        .await;
    }
    let src = source(&server);
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
async fn buckets_off_the_window_grid_snap_to_the_nearest_instant() {
    // A window starting at 1000 with a 60 s step; InfluxDB's buckets start at 960,
    // 1020, …: each lands on the nearest instant (1020 on 1000, 20 s away); 960 lies
    // more than half a step before the window and is dropped.
    let server = MockServer::start().await;
    Mock::given(path("/query"))
        .respond_with(ResponseTemplate::new(200).set_body_json(series(
            "mean",
            &[(960, json!(1)), (1020, json!(2)), (1080, json!(3))],
        )))
        .mount(&server)
        .await;
    let src = source(&server);
    let config = latency_only();
    let w = Window::new(1000, 1120, 60).unwrap();
    let fetched = fetch_all(src.as_ref(), &config, w, &scopes(), &vars()).await;
    assert_eq!(
        continuous(&fetched, "latency_ms").canary,
        points(&[(1000, Some(2.0)), (1060, Some(3.0)), (1120, None)])
    );
}

fn latency_only() -> Config {
    single_metric(
        r#"{name: latency_ms, query: {influxdb: 'SELECT "v" FROM "m" WHERE "s" = ''${scope}'''}}"#,
    )
}

#[tokio::test]
async fn no_series_is_empty_data_not_an_error() {
    let server = MockServer::start().await;
    Mock::given(path("/query"))
        .respond_with(ResponseTemplate::new(200).set_body_json(no_series()))
        .expect(8) // 2 sides × (1 + 2 + 1 queries)
        .mount(&server)
        .await;
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &config()).await;
    assert_empty(&fetched, &["latency_ms"], &["errors"], &["latency_seconds"]);
    // The judge calls every metric nodata and does not promote.
    assert_judged_nodata(&config(), &fetched);
}

#[tokio::test]
async fn a_4xx_is_sent_once_and_names_the_metric_scope_and_api_message() {
    let server = MockServer::start().await;
    Mock::given(path("/query"))
        .and(query_param("q", r#"SELECT "v" FROM "m" WHERE "s" = 'v1'"#))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"error": "error parsing query: found EOF, expected FROM at line 1, char 9"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/query"))
        .and(query_param("q", r#"SELECT "v" FROM "m" WHERE "s" = 'v2'"#))
        .respond_with(ResponseTemplate::new(200).set_body_json(no_series()))
        .expect(1)
        .mount(&server)
        .await;
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_http_error(
        &fetched,
        "latency_ms",
        400,
        "influxdb: metric \"latency_ms\" (baseline scope \"v1\"): HTTP 400",
        &["error parsing query: found EOF"],
    );
}

#[tokio::test]
async fn an_error_in_the_result_is_an_api_error() {
    let server = MockServer::start().await;
    Mock::given(path("/query"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"results": [{"statement_id": 0, "error": "database not found: metrics"}]}),
        ))
        .expect(2)
        .mount(&server)
        .await;
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    let e = &fetched.failures["latency_ms"];
    assert_eq!(
        e.cause,
        Cause::Api("database not found: metrics".into()),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("the API reported an error: database not found")
    );
}

#[tokio::test]
async fn a_5xx_is_retried_until_it_succeeds() {
    let server = MockServer::start().await;
    mount_fails_then_ok(
        &server,
        || Mock::given(path("/query")),
        2,
        ResponseTemplate::new(503).set_body_string("overloaded"),
        ResponseTemplate::new(200).set_body_json(series("v", &[(1020, json!(1))])),
    )
    .await;
    let src = source(&server);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_no_failures(&fetched);
    let s = continuous(&fetched, "latency_ms");
    assert_eq!(s.baseline[0].value, Some(1.0));
    assert_eq!(s.canary.len(), 4);
}

#[tokio::test]
async fn a_timeout_is_retried_then_reported_and_never_promotes() {
    let server = MockServer::start().await;
    mount_too_slow(&server, Mock::given(path("/query")), no_series()).await;
    let src = source(&server);
    let config = latency_only();
    let fetched = run().fetch(src.as_ref(), &config).await;
    assert_timed_out(&fetched, "latency_ms");
    let report = judge(&config, "timeout", &fetched);
    assert_eq!(report.metrics[0].classification, Classification::Error);
    assert!(
        report.metrics[0]
            .reason
            .contains("no response within 0.3 s")
    );
    assert_ne!(report.verdict, Verdict::Promote);
}

#[tokio::test]
async fn malformed_json_several_series_and_partial_results_are_errors() {
    let server = MockServer::start().await;
    let q = |s: &str| format!(r#"SELECT "v" FROM "m" WHERE "s" = '{s}'"#);
    Mock::given(path("/query"))
        .and(query_param("q", q("bad")))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"results\": [{"))
        .expect(2) // both sides; a parse error is not retried
        .mount(&server)
        .await;
    let two = json!({"results": [{"statement_id": 0, "series": [
        {"name": "m", "tags": {"host": "a"}, "columns": ["time", "v"], "values": [[1020, 1]]},
        {"name": "m", "tags": {"host": "b"}, "columns": ["time", "v"], "values": [[1020, 2]]}]}]});
    Mock::given(path("/query"))
        .and(query_param("q", q("two")))
        .respond_with(ResponseTemplate::new(200).set_body_json(two))
        .mount(&server)
        .await;
    let partial = json!({"results": [{"statement_id": 0, "series": [
        {"name": "m", "columns": ["time", "v"], "values": [[1020, 1]], "partial": true}]}]});
    Mock::given(path("/query"))
        .and(query_param("q", q("partial")))
        .respond_with(ResponseTemplate::new(200).set_body_json(partial))
        .mount(&server)
        .await;
    let src = source(&server);
    let config = latency_only();
    let failure_of = |scope: &'static str| {
        let src = &src;
        let config = &config;
        async move {
            let fetched = run()
                .fetch_scoped(src.as_ref(), config, &one_scope(scope))
                .await;
            failure(&fetched, "latency_ms").clone()
        }
    };
    let e = failure_of("bad").await;
    assert!(
        matches!(&e.cause, Cause::Response(m) if m.contains("not valid JSON")),
        "{e}"
    );
    let e = failure_of("two").await.to_string();
    assert!(
        e.contains("2 series where one is expected (m{host=\"a\"}, m{host=\"b\"})"),
        "{e}"
    );
    let e = failure_of("partial").await;
    assert!(
        matches!(&e.cause, Cause::Data(m) if m.contains("truncated")),
        "{e}"
    );
}

#[tokio::test]
async fn basic_auth_carries_username_and_password_in_the_header_only() {
    let server = MockServer::start().await;
    // base64("reader:pw-SECRET-42")
    Mock::given(path("/query"))
        .and(header(
            "authorization",
            "Basic cmVhZGVyOnB3LVNFQ1JFVC00Mg==",
        ))
        .and(query_param("db", "metrics"))
        .and(query_param("rp", "two_weeks"))
        .and(query_param_is_missing("u"))
        .and(query_param_is_missing("p"))
        .respond_with(ResponseTemplate::new(200).set_body_json(no_series()))
        .expect(2)
        .mount(&server)
        .await;
    let mut settings = settings(&server);
    settings
        .options
        .insert("retention_policy".into(), "two_weeks".into());
    settings.options.insert("username".into(), "reader".into());
    settings.auth = Some(Secret::new("pw-SECRET-42".into()));
    let src = build_source("influxdb", settings).unwrap();
    assert_debug_hides(src.as_ref(), &["SECRET"]);
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_no_failures(&fetched);
    assert_requests_hide(&server, "SECRET").await;
}

#[tokio::test]
async fn a_username_credential_works_like_the_option_and_auth_alone_is_a_bearer_token() {
    let server = MockServer::start().await;
    Mock::given(path("/query"))
        .and(header(
            "authorization",
            "Basic cmVhZGVyOnB3LVNFQ1JFVC00Mg==",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(no_series()))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(path("/query"))
        .and(header("authorization", "Bearer jwt-SECRET-7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(no_series()))
        .expect(2)
        .mount(&server)
        .await;
    let mut basic = settings(&server);
    basic
        .credentials
        .insert("username".into(), Secret::new("reader".into()));
    basic.auth = Some(Secret::new("pw-SECRET-42".into()));
    let mut bearer = settings(&server);
    bearer.auth = Some(Secret::new("jwt-SECRET-7".into()));
    for settings in [basic, bearer] {
        let src = build_source("influxdb", settings).unwrap();
        let fetched = run().fetch(src.as_ref(), &latency_only()).await;
        assert_no_failures(&fetched);
    }
}

#[tokio::test]
async fn a_server_echoing_the_password_in_an_error_does_not_leak_it() {
    let server = MockServer::start().await;
    Mock::given(path("/query"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"error": "authorization failed for reader with password pw-SECRET-42"}),
        ))
        .mount(&server)
        .await;
    let mut settings = settings(&server);
    settings.options.insert("username".into(), "reader".into());
    settings.auth = Some(Secret::new("pw-SECRET-42".into()));
    let src = build_source("influxdb", settings).unwrap();
    let fetched = run().fetch(src.as_ref(), &latency_only()).await;
    assert_status(&fetched, "latency_ms", 401);
    assert_error_hides(
        &fetched,
        "latency_ms",
        &["SECRET"],
        "with password [redacted]",
    );
}

#[test]
fn setup_problems_are_reported_before_any_request() {
    let base = || SourceSettings {
        url: Some("http://127.0.0.1:8086".into()),
        ..SourceSettings::default()
    };
    let error = |settings: SourceSettings| {
        build_source("influxdb", settings)
            .err()
            .unwrap()
            .to_string()
    };
    let mut s = base();
    s.options.insert("databse".into(), "x".into());
    assert!(error(s).contains(
        "unknown option \"databse\" for influxdb; it knows: database, retention_policy, username"
    ));
    let mut s = base();
    s.options.insert("username".into(), "reader".into());
    assert!(error(s).contains("no password"));
    let mut s = base();
    s.options.insert("username".into(), "reader".into());
    s.credentials
        .insert("username".into(), Secret::new("reader".into()));
    s.auth = Some(Secret::new("pw".into()));
    assert!(error(s).contains("both as an option and as a credential"));
    let mut s = base();
    s.options.insert("database".into(), " ".into());
    assert!(error(s).contains("the option database is empty"));
    let mut s = base();
    s.url = Some("http://reader:pw@127.0.0.1:8086".into());
    assert!(error(s).contains("must not hold credentials"));
    assert!(build_source("influxdb", base()).is_ok());
    assert_eq!(canary_sources::credential_names("influxdb"), ["username"]);
}
