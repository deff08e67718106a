//! Loading rollout plans: defaults, key-path errors, analysis inline or by path.

use canary_judge::rollout::{
    Analysis, PlanDuration, RolloutPlan, SequentialMethod, Strategy, Windows,
};
use canary_judge::{ConfigError, ConfigFormat};
use std::path::Path;

const INLINE: &str = r#"
version: 1
steps:
  - {weight: 10, min_duration: 10m, min_samples: 100}
  - {weight: 50, min_duration: 90}
analysis:
  version: 1
  metrics: [{name: errors, kind: counts, critical: true}]
"#;

fn problems(e: ConfigError) -> Vec<String> {
    match e {
        ConfigError::Invalid { problems, .. } => problems.iter().map(ToString::to_string).collect(),
        ConfigError::Parse { problem, .. } => vec![problem.to_string()],
        ConfigError::Io { file, message } => vec![format!("{file}: {message}")],
    }
}

#[test]
fn defaults_follow_argo_and_no_correction() {
    let plan = RolloutPlan::from_yaml_str(INLINE).unwrap();
    assert_eq!(plan.strategy, Strategy::Canary);
    assert_eq!(plan.windows, Windows::Incremental);
    assert_eq!(plan.limits.failure_limit, 0);
    assert_eq!(plan.limits.inconclusive_limit, 0);
    assert_eq!(plan.limits.consecutive_error_limit, 4);
    assert_eq!(plan.sequential.method, SequentialMethod::None);
    assert_eq!(plan.sequential.alpha, 0.05);
    assert_eq!(
        plan.steps[0].min_duration,
        Some(PlanDuration::from_seconds(600))
    );
    assert_eq!(
        plan.steps[1].min_duration,
        Some(PlanDuration::from_seconds(90))
    );
    assert_eq!(plan.steps[0].min_samples, Some(100));
    assert_eq!(plan.config().unwrap().metrics.len(), 1);
}

#[test]
fn json_and_toml_give_the_same_plan() {
    let yaml = RolloutPlan::from_yaml_str(INLINE).unwrap();
    let json = RolloutPlan::from_json_str(&yaml.to_json()).unwrap();
    assert_eq!(yaml, json);
    let toml = RolloutPlan::from_toml_str(
        r#"
version = 1
[[steps]]
weight = 10
min_duration = "10m"
min_samples = 100
[[steps]]
weight = 50
min_duration = 90
[analysis]
version = 1
[[analysis.metrics]]
name = "errors"
kind = "counts"
critical = true
"#,
    )
    .unwrap();
    assert_eq!(toml, yaml);
}

#[test]
fn errors_name_the_key_path() {
    let cases = [
        (
            INLINE.replace("weight: 50", "weight: 150"),
            "steps[1].weight: expected a number in (0, 100], got 150",
        ),
        (
            INLINE.replace("min_duration: 10m", "min_duration: 10 minutes"),
            "steps[0].min_duration: invalid duration",
        ),
        (
            INLINE.replace("min_samples: 100", "min_samples: 0"),
            "steps[0].min_samples: expected at least 1",
        ),
        (
            INLINE.replace("kind: counts", "kind: count"),
            "analysis.metrics[0].kind: unknown variant `count`",
        ),
        (
            INLINE.replace("critical: true}", "critical: true, confidence: 2}"),
            "analysis.metrics[0].confidence: expected a number strictly between 0 and 1, got 2",
        ),
        (
            format!("{INLINE}limits: {{failure_limit: -1}}\n"),
            "limits.failure_limit: invalid type: integer `-1`, expected u32",
        ),
        (
            format!("{INLINE}limits: {{failure_limits: 1}}\n"),
            "limits: unknown field `failure_limits`",
        ),
        (
            format!("{INLINE}sequential: {{method: bonferroni}}\n"),
            "sequential.method: unknown variant `bonferroni`",
        ),
        (
            format!("{INLINE}sequential: {{method: pocock, alpha: 0.7}}\n"),
            "sequential.alpha: expected a number in (0, 0.5], got 0.7",
        ),
        (
            format!("{INLINE}strategy: dark_launch\n"),
            "strategy: unknown variant `dark_launch`",
        ),
        (
            INLINE.replace("version: 1\nsteps", "version: 2\nsteps"),
            "version: expected 1, got 2",
        ),
        (
            "version: 1\nsteps: []\nanalysis: {version: 1, metrics: [{name: x}]}\n".to_owned(),
            "steps: expected at least one step",
        ),
        (
            "version: 1\nsteps: [{weight: 10}]\n".to_owned(),
            "missing field `analysis`",
        ),
    ];
    for (text, expected) in cases {
        let all = problems(RolloutPlan::from_yaml_str(&text).unwrap_err()).join("\n");
        assert!(all.contains(expected), "expected {expected:?} in {all:?}");
    }
}

#[test]
fn the_example_plan_loads_with_its_analysis_by_path() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/plans/canary.yaml");
    let plan = RolloutPlan::from_path(&path).unwrap();
    assert_eq!(plan.display_name(), "checkout-canary");
    assert_eq!(plan.steps.len(), 5);
    assert_eq!(plan.sequential.method, SequentialMethod::Pocock);
    assert!(matches!(plan.analysis, Analysis::Inline(_)));
    assert_eq!(plan.config().unwrap().metrics[0].name, "latency_seconds");
    // The loaded plan is self-contained: its JSON loads without the config file.
    let again = RolloutPlan::from_str_as(&plan.to_json(), ConfigFormat::Json).unwrap();
    assert_eq!(again, plan);
}

#[test]
fn a_missing_analysis_file_names_that_file() {
    let dir = std::env::temp_dir().join(format!("canary-plan-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let plan = dir.join("plan.yaml");
    std::fs::write(
        &plan,
        "version: 1\nsteps: [{weight: 10}]\nanalysis: nowhere.yaml\n",
    )
    .unwrap();
    let err = RolloutPlan::from_path(&plan).unwrap_err().to_string();
    assert!(
        err.contains("nowhere.yaml") && err.contains("cannot read"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn durations_round_trip() {
    for (text, seconds) in [
        ("30s", 30),
        ("10m", 600),
        ("1h30m", 5400),
        ("2d", 172_800),
        ("45", 45),
    ] {
        let d: PlanDuration = text.parse().unwrap();
        assert_eq!(d.seconds(), seconds);
        assert_eq!(d.to_string().parse::<PlanDuration>().unwrap(), d);
    }
    for bad in ["", "m", "10x", "1.5h", "-5m", "10m5"] {
        assert!(bad.parse::<PlanDuration>().is_err(), "{bad}");
    }
}
