//! `canary gate --source graphite` and `canary record` against a real graphite-web, run by
//! `scripts/test-graphite.sh`: it writes the bundled fixtures as whisper files (converted
//! by `crates/sources/examples/fixture_to_graphite.rs`), serves graphite-web on 127.0.0.1
//! and runs this test target by name (it is `test = false`), giving the server's URL in
//! `CANARY_GRAPHITE_URL` and the converter's output folder in `CANARY_GRAPHITE_DATA`.
//! Without them the tests fail: they never pass without a server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod live;

use canary_judge::{Config, MetricKind};
use live::{Live, Row, env, text};
use serde_json::{Value, json};
use std::path::PathBuf;

const SCRIPT: &str = "scripts/test-graphite.sh";
/// Sent as a bearer token (graphite-web ignores it); it must never be printed.
const TOKEN: &str = "live-graphite-token-3e8b1d-do-not-print";

fn live() -> Live {
    Live {
        source: "graphite",
        url: env("CANARY_GRAPHITE_URL", SCRIPT),
        data: PathBuf::from(env("CANARY_GRAPHITE_DATA", SCRIPT)),
        secret: TOKEN.to_owned(),
        secret_env: "CANARY_GRAPHITE_TOKEN",
        env_remove: Vec::new(),
        extra: Vec::new(),
    }
}

/// Histograms as tagged series read with
/// `integral(groupByTags(seriesByTag(…), 'sum', 'le'))` (each bucket's `le` tag).
#[test]
fn gate_gives_the_verdict_of_judge_and_record_round_trips() {
    live().check_gate_and_record();
}

/// Histograms as plain series, one `….le_0_25` node per bucket (the bound read from the
/// name).
#[test]
fn with_buckets_named_by_node_too() {
    live().check_gate_and_record_with("live-nodes.json");
}

#[test]
fn an_empty_window_holds_and_failures_never_promote() {
    let live = live();
    let config_arg = live.config_path();
    let gaussian = live.row("aa-gaussian");

    // A window an hour before the data: every metric is nodata, the verdict holds.
    let start: i64 = gaussian.start.parse().unwrap();
    let early = Row {
        path: gaussian.path.clone(),
        label: gaussian.label.clone(),
        start: (start - 7200).to_string(),
        end: (start - 3600).to_string(),
        step: gaussian.step.clone(),
    };
    let empty = live.canary(&live.args("gate", &config_arg, &early, "fixture=aa-gaussian"));
    let (out, err) = text(&empty);
    assert_eq!(empty.status.code(), Some(10), "{out}{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let metrics = report["metrics"].as_array().unwrap();
    assert!(!metrics.is_empty());
    assert!(
        metrics.iter().all(|m| m["classification"] == "nodata"),
        "{out}"
    );

    // A fixture that does not exist on the server: every target returns no series.
    let missing = live.canary(&live.args("gate", &config_arg, &gaussian, "fixture=no-such"));
    let (out, err) = text(&missing);
    assert_eq!(missing.status.code(), Some(10), "{out}{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert!(
        report["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["classification"] == "nodata"),
        "{out}"
    );

    let cpu = Config::from_path(live.config_path())
        .unwrap()
        .metrics
        .into_iter()
        .find(|m| m.name == "cpu_percent")
        .unwrap();
    assert_eq!(cpu.kind, MetricKind::Continuous);

    // One metric's target names a path that does not exist: that metric is nodata.
    let (_, entry) = live.gate_with_query(
        &gaussian,
        "cpu_percent",
        json!("canary.${fixture}.${scope}.no_such_metric"),
    );
    assert_eq!(entry["classification"], "nodata", "{entry}");

    // An unknown function: graphite-web answers 400 with its message; `error`.
    let (_, entry) = live.gate_with_query(
        &gaussian,
        "cpu_percent",
        json!("noSuchFunction(canary.${fixture}.${scope}.cpu_percent)"),
    );
    assert_eq!(entry["classification"], "error", "{entry}");
    let reason = entry["reason"].as_str().unwrap();
    assert!(
        reason.contains("HTTP 400") && reason.contains("unknown function: noSuchFunction"),
        "{reason}"
    );

    // A target graphite-web fails on (an interval it cannot parse): HTTP 500 (retried,
    // as any 5xx), `error`.
    let (_, entry) = live.gate_with_query(
        &gaussian,
        "cpu_percent",
        json!("summarize(canary.${fixture}.${scope}.cpu_percent, \"fortnightly\", \"avg\", false)"),
    );
    assert_eq!(entry["classification"], "error", "{entry}");
    let reason = entry["reason"].as_str().unwrap();
    // The page is HTML around a Python traceback: the reason leads with its exception.
    assert!(
        reason.contains("HTTP 500: KeyError: 'Invalid offset: fortnightly'"),
        "{reason}"
    );

    // A wildcard matching both sides where one series is expected: `error` naming them.
    let (_, entry) = live.gate_with_query(
        &gaussian,
        "cpu_percent",
        json!("canary.${fixture}.*.cpu_percent"),
    );
    assert_eq!(entry["classification"], "error", "{entry}");
    let reason = entry["reason"].as_str().unwrap();
    assert!(
        reason.contains("2 series where one is expected")
            && reason.contains("canary.aa-gaussian.baseline.cpu_percent"),
        "{reason}"
    );

    // A histogram whose buckets cannot be told apart (their last nodes are not bounds).
    let (_, entry) = live.gate_with_query(
        &gaussian,
        "latency_seconds",
        json!("aliasByNode(canary.${fixture}.${scope}.latency_seconds.*, 2)"),
    );
    assert_eq!(entry["classification"], "error", "{entry}");
    let reason = entry["reason"].as_str().unwrap();
    assert!(reason.contains("cannot tell the bucket bound"), "{reason}");
}
