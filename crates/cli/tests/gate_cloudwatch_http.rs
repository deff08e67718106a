//! `canary gate` and `canary record` with the `cloudwatch` and `http` sources against
//! mock servers on 127.0.0.1: credentials from the default environment variables
//! (`CANARY_CLOUDWATCH_*`, `CANARY_HTTP_TOKEN`) reach the server signed or as a header,
//! and appear nowhere in stdout, stderr or a recorded fixture; a failing source never
//! promotes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Output;
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

const LATENCY: [f64; 10] = [
    100.0, 102.0, 98.0, 101.0, 99.0, 100.5, 101.5, 99.5, 100.0, 102.5,
];
const ERRORS: [f64; 10] = [1.0, 0.0, 2.0, 1.0, 0.0, 1.0, 0.0, 1.0, 2.0, 0.0];
const REQUESTS: [f64; 10] = [100.0; 10];

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("canary-gate-cw-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

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

async fn canary(source: &'static str, args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_canary"));
        command.args(&args);
        for var in [
            "CANARY_CLOUDWATCH_TOKEN",
            "CANARY_CLOUDWATCH_ACCESS_KEY_ID",
            "CANARY_CLOUDWATCH_SECRET_ACCESS_KEY",
            "CANARY_CLOUDWATCH_SESSION_TOKEN",
            "CANARY_HTTP_TOKEN",
        ] {
            command.env_remove(var);
        }
        if source == "cloudwatch" {
            command
                .env("CANARY_CLOUDWATCH_ACCESS_KEY_ID", KEY_ID)
                .env("CANARY_CLOUDWATCH_SECRET_ACCESS_KEY", SECRET)
                .env("CANARY_CLOUDWATCH_SESSION_TOKEN", SESSION);
        } else {
            command.env("CANARY_HTTP_TOKEN", TOKEN);
        }
        command.output().unwrap()
    })
    .await
    .unwrap()
}

fn args(command: &str, source: &str, config: &Path, url: &str, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = [
        command,
        "--config",
        &config.display().to_string(),
        "--source",
        source,
        "--url",
        url,
        "--start",
        "1200",
        "--end",
        "1800",
        "--step",
        "1m",
        "--baseline-scope",
        "v1",
        "--canary-scope",
        "v2",
        "--retries",
        "1",
        "--timeout",
        "2s",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    if source == "cloudwatch" {
        a.extend(["--option".to_owned(), "region=eu-west-1".to_owned()]);
    }
    a.extend(extra.iter().map(|s| (*s).to_owned()));
    a
}

fn text(o: &Output) -> [String; 2] {
    [
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    ]
}

async fn gate_and_record(source: &'static str) {
    let dir = temp_dir(source);
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

    for s in &seen {
        for secret in [SECRET, SESSION, TOKEN] {
            assert!(!s.contains(secret), "a credential leaked: {s}");
        }
        assert!(!s.contains("never-print"), "a credential leaked: {s}");
    }
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
