//! `canary rollout` and `canary simulate`: exit codes, the JSON schemas, splitting by
//! time, bake, saved state, determinism and bad input.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn canary(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canary"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("running canary")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn steps(kind: &str) -> Vec<String> {
    (1..=5)
        .map(|i| format!("fixtures/plans/{kind}/step-{i}.json"))
        .collect()
}

fn rollout(kind: &str, extra: &[&str]) -> Output {
    let mut args = vec!["rollout", "--plan", "fixtures/plans/canary.yaml"];
    args.extend_from_slice(extra);
    let files = steps(kind);
    args.extend(files.iter().map(String::as_str));
    canary(&args)
}

#[test]
fn a_good_canary_completes_with_exit_0() {
    let out = rollout("good", &["--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["outcome"], "complete");
    assert_eq!(v["status"], "completed");
    assert_eq!(v["exit_code"], 0);
    assert_eq!(v["plan"], "checkout-canary");
    assert_eq!(v["strategy"], "canary");
    assert_eq!(v["steps"].as_array().unwrap().len(), 5);
    assert_eq!(v["sequential"]["method"], "pocock");
    let decisions = v["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 5);
    let actions: Vec<&str> = decisions
        .iter()
        .map(|d| d["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["advance", "advance", "advance", "advance", "complete"]
    );
    let first = &decisions[0];
    for key in [
        "observation",
        "step",
        "weight",
        "action",
        "to_step",
        "to_weight",
        "status",
        "measurement",
        "reasons",
        "counts",
        "progress",
        "sequential",
        "report",
        "source",
    ] {
        assert!(first.get(key).is_some(), "decision lacks {key}: {first}");
    }
    assert_eq!(first["source"], "fixtures/plans/good/step-1.json");
    assert_eq!(first["report"]["verdict"], "promote");
    let t = first["sequential"]["information_fraction"]
        .as_f64()
        .unwrap();
    assert!((t - 10.0 / 210.0).abs() < 1e-12);
    // Deterministic: the same input gives the same bytes.
    assert_eq!(rollout("good", &["--format", "json"]).stdout, out.stdout);
}

#[test]
fn a_bad_canary_rolls_back_at_step_2_with_exit_20() {
    let out = rollout("bad", &[]);
    assert_eq!(out.status.code(), Some(20));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("#2 step 2 (20 %): ROLLBACK"), "{text}");
    assert!(text.contains("3 observation(s) not used"), "{text}");
    let v = json(&rollout("bad", &["--format", "json"]));
    assert_eq!(v["outcome"], "rollback");
    assert_eq!(v["step"], 2);
    assert_eq!(v["decisions"][1]["measurement"], "failed");
}

#[test]
fn a_step_without_data_holds_with_exit_10() {
    let dir = std::env::temp_dir().join(format!("canary-rollout-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.json");
    std::fs::write(
        &empty,
        r#"{"version": 1, "name": "empty", "metrics": {
            "latency_seconds": {"kind": "histogram", "baseline": {"le": ["+Inf"], "counts": [0]}, "canary": {"le": ["+Inf"], "counts": [0]}},
            "errors": {"kind": "counts", "baseline": [], "canary": []}}}"#,
    )
    .unwrap();
    let out = canary(&[
        "rollout",
        "--plan",
        "fixtures/plans/canary.yaml",
        "--format",
        "json",
        empty.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(10));
    let v = json(&out);
    assert_eq!(v["outcome"], "hold");
    assert_eq!(v["status"], "progressing");
    assert!(v["decisions"][0].get("measurement").is_none());
    // A saved state continues where it left off.
    let state = dir.join("state.json");
    let s = state.to_str().unwrap();
    let first = &steps("good")[0];
    let out = canary(&[
        "rollout",
        "--plan",
        "fixtures/plans/canary.yaml",
        "--state",
        s,
        first,
    ]);
    assert_eq!(out.status.code(), Some(0));
    let second = &steps("good")[1];
    let out = canary(&[
        "rollout",
        "--plan",
        "fixtures/plans/canary.yaml",
        "--state",
        s,
        "--format",
        "json",
        second,
    ]);
    let v = json(&out);
    assert_eq!(v["decisions"].as_array().unwrap().len(), 2);
    assert_eq!(v["step"], 3);
    // Another plan with that state is refused.
    let out = canary(&[
        "rollout",
        "--plan",
        "fixtures/plans/bake.yaml",
        "--state",
        s,
        second,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another plan"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bake_splits_one_series_at_the_deploy_and_rolls_back_the_spike() {
    let out = canary(&[
        "rollout",
        "--plan",
        "fixtures/plans/bake.yaml",
        "--deploy-at",
        "1763721000",
        "--split-by-time",
        "--format",
        "json",
        "fixtures/plans/bake-errors.json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(20),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["strategy"], "bake");
    let d = &v["decisions"][1];
    assert_eq!(d["action"], "rollback");
    // Baseline: the 30 pre-deploy minutes of 1,000 requests.
    let errors = &d["report"]["metrics"][0];
    assert_eq!(errors["name"], "errors");
    assert_eq!(errors["evidence"]["baseline"]["n"], 30000.0);
    assert_eq!(errors["evidence"]["canary"]["n"], 20000.0);
}

#[test]
fn bad_rollout_input_exits_1_with_a_message() {
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "rollout",
                "--plan",
                "nowhere.yaml",
                "fixtures/plans/good/step-1.json",
            ],
            "nowhere.yaml",
        ),
        (
            vec![
                "rollout",
                "--plan",
                "fixtures/plans/canary.yaml",
                "--split-by-time",
                "fixtures/plans/good/step-1.json",
            ],
            "histogram",
        ),
        (
            vec![
                "rollout",
                "--plan",
                "fixtures/plans/canary.yaml",
                "--split-by-time",
                "fixtures/plans/good/step-1.json",
                "fixtures/plans/good/step-2.json",
            ],
            "exactly one fixture",
        ),
        (
            vec![
                "rollout",
                "--plan",
                "fixtures/plans/canary.yaml",
                "--deploy-at",
                "5",
                "fixtures/plans/good/step-1.json",
            ],
            "--split-by-time",
        ),
        (
            vec![
                "rollout",
                "--plan",
                "fixtures/plans/canary.yaml",
                "fixtures/plans/good/step-2.json",
                "fixtures/plans/good/step-1.json",
            ],
            "must continue after the previous one",
        ),
        (
            vec![
                "rollout",
                "--plan",
                "fixtures/canary.yaml",
                "fixtures/plans/good/step-1.json",
            ],
            "mode: unknown field `mode`",
        ),
        (
            vec![
                "simulate",
                "--plan",
                "fixtures/plans/canary.yaml",
                "--scenario",
                "chaos",
            ],
            "invalid scenario",
        ),
        (
            vec![
                "simulate",
                "--plan",
                "fixtures/plans/canary.yaml",
                "--scenario",
                "aa",
                "--runs",
                "0",
            ],
            "runs",
        ),
    ];
    for (args, expected) in cases {
        let out = canary(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains(expected),
            "{args:?}: expected {expected:?} in {err}"
        );
    }
}

#[test]
fn simulate_reports_rates_side_by_side_and_is_deterministic() {
    let args = [
        "simulate",
        "--plan",
        "fixtures/plans/canary.yaml",
        "--scenario",
        "aa",
        "--runs",
        "200",
        "--seed",
        "5",
        "--compare",
        "naive",
        "--format",
        "json",
    ];
    let out = canary(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    for key in [
        "runs",
        "promote_rate",
        "hold_rate",
        "rollback_rate",
        "mean_step_of_rollback",
    ] {
        assert!(v.get(key).is_some(), "{key}: {v}");
        assert!(v["naive"].get(key).is_some(), "naive {key}: {v}");
    }
    assert_eq!(v["runs"], 200);
    assert_eq!(v["method"], "pocock");
    assert_eq!(v["naive"]["method"], "naive");
    assert_eq!(
        v["model"]["canary_requests_by_step"],
        serde_json::json!([1000, 2000, 4000, 6000, 8000])
    );
    // One thread or many: the same bytes.
    let mut one = args.to_vec();
    one.extend(["--jobs", "1"]);
    assert_eq!(canary(&one).stdout, out.stdout);
    let text = canary(&args[..args.len() - 2]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("judging") && text.contains("naive"), "{text}");
}

#[test]
fn split_by_time_cuts_one_fixture_into_the_steps() {
    let dir = std::env::temp_dir().join(format!("canary-split-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let plan = dir.join("plan.yaml");
    std::fs::write(
        &plan,
        "version: 1\nsteps: [{weight: 10, min_duration: 10m}, {weight: 50, min_duration: 10m}, {weight: 90}]\nanalysis: {version: 1, metrics: [{name: errors, kind: counts, critical: true}]}\n",
    )
    .unwrap();
    // 30 one-minute intervals; the canary's errors jump in the third step's window.
    let points = |canary: bool| -> Vec<String> {
        (0..30)
            .map(|i| {
                let events = if canary && i >= 20 { 40 } else { 3 };
                format!("[{}, {events}, 1000]", 1_700_000_000 + 60 * i)
            })
            .collect()
    };
    let fixture = dir.join("run.json");
    std::fs::write(
        &fixture,
        format!(
            r#"{{"version": 1, "name": "run", "metrics": {{"errors": {{"kind": "counts", "baseline": [{}], "canary": [{}]}}}}}}"#,
            points(false).join(","),
            points(true).join(",")
        ),
    )
    .unwrap();
    let (p, f) = (plan.to_str().unwrap(), fixture.to_str().unwrap());
    let out = canary(&[
        "rollout",
        "--plan",
        p,
        "--split-by-time",
        "--format",
        "json",
        f,
    ]);
    assert_eq!(
        out.status.code(),
        Some(20),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    let actions: Vec<&str> = v["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["advance", "advance", "rollback"]);
    assert_eq!(v["decisions"][0]["progress"]["elapsed_seconds"], 600.0);
    assert_eq!(
        v["decisions"][2]["report"]["metrics"][0]["evidence"]["canary"]["n"],
        30000.0
    );
    // Step 3 has no min_duration: fine, it takes the rest. Without durations at all,
    // --step-duration is needed.
    std::fs::write(
        &plan,
        "version: 1\nsteps: [{weight: 10}, {weight: 50}]\nanalysis: {version: 1, metrics: [{name: errors, kind: counts}]}\n",
    )
    .unwrap();
    let out = canary(&["rollout", "--plan", p, "--split-by-time", f]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--step-duration"));
    let out = canary(&[
        "rollout",
        "--plan",
        p,
        "--split-by-time",
        "--step-duration",
        "15m",
        "--format",
        "json",
        f,
    ]);
    // 15 quiet minutes, then the rest with the jump.
    assert_eq!(
        out.status.code(),
        Some(20),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["decisions"][0]["action"], "advance");
    assert_eq!(v["decisions"][0]["progress"]["elapsed_seconds"], 900.0);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A rollout paused after an inconclusive step goes on with `--resume` and ends with
/// `--abort REASON` (a rollback, exit 20), both on the saved state.
#[test]
fn a_paused_rollout_resumes_and_aborts_through_the_saved_state() {
    let dir = std::env::temp_dir().join(format!("canary-rollout-resume-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The corpus config calls saturation-up marginal (hold); inconclusive_limit 0 pauses.
    let analysis = root().join("fixtures/canary.yaml");
    let plan_text = std::fs::read_to_string(root().join("fixtures/plans/canary.yaml"))
        .unwrap()
        .replace(", min_samples: 500", "")
        .replace(
            "analysis: analysis.yaml",
            &format!("analysis: {}", analysis.display()),
        );
    let plan = dir.join("plan.yaml");
    std::fs::write(&plan, plan_text).unwrap();
    let (p, state) = (plan.to_str().unwrap(), dir.join("state.json"));
    let s = state.to_str().unwrap();
    let marginal = root().join("fixtures/saturation-up.json");
    let m = marginal.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["rollout", "--plan", p, "--state", s, "--format", "json"];
        args.extend_from_slice(extra);
        canary(&args)
    };
    // --resume and --abort need a saved rollout.
    let out = run(&["--resume", m]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no saved rollout to resume"));
    let out = run(&[m]);
    assert_eq!(json(&out)["status"], "paused");
    // Paused: another fixture is not taken until a person resumes (it stays a hold).
    let out = run(&[m]);
    assert_eq!(out.status.code(), Some(10));
    assert_eq!(json(&out)["decisions"].as_array().unwrap().len(), 1);
    // The next window: the same data an hour later (observations must continue).
    let mut later: Value =
        serde_json::from_str(&std::fs::read_to_string(&marginal).unwrap()).unwrap();
    for metric in later["metrics"].as_object_mut().unwrap().values_mut() {
        for side in ["baseline", "canary"] {
            // Histograms have no timestamps.
            for point in metric[side].as_array_mut().into_iter().flatten() {
                point[0] = (point[0].as_i64().unwrap() + 3600).into();
            }
        }
    }
    let later_path = dir.join("later.json");
    std::fs::write(&later_path, later.to_string()).unwrap();
    let out = run(&["--resume", later_path.to_str().unwrap()]);
    let v = json(&out);
    assert_eq!(v["decisions"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["status"], "paused", "the same marginal data pauses again");
    let out = run(&["--abort", "latency on the EU shard"]);
    assert_eq!(out.status.code(), Some(20));
    let v = json(&out);
    assert_eq!(v["status"], "rolled_back");
    let last = v["decisions"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "rollback");
    assert!(
        last["reasons"]
            .to_string()
            .contains("latency on the EU shard")
    );
    let out = run(&["--resume", m]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("only a paused rollout can be resumed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // --abort takes no fixtures.
    let out = run(&["--abort", "x", m]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}
