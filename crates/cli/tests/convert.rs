//! `canary convert`: output on stdout or into a folder, notes on stderr, JSON output,
//! and bad arguments.

use std::path::PathBuf;
use std::process::{Command, Output};

fn repo(path: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../")).join(path)
}

fn canary(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canary"))
        .args(args)
        .output()
        .expect("the canary binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("canary-convert-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn sample(name: &str) -> String {
    repo(&format!("fixtures/compat/{name}"))
        .display()
        .to_string()
}

#[test]
fn kayenta_to_stdout_with_notes_on_stderr() {
    let out = canary(&[
        "convert",
        "--from",
        "kayenta",
        &sample("kayenta-canary-config.json"),
        "--kind",
        "errors=counts",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("mode: kayenta"));
    assert!(stdout.contains("# Notes"));
    assert!(!stdout.contains("\n---\n"), "no plan from Kayenta");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("note: metrics[4].analysisConfigurations.canary.muted"));
    canary_judge::Config::from_yaml_str(&stdout).expect("stdout is a config");
}

#[test]
fn output_folder_holds_a_config_that_judges_the_corpus() {
    let dir = scratch("folder");
    let d = dir.display().to_string();
    let out = canary(&[
        "convert",
        "--from",
        "flagger",
        &sample("flagger-canary.yaml"),
        "-o",
        &d,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("wrote"));
    assert!(dir.join("canary.yaml").is_file() && dir.join("plan.yaml").is_file());
    let config = dir.join("canary.yaml").display().to_string();
    let replay = canary(&[
        "replay",
        "--config",
        &config,
        &repo("fixtures").display().to_string(),
        "--format",
        "json",
    ]);
    assert!(
        matches!(replay.status.code(), Some(0 | 3)),
        "{}",
        text(&replay.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&replay.stdout).expect("replay JSON");
    assert_eq!(v["summary"]["total"], 38);
    // A second run refuses to overwrite, unless --force.
    let again = canary(&[
        "convert",
        "--from",
        "flagger",
        &sample("flagger-canary.yaml"),
        "-o",
        &d,
    ]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("already exists"));
    let forced = canary(&[
        "convert",
        "--from",
        "flagger",
        &sample("flagger-canary.yaml"),
        "-o",
        &d,
        "--force",
    ]);
    assert_eq!(forced.status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn argo_json_output_has_config_plan_and_notes() {
    let out = canary(&[
        "convert",
        "--from",
        "argo",
        &sample("argo-analysis-template.yaml"),
        "--kind",
        "errors=counts",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["source"], "argo");
    assert_eq!(v["config"]["metrics"][0]["kind"], "counts");
    assert_eq!(v["plan"]["steps"][0]["weight"], 10.0);
    assert!(v["notes"].as_array().is_some_and(|n| {
        n.iter()
            .any(|n| n["path"] == "spec.metrics[cpu_percent].successCondition")
    }));
    // Deterministic.
    let again = canary(&[
        "convert",
        "--from",
        "argo",
        &sample("argo-analysis-template.yaml"),
        "--kind",
        "errors=counts",
        "--format",
        "json",
    ]);
    assert_eq!(out.stdout, again.stdout);
}

#[test]
fn bad_arguments_and_inputs() {
    let check = |args: &[&str], code: i32, words: &str| {
        let out = canary(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(words),
            "{args:?}: {}",
            text(&out.stderr)
        );
    };
    let k = sample("kayenta-canary-config.json");
    check(
        &["convert", "--from", "kayenta", &k, "--kind", "errors"],
        1,
        "expected NAME=KIND",
    );
    check(
        &["convert", "--from", "kayenta", &k, "--kind", "errors=ratio"],
        1,
        "unknown kind \"ratio\"",
    );
    check(
        &[
            "convert",
            "--from",
            "kayenta",
            &k,
            "--kind",
            "nosuch=counts",
        ],
        1,
        "no metric \"nosuch\"",
    );
    check(&["convert", "--from", "argo", &k], 1, "cannot convert");
    check(&["convert", "--from", "spinnaker", &k], 2, "invalid value");
    check(
        &["convert", "--from", "kayenta", "/nonexistent/x.json"],
        1,
        "cannot read",
    );
}
