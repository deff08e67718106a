//! Integration tests of the `canary` binary: verdict exit codes, the JSON schemas of
//! `judge` and `replay`, determinism, and the bad-input suite (every bad input exits 1
//! with a message naming the file and the key path, and never panics).

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// A scratch folder under the system temp dir, unique per test, removed on drop.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(test: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("canary-cli-test-{}-{test}-{n}", std::process::id()));
        // A leftover from a crashed earlier run with the same pid would confuse the test.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("creating the scratch folder");
        Scratch { dir }
    }

    /// Writes `contents` to `name` (which may contain sub-folders) and returns its path.
    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("creating a sub-folder");
        }
        std::fs::write(&path, contents).expect("writing a test input");
        path
    }

    /// Writes a JSON value (pretty-printed) and returns its path.
    fn write_json(&self, name: &str, value: &Value) -> PathBuf {
        let text = serde_json::to_string_pretty(value).expect("serialising a test input");
        self.write(name, &text)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs the `canary` binary with `args`.
fn canary<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_canary"))
        .args(args)
        .output()
        .expect("running the canary binary")
}

/// `canary judge --config C --fixture F [extra...]`.
fn judge(config: &Path, fixture: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "judge".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
        "--fixture".as_ref(),
        fixture.as_os_str(),
    ];
    args.extend(extra.iter().map(|a| std::ffi::OsStr::new(*a)));
    canary(args)
}

/// `canary judge ... --format json`, parsed; the exit code is returned alongside.
fn judge_json(config: &Path, fixture: &Path) -> (i32, Value) {
    let out = judge(config, fixture, &["--format", "json"]);
    let code = out.status.code().expect("the binary exited normally");
    let value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stdout: {} stderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, value)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn code(out: &Output) -> i32 {
    out.status
        .code()
        .expect("the binary exited normally (not by a signal)")
}

/// Asserts a bad-input failure: exit code 1, nothing on stdout, no panic, and every
/// `needle` in stderr. Returns stderr for further checks.
#[track_caller]
fn assert_bad_input(out: &Output, needles: &[&str]) -> String {
    let err = stderr(out);
    assert_eq!(code(out), 1, "expected exit code 1; stderr: {err}");
    assert!(!err.contains("panicked"), "the binary panicked: {err}");
    assert!(
        out.stdout.is_empty(),
        "stdout should be empty on error, got {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        err.starts_with("error: "),
        "stderr should start with `error: `: {err}"
    );
    for needle in needles {
        assert!(
            err.contains(needle),
            "stderr should mention {needle:?}: {err}"
        );
    }
    err
}

/// The file name of `path`, as the error messages show it (they show the path as given;
/// the name is a stable substring of it).
fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("a file path")
        .to_string_lossy()
        .into_owned()
}

/// `n` count intervals of `[t, events, total]`, one minute apart.
fn counts(n: usize, events: u64, total: u64) -> Value {
    Value::Array(
        (0..n)
            .map(|i| json!([1_763_719_200 + 60 * i as i64, events, total]))
            .collect(),
    )
}

/// `n` continuous points one minute apart, values from `value(i)`.
fn points(n: usize, value: impl Fn(usize) -> f64) -> Value {
    Value::Array(
        (0..n)
            .map(|i| json!([1_763_719_200 + 60 * i as i64, value(i)]))
            .collect(),
    )
}

/// A version-1 fixture.
fn fixture(name: &str, expected: Option<&str>, metrics: Value) -> Value {
    let mut f = json!({"version": 1, "name": name, "metrics": metrics});
    if let Some(e) = expected {
        f["expected"] = json!(e);
    }
    f
}

/// A config with one critical counts metric `errors` and one continuous `latency_ms`.
const CONFIG_YAML: &str = "\
version: 1
confidence: 0.95
score: {pass: 75, marginal: 50}
groups: {errors: 50, latency: 50}
metrics:
  - name: errors
    group: errors
    kind: counts
    critical: true
  - name: latency_ms
    group: latency
    kind: continuous
    effect: {measure: hl_ratio, allowed_increase: 1.1}
";

/// The same config as TOML.
const CONFIG_TOML: &str = r#"
version = 1
confidence = 0.95
score = { pass = 75, marginal = 50 }
groups = { errors = 50, latency = 50 }

[[metrics]]
name = "errors"
group = "errors"
kind = "counts"
critical = true

[[metrics]]
name = "latency_ms"
group = "latency"
kind = "continuous"
effect = { measure = "hl_ratio", allowed_increase = 1.1 }
"#;

/// The same config as JSON.
fn config_json() -> Value {
    json!({
        "version": 1,
        "confidence": 0.95,
        "score": {"pass": 75, "marginal": 50},
        "groups": {"errors": 50, "latency": 50},
        "metrics": [
            {"name": "errors", "group": "errors", "kind": "counts", "critical": true},
            {"name": "latency_ms", "group": "latency", "kind": "continuous",
             "effect": {"measure": "hl_ratio", "allowed_increase": 1.1}}
        ]
    })
}

/// A small config with only the critical counts metric `errors`.
const ERRORS_ONLY_YAML: &str = "\
version: 1
groups: {errors: 100}
metrics:
  - name: errors
    group: errors
    kind: counts
    critical: true
";

/// Latency values with some spread, the same multiset for any permutation seed.
fn latency(i: usize, seed: usize) -> f64 {
    100.0 + ((i * (2 * seed + 5)) % 29) as f64
}

/// A/A: identical distributions on both sides → promote.
fn aa_fixture() -> Value {
    fixture(
        "a-a",
        Some("promote"),
        json!({
            "errors": {"kind": "counts", "baseline": counts(10, 3, 1000), "canary": counts(10, 3, 1000)},
            "latency_ms": {"baseline": points(29, |i| latency(i, 0)), "canary": points(29, |i| latency(i, 1))},
        }),
    )
}

/// Error rate 0.3 % → 3 % on a critical metric → rollback.
fn error_spike_fixture() -> Value {
    fixture(
        "error-spike",
        Some("rollback"),
        json!({
            "errors": {"kind": "counts", "baseline": counts(10, 3, 1000), "canary": counts(10, 30, 1000)},
            "latency_ms": {"baseline": points(29, |i| latency(i, 0)), "canary": points(29, |i| latency(i, 1))},
        }),
    )
}

/// No canary data for the only metric → hold.
fn no_canary_fixture() -> Value {
    fixture(
        "no-canary",
        Some("hold"),
        json!({"errors": {"kind": "counts", "baseline": counts(10, 3, 1000), "canary": []}}),
    )
}

// ---------------------------------------------------------------------------------------
// Verdicts and exit codes
// ---------------------------------------------------------------------------------------

#[test]
fn exit_code_promote_for_a_a() {
    let s = Scratch::new("promote");
    let config = s.write("canary.yaml", CONFIG_YAML);
    let fixture = s.write_json("aa.json", &aa_fixture());
    let out = judge(&config, &fixture, &[]);
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("verdict: promote"), "{text}");
}

#[test]
fn exit_code_rollback_for_a_critical_error_spike() {
    let s = Scratch::new("rollback");
    let config = s.write("canary.yaml", CONFIG_YAML);
    let fixture = s.write_json("spike.json", &error_spike_fixture());
    let out = judge(&config, &fixture, &[]);
    assert_eq!(code(&out), 20, "stderr: {}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("verdict: rollback"), "{text}");
}

#[test]
fn exit_code_hold_for_an_empty_canary_series() {
    let s = Scratch::new("hold");
    let config = s.write("canary.yaml", ERRORS_ONLY_YAML);
    let fixture = s.write_json("nocanary.json", &no_canary_fixture());
    let out = judge(&config, &fixture, &[]);
    assert_eq!(code(&out), 10, "stderr: {}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("verdict: hold"), "{text}");
}

#[test]
fn judge_json_has_the_designed_schema() {
    let s = Scratch::new("judge-json");
    let config = s.write("canary.yaml", CONFIG_YAML);
    let fixture = s.write_json("spike.json", &error_spike_fixture());
    let (code, report) = judge_json(&config, &fixture);
    assert_eq!(code, 20);
    assert_eq!(report["verdict"], "rollback");
    assert!(report["score"].is_number(), "{report}");
    let reasons = report["reasons"].as_array().unwrap();
    assert!(
        !reasons.is_empty() && reasons.iter().all(Value::is_string),
        "{report}"
    );

    let groups = report["groups"].as_array().unwrap();
    let mut names: Vec<&str> = groups.iter().map(|g| g["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(names, ["errors", "latency"]);
    for g in groups {
        assert!(g["score"].is_number() && g["weight"].is_number(), "{g}");
    }

    let metrics = report["metrics"].as_array().unwrap();
    assert_eq!(metrics.len(), 2);
    for m in metrics {
        assert!(m["name"].is_string(), "{m}");
        assert!(m["group"].is_string(), "{m}");
        assert!(m["classification"].is_string(), "{m}");
        assert!(m["critical"].is_boolean(), "{m}");
        assert!(m["reason"].as_str().is_some_and(|r| !r.is_empty()), "{m}");
        assert!(m["evidence"].is_object(), "{m}");
    }
    // Metrics come in config order.
    let errors = &metrics[0];
    assert_eq!(errors["name"], "errors");
    assert_eq!(errors["group"], "errors");
    assert_eq!(errors["classification"], "high");
    assert_eq!(errors["critical"], true);
    assert_eq!(errors["evidence"]["test"], "rate");
    assert!(errors["evidence"]["p_value"].as_f64().unwrap() < 1e-6);
    let ci = errors["evidence"]["ci"].as_array().unwrap();
    assert_eq!(ci.len(), 2);
    assert!(
        ci[0].as_f64().unwrap() > 1.0,
        "the CI of a 10× rate excludes 1: {ci:?}"
    );
    assert_eq!(metrics[1]["name"], "latency_ms");
    assert_eq!(metrics[1]["classification"], "pass");
}

#[test]
fn judge_json_is_byte_identical_across_runs() {
    let s = Scratch::new("determinism");
    let config = s.write("canary.yaml", CONFIG_YAML);
    let fixture = s.write_json("spike.json", &error_spike_fixture());
    let first = judge(&config, &fixture, &["--format", "json"]);
    let second = judge(&config, &fixture, &["--format", "json"]);
    assert_eq!(code(&first), 20);
    assert!(!first.stdout.is_empty());
    assert_eq!(
        first.stdout, second.stdout,
        "judge JSON output differs between runs"
    );
}

#[test]
fn yaml_toml_and_json_configs_give_the_same_report() {
    let s = Scratch::new("formats");
    let yaml = s.write("canary.yaml", CONFIG_YAML);
    let toml = s.write("canary.toml", CONFIG_TOML);
    let json = s.write_json("canary.json", &config_json());
    for (fixture_value, expected_code) in [(error_spike_fixture(), 20), (aa_fixture(), 0)] {
        let fixture = s.write_json("f.json", &fixture_value);
        let outputs: Vec<Output> = [&yaml, &toml, &json]
            .iter()
            .map(|c| judge(c, &fixture, &["--format", "json"]))
            .collect();
        for out in &outputs {
            assert_eq!(code(out), expected_code, "stderr: {}", stderr(out));
        }
        assert_eq!(
            outputs[0].stdout, outputs[1].stdout,
            "YAML and TOML configs differ"
        );
        assert_eq!(
            outputs[0].stdout, outputs[2].stdout,
            "YAML and JSON configs differ"
        );
    }
}

#[test]
fn csv_fixture_is_judged() {
    let s = Scratch::new("csv");
    let config = s.write(
        "cpu.yaml",
        "version: 1\nmetrics:\n  - {name: cpu, kind: continuous}\n",
    );
    let mut csv = String::from("timestamp,metric,side,value\n");
    // Rows in any order; one missing canary value.
    for i in (0..20).rev() {
        let t = 1_763_719_200 + 60 * i;
        csv.push_str(&format!("{t},cpu,baseline,{}\n", latency(i as usize, 0)));
        let canary = if i == 7 {
            String::new()
        } else {
            latency(i as usize, 2).to_string()
        };
        csv.push_str(&format!("{t},cpu,canary,{canary}\n"));
    }
    let fixture = s.write("cpu-run.csv", &csv);
    let (code, report) = judge_json(&config, &fixture);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["verdict"], "promote");
    assert_eq!(report["metrics"][0]["name"], "cpu");
}

// ---------------------------------------------------------------------------------------
// Replay
// ---------------------------------------------------------------------------------------

/// Writes a labelled corpus whose files are created out of name order.
fn write_corpus(s: &Scratch) -> PathBuf {
    s.write_json("corpus/c-spike.json", &error_spike_fixture());
    s.write_json("corpus/a-aa.json", &aa_fixture());
    let mut hold = no_canary_fixture();
    hold["metrics"]["latency_ms"] =
        json!({"baseline": points(29, |i| latency(i, 0)), "canary": []});
    s.write_json("corpus/b-hold.json", &hold);
    s.write("corpus/README.md", "not a fixture\n");
    s.path("corpus")
}

fn replay(config: &Path, paths: &[&Path], extra: &[&str]) -> Output {
    let mut args: Vec<&std::ffi::OsStr> =
        vec!["replay".as_ref(), "--config".as_ref(), config.as_os_str()];
    args.extend(paths.iter().map(|p| p.as_os_str()));
    args.extend(extra.iter().map(|a| std::ffi::OsStr::new(*a)));
    canary(args)
}

#[test]
fn replay_json_schema_and_stable_order() {
    let s = Scratch::new("replay");
    let config = s.write("canary.yaml", CONFIG_YAML);
    let corpus = write_corpus(&s);
    let one = replay(&config, &[&corpus], &["--format", "json", "--jobs", "1"]);
    let two = replay(&config, &[&corpus], &["--format", "json", "--jobs", "2"]);
    assert_eq!(code(&one), 0, "stderr: {}", stderr(&one));
    assert_eq!(code(&two), 0, "stderr: {}", stderr(&two));
    assert_eq!(one.stdout, two.stdout, "replay output depends on --jobs");

    let value: Value = serde_json::from_slice(&one.stdout).unwrap();
    let results = value["results"].as_array().unwrap();
    let paths: Vec<&str> = results
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 3, "README.md is not a fixture: {paths:?}");
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    assert_eq!(paths, sorted, "results are in sorted path order");
    assert!(
        paths[0].ends_with("a-aa.json") && paths[2].ends_with("c-spike.json"),
        "{paths:?}"
    );
    for r in results {
        assert!(r["name"].is_string() && r["score"].is_number(), "{r}");
        assert_eq!(r["expected"], r["verdict"], "{r}");
    }
    let verdicts: Vec<&str> = results
        .iter()
        .map(|r| r["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["promote", "hold", "rollback"]);

    let summary = &value["summary"];
    assert_eq!(summary["total"], 3);
    assert_eq!(summary["correct"], 3);
    for label in ["promote", "hold", "rollback"] {
        assert_eq!(summary["confusion"][label][label], 1, "{summary}");
    }
}

#[test]
fn replay_text_output_has_no_progress_bar_when_piped() {
    let s = Scratch::new("replay-text");
    let config = s.write("canary.yaml", CONFIG_YAML);
    let corpus = write_corpus(&s);
    let out = replay(&config, &[&corpus], &[]);
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("3 fixtures, 3 labelled, 3 agree"), "{text}");
    // No progress bar when piped.
    assert!(stderr(&out).is_empty(), "stderr: {}", stderr(&out));
}

#[test]
fn replay_exits_3_when_a_verdict_disagrees_with_its_label() {
    let s = Scratch::new("replay-disagree");
    let config = s.write("canary.yaml", CONFIG_YAML);
    let mut wrong = error_spike_fixture();
    wrong["expected"] = json!("promote");
    let wrong = s.write_json("wrong.json", &wrong);
    let right = s.write_json("right.json", &aa_fixture());
    let out = replay(&config, &[&wrong, &right], &["--format", "json"]);
    assert_eq!(code(&out), 3, "stderr: {}", stderr(&out));
    let value: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["summary"]["total"], 2);
    assert_eq!(value["summary"]["correct"], 1);
    assert_eq!(value["summary"]["confusion"]["promote"]["rollback"], 1);
    assert_eq!(value["summary"]["confusion"]["promote"]["promote"], 1);
}

#[test]
fn replay_with_a_bad_fixture_names_it() {
    let s = Scratch::new("replay-bad");
    let config = s.write("canary.yaml", CONFIG_YAML);
    let good = s.write_json("good.json", &aa_fixture());
    let bad = s.write("broken.json", "{\"version\": 1,");
    let out = replay(&config, &[&good, &bad], &["--format", "json"]);
    assert_bad_input(&out, &["broken.json", "malformed JSON"]);
}

#[test]
fn replay_of_a_missing_path_is_an_error() {
    let s = Scratch::new("replay-missing");
    let config = s.write("canary.yaml", CONFIG_YAML);
    let out = replay(&config, &[&s.path("nowhere")], &[]);
    assert_bad_input(&out, &["nowhere"]);
}

// ---------------------------------------------------------------------------------------
// Usage
// ---------------------------------------------------------------------------------------

#[test]
fn help_exits_0() {
    for args in [&["--help"][..], &["judge", "--help"], &["replay", "--help"]] {
        let out = canary(args);
        assert_eq!(code(&out), 0, "{args:?}");
        assert!(
            String::from_utf8(out.stdout).unwrap().contains("Usage"),
            "{args:?}"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    let s = Scratch::new("usage");
    let config = s.write("canary.yaml", CONFIG_YAML);
    let fixture = s.write_json("aa.json", &aa_fixture());
    let config = config.to_str().unwrap();
    let fixture = fixture.to_str().unwrap();
    let cases: [&[&str]; 5] = [
        &["judge", "--config", config, "--fixture", fixture, "--bogus"],
        &["judge", "--config", config],
        &[
            "judge",
            "--config",
            config,
            "--fixture",
            fixture,
            "--format",
            "xml",
        ],
        &["replay", "--config", config],
        &["frobnicate"],
    ];
    for args in cases {
        let out = canary(args);
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    assert_eq!(code(&canary::<[&str; 0], &str>([])), 2, "no subcommand");
}

// ---------------------------------------------------------------------------------------
// Bad input: exit 1, no panic, the file and the key path named
// ---------------------------------------------------------------------------------------

/// Judges `fixture` with a config from `config_yaml`, both written under `s`.
fn judge_yaml(s: &Scratch, config_yaml: &str, fixture_value: &Value) -> (Output, PathBuf, PathBuf) {
    let config = s.write("bad-config.yaml", config_yaml);
    let fixture = s.write_json("fixture.json", fixture_value);
    (judge(&config, &fixture, &[]), config, fixture)
}

/// `ERRORS_ONLY_YAML` with one extra line appended to its (only) metric.
fn errors_config_with(extra: &str) -> String {
    format!("{ERRORS_ONLY_YAML}{extra}\n")
}

#[test]
fn bad_malformed_json_fixture() {
    let s = Scratch::new("bad-json");
    let config = s.write("canary.yaml", CONFIG_YAML);
    let fixture = s.write(
        "torn.json",
        "{\"version\": 1, \"name\": \"x\", \"metrics\": {",
    );
    let out = judge(&config, &fixture, &[]);
    // A syntax error has no key path; the message gives the position instead.
    assert_bad_input(&out, &["torn.json", "malformed JSON", "line 1 column"]);
}

#[test]
fn bad_malformed_yaml_config() {
    let s = Scratch::new("bad-yaml");
    let (out, config, _) = judge_yaml(&s, "version: 1\nmetrics: [\n  - name: x\n", &aa_fixture());
    assert_bad_input(&out, &[&file_name(&config), "line 3 column"]);
}

#[test]
fn bad_malformed_toml_config() {
    let s = Scratch::new("bad-toml");
    let config = s.write("broken.toml", "version = 1\nmetrics = [\n");
    let fixture = s.write_json("aa.json", &aa_fixture());
    assert_bad_input(&judge(&config, &fixture, &[]), &["broken.toml", "line 2"]);
}

#[test]
fn bad_wrong_type_confidence_string() {
    let s = Scratch::new("bad-type-conf");
    let (out, config, _) = judge_yaml(
        &s,
        &errors_config_with("    confidence: \"high\""),
        &aa_fixture(),
    );
    assert_bad_input(
        &out,
        &[&file_name(&config), "metrics[0].confidence", "expected f64"],
    );
}

#[test]
fn bad_wrong_type_negative_min_samples() {
    let s = Scratch::new("bad-type-min");
    let (out, config, _) = judge_yaml(
        &s,
        &errors_config_with("    min_samples: -3"),
        &aa_fixture(),
    );
    assert_bad_input(&out, &[&file_name(&config), "metrics[0].min_samples", "-3"]);
}

#[test]
fn bad_wrong_type_in_toml_and_json_configs() {
    let s = Scratch::new("bad-type-formats");
    let fixture = s.write_json("aa.json", &aa_fixture());
    let toml = s.write(
        "wrong.toml",
        "version = 1\n[[metrics]]\nname = \"errors\"\nkind = \"counts\"\nconfidence = \"high\"\n",
    );
    assert_bad_input(
        &judge(&toml, &fixture, &[]),
        &["wrong.toml", "metrics[0].confidence"],
    );
    let json = s.write_json(
        "wrong.json",
        &json!({"version": 1, "metrics": [{"name": "errors", "kind": "counts", "confidence": "high"}]}),
    );
    assert_bad_input(
        &judge(&json, &fixture, &[]),
        &["wrong.json", "metrics[0].confidence"],
    );
}

#[test]
fn bad_unknown_key_in_config_top_level() {
    let s = Scratch::new("bad-unknown-top");
    let (out, config, _) = judge_yaml(
        &s,
        &format!("{ERRORS_ONLY_YAML}thresholdz: 3\n"),
        &aa_fixture(),
    );
    assert_bad_input(&out, &[&file_name(&config), "thresholdz", "unknown field"]);
}

#[test]
fn bad_unknown_key_in_config_metric() {
    let s = Scratch::new("bad-unknown-metric");
    let (out, config, _) = judge_yaml(&s, &errors_config_with("    thresholdz: 3"), &aa_fixture());
    assert_bad_input(
        &out,
        &[
            &file_name(&config),
            "metrics[0].thresholdz",
            "unknown field",
        ],
    );
}

#[test]
fn bad_unknown_key_in_config_effect() {
    let s = Scratch::new("bad-unknown-effect");
    let (out, config, _) = judge_yaml(
        &s,
        &errors_config_with("    effect: {allowed_increse: 2}"),
        &aa_fixture(),
    );
    assert_bad_input(
        &out,
        &[&file_name(&config), "metrics[0].effect.allowed_increse"],
    );
}

#[test]
fn bad_unknown_key_in_fixture() {
    let s = Scratch::new("bad-unknown-fixture");
    let config = s.write("canary.yaml", ERRORS_ONLY_YAML);
    let mut top = no_canary_fixture();
    top["colour"] = json!("red");
    let top = s.write_json("top.json", &top);
    assert_bad_input(
        &judge(&config, &top, &[]),
        &["top.json", "colour", "unknown key"],
    );

    let mut inner = no_canary_fixture();
    inner["metrics"]["errors"]["extra"] = json!(1);
    let inner = s.write_json("inner.json", &inner);
    assert_bad_input(
        &judge(&config, &inner, &[]),
        &["inner.json", "metrics.errors.extra", "unknown key"],
    );
}

#[test]
fn bad_wrong_type_in_fixture() {
    let s = Scratch::new("bad-type-fixture");
    let config = s.write(
        "canary.yaml",
        "version: 1\nmetrics:\n  - {name: latency_ms}\n",
    );
    let mut f = aa_fixture();
    f["metrics"]["latency_ms"]["canary"][2][1] = json!("fast");
    let f = s.write_json("typed.json", &f);
    assert_bad_input(
        &judge(&config, &f, &[]),
        &["typed.json", "metrics.latency_ms.canary[2][1]"],
    );
}

#[test]
fn bad_negative_threshold() {
    let s = Scratch::new("bad-negative-threshold");
    let (out, config, _) = judge_yaml(
        &s,
        &errors_config_with("    effect: {allowed_increase: -1}"),
        &aa_fixture(),
    );
    assert_bad_input(
        &out,
        &[
            &file_name(&config),
            "metrics[0].effect.allowed_increase",
            "-1",
        ],
    );
}

#[test]
fn bad_nan_thresholds() {
    let s = Scratch::new("bad-nan");
    let (out, config, _) = judge_yaml(
        &s,
        &errors_config_with("    effect: {allowed_increase: .nan}"),
        &aa_fixture(),
    );
    assert_bad_input(
        &out,
        &[
            &file_name(&config),
            "metrics[0].effect.allowed_increase",
            "NaN",
        ],
    );

    let (out, config, _) = judge_yaml(
        &s,
        &errors_config_with("    gate: {stat: rate, max: .nan}"),
        &aa_fixture(),
    );
    assert_bad_input(&out, &[&file_name(&config), "metrics[0].gate.max", "NaN"]);

    let nan_confidence = ERRORS_ONLY_YAML.replace("version: 1\n", "version: 1\nconfidence: .nan\n");
    let (out, config, _) = judge_yaml(&s, &nan_confidence, &aa_fixture());
    assert_bad_input(&out, &[&file_name(&config), "confidence: expected", "NaN"]);
}

#[test]
fn bad_config_reports_every_problem() {
    let s = Scratch::new("bad-many");
    let yaml = format!(
        "{ERRORS_ONLY_YAML}    effect: {{allowed_increase: -1}}\n    gate: {{stat: rate, max: .nan}}\n"
    );
    let (out, _, _) = judge_yaml(&s, &yaml, &aa_fixture());
    assert_bad_input(
        &out,
        &["metrics[0].effect.allowed_increase", "metrics[0].gate.max"],
    );
}

#[test]
fn bad_config_metric_missing_from_fixture() {
    let s = Scratch::new("bad-missing-metric");
    let config = s.write("canary.yaml", CONFIG_YAML);
    let fixture = s.write_json("only-errors.json", &no_canary_fixture());
    assert_bad_input(
        &judge(&config, &fixture, &[]),
        &[
            "only-errors.json",
            "canary.yaml",
            "latency_ms",
            "metrics[1]",
        ],
    );
}

#[test]
fn bad_negative_counts() {
    let s = Scratch::new("bad-negative-counts");
    let config = s.write("canary.yaml", ERRORS_ONLY_YAML);
    let mut f = no_canary_fixture();
    f["metrics"]["errors"]["canary"] = json!([[1_763_719_200, -1, 100]]);
    f["metrics"]["errors"]["baseline"] = counts(1, 1, 100);
    let f = s.write_json("negative.json", &f);
    assert_bad_input(
        &judge(&config, &f, &[]),
        &[
            "negative.json",
            "metrics.errors.canary[0][1]",
            "non-negative",
        ],
    );
}

#[test]
fn bad_events_above_total() {
    let s = Scratch::new("bad-events-total");
    let config = s.write("canary.yaml", ERRORS_ONLY_YAML);
    let mut f = no_canary_fixture();
    f["metrics"]["errors"]["baseline"] = counts(2, 1, 100);
    f["metrics"]["errors"]["canary"] = json!([[1_763_719_200, 1, 100], [1_763_719_260, 120, 100]]);
    let f = s.write_json("overflow.json", &f);
    assert_bad_input(
        &judge(&config, &f, &[]),
        &["overflow.json", "metrics.errors.canary[1]", "120 events"],
    );
}

#[test]
fn bad_non_monotonic_histogram_buckets() {
    let s = Scratch::new("bad-histogram");
    let config = s.write(
        "h.yaml",
        "version: 1\nmetrics:\n  - {name: latency_seconds, kind: histogram}\n",
    );
    let good = json!({"le": [0.1, 0.2, "+Inf"], "counts": [5, 6, 10]});
    // Cumulative counts that decrease.
    let f = fixture(
        "h",
        None,
        json!({"latency_seconds": {"kind": "histogram", "baseline": good,
               "canary": {"le": [0.1, 0.2, "+Inf"], "counts": [5, 3, 10]}}}),
    );
    let counts_path = s.write_json("decreasing-counts.json", &f);
    assert_bad_input(
        &judge(&config, &counts_path, &[]),
        &[
            "decreasing-counts.json",
            "metrics.latency_seconds.canary",
            "decreases",
        ],
    );
    // Bounds out of order.
    let f = fixture(
        "h",
        None,
        json!({"latency_seconds": {"kind": "histogram",
               "baseline": {"le": [0.2, 0.1, "+Inf"], "counts": [5, 6, 10]}, "canary": good}}),
    );
    let bounds_path = s.write_json("unordered-le.json", &f);
    assert_bad_input(
        &judge(&config, &bounds_path, &[]),
        &[
            "unordered-le.json",
            "metrics.latency_seconds.baseline",
            "increase",
        ],
    );
}

#[test]
fn bad_mismatched_timestamps() {
    let s = Scratch::new("bad-timestamps");
    let config = s.write("canary.yaml", CONFIG_YAML);
    let mut f = aa_fixture();
    f["metrics"]["errors"]["canary"][3][0] = json!(1_763_719_200 + 60 * 3 + 15);
    let f1 = s.write_json("counts-ts.json", &f);
    assert_bad_input(
        &judge(&config, &f1, &[]),
        &["counts-ts.json", "metrics.errors.canary[3]", "mismatched"],
    );

    let mut f = aa_fixture();
    f["metrics"]["latency_ms"]["canary"][0][0] = json!(1_763_719_100);
    let f2 = s.write_json("latency-ts.json", &f);
    assert_bad_input(
        &judge(&config, &f2, &[]),
        &[
            "latency-ts.json",
            "metrics.latency_ms.canary[0]",
            "mismatched",
        ],
    );

    // Different lengths on the two sides.
    let mut f = aa_fixture();
    f["metrics"]["errors"]["canary"] = counts(9, 3, 1000);
    let f3 = s.write_json("short.json", &f);
    assert_bad_input(&judge(&config, &f3, &[]), &["short.json", "metrics.errors"]);

    // Timestamps going backwards within one side.
    let mut f = aa_fixture();
    f["metrics"]["errors"]["baseline"][5][0] = json!(1_763_719_200);
    let f4 = s.write_json("backwards.json", &f);
    assert_bad_input(
        &judge(&config, &f4, &[]),
        &["backwards.json", "metrics.errors.baseline[5]"],
    );
}

#[test]
fn bad_empty_config_file() {
    let s = Scratch::new("bad-empty-config");
    let (out, config, _) = judge_yaml(&s, "", &aa_fixture());
    assert_bad_input(&out, &[&file_name(&config), "empty"]);
    let (out, config, _) = judge_yaml(&s, "  \n\n", &aa_fixture());
    assert_bad_input(&out, &[&file_name(&config), "empty"]);
}

#[test]
fn bad_empty_fixture_file() {
    let s = Scratch::new("bad-empty-fixture");
    let config = s.write("canary.yaml", CONFIG_YAML);
    let json = s.write("empty.json", "");
    assert_bad_input(&judge(&config, &json, &[]), &["empty.json", "empty"]);
    let csv = s.write("empty.csv", "");
    assert_bad_input(&judge(&config, &csv, &[]), &["empty.csv", "empty"]);
}

#[test]
fn bad_missing_files() {
    let s = Scratch::new("bad-missing-file");
    let config = s.write("canary.yaml", CONFIG_YAML);
    let fixture = s.write_json("aa.json", &aa_fixture());
    let out = judge(&config, &s.path("no-such-fixture.json"), &[]);
    assert_bad_input(&out, &["no-such-fixture.json", "cannot read"]);
    let out = judge(&s.path("no-such-config.yaml"), &fixture, &[]);
    assert_bad_input(&out, &["no-such-config.yaml", "cannot read"]);
}

#[test]
fn bad_csv_rows() {
    let s = Scratch::new("bad-csv");
    let config = s.write("cpu.yaml", "version: 1\nmetrics:\n  - {name: cpu}\n");
    let header = "timestamp,metric,side,value\n";
    let cases = [
        (
            "value.csv",
            format!("{header}0,cpu,baseline,1\n0,cpu,canary,abc\n"),
            "line 3",
        ),
        (
            "side.csv",
            format!("{header}0,cpu,baseline,1\n0,cpu,control,1\n"),
            "line 3",
        ),
        ("fields.csv", format!("{header}0,cpu,baseline\n"), "line 2"),
        (
            "time.csv",
            format!("{header}soon,cpu,baseline,1\n"),
            "line 2",
        ),
        (
            "header.csv",
            "time,metric,side,value\n0,cpu,baseline,1\n".to_owned(),
            "line 1",
        ),
        (
            "dup.csv",
            format!("{header}0,cpu,baseline,1\n0,cpu,baseline,2\n"),
            "metrics.cpu.baseline[1]",
        ),
    ];
    for (name, text, path) in cases {
        let f = s.write(name, &text);
        assert_bad_input(&judge(&config, &f, &[]), &[name, path]);
    }
}
