//! Integration tests of `canary report` on the outputs of judge, replay and tune (and of
//! the sweep the README walks through): pages written, byte-identical on reruns, and
//! bad input exiting 1 with a message.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");
const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/canary.yaml");
const ERRORS: &str = "metrics[errors].effect.allowed_increase";

fn canary(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canary"))
        .args(args)
        .output()
        .expect("running the canary binary")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A fresh directory under the target dir for this test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("report-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("creating a scratch dir");
    dir
}

fn write_output(out: &Output, path: &Path) -> String {
    std::fs::write(path, &out.stdout).expect("writing the result");
    path.display().to_string()
}

fn report(args: &[&str]) -> String {
    let out = canary(&[&["report"], args].concat());
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    String::from_utf8(out.stdout).expect("UTF-8 HTML")
}

#[test]
fn judge_report_with_the_fixture_is_written_and_deterministic() {
    let dir = scratch("judge");
    let fixture = format!("{CORPUS}/error-spike.json");
    let out = canary(&["judge", "-c", CONFIG, "-f", &fixture, "--format", "json"]);
    assert_eq!(out.status.code(), Some(20));
    let json = write_output(&out, &dir.join("verdict.json"));
    let html_path = dir.join("report.html");
    let html_arg = html_path.display().to_string();
    let out = canary(&["report", &json, "--fixture", &fixture, "-o", &html_arg]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert!(out.stdout.is_empty());
    let written = std::fs::read_to_string(&html_path).expect("the page was written");
    assert!(written.starts_with("<!DOCTYPE html>"));
    assert!(written.contains("class=\"banner rollback\""));
    assert_eq!(written.matches("<svg ").count(), 9);
    // Standard output, and again: the same bytes.
    assert_eq!(report(&[&json, "--fixture", &fixture]), written);
    assert_eq!(report(&[&json, "--fixture", &fixture]), written);
    // `-` reads the result from standard input.
    let mut child = Command::new(env!("CARGO_BIN_EXE_canary"))
        .args(["report", "-", "--fixture", &fixture])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("running the canary binary");
    let verdict = std::fs::read(&json).expect("the verdict");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&verdict)
        .expect("writing stdin");
    let out = child.wait_with_output().expect("waiting");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), written);
}

#[test]
fn replay_report_with_config_explains_misjudged_fixtures() {
    let dir = scratch("replay");
    // A strict errors threshold: one good release rolled back.
    let strict = dir.join("strict.yaml");
    let config = std::fs::read_to_string(CONFIG).expect("config").replace(
        "effect: {measure: rate_ratio, allowed_increase: 1.5}",
        "effect: {measure: rate_ratio, allowed_increase: 1.0}",
    );
    std::fs::write(&strict, config).expect("writing the config");
    let strict = strict.display().to_string();
    let out = canary(&["replay", "-c", &strict, CORPUS, "--format", "json"]);
    assert_eq!(out.status.code(), Some(3), "one disagreement");
    let json = write_output(&out, &dir.join("replay.json"));
    let html = report(&[&json, "--config", &strict]);
    assert!(html.contains("37 of 38 agree"));
    assert!(html.contains("id=\"misjudged\""));
    assert!(html.contains("id=\"detail-"));
    assert!(html.contains("<svg id=\"series-f"));
    let plain = report(&[&json]);
    assert!(!plain.contains("<svg"));
}

#[test]
fn tune_errors_sweep_shows_both_sides_of_the_trade_off() {
    let dir = scratch("tune");
    let sweep = format!("{ERRORS}=1.0..3.0:0.25");
    let out = canary(&[
        "tune", "-c", CONFIG, "--sweep", &sweep, CORPUS, "--format", "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let tune: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let settings = tune["settings"].as_array().expect("settings");
    let at = |v: f64| {
        settings
            .iter()
            .find(|s| s["values"][ERRORS] == v)
            .unwrap_or_else(|| panic!("no setting {v}"))
    };
    // Too strict: a harmless error rise is rolled back.
    assert_eq!(at(1.0)["false_rollbacks"], 1);
    assert_eq!(at(1.0)["missed_regressions"], 0);
    // Too lenient: a regression is promoted.
    assert_eq!(at(3.0)["missed_regressions"], 1);
    assert_eq!(at(3.0)["false_rollbacks"], 0);
    // The recommendation reproduces every corpus label.
    let rec = &tune["recommendation"];
    assert_eq!(rec["values"][ERRORS], 1.25);
    assert_eq!(
        (rec["correct"].as_u64(), rec["labelled"].as_u64()),
        (Some(38), Some(38))
    );
    let json = write_output(&out, &dir.join("tune.json"));
    // The text says how close the runner-up is.
    let text = canary(&["tune", "-c", CONFIG, "--sweep", &sweep, CORPUS]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!(
            "Runner-up: {ERRORS} = 1.50: missed-regression rate 0.0 % (0/17)"
        )),
        "{text}"
    );
    assert!(
        text.contains("Against the recommendation: the same missed regressions, the same false rollbacks, the same labels agreeing."),
        "{text}"
    );
    let html = report(&[&json, "--title", "errors sweep"]);
    assert!(html.contains("<title>errors sweep</title>"));
    assert!(html.contains("<svg id=\"tune-chart-0\""));
    assert!(html.contains("Recommended: metrics[errors].effect.allowed_increase = 1.25"));
    assert_eq!(report(&[&json, "--title", "errors sweep"]), html);
}

#[test]
fn bad_input_exits_1_with_a_message() {
    let dir = scratch("bad");
    let not_json = dir.join("x.json");
    std::fs::write(&not_json, "{\"hello\": 1}").expect("writing");
    let path = not_json.display().to_string();
    let out = canary(&["report", &path]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not the JSON of canary judge"),
        "{}",
        stderr(&out)
    );

    let out = canary(&["report", "/nonexistent/result.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot read /nonexistent/result.json"));

    // --fixture belongs to verdicts.
    let out = canary(&["replay", "-c", CONFIG, CORPUS, "--format", "json"]);
    let replay = write_output(&out, &dir.join("replay.json"));
    let fixture = format!("{CORPUS}/error-spike.json");
    let out = canary(&["report", &replay, "--fixture", &fixture]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--fixture applies to a verdict"),
        "{}",
        stderr(&out)
    );
}
