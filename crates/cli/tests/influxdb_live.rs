//! `canary gate --source influxdb` and `canary record` against a real InfluxDB 1.x, run by
//! `scripts/test-influxdb.sh`: it starts influxd on 127.0.0.1 with authentication on,
//! loads the bundled fixtures (converted by `crates/sources/examples/fixture_to_influx.rs`)
//! and runs this test target by name (it is `test = false`), giving the server's URL in
//! `CANARY_INFLUXDB_URL`, the converter's output folder in `CANARY_INFLUXDB_DATA` and the
//! admin password in `CANARY_INFLUXDB_LIVE_PASSWORD`. Without them the tests fail: they
//! never pass without a server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use canary_judge::{Config, Fixture, MetricKind};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run scripts/test-influxdb.sh, which starts InfluxDB")
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

/// Runs `canary` with `password` as the InfluxDB password (`CANARY_INFLUXDB_TOKEN`, the
/// default place of the source's auth).
fn canary(args: &[&str], password: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canary"))
        .args(args)
        .env("CANARY_INFLUXDB_TOKEN", password)
        .env_remove("CANARY_INFLUXDB_USERNAME")
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
        "influxdb",
        "--url",
        url,
        "--option",
        "database=canary",
        "--option",
        "username=canary",
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

fn judge(config: &str, fixture: &str) -> Output {
    canary(
        &[
            "judge",
            "--config",
            config,
            "--fixture",
            fixture,
            "--format",
            "json",
        ],
        "",
    )
}

#[test]
fn gate_gives_the_verdict_of_judge_and_record_round_trips() {
    let url = env("CANARY_INFLUXDB_URL");
    let data = PathBuf::from(env("CANARY_INFLUXDB_DATA"));
    let password = env("CANARY_INFLUXDB_LIVE_PASSWORD");
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
        let judged = judge(&config_arg, &fixture_arg);
        let var = format!("fixture={}", row.label);
        let mut args = vec!["gate"];
        args.extend(live_args(&config_arg, &url, row, &var));
        let gated = canary(&args, &password);
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
        let recorded = canary(&args, &password);
        let (rec_out, rec_err) = text(&recorded);
        assert_eq!(recorded.status.code(), Some(0), "{}: {rec_err}", row.label);
        let original = Fixture::from_path(&row.path).unwrap();
        let copy = Fixture::from_path(&out).unwrap();
        assert_eq!(
            copy.metrics, original.metrics,
            "{}: recorded data differ",
            row.label
        );
        let rejudged = judge(&config_arg, &out_arg);
        assert_eq!(text(&rejudged).0, text(&judged).0, "{}", row.label);
        assert_eq!(rejudged.status.code(), judged.status.code());

        // The password went to the server in a header and nowhere else.
        let file = std::fs::read_to_string(&out).unwrap();
        for (what, s) in [
            ("gate stdout", &gate_out),
            ("gate stderr", &gate_err),
            ("record stdout", &rec_out),
            ("record stderr", &rec_err),
            ("fixture", &file),
        ] {
            assert!(
                !s.contains(&password),
                "{}: the password leaked into {what}",
                row.label
            );
        }
    }
    // The corpus spans every verdict, so agreement is not agreement on one answer.
    assert_eq!(verdicts.len(), 3, "{verdicts:?}");
}

fn row(data: &Path, label: &str) -> Row {
    rows(data).into_iter().find(|r| r.label == label).unwrap()
}

#[test]
fn an_empty_window_holds_and_failures_are_error_classifications() {
    let url = env("CANARY_INFLUXDB_URL");
    let data = PathBuf::from(env("CANARY_INFLUXDB_DATA"));
    let password = env("CANARY_INFLUXDB_LIVE_PASSWORD");
    let config_arg = data.join("live.json").display().to_string();
    let gaussian = row(&data, "aa-gaussian");

    // A window an hour before the data: every metric is nodata, the verdict holds.
    let early = Row {
        path: gaussian.path.clone(),
        label: gaussian.label.clone(),
        start: (gaussian.start.parse::<i64>().unwrap() - 7200).to_string(),
        end: (gaussian.start.parse::<i64>().unwrap() - 3600).to_string(),
        step: gaussian.step.clone(),
    };
    let mut args = vec!["gate"];
    args.extend(live_args(&config_arg, &url, &early, "fixture=aa-gaussian"));
    let empty = canary(&args, &password);
    let (out, err) = text(&empty);
    assert_eq!(empty.status.code(), Some(10), "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let metrics = report["metrics"].as_array().unwrap();
    assert!(
        metrics.iter().all(|m| m["classification"] == "nodata"),
        "{out}"
    );

    // A wrong password: InfluxDB answers 401 for every metric; all are `error`, the
    // verdict is not promote, and neither password appears anywhere.
    let wrong = "wrong-password-5c1d9e";
    let mut args = vec!["gate"];
    args.extend(live_args(
        &config_arg,
        &url,
        &gaussian,
        "fixture=aa-gaussian",
    ));
    let denied = canary(&args, wrong);
    let (out, err) = text(&denied);
    assert_ne!(denied.status.code(), Some(0), "{out}{err}");
    for s in [&out, &err] {
        assert!(!s.contains(wrong) && !s.contains(&password), "{s}");
    }
    if let Ok(report) = serde_json::from_str::<serde_json::Value>(&out) {
        assert_ne!(report["verdict"], "promote");
        for m in report["metrics"].as_array().unwrap() {
            assert_eq!(m["classification"], "error", "{m}");
            assert!(m["reason"].as_str().unwrap().contains("HTTP 401"), "{m}");
        }
    } else {
        assert!(err.contains("HTTP 401"), "{err}");
    }

    // The retention policy goes to the server as `rp`: the default one (`autogen`)
    // serves the same data; one that does not exist is an error for every metric.
    let judged = judge(&config_arg, &gaussian.path.display().to_string());
    for (rp, same) in [("autogen", true), ("no_such_rp", false)] {
        let option = format!("retention_policy={rp}");
        let mut args = vec!["gate"];
        args.extend(live_args(
            &config_arg,
            &url,
            &gaussian,
            "fixture=aa-gaussian",
        ));
        args.extend(["--option", &option]);
        let gated = canary(&args, &password);
        let (out, err) = text(&gated);
        if same {
            assert_eq!(gated.status.code(), judged.status.code(), "{err}");
            assert_eq!(out, text(&judged).0);
        } else {
            assert_ne!(gated.status.code(), Some(0), "{out}{err}");
            assert!(
                format!("{out}{err}").contains("retention policy not found"),
                "{out}{err}"
            );
        }
    }

    // One metric's query is invalid InfluxQL: InfluxDB answers 400 with its parser's
    // message, that metric is `error`, and the verdict holds instead of promoting.
    let mut config = Config::from_path(data.join("live.json")).unwrap();
    let cpu = config
        .metrics
        .iter_mut()
        .find(|m| m.name == "cpu_percent")
        .unwrap();
    assert_eq!(cpu.kind, MetricKind::Continuous);
    cpu.query = Some(
        [(
            "influxdb".to_owned(),
            serde_json::json!("SELECT mean(\"value\" FROM \"canary_cpu_percent\""),
        )]
        .into(),
    );
    let broken = data.join("broken.json");
    std::fs::write(&broken, serde_json::to_string(&config).unwrap()).unwrap();
    let broken_arg = broken.display().to_string();
    let mut args = vec!["gate"];
    args.extend(live_args(
        &broken_arg,
        &url,
        &gaussian,
        "fixture=aa-gaussian",
    ));
    let gated = canary(&args, &password);
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
        reason.contains("HTTP 400") && reason.contains("error parsing query"),
        "{reason}"
    );
    assert_eq!(report["verdict"], "hold");
}
