//! `canary gate` and `canary record` with `--source datadog` and `--source newrelic`
//! against mock APIs on 127.0.0.1: the CLI needs no backend-specific flags (keys from
//! `CANARY_DATADOG_TOKEN` / `CANARY_DATADOG_APP_KEY` / `CANARY_NEWRELIC_TOKEN`, settings
//! from `--option`), a recording judges like the gate, a failing source never promotes,
//! and the keys appear nowhere in stdout, stderr, the JSON result or the fixture.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Output;
use support::{CPU, ERRORS, LATENCY, REQUESTS, assert_nowhere, live_args, out, run, strings};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const DD_API_KEY: &str = "dd-api-7f3a-NEVER-PRINT";
const DD_APP_KEY: &str = "dd-app-91c2-NEVER-PRINT";
const NR_KEY: &str = "NRAK-5e8b-NEVER-PRINT";

/// 2025-11-21T10:00:00Z; the window is ten one-minute steps.
const START: i64 = 1_763_719_200;
const END: i64 = START + 540;

const CONFIG: &str = r#"
version: 1
metrics:
  - name: latency_ms
    min_samples: 5
    query:
      datadog: 'avg:latency{version:${scope}}.rollup(avg, ${step_seconds})'
      newrelic: "SELECT average(duration) FROM Transaction WHERE appVersion = '${scope}' SINCE ${start_ms} UNTIL ${end_ms} TIMESERIES ${step_seconds} seconds"
  - name: cpu
    min_samples: 5
    query:
      datadog: 'avg:cpu{version:${scope}}.rollup(avg, ${step_seconds})'
      newrelic: "SELECT average(cpuPercent) FROM SystemSample WHERE version = '${scope}' SINCE ${start_ms} UNTIL ${end_ms} TIMESERIES ${step_seconds} seconds"
  - name: errors
    kind: counts
    query:
      datadog:
        events: 'sum:errors{version:${scope}}.as_count().rollup(sum, ${step_seconds})'
        total: 'sum:requests{version:${scope}}.as_count().rollup(sum, ${step_seconds})'
      newrelic:
        events: "SELECT count(*) FROM Transaction WHERE appVersion = '${scope}' AND error IS true SINCE ${start_ms} UNTIL ${end_ms} TIMESERIES ${step_seconds} seconds"
        total: "SELECT count(*) FROM Transaction WHERE appVersion = '${scope}' SINCE ${start_ms} UNTIL ${end_ms} TIMESERIES ${step_seconds} seconds"
"#;

/// The same healthy values for both scopes, by the metric a query asks for.
fn healthy(what: &str) -> [f64; 10] {
    match what {
        "latency" => LATENCY,
        "cpu" => CPU,
        "errors" => ERRORS,
        _ => REQUESTS,
    }
}

/// Which of the four series a query asks for.
fn series_of(query: &str) -> &'static str {
    if query.contains("latency") || query.contains("duration") {
        "latency"
    } else if query.contains("cpu") {
        "cpu"
    } else if query.contains("errors") || query.contains("error IS true") {
        "errors"
    } else {
        "requests"
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = support::temp_dir("ddnr", name);
    std::fs::write(dir.join("canary.yaml"), CONFIG).unwrap();
    dir
}

/// Runs `canary` with only the given credential variables set.
async fn canary(args: Vec<String>, env: Vec<(&'static str, &'static str)>) -> Output {
    let unset = [
        "CANARY_DATADOG_TOKEN",
        "CANARY_DATADOG_APP_KEY",
        "CANARY_NEWRELIC_TOKEN",
    ];
    run(args, &unset, env).await
}

fn args(command: &str, dir: &Path, source: &str, url: &str, extra: &[&str]) -> Vec<String> {
    let config = dir.join("canary.yaml");
    live_args(command, &config, source, url, [START, END], extra)
}

fn judge_args(dir: &Path, fixture: &Path) -> Vec<String> {
    strings(&[
        "judge",
        "--config",
        &dir.join("canary.yaml").display().to_string(),
        "--fixture",
        &fixture.display().to_string(),
        "--format",
        "json",
    ])
}

/// A Datadog query API answering every query with its healthy series, only when both
/// keys are in their headers; `refuse` names a query answered with a 403 that echoes
/// the keys.
async fn datadog(refuse: Option<&'static str>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/query"))
        .and(header("DD-API-KEY", DD_API_KEY))
        .and(header("DD-APPLICATION-KEY", DD_APP_KEY))
        .respond_with(move |request: &Request| {
            let query = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "query")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            if refuse == Some(query.as_str()) {
                return ResponseTemplate::new(403).set_body_json(json!({
                    "errors": [format!("Forbidden: keys {DD_API_KEY}/{DD_APP_KEY} may not read this metric")]
                }));
            }
            let pointlist: Vec<Value> = healthy(series_of(&query))
                .iter()
                .enumerate()
                .map(|(i, v)| json!([((START + 60 * i as i64) * 1000) as f64, v]))
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({
                "status": "ok",
                "res_type": "time_series",
                "query": query,
                "from_date": START * 1000,
                "to_date": END * 1000,
                "series": [{
                    "metric": series_of(&query),
                    "expression": query,
                    "scope": "version:v1",
                    "tag_set": [],
                    "interval": 60,
                    "length": pointlist.len(),
                    "pointlist": pointlist
                }]
            }))
        })
        .mount(&server)
        .await;
    server
}

/// A NerdGraph answering every NRQL with its healthy `TIMESERIES` buckets (each ending
/// on a step), only with the key in its header and the account as a variable; `refuse`
/// names a NRQL answered with a GraphQL error (HTTP 200) that echoes the key.
async fn newrelic(refuse: Option<&'static str>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(header("API-Key", NR_KEY))
        .respond_with(move |request: &Request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
            let nrql = body["variables"]["nrql"].as_str().unwrap_or_default();
            if body["variables"]["accountId"] != json!(1_234_567) {
                return ResponseTemplate::new(200).set_body_json(
                    json!({"errors": [{"message": "account not given"}], "data": null}),
                );
            }
            if refuse.is_some_and(|r| nrql.contains(r)) {
                return ResponseTemplate::new(200).set_body_json(json!({
                    "data": {"actor": {"account": {"nrql": null}}},
                    "errors": [{"message": format!("Access denied for key {NR_KEY}"), "path": ["actor", "account", "nrql"]}]
                }));
            }
            let what = series_of(nrql);
            let field = match what {
                "latency" => "average.duration",
                "cpu" => "average.cpuPercent",
                _ => "count",
            };
            // Buckets end at steps 1..=9; the values of steps 1..=9.
            let rows: Vec<Value> = healthy(what)
                .iter()
                .enumerate()
                .skip(1)
                .map(|(i, v)| {
                    let end = START + 60 * i as i64;
                    json!({"beginTimeSeconds": end - 60, "endTimeSeconds": end, field: v})
                })
                .collect();
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": {"actor": {"account": {"nrql": {"results": rows}}}}}))
        })
        .mount(&server)
        .await;
    server
}

struct Backend {
    name: &'static str,
    env: Vec<(&'static str, &'static str)>,
    extra: Vec<&'static str>,
    secrets: Vec<&'static str>,
}

fn backends() -> [Backend; 2] {
    [
        Backend {
            name: "datadog",
            env: vec![
                ("CANARY_DATADOG_TOKEN", DD_API_KEY),
                ("CANARY_DATADOG_APP_KEY", DD_APP_KEY),
            ],
            extra: vec![],
            secrets: vec![DD_API_KEY, DD_APP_KEY],
        },
        Backend {
            name: "newrelic",
            env: vec![("CANARY_NEWRELIC_TOKEN", NR_KEY)],
            extra: vec!["--option", "account_id=1234567"],
            secrets: vec![NR_KEY],
        },
    ]
}

async fn server_for(backend: &str, refuse: bool) -> MockServer {
    match backend {
        "datadog" => datadog(refuse.then_some("avg:cpu{version:v2}.rollup(avg, 60)")).await,
        _ => newrelic(refuse.then_some("version = 'v2'")).await,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn healthy_data_promotes_and_the_recording_judges_like_the_gate() {
    for b in backends() {
        let dir = temp_dir(&format!("healthy-{}", b.name));
        let server = server_for(b.name, false).await;
        let mut extra = b.extra.clone();
        extra.extend(["--format", "json"]);
        let gate = canary(
            args("gate", &dir, b.name, &server.uri(), &extra),
            b.env.clone(),
        )
        .await;
        let (stdout, stderr) = out(&gate);
        assert_eq!(gate.status.code(), Some(0), "{}: {stdout}{stderr}", b.name);
        let report: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(report["verdict"], "promote");
        let fixture = dir.join("run.json");
        let mut record_extra = b.extra.clone();
        let fixture_arg = fixture.display().to_string();
        record_extra.extend(["-o", &fixture_arg]);
        let record = canary(
            args("record", &dir, b.name, &server.uri(), &record_extra),
            b.env.clone(),
        )
        .await;
        assert_eq!(record.status.code(), Some(0), "{:?}", out(&record));
        let judge = canary(judge_args(&dir, &fixture), Vec::new()).await;
        assert_eq!(out(&judge).0, stdout, "{}", b.name);
        let recorded = std::fs::read_to_string(&fixture).unwrap();
        for secret in &b.secrets {
            assert!(
                !recorded.contains(secret),
                "{}: the key is in the fixture",
                b.name
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_query_holds_and_echoed_keys_appear_nowhere() {
    for b in backends() {
        let dir = temp_dir(&format!("refused-{}", b.name));
        let server = server_for(b.name, true).await;
        let mut seen = Vec::new();
        for format in ["json", "text"] {
            let mut extra = b.extra.clone();
            extra.extend(["--format", format]);
            let o = canary(
                args("gate", &dir, b.name, &server.uri(), &extra),
                b.env.clone(),
            )
            .await;
            let (stdout, stderr) = out(&o);
            // Some metric failed: never promote (hold), and the echo shows as [redacted].
            assert_eq!(o.status.code(), Some(10), "{}: {stdout}{stderr}", b.name);
            assert!(stdout.contains("[redacted]"), "{}: {stdout}", b.name);
            if format == "json" {
                let report: Value = serde_json::from_str(&stdout).unwrap();
                assert_eq!(report["verdict"], "hold");
                assert!(
                    report["metrics"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|m| m["classification"] == "error")
                );
            }
            seen.extend([stdout, stderr]);
        }
        let fixture = dir.join("run.json");
        let fixture_arg = fixture.display().to_string();
        let mut extra = b.extra.clone();
        extra.extend(["-o", &fixture_arg]);
        let o = canary(
            args("record", &dir, b.name, &server.uri(), &extra),
            b.env.clone(),
        )
        .await;
        assert_eq!(o.status.code(), Some(1));
        assert!(!fixture.exists());
        let (stdout, stderr) = out(&o);
        seen.extend([stdout, stderr]);
        assert_nowhere(&seen, &["NEVER-PRINT"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_settings_are_reported_before_any_request() {
    let dir = temp_dir("settings");
    let server = MockServer::start().await;
    Mock::given(path("/graphql"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    // No application key for Datadog.
    let o = canary(
        args("gate", &dir, "datadog", &server.uri(), &[]),
        vec![("CANARY_DATADOG_TOKEN", DD_API_KEY)],
    )
    .await;
    let (stdout, stderr) = out(&o);
    assert_eq!(o.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("CANARY_DATADOG_APP_KEY"), "{stderr}");
    // No account for New Relic.
    let o = canary(
        args("gate", &dir, "newrelic", &server.uri(), &[]),
        vec![("CANARY_NEWRELIC_TOKEN", NR_KEY)],
    )
    .await;
    let (stdout, stderr) = out(&o);
    assert_eq!(o.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("account_id is required"), "{stderr}");
    assert!(!stderr.contains("NEVER-PRINT") && !stdout.contains("NEVER-PRINT"));
    std::fs::remove_dir_all(&dir).unwrap();
}
