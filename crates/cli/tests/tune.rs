//! Integration tests of `canary tune` on the bundled corpus: the trade-off table, the
//! recommendation, JSON determinism, grids, and bad sweeps (exit 1 naming the key).

use serde_json::Value;
use std::process::{Command, Output};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");
const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/canary.yaml");
const LATENCY: &str = "metrics[latency_ms].effect.allowed_increase";

fn tune(extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canary"))
        .args(["tune", "--config", CONFIG])
        .args(extra)
        .output()
        .expect("running the canary binary")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn tune_json(extra: &[&str]) -> (Value, Vec<u8>) {
    let mut args = extra.to_vec();
    args.extend(["--format", "json", CORPUS]);
    let out = tune(&args);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    (value, out.stdout)
}

#[test]
fn the_example_sweep_shows_the_trade_off_and_recommends_the_corpus_setting() {
    let sweep = format!("{LATENCY}=1.0..1.5:0.1");
    let out = tune(&["--sweep", &sweep, CORPUS]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let row = |value: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(value))
            .unwrap_or_else(|| panic!("no row for {value}: {text}"))
            .to_owned()
    };
    assert!(row("1.0 ").contains("7.1 % (1/14)"), "{text}");
    assert!(row("1.1 ").contains("100.0 % (38/38)"), "{text}");
    assert!(row("1.1 ").ends_with("← recommended"), "{text}");
    assert!(row("1.2 ").ends_with("← runner-up"), "{text}");
    assert!(
        text.contains(&format!(
            "Recommended (no missed regressions, then the fewest false rollbacks): {LATENCY} = 1.1:"
        )),
        "{text}"
    );
    assert!(text.contains("Runner-up: "), "{text}");

    let (json, _) = tune_json(&["--sweep", &sweep]);
    assert_eq!(json["sweeps"][0]["key"], LATENCY);
    assert_eq!(
        json["sweeps"][0]["values"],
        serde_json::json!([1.0, 1.1, 1.2, 1.3, 1.4, 1.5])
    );
    let settings = json["settings"].as_array().expect("settings");
    assert_eq!(settings.len(), 6);
    let first = &settings[0];
    assert_eq!(first["values"][LATENCY], 1.0);
    assert_eq!(first["false_rollbacks"], 1);
    assert_eq!(first["false_rollback_rate"], 1.0 / 14.0);
    assert_eq!(first["missed_regression_rate"], 0.0);
    for s in &settings[1..] {
        assert_eq!(
            (s["correct"].as_u64(), s["labelled"].as_u64()),
            (Some(38), Some(38))
        );
        assert_eq!(s["agreement"], 1.0);
    }
    let rec = &json["recommendation"];
    assert_eq!(rec["index"], 1);
    assert_eq!(rec["values"][LATENCY], 1.1);
    assert_eq!(rec["agreement"], 1.0);
    assert_eq!(rec["no_missed_regressions"], true);
    assert_eq!(json["runner_up"]["values"][LATENCY], 1.2);
    assert!(stderr(&out).is_empty(), "no progress bar when piped");
}

#[test]
fn json_is_deterministic_across_runs_and_thread_counts() {
    let sweep = format!("{LATENCY}=1.0..1.3:0.1");
    let (_, a) = tune_json(&["--sweep", &sweep]);
    let (_, b) = tune_json(&["--sweep", &sweep]);
    let (_, c) = tune_json(&["--sweep", &sweep, "--jobs", "1"]);
    assert_eq!(a, b);
    assert_eq!(a, c);
}

#[test]
fn two_sweeps_form_a_grid_first_slowest() {
    let (json, _) = tune_json(&[
        "--sweep",
        &format!("{LATENCY}=1.0..1.1:0.1"),
        "--sweep",
        "score.pass=80..90:10",
    ]);
    let settings = json["settings"].as_array().expect("settings");
    let values: Vec<(f64, f64)> = settings
        .iter()
        .map(|s| {
            (
                s["values"][LATENCY].as_f64().expect("number"),
                s["values"]["score.pass"].as_f64().expect("number"),
            )
        })
        .collect();
    assert_eq!(values, [(1.0, 80.0), (1.0, 90.0), (1.1, 80.0), (1.1, 90.0)]);
    // A pass mark of 90 holds releases a saturation metric cost 15 points (85).
    let pass_80 = &settings[2];
    let pass_90 = &settings[3];
    assert_eq!(pass_80["agreement"], 1.0);
    assert!(pass_90["held"].as_u64() > pass_80["held"].as_u64());
    assert_eq!(json["recommendation"]["index"], 2);
}

#[test]
fn bad_sweeps_exit_1_naming_the_key() {
    let cases: [(&str, &str); 9] = [
        (
            "metrics[latencyms].effect.allowed_increase=1.0..1.5:0.1",
            "--sweep metrics[latencyms].effect.allowed_increase: no metric named \"latencyms\"",
        ),
        (
            "metrics[9].confidence=0.9..0.95:0.01",
            "--sweep metrics[9].confidence: no metrics[9]",
        ),
        (
            "confidnce=0.9..0.95:0.01",
            "--sweep confidnce: unknown field `confidnce`",
        ),
        (
            "confidence=0.9..1.1:0.1",
            "--sweep confidence: 1 makes the config invalid",
        ),
        (
            "confidence=0.9..0.95:0",
            "--sweep confidence: STEP must be positive",
        ),
        (
            "confidence=0.99..0.9:0.01",
            "--sweep confidence: FROM must not exceed TO",
        ),
        (
            "confidence=0..1:0.0001",
            "--sweep confidence: 0..1:0.0001 has more than 1000 values",
        ),
        (
            "confidence=NaN..1:0.1",
            "--sweep confidence: FROM must be a finite number",
        ),
        (
            "confidence=0.9",
            "--sweep \"confidence=0.9\": expected KEY=FROM..TO:STEP",
        ),
    ];
    for (sweep, message) in cases {
        let out = tune(&["--sweep", sweep, CORPUS]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{sweep}: {err}");
        assert!(out.stdout.is_empty(), "{sweep}");
        assert!(err.contains(message), "{sweep}: {err:?} lacks {message:?}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // A grid beyond 10 000 settings.
    let out = tune(&[
        "--sweep",
        "score.pass=0..100:0.2",
        "--sweep",
        "score.marginal=0..50:0.2",
        CORPUS,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("at most 10000"), "{}", stderr(&out));
    // A combination that is invalid although each value alone is fine.
    let out = tune(&[
        "--sweep",
        "score.pass=50..60:10",
        "--sweep",
        "score.marginal=55..55:1",
        CORPUS,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("score.marginal: must not exceed score.pass"),
        "{err}"
    );
    assert!(err.contains("score.pass=50, score.marginal=55"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    // No --sweep.
    assert_eq!(tune(&[CORPUS]).status.code(), Some(2));
    // No paths.
    assert_eq!(
        tune(&["--sweep", "confidence=0.9..0.95:0.05"])
            .status
            .code(),
        Some(2)
    );
}
