//! `canary gate` and `canary record` against a real Prometheus, run by
//! `scripts/test-prometheus.sh`: it backfills the bundled fixtures (converted by
//! `crates/sources/examples/fixture_to_openmetrics.rs`), starts Prometheus on 127.0.0.1
//! and runs this test target by name (it is `test = false`), giving the server's URL in
//! `CANARY_PROMETHEUS_URL` and the converter's output folder in `CANARY_PROMETHEUS_DATA`.
//! Without them the tests fail: they never pass without a server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod live;

use canary_judge::{Config, MetricKind};
use live::{Live, env, text};
use std::path::PathBuf;

const SCRIPT: &str = "scripts/test-prometheus.sh";
const TOKEN: &str = "live-token-7f3a9c-do-not-print";

fn live() -> Live {
    Live {
        source: "prometheus",
        url: env("CANARY_PROMETHEUS_URL", SCRIPT),
        data: PathBuf::from(env("CANARY_PROMETHEUS_DATA", SCRIPT)),
        secret: TOKEN.to_owned(),
        secret_env: "CANARY_PROMETHEUS_TOKEN",
        env_remove: Vec::new(),
        extra: Vec::new(),
    }
}

#[test]
fn gate_gives_the_verdict_of_judge_and_record_round_trips() {
    live().check_gate_and_record();
}

#[test]
fn a_window_without_data_holds_and_a_failing_query_is_an_error_classification() {
    let live = live();
    let (url, data) = (&live.url, &live.data);
    let config_arg = live.config_path();
    // `now-30m`..`now`: the backfilled data is years old, so every metric is nodata.
    let empty = live.canary(&[
        "gate",
        "--config",
        &config_arg,
        "--source",
        "prometheus",
        "--url",
        url,
        "--start",
        "now-30m",
        "--end",
        "now",
        "--baseline-scope",
        "baseline",
        "--canary-scope",
        "canary",
        "--var",
        "fixture=error-spike",
        "--format",
        "json",
    ]);
    let (out, err) = text(&empty);
    assert_eq!(empty.status.code(), Some(10), "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        report["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["classification"] == "nodata")
    );

    // One metric's query is invalid PromQL: Prometheus answers 400, the metric is
    // `error` with the server's message, and the verdict holds instead of promoting.
    let kinds = Config::from_path(live.config_path()).unwrap();
    let cpu = kinds
        .metrics
        .iter()
        .find(|m| m.name == "cpu_percent")
        .unwrap();
    assert_eq!(cpu.kind, MetricKind::Continuous);
    let row = live.row("aa-gaussian");
    let (_, cpu) = live.gate_with_query(
        &row,
        "cpu_percent",
        serde_json::json!("sum(canary_cpu_percent{version=\"${scope}\"}"),
    );
    assert_eq!(cpu["classification"], "error");
    let reason = cpu["reason"].as_str().unwrap();
    assert!(
        reason.contains("HTTP 400") && reason.contains("parse error"),
        "{reason}"
    );
}
