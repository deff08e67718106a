//! `canary gate` and `canary record` against a real Prometheus, run by
//! `scripts/test-prometheus.sh`: it backfills the bundled fixtures (converted by
//! `crates/sources/examples/fixture_to_openmetrics.rs`), starts Prometheus on 127.0.0.1
//! and runs this test target by name (it is `test = false`), giving the server's URL in
//! `CANARY_PROMETHEUS_URL` and the converter's output folder in `CANARY_PROMETHEUS_DATA`.
//! Without them the tests fail: they never pass without a server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use canary_judge::{Config, Fixture, MetricKind};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TOKEN: &str = "live-token-7f3a9c-do-not-print";

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run scripts/test-prometheus.sh, which starts Prometheus")
    })
}

struct Row {
    path: PathBuf,
    label: String,
    start: String,
    end: String,
    step: String,
}

fn rows(data: &Path) -> Vec<Row> {
    std::fs::read_to_string(data.join("fixtures.tsv"))
        .unwrap()
        .lines()
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            Row {
                path: PathBuf::from(f[0]),
                label: f[1].to_owned(),
                start: f[2].to_owned(),
                end: f[3].to_owned(),
                step: format!("{}s", f[4]),
            }
        })
        .collect()
}

fn canary(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canary"))
        .args(args)
        .env("CANARY_PROMETHEUS_TOKEN", TOKEN)
        .output()
        .unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn live_args<'a>(config: &'a str, url: &'a str, row: &'a Row, var: &'a str) -> Vec<&'a str> {
    vec![
        "--config",
        config,
        "--source",
        "prometheus",
        "--url",
        url,
        "--start",
        &row.start,
        "--end",
        &row.end,
        "--step",
        &row.step,
        "--baseline-scope",
        "baseline",
        "--canary-scope",
        "canary",
        "--var",
        var,
        "--format",
        "json",
    ]
}

#[test]
fn gate_gives_the_verdict_of_judge_and_record_round_trips() {
    let url = env("CANARY_PROMETHEUS_URL");
    let data = PathBuf::from(env("CANARY_PROMETHEUS_DATA"));
    let config_path = data.join("live.json");
    let config_arg = config_path.display().to_string();
    let config = Config::from_path(&config_path).unwrap();
    let kinds: BTreeSet<&str> = config.metrics.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(kinds.len(), 3, "the config covers every kind: {kinds:?}");
    let rows = rows(&data);
    assert!(rows.len() >= 5, "only {} fixtures converted", rows.len());
    let out_dir = data.join("recorded");
    std::fs::create_dir_all(&out_dir).unwrap();
    let mut verdicts = BTreeSet::new();
    for row in &rows {
        let fixture_arg = row.path.display().to_string();
        let judged = canary(&[
            "judge",
            "--config",
            &config_arg,
            "--fixture",
            &fixture_arg,
            "--format",
            "json",
        ]);
        let var = format!("fixture={}", row.label);
        let mut args = vec!["gate"];
        args.extend(live_args(&config_arg, &url, row, &var));
        let gated = canary(&args);
        let (gate_out, gate_err) = text(&gated);
        assert_eq!(
            gated.status.code(),
            judged.status.code(),
            "{}: {gate_err}",
            row.label
        );
        assert_eq!(
            gate_out,
            text(&judged).0,
            "{}: gate and judge differ",
            row.label
        );
        let report: serde_json::Value = serde_json::from_str(&gate_out).unwrap();
        verdicts.insert(report["verdict"].as_str().unwrap().to_owned());

        // Record, then compare the data and the judgement with the original.
        let out = out_dir.join(format!("{}.json", row.label));
        let out_arg = out.display().to_string();
        let mut args = vec!["record"];
        args.extend(live_args(&config_arg, &url, row, &var));
        args.extend(["-o", &out_arg]);
        let recorded = canary(&args);
        let (rec_out, rec_err) = text(&recorded);
        assert_eq!(recorded.status.code(), Some(0), "{}: {rec_err}", row.label);
        let original = Fixture::from_path(&row.path).unwrap();
        let copy = Fixture::from_path(&out).unwrap();
        assert_eq!(
            copy.metrics, original.metrics,
            "{}: recorded data differ",
            row.label
        );
        let rejudged = canary(&[
            "judge",
            "--config",
            &config_arg,
            "--fixture",
            &out_arg,
            "--format",
            "json",
        ]);
        assert_eq!(text(&rejudged).0, text(&judged).0, "{}", row.label);
        assert_eq!(rejudged.status.code(), judged.status.code());

        // The token went to the server in a header and nowhere else.
        let file = std::fs::read_to_string(&out).unwrap();
        for (what, s) in [
            ("gate stdout", &gate_out),
            ("gate stderr", &gate_err),
            ("record stdout", &rec_out),
            ("record stderr", &rec_err),
            ("fixture", &file),
        ] {
            assert!(
                !s.contains(TOKEN),
                "{}: the token leaked into {what}",
                row.label
            );
        }
        // Written atomically: no temporary file is left beside it.
        let leftovers: Vec<_> = std::fs::read_dir(&out_dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
    // The corpus spans every verdict, so agreement is not agreement on one answer.
    assert_eq!(verdicts.len(), 3, "{verdicts:?}");
}

#[test]
fn a_window_without_data_holds_and_a_failing_query_is_an_error_classification() {
    let url = env("CANARY_PROMETHEUS_URL");
    let data = PathBuf::from(env("CANARY_PROMETHEUS_DATA"));
    let config_arg = data.join("live.json").display().to_string();
    // `now-30m`..`now`: the backfilled data is years old, so every metric is nodata.
    let empty = canary(&[
        "gate",
        "--config",
        &config_arg,
        "--source",
        "prometheus",
        "--url",
        &url,
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
    let mut config = Config::from_path(data.join("live.json")).unwrap();
    let cpu = config
        .metrics
        .iter_mut()
        .find(|m| m.name == "cpu_percent")
        .unwrap();
    assert_eq!(cpu.kind, MetricKind::Continuous);
    cpu.query = Some(
        [(
            "prometheus".to_owned(),
            serde_json::json!("sum(canary_cpu_percent{version=\"${scope}\"}"),
        )]
        .into(),
    );
    let broken = data.join("broken.json");
    std::fs::write(&broken, serde_json::to_string(&config).unwrap()).unwrap();
    let row = rows(&data)
        .into_iter()
        .find(|r| r.label == "aa-gaussian")
        .unwrap();
    let broken_arg = broken.display().to_string();
    let mut args = vec!["gate"];
    args.extend(live_args(&broken_arg, &url, &row, "fixture=aa-gaussian"));
    let gated = canary(&args);
    let (out, err) = text(&gated);
    assert_eq!(gated.status.code(), Some(10), "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let cpu = report["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "cpu_percent")
        .unwrap();
    assert_eq!(cpu["classification"], "error");
    let reason = cpu["reason"].as_str().unwrap();
    assert!(
        reason.contains("HTTP 400") && reason.contains("parse error"),
        "{reason}"
    );
    assert_eq!(report["verdict"], "hold");
}
