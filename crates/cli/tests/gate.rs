//! `canary gate` and `canary record` against a mock Prometheus on 127.0.0.1: exit codes,
//! a failing source never promotes, credentials never leak, atomic writes, time forms.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Output;
use support::{
    CPU, ERRORS, LATENCY, REQUESTS, assert_nowhere, dead_url, live_args, out, run, strings,
};
use wiremock::matchers::{path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "tok-9d2f-NEVER-PRINT";

const CONFIG: &str = r#"
version: 1
metrics:
  - name: latency_ms
    min_samples: 5
    query: {prometheus: 'latency{v="${scope}"}'}
  - name: cpu
    min_samples: 5
    query: {prometheus: 'cpu{v="${scope}"}'}
  - name: errors
    kind: counts
    query:
      prometheus: {events: 'errors{v="${scope}"}', total: 'requests{v="${scope}"}'}
"#;

fn temp_dir(name: &str) -> PathBuf {
    support::temp_dir("gate", name)
}

fn matrix(values: &[f64]) -> Value {
    let values: Vec<Value> = values
        .iter()
        .enumerate()
        .map(|(i, v)| json!([1000 + 60 * i as i64, v.to_string()]))
        .collect();
    json!({"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {}, "values": values}]}})
}

/// Serves the same healthy series for both scopes of every query.
async fn healthy(server: &MockServer, except: &[&str]) {
    let series = [
        ("latency", LATENCY),
        ("cpu", CPU),
        ("errors", ERRORS),
        ("requests", REQUESTS),
    ];
    for (name, values) in series {
        if except.contains(&name) {
            continue;
        }
        for scope in ["v1", "v2"] {
            Mock::given(path("/api/v1/query_range"))
                .and(query_param("query", format!("{name}{{v=\"{scope}\"}}")))
                .respond_with(ResponseTemplate::new(200).set_body_json(matrix(&values)))
                .mount(server)
                .await;
        }
    }
}

/// Runs `canary` with `CANARY_PROMETHEUS_TOKEN` set to [`TOKEN`] when `token`, unset
/// otherwise.
async fn canary(args: Vec<String>, token: bool) -> Output {
    let set = if token {
        vec![("CANARY_PROMETHEUS_TOKEN", TOKEN)]
    } else {
        Vec::new()
    };
    run(args, &["CANARY_PROMETHEUS_TOKEN"], set).await
}

fn args(command: &str, config: &std::path::Path, url: &str, extra: &[&str]) -> Vec<String> {
    live_args(command, config, "prometheus", url, [1000, 1540], extra)
}

fn config_file(dir: &std::path::Path) -> PathBuf {
    let config = dir.join("canary.yaml");
    std::fs::write(&config, CONFIG).unwrap();
    config
}

#[tokio::test(flavor = "multi_thread")]
async fn healthy_data_promotes_and_a_failing_source_never_does() {
    let dir = temp_dir("verdicts");
    let config = config_file(&dir);
    // All metrics fetched: promote.
    let server = MockServer::start().await;
    healthy(&server, &[]).await;
    let o = canary(
        args("gate", &config, &server.uri(), &["--format", "json"]),
        false,
    )
    .await;
    let (stdout, stderr) = out(&o);
    assert_eq!(o.status.code(), Some(0), "{stdout}{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["verdict"], "promote");

    // The cpu query fails with 503 every time: cpu is `error`, the verdict holds (10).
    let server = MockServer::start().await;
    healthy(&server, &["cpu"]).await;
    Mock::given(path("/api/v1/query_range"))
        .respond_with(ResponseTemplate::new(503).set_body_string("unavailable"))
        .mount(&server)
        .await;
    let o = canary(
        args("gate", &config, &server.uri(), &["--format", "json"]),
        false,
    )
    .await;
    let (stdout, stderr) = out(&o);
    assert_eq!(o.status.code(), Some(10), "{stdout}{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["verdict"], "hold");
    let cpu = &report["metrics"][1];
    assert_eq!(cpu["classification"], "error");
    assert!(
        cpu["reason"]
            .as_str()
            .unwrap()
            .contains("HTTP 503: unavailable"),
        "{cpu}"
    );
    assert!(
        report["reasons"][0]
            .as_str()
            .unwrap()
            .starts_with("1 of 3 metrics could not be fetched (cpu)")
    );
    // In text too.
    let o = canary(args("gate", &config, &server.uri(), &[]), false).await;
    let (stdout, _) = out(&o);
    assert_eq!(o.status.code(), Some(10));
    assert!(stdout.starts_with("verdict: hold"), "{stdout}");
    assert!(
        stdout.contains("[ERROR ] cpu: could not be fetched: prometheus: metric \"cpu\""),
        "{stdout}"
    );

    // Nothing reachable: exit 1 with every cause on stderr, nothing on stdout.
    let o = canary(
        args("gate", &config, &dead_url(), &["--format", "json"]),
        false,
    )
    .await;
    let (stdout, stderr) = out(&o);
    assert_eq!(o.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("no metric could be fetched"), "{stderr}");
    assert!(stderr.contains("cannot connect"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_from_the_environment_appears_nowhere() {
    let dir = temp_dir("token");
    let config = config_file(&dir);
    let server = MockServer::start().await;
    // A server that requires the token, and echoes it back when it refuses a query.
    Mock::given(path("/api/v1/query_range"))
        .and(query_param("query", "cpu{v=\"v2\"}"))
        .respond_with(
            ResponseTemplate::new(403).set_body_string(format!("token {TOKEN} may not read cpu")),
        )
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::header(
        "authorization",
        format!("Bearer {TOKEN}").as_str(),
    ))
    .and(path("/api/v1/query_range"))
    .and(query_param("query", "cpu{v=\"v1\"}"))
    .respond_with(ResponseTemplate::new(200).set_body_json(matrix(&[1.0; 10])))
    .mount(&server)
    .await;
    healthy(&server, &["cpu"]).await;
    let mut seen = Vec::new();
    for format in ["json", "text"] {
        let o = canary(
            args("gate", &config, &server.uri(), &["--format", format]),
            true,
        )
        .await;
        assert_eq!(o.status.code(), Some(10));
        let (stdout, stderr) = out(&o);
        assert!(stdout.contains("[redacted]"), "{stdout}");
        seen.extend([stdout, stderr]);
    }
    // record refuses an incomplete fixture; the message names the failure, not the token.
    let fixture = dir.join("run.json");
    let o = canary(
        args(
            "record",
            &config,
            &server.uri(),
            &["-o", &fixture.display().to_string()],
        ),
        true,
    )
    .await;
    assert_eq!(o.status.code(), Some(1));
    let (stdout, stderr) = out(&o);
    assert!(
        stderr.contains("cannot record: 1 metric(s) could not be fetched"),
        "{stderr}"
    );
    assert!(!fixture.exists());
    seen.extend([stdout, stderr]);
    // A complete recording with the token set: the file holds no trace of it.
    let server = MockServer::start().await;
    healthy(&server, &[]).await;
    let o = canary(
        args(
            "record",
            &config,
            &server.uri(),
            &["-o", &fixture.display().to_string()],
        ),
        true,
    )
    .await;
    assert_eq!(o.status.code(), Some(0));
    let (stdout, stderr) = out(&o);
    seen.extend([stdout, stderr, std::fs::read_to_string(&fixture).unwrap()]);
    for request in server.received_requests().await.unwrap() {
        assert_eq!(
            request.headers.get("authorization").unwrap(),
            format!("Bearer {TOKEN}").as_str()
        );
    }
    assert_nowhere(&seen, &[TOKEN, "NEVER-PRINT"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn record_writes_atomically_and_the_recording_judges_like_the_gate() {
    let dir = temp_dir("record");
    let config = config_file(&dir);
    let server = MockServer::start().await;
    healthy(&server, &[]).await;
    let fixture = dir.join("run.json");
    std::fs::write(&fixture, "old content").unwrap();
    let fixture_arg = fixture.display().to_string();
    let o = canary(
        args(
            "record",
            &config,
            &server.uri(),
            &["-o", &fixture_arg, "--format", "json"],
        ),
        false,
    )
    .await;
    let (stdout, stderr) = out(&o);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let summary: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["name"], "run");
    assert_eq!(summary["metrics"], json!(["cpu", "errors", "latency_ms"]));
    let files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}"); // canary.yaml and run.json, no temporary file
    let gate = canary(
        args("gate", &config, &server.uri(), &["--format", "json"]),
        false,
    )
    .await;
    let judge = canary(
        strings(&[
            "judge",
            "--config",
            &config.display().to_string(),
            "--fixture",
            &fixture_arg,
            "--format",
            "json",
        ]),
        false,
    )
    .await;
    assert_eq!(out(&gate).0, out(&judge).0);
    assert_eq!(gate.status.code(), judge.status.code());

    // A failed recording leaves the previous file untouched.
    let before = std::fs::read_to_string(&fixture).unwrap();
    let o = canary(
        args("record", &config, &dead_url(), &["-o", &fixture_arg]),
        false,
    )
    .await;
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&fixture).unwrap(), before);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_times_and_variables_are_rejected_with_their_reason() {
    let dir = temp_dir("times");
    let config = config_file(&dir);
    let url = "http://127.0.0.1:9";
    let mut a = args("gate", &config, url, &[]);
    let start = a.iter().position(|s| s == "1000").unwrap();
    a[start] = "yesterday".into();
    let o = canary(a, false).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out(&o).1.contains("start: expected a time: RFC 3339"),
        "{}",
        out(&o).1
    );
    let mut a = args("gate", &config, url, &[]);
    a[start] = "2000".into(); // after the end
    let o = canary(a, false).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out(&o).1.contains("the window must end after it starts"),
        "{}",
        out(&o).1
    );
    let o = canary(args("gate", &config, url, &["--var", "novalue"]), false).await;
    assert_eq!(o.status.code(), Some(2), "usage error");
    let o = canary(args("gate", &config, url, &["--var", "scope=x"]), false).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).1.contains("\"scope\" is built in"), "{}", out(&o).1);
    // now-30m .. now is accepted (the mock has no data then: every metric is nodata → hold).
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/query_range"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"status": "success", "data": {"resultType": "matrix", "result": []}}),
        ))
        .mount(&server)
        .await;
    let mut a = args("gate", &config, &server.uri(), &["--format", "json"]);
    a[start] = "now-30m".into();
    a[start + 2] = "now".into();
    let o = canary(a, false).await;
    let (stdout, stderr) = out(&o);
    assert_eq!(o.status.code(), Some(10), "{stdout}{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert!(
        report["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["classification"] == "nodata")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_files_source_gates_like_judge_and_sources_defaults_come_from_the_config() {
    let dir = temp_dir("files");
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let fixture = fixtures.join("error-spike.json").display().to_string();
    // The config names the source, its fixture and step: `--source` and `--url` may go.
    let base = std::fs::read_to_string(fixtures.join("canary.yaml")).unwrap();
    let config = dir.join("live.yaml");
    std::fs::write(
        &config,
        format!("{base}\nsources:\n  files:\n    url: {fixture}\n    step: 10s\n"),
    )
    .unwrap();
    let run = |a: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_canary"))
            .args(a)
            .output()
            .unwrap()
    };
    let c = config.display().to_string();
    let gate = run(&[
        "gate",
        "--config",
        &c,
        "--start",
        "1763719200",
        "--end",
        "2025-11-21T10:29:50Z",
        "--format",
        "json",
    ]);
    let judge = run(&[
        "judge",
        "--config",
        &c,
        "--fixture",
        &fixture,
        "--format",
        "json",
    ]);
    assert_eq!(out(&gate).0, out(&judge).0, "{}", out(&gate).1);
    assert_eq!(gate.status.code(), Some(20));
    // Piped stderr: no progress bar, nothing at all beside the JSON.
    assert_eq!(out(&gate).1, "");
    // A setup error: exit 1 and stderr naming what was wrong.
    let refused = |flag: &str, value: &str, wanted: &str| {
        let o = run(&[
            "gate",
            "--config",
            &c,
            "--start",
            "1763719200",
            "--end",
            "1763719800",
            flag,
            value,
        ]);
        assert_eq!(o.status.code(), Some(1));
        assert!(out(&o).1.contains(wanted), "{}", out(&o).1);
    };
    // An option the backend does not know is refused by name, not ignored.
    refused(
        "--option",
        "regoin=eu-west-1",
        "unknown option \"regoin\" for files",
    );
    // A named credential whose variable is unset is an error naming the variable.
    refused(
        "--credential-env",
        "app_key=CANARY_TEST_GATE_UNSET_VARIABLE",
        "CANARY_TEST_GATE_UNSET_VARIABLE",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_config_sources_section_supplies_url_scopes_and_a_token_file() {
    let dir = temp_dir("sources");
    let token_file = dir.join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let server = MockServer::start().await;
    healthy(&server, &[]).await;
    let config = dir.join("canary.yaml");
    let write = |auth_file: &std::path::Path| {
        std::fs::write(
            &config,
            format!(
                "{CONFIG}sources:\n  prometheus:\n    url: {}\n    auth: {{file: {}}}\n    scopes: {{baseline: v1, canary: v2}}\n    step: 1m\n    retries: 0\n",
                server.uri(),
                auth_file.display()
            ),
        )
        .unwrap();
    };
    write(&token_file);
    let c = config.display().to_string();
    let only_window = |extra: &[&str]| -> Vec<String> {
        let mut a = strings(&["gate", "--config", &c, "--start", "1000", "--end", "1540"]);
        a.extend(strings(extra));
        a
    };
    let o = canary(only_window(&["--format", "json"]), false).await;
    let (stdout, stderr) = out(&o);
    assert_eq!(o.status.code(), Some(0), "{stdout}{stderr}");
    for request in server.received_requests().await.unwrap() {
        assert_eq!(
            request.headers.get("authorization").unwrap(),
            format!("Bearer {TOKEN}").as_str()
        );
    }
    // A missing token file: exit 1, the message names the file.
    write(&dir.join("absent-token"));
    let o = canary(only_window(&[]), false).await;
    let (_, stderr) = out(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr.contains("credential: cannot read the file") && stderr.contains("absent-token"),
        "{stderr}"
    );
    // Out-of-range retries are refused.
    write(&token_file);
    let o = canary(only_window(&["--retries", "11"]), false).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out(&o).1.contains("retries: expected at most 10, got 11"),
        "{}",
        out(&o).1
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `canary gate --help` names every backend this build has.
#[test]
fn the_help_names_every_backend() {
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_canary"))
        .args(["gate", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    for backend in canary_sources::BACKENDS {
        assert!(text.contains(backend), "{backend} missing from\n{text}");
    }
}
