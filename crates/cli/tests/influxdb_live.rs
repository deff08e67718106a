//! `canary gate --source influxdb` and `canary record` against a real InfluxDB 1.x, run by
//! `scripts/test-influxdb.sh`: it starts influxd on 127.0.0.1 with authentication on,
//! loads the bundled fixtures (converted by `crates/sources/examples/fixture_to_influx.rs`)
//! and runs this test target by name (it is `test = false`), giving the server's URL in
//! `CANARY_INFLUXDB_URL`, the converter's output folder in `CANARY_INFLUXDB_DATA` and the
//! admin password in `CANARY_INFLUXDB_LIVE_PASSWORD`. Without them the tests fail: they
//! never pass without a server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod live;

use canary_judge::{Config, MetricKind};
use live::{Live, Row, env, text};
use std::path::PathBuf;

const SCRIPT: &str = "scripts/test-influxdb.sh";

/// The server with the admin password as the InfluxDB password (`CANARY_INFLUXDB_TOKEN`,
/// the default place of the source's auth), the user and database as options.
fn live() -> Live {
    Live {
        source: "influxdb",
        url: env("CANARY_INFLUXDB_URL", SCRIPT),
        data: PathBuf::from(env("CANARY_INFLUXDB_DATA", SCRIPT)),
        secret: env("CANARY_INFLUXDB_LIVE_PASSWORD", SCRIPT),
        secret_env: "CANARY_INFLUXDB_TOKEN",
        env_remove: vec!["CANARY_INFLUXDB_USERNAME"],
        extra: ["--option", "database=canary", "--option", "username=canary"]
            .map(str::to_owned)
            .to_vec(),
    }
}

#[test]
fn gate_gives_the_verdict_of_judge_and_record_round_trips() {
    live().check_gate_and_record();
}

#[test]
fn an_empty_window_holds_and_failures_are_error_classifications() {
    let live = live();
    let (data, password) = (&live.data, &live.secret);
    let config_arg = live.config_path();
    let gaussian = live.row("aa-gaussian");

    // A window an hour before the data: every metric is nodata, the verdict holds.
    let early = Row {
        path: gaussian.path.clone(),
        label: gaussian.label.clone(),
        start: (gaussian.start.parse::<i64>().unwrap() - 7200).to_string(),
        end: (gaussian.start.parse::<i64>().unwrap() - 3600).to_string(),
        step: gaussian.step.clone(),
    };
    let empty = live.canary(&live.args("gate", &config_arg, &early, "fixture=aa-gaussian"));
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
    let args = live.args("gate", &config_arg, &gaussian, "fixture=aa-gaussian");
    let denied = live.canary_with(&args, wrong);
    let (out, err) = text(&denied);
    assert_ne!(denied.status.code(), Some(0), "{out}{err}");
    for s in [&out, &err] {
        assert!(!s.contains(wrong) && !s.contains(password.as_str()), "{s}");
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
    let judged = live.judge(&config_arg, &gaussian.path.display().to_string());
    for (rp, same) in [("autogen", true), ("no_such_rp", false)] {
        let option = format!("retention_policy={rp}");
        let mut args = live.args("gate", &config_arg, &gaussian, "fixture=aa-gaussian");
        args.extend(["--option", &option]);
        let gated = live.canary(&args);
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
    let kinds = Config::from_path(live.config_path()).unwrap();
    let cpu = kinds
        .metrics
        .iter()
        .find(|m| m.name == "cpu_percent")
        .unwrap();
    assert_eq!(cpu.kind, MetricKind::Continuous);
    let (_, cpu) = live.gate_with_query(
        &gaussian,
        "cpu_percent",
        serde_json::json!("SELECT mean(\"value\" FROM \"canary_cpu_percent\""),
    );
    assert_eq!(cpu["classification"], "error");
    let reason = cpu["reason"].as_str().unwrap();
    assert!(
        reason.contains("HTTP 400") && reason.contains("error parsing query"),
        "{reason}"
    );
}
