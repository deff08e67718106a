//! `canary gate` and `canary record` with the `cloudwatch` and `http` sources against
//! mock servers on 127.0.0.1: credentials from the default environment variables
//! (`CANARY_CLOUDWATCH_*`, `CANARY_HTTP_TOKEN`) reach the server signed or as a header,
//! and appear nowhere in stdout, stderr or a recorded fixture; a failing source never
//! promotes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use std::path::Path;
use std::process::Output;
use support::{ERRORS, LATENCY, REQUESTS, assert_nowhere, live_args, run, temp_dir};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY_ID: &str = "AKIAGATETESTKEY00001";
const SECRET: &str = "gate-SECRET-ACCESS-KEY-never-print";
const SESSION: &str = "gate-SESSION-TOKEN-never-print";
const TOKEN: &str = "gate-HTTP-TOKEN-never-print";

const CONFIG: &str = r#"
version: 1
metrics:
  - name: latency_ms
    min_samples: 5
    query:
      cloudwatch: {namespace: App, metric: Latency, dimensions: {Version: "${scope}"}, stat: Average}
      http: {url: "/series/latency?v=${scope}", points: "$.data[*]", time: "$.t", value: "$.v"}
  - name: errors
    kind: counts
    query:
      cloudwatch:
        events: {namespace: App, metric: Errors, dimensions: {Version: "${scope}"}, stat: Sum}
        total: {namespace: App, metric: Requests, dimensions: {Version: "${scope}"}, stat: Sum}
      http:
        events: {url: "/series/errors?v=${scope}", points: "$.data[*]", time: "$.t", value: "$.v"}
        total: {url: "/series/requests?v=${scope}", points: "$.data[*]", time: "$.t", value: "$.v"}
"#;

fn timestamps() -> Vec<i64> {
    (0..10).map(|i| 1200 + 60 * i).collect()
}

fn body_has(needle: String) -> impl Fn(&Request) -> bool + Send + Sync + 'static {
    move |request: &Request| String::from_utf8_lossy(&request.body).contains(&needle)
}

/// CloudWatch: the same healthy series for both scopes of every metric, except `fail`,
/// which answers 403 echoing the secret key.
async fn cloudwatch(server: &MockServer, fail: Option<&str>) {
    for (metric, values) in [
        ("Latency", LATENCY),
        ("Errors", ERRORS),
        ("Requests", REQUESTS),
    ] {
        let matcher = body_has(format!(r#""MetricName":"{metric}""#));
        let response = if fail == Some(metric) {
            ResponseTemplate::new(403).set_body_json(json!({
                "__type": "com.amazon.coral.service#AccessDeniedException",
                "message": format!("key {SECRET} with token {SESSION} may not read {metric}")
            }))
        } else {
            ResponseTemplate::new(200).set_body_json(json!({"MetricDataResults": [{
                "Id": "q", "Label": metric, "Timestamps": timestamps(), "Values": values,
                "StatusCode": "Complete"}], "Messages": []}))
        };
        Mock::given(method("POST"))
            .and(path("/"))
            .and(matcher)
            .respond_with(response)
            .mount(server)
            .await;
    }
}

/// HTTP JSON: the same for the `http` source; `fail` answers 401 echoing the token.
async fn http_json(server: &MockServer, fail: Option<&str>) {
    for (name, values) in [
        ("latency", LATENCY),
        ("errors", ERRORS),
        ("requests", REQUESTS),
    ] {
        for scope in ["v1", "v2"] {
            let response = if fail == Some(name) {
                ResponseTemplate::new(401).set_body_string(format!("bad token {TOKEN}"))
            } else {
                let data: Vec<Value> = timestamps()
                    .iter()
                    .zip(values)
                    .map(|(t, v)| json!({"t": t, "v": v}))
                    .collect();
                ResponseTemplate::new(200).set_body_json(json!({ "data": data }))
            };
            Mock::given(path(format!("/series/{name}")))
                .and(query_param("v", scope))
                .respond_with(response)
                .mount(server)
                .await;
        }
    }
}

/// Runs `canary` with only the credentials of `source` in its environment.
async fn canary(source: &'static str, args: Vec<String>) -> Output {
    let set = if source == "cloudwatch" {
        vec![
            ("CANARY_CLOUDWATCH_ACCESS_KEY_ID", KEY_ID),
            ("CANARY_CLOUDWATCH_SECRET_ACCESS_KEY", SECRET),
            ("CANARY_CLOUDWATCH_SESSION_TOKEN", SESSION),
        ]
    } else {
        vec![("CANARY_HTTP_TOKEN", TOKEN)]
    };
    let unset = [
        "CANARY_CLOUDWATCH_TOKEN",
        "CANARY_CLOUDWATCH_ACCESS_KEY_ID",
        "CANARY_CLOUDWATCH_SECRET_ACCESS_KEY",
        "CANARY_CLOUDWATCH_SESSION_TOKEN",
        "CANARY_HTTP_TOKEN",
    ];
    run(args, &unset, set).await
}

fn args(command: &str, source: &str, config: &Path, url: &str, extra: &[&str]) -> Vec<String> {
    let mut extra = extra.to_vec();
    if source == "cloudwatch" {
        extra.splice(0..0, ["--option", "region=eu-west-1"]);
    }
    live_args(command, config, source, url, [1200, 1800], &extra)
}

fn text(o: &Output) -> [String; 2] {
    let (stdout, stderr) = support::out(o);
    [stdout, stderr]
}

async fn gate_and_record(source: &'static str) {
    let dir = temp_dir("gate-cw", source);
    let config = dir.join("canary.yaml");
    std::fs::write(&config, CONFIG).unwrap();
    let mut seen: Vec<String> = Vec::new();

    // Healthy, identical sides: promote (exit 0), and record writes a fixture.
    let server = MockServer::start().await;
    match source {
        "cloudwatch" => cloudwatch(&server, None).await,
        _ => http_json(&server, None).await,
    }
    let o = canary(source, args("gate", source, &config, &server.uri(), &[])).await;
    let [stdout, stderr] = text(&o);
    assert_eq!(o.status.code(), Some(0), "{stdout}\n{stderr}");
    seen.extend([stdout, stderr]);
    let fixture = dir.join("run.json");
    let o = canary(
        source,
        args(
            "record",
            source,
            &config,
            &server.uri(),
            &["-o", &fixture.display().to_string()],
        ),
    )
    .await;
    let [stdout, stderr] = text(&o);
    assert_eq!(o.status.code(), Some(0), "{stdout}\n{stderr}");
    let recorded = std::fs::read_to_string(&fixture).unwrap();
    let parsed: Value = serde_json::from_str(&recorded).unwrap();
    assert!(parsed["metrics"]["latency_ms"].is_object(), "{recorded}");
    seen.extend([stdout, stderr, recorded]);
    for request in server.received_requests().await.unwrap() {
        let auth = request
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap();
        if source == "cloudwatch" {
            assert!(
                auth.starts_with(&format!("AWS4-HMAC-SHA256 Credential={KEY_ID}/")),
                "{auth}"
            );
            assert_eq!(
                request.headers.get("x-amz-security-token").unwrap(),
                SESSION
            );
        } else {
            assert_eq!(auth, format!("Bearer {TOKEN}"));
        }
    }

    // One metric's source fails and echoes the secret: hold (exit 10), never promote.
    let server = MockServer::start().await;
    match source {
        "cloudwatch" => cloudwatch(&server, Some("Requests")).await,
        _ => http_json(&server, Some("requests")).await,
    }
    let o = canary(
        source,
        args(
            "gate",
            source,
            &config,
            &server.uri(),
            &["--format", "json"],
        ),
    )
    .await;
    let [stdout, stderr] = text(&o);
    assert_eq!(o.status.code(), Some(10), "{stdout}\n{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["verdict"], json!("hold"), "{stdout}");
    assert!(stdout.contains("[redacted]"), "{stdout}");
    seen.extend([stdout, stderr]);

    assert_nowhere(&seen, &[SECRET, SESSION, TOKEN, "never-print"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn cloudwatch_gate_and_record_sign_requests_and_never_leak_keys() {
    gate_and_record("cloudwatch").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn http_gate_and_record_send_the_token_and_never_leak_it() {
    gate_and_record("http").await;
}
