//! `convert`: the sample configs of Kayenta, Argo Rollouts and Flagger in
//! `fixtures/compat/` convert into configs our loader accepts and that judge the bundled
//! corpus; untranslatable constructs are reported precisely; the converted Kayenta sample
//! judges the corpus under `mode: kayenta` and under the default mode (pinned below, and
//! tabled in the README's "Kayenta mode" section).

use canary_judge::convert::{Conversion, ConvertError, ConvertOptions, argo, flagger, kayenta};
use canary_judge::{Config, Fixture, MetricKind, Mode, Verdict, collect_fixture_files, judge};
use std::path::PathBuf;

fn repo(path: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../")).join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).expect("sample readable")
}

fn counts(names: &[&str]) -> ConvertOptions {
    let mut o = ConvertOptions::default();
    for n in names {
        o.kinds.insert((*n).to_owned(), MetricKind::Counts);
    }
    o
}

fn corpus() -> Vec<Fixture> {
    collect_fixture_files(&[repo("fixtures")])
        .expect("corpus")
        .iter()
        .map(|p| Fixture::from_path(p).expect("fixture loads"))
        .collect()
}

/// Every conversion's YAML reads back as the same config, and the config judges every
/// fixture of the corpus without error.
fn round_trip(c: &Conversion) -> Vec<(String, Verdict, f64)> {
    let again = Config::from_yaml_str(&c.config_yaml).expect("the written YAML loads");
    assert_eq!(again, c.config);
    corpus()
        .iter()
        .map(|f| {
            let r = judge(&c.config, f).unwrap_or_else(|e| panic!("{}: {e}", f.name));
            (f.name.clone(), r.verdict, r.score.0)
        })
        .collect()
}

fn has_note(c: &Conversion, path: &str, words: &[&str]) -> bool {
    c.notes
        .iter()
        .any(|n| n.path == path && words.iter().all(|w| n.message.contains(w)))
}

fn kayenta_sample() -> Conversion {
    kayenta(
        &read("fixtures/compat/kayenta-canary-config.json"),
        &counts(&["errors"]),
    )
    .expect("the Kayenta sample converts")
}

#[test]
fn kayenta_sample_converts_with_notes() {
    let c = kayenta_sample();
    let cfg = &c.config;
    assert_eq!(cfg.mode, Mode::Kayenta);
    assert_eq!(cfg.confidence, 0.98);
    let names: Vec<&str> = cfg.metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["latency_ms", "errors", "cpu_percent", "memory_mb"]);
    let latency = &cfg.metrics[0];
    assert!(latency.critical);
    assert_eq!(latency.group.as_deref(), Some("Latency"));
    assert_eq!(latency.effect.unwrap().allowed_increase, Some(1.1));
    assert_eq!(latency.effect.unwrap().critical_increase, Some(1.5));
    assert_eq!(latency.outliers.factor, 3.0);
    let errors = &cfg.metrics[1];
    assert_eq!(errors.kind, MetricKind::Counts);
    assert!(errors.must_have_data);
    assert_eq!(errors.nan_strategy, canary_judge::NanStrategy::Replace);
    let query = errors.query.as_ref().expect("query")["prometheus"]
        .as_str()
        .unwrap_or("");
    assert_eq!(
        query,
        r#"http_requests_error_ratio{version="${scope}",region="${location}"}"#
    );
    assert_eq!(cfg.groups.get("Latency"), Some(&40.0));
    assert!(!cfg.groups.contains_key("Saturation"));
    assert!(cfg.metrics[3].query.is_none());
    assert!(has_note(
        &c,
        "metrics[4].analysisConfigurations.canary.muted",
        &["gc_pause_ms", "left out"]
    ));
    assert!(has_note(
        &c,
        "metrics[3].query.type",
        &["newrelic", "memory_mb"]
    ));
    assert!(has_note(&c, "metrics[1].query", &["${location}"]));
    assert!(c.config_yaml.contains("# Notes"));
    assert!(c.plan.is_none());
}

/// The converted Kayenta sample on the corpus: `mode: kayenta` (verdict and Kayenta's
/// score pinned) and the same config under `mode: default` (verdict pinned).
#[test]
fn kayenta_sample_judges_the_corpus_in_both_modes() {
    let c = kayenta_sample();
    let kayenta_mode = round_trip(&c);
    let default_yaml = c
        .config_yaml
        .replace("\nmode: kayenta\n", "\nmode: default\n");
    let default_config = Config::from_yaml_str(&default_yaml).expect("loads in default mode");
    assert_eq!(default_config.confidence, 0.95);
    #[rustfmt::skip]
    let expected: [(&str, &str, f64, &str); 38] = [
        ("aa-diurnal", "promote", 100.0, "promote"),
        ("aa-gaussian", "promote", 100.0, "promote"),
        ("aa-heavy-tailed", "promote", 100.0, "promote"),
        ("aa-lognormal", "promote", 100.0, "promote"),
        ("baseline-data-missing", "rollback", 0.0, "hold"),
        ("canary-data-missing", "rollback", 0.0, "hold"),
        ("canary-no-traffic", "rollback", 0.0, "hold"),
        ("constant-canary-higher", "promote", 90.0, "promote"),
        ("constant-equal", "promote", 100.0, "promote"),
        ("cpu-saturation", "promote", 90.0, "promote"),
        ("cpu-up-30pct", "promote", 90.0, "promote"),
        ("diurnal-latency-regression", "hold", 60.0, "hold"),
        ("error-spike", "rollback", 0.0, "rollback"),
        ("errors-absolute-gate", "promote", 100.0, "promote"),
        ("errors-double", "rollback", 0.0, "rollback"),
        ("errors-improve", "promote", 100.0, "promote"),
        ("errors-low-traffic", "promote", 100.0, "promote"),
        ("errors-missing-on-canary", "hold", 100.0, "hold"),
        ("errors-up-20pct", "promote", 100.0, "promote"),
        ("errors-zero-baseline", "rollback", 0.0, "rollback"),
        ("kayenta-426-sparse-errors", "promote", 100.0, "promote"),
        ("kayenta-426-sustained", "promote", 100.0, "rollback"),
        ("kayenta-633-mean-650pct", "promote", 100.0, "promote"),
        ("kayenta-780-spikes", "promote", 100.0, "promote"),
        ("latency-harmless-2pct", "promote", 100.0, "promote"),
        ("latency-improvement-20pct", "promote", 100.0, "promote"),
        ("latency-regression-30pct", "hold", 60.0, "hold"),
        ("latency-regression-70pct", "rollback", 0.0, "rollback"),
        ("latency-regression-halfway", "hold", 60.0, "hold"),
        ("memory-leak-ramp", "promote", 90.0, "promote"),
        ("nan-laden", "promote", 100.0, "promote"),
        ("p99-regression-same-median", "promote", 100.0, "promote"),
        ("saturation-metrics-missing", "rollback", 0.0, "hold"),
        ("saturation-up", "promote", 80.0, "promote"),
        ("spinnaker-6278-seven-of-ten", "promote", 100.0, "promote"),
        ("too-few-samples", "promote", 100.0, "hold"),
        ("variance-decrease-same-median", "promote", 100.0, "promote"),
        ("variance-increase-same-median", "promote", 100.0, "promote"),
    ];
    assert_eq!(kayenta_mode.len(), expected.len());
    let fixtures = corpus();
    for ((name, verdict, score), (want_name, want_k, want_score, want_d)) in
        kayenta_mode.iter().zip(expected)
    {
        assert_eq!(name, want_name);
        assert_eq!(verdict.as_str(), want_k, "{name} in kayenta mode");
        assert_eq!(*score, want_score, "{name}: Kayenta's score");
        let fixture = fixtures.iter().find(|f| &f.name == name).expect("fixture");
        let d = judge(&default_config, fixture).expect("judged in default mode");
        assert_eq!(d.verdict.as_str(), want_d, "{name} in default mode");
    }
}

/// Kayenta mode is deterministic: the constant-sides rule and every figure repeat
/// byte for byte.
#[test]
fn kayenta_mode_is_deterministic() {
    let c = kayenta_sample();
    for f in corpus()
        .iter()
        .filter(|f| f.name.starts_with("constant") || f.name.starts_with("nan"))
    {
        let a = judge(&c.config, f).expect("judged").to_json();
        let b = judge(&c.config, f).expect("judged").to_json();
        assert_eq!(a, b);
    }
}

#[test]
fn argo_sample_converts_judges_and_plans() {
    let c = argo(
        &read("fixtures/compat/argo-analysis-template.yaml"),
        &counts(&["errors"]),
    )
    .expect("the Argo sample converts");
    let results = round_trip(&c);
    assert_eq!(results.len(), 38);
    let cfg = &c.config;
    assert_eq!(cfg.mode, Mode::Default);
    let errors = &cfg.metrics[0];
    assert_eq!(errors.kind, MetricKind::Counts);
    let gate = errors.gate.expect("gate");
    assert_eq!(
        (gate.stat.to_string().as_str(), gate.max),
        ("rate", Some(0.05))
    );
    let latency = &cfg.metrics[1];
    assert_eq!(latency.gate.expect("gate").max, Some(300.0));
    assert!(cfg.metrics.iter().all(|m| m.critical));
    assert!(cfg.metrics[2].gate.is_none());
    let query = cfg.metrics[0].query.as_ref().expect("query")["prometheus"]
        .as_str()
        .unwrap_or("");
    assert!(query.contains("rollouts_pod_template_hash=\"${canary-hash}\""));
    // Untranslatable constructs, precisely.
    assert!(has_note(
        &c,
        "spec.metrics[cpu_percent].successCondition",
        &["isNaN(result[0]) || result[0] < 80", "cannot be translated"]
    ));
    assert!(has_note(
        &c,
        "spec.metrics[memory_mb].provider.newRelic",
        &["newRelic"]
    ));
    assert!(has_note(
        &c,
        "spec.metrics[latency_ms].successCondition",
        &["inconclusive"]
    ));
    // The plan: the Rollout's steps, the strictest limits.
    let plan = c.plan.as_ref().expect("plan");
    let steps: Vec<(f64, Option<&str>)> = plan
        .steps
        .iter()
        .map(|s| (s.weight, s.min_duration.as_deref()))
        .collect();
    assert_eq!(
        steps,
        [
            (10.0, Some("5m")),
            (30.0, Some("5m")),
            (60.0, Some("10m")),
            (80.0, None)
        ]
    );
    assert_eq!(plan.limits.failure_limit, 0);
    assert_eq!(plan.limits.consecutive_error_limit, 4);
    assert_eq!(plan.name.as_deref(), Some("checkout"));
    let plan_yaml: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(c.plan_yaml.as_deref().unwrap_or("")).expect("plan YAML");
    assert_eq!(plan_yaml["analysis"].as_str(), Some("canary.yaml"));
    assert_eq!(plan_yaml["steps"][2]["min_duration"].as_str(), Some("10m"));
    // A clear A/A run promotes; the error spike rolls back.
    let verdict = |name: &str| results.iter().find(|r| r.0 == name).map(|r| r.1);
    assert_eq!(verdict("aa-gaussian"), Some(Verdict::Promote));
    assert_eq!(verdict("error-spike"), Some(Verdict::Rollback));
}

#[test]
fn argo_template_alone_plans_one_step_per_measurement() {
    let yaml = r#"
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: t}
spec:
  dryRun: [{metricNamePattern: ".*"}]
  metrics:
  - name: latency_ms
    interval: 2m
    count: 3
    failureLimit: 2
    inconclusiveLimit: 1
    failureCondition: result[0] > 1 && result[0] < 5
    successCondition: result[0] == 3
    provider:
      web: {url: "http://example.invalid"}
"#;
    let c = argo(yaml, &ConvertOptions::default()).expect("converts");
    let plan = c.plan.expect("plan");
    assert_eq!(plan.steps.len(), 3);
    assert!(
        plan.steps
            .iter()
            .all(|s| s.weight == 100.0 && s.min_duration.as_deref() == Some("2m"))
    );
    assert_eq!(
        (plan.limits.failure_limit, plan.limits.inconclusive_limit),
        (2, 1)
    );
    assert!(c.config.metrics[0].gate.is_none());
    let expect = [
        (
            "spec.metrics[latency_ms].failureCondition",
            "result[0] > 1 && result[0] < 5",
        ),
        (
            "spec.metrics[latency_ms].successCondition",
            "result[0] == 3",
        ),
        ("spec.metrics[latency_ms].provider.web", "web"),
        ("spec.dryRun", "dry-run"),
        ("steps", "no traffic weights"),
    ];
    for (path, words) in expect {
        assert!(
            c.notes
                .iter()
                .any(|n| n.path == path && n.message.contains(words)),
            "{path}: {:?}",
            c.notes
        );
    }
}

#[test]
fn flagger_sample_converts_judges_and_plans() {
    let c = flagger(
        &read("fixtures/compat/flagger-canary.yaml"),
        &ConvertOptions::default(),
    )
    .expect("the Flagger sample converts");
    let results = round_trip(&c);
    let cfg = &c.config;
    let names: Vec<&str> = cfg.metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["errors", "latency_ms", "cpu_percent", "memory_mb"]);
    assert_eq!(cfg.metrics[0].kind, MetricKind::Counts);
    assert_eq!(cfg.metrics[0].gate.expect("gate").max, Some(0.05));
    let q = &cfg.metrics[0].query.as_ref().expect("query")["prometheus"];
    assert!(
        q["events"]
            .as_str()
            .is_some_and(|s| s.contains("response_code=~\"5.*\""))
    );
    let cpu = cfg.metrics[2].query.as_ref().expect("query")["prometheus"]
        .as_str()
        .unwrap_or("");
    assert!(
        cpu.contains("pod=~\"${scope}-")
            && cpu.contains("[${window}]")
            && cpu.contains("${namespace}")
    );
    assert!(cfg.metrics[3].query.is_none());
    assert!(has_note(
        &c,
        "MetricTemplate[memory-usage].spec.provider.type",
        &["cloudwatch"]
    ));
    assert!(has_note(&c, "spec.analysis.webhooks", &["webhooks"]));
    let plan = c.plan.as_ref().expect("plan");
    let weights: Vec<f64> = plan.steps.iter().map(|s| s.weight).collect();
    assert_eq!(weights, [10.0, 20.0, 30.0, 40.0, 50.0]);
    assert!(
        plan.steps
            .iter()
            .all(|s| s.min_duration.as_deref() == Some("1m"))
    );
    assert_eq!(plan.limits.failure_limit, 2);
    let verdict = |name: &str| results.iter().find(|r| r.0 == name).map(|r| r.1);
    assert_eq!(verdict("aa-gaussian"), Some(Verdict::Promote));
    assert_eq!(verdict("error-spike"), Some(Verdict::Rollback));
    assert_eq!(verdict("errors-absolute-gate"), Some(Verdict::Rollback));
}

#[test]
fn flagger_iterations_and_step_weights() {
    let base = |analysis: &str| {
        format!(
            "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {{name: x}}\nspec:\n  analysis:\n{analysis}    metrics:\n    - {{name: request-duration, thresholdRange: {{max: 500}}}}\n"
        )
    };
    let c = flagger(
        &base("    interval: 30s\n    iterations: 4\n    threshold: 1\n"),
        &ConvertOptions::default(),
    )
    .expect("converts");
    let plan = c.plan.expect("plan");
    assert_eq!(plan.strategy, "blue_green");
    assert_eq!(plan.steps.len(), 4);
    assert_eq!(plan.limits.failure_limit, 0);
    let c = flagger(
        &base("    interval: 2m\n    stepWeights: [1, 5, 25, 80]\n"),
        &ConvertOptions::default(),
    )
    .expect("converts");
    let plan = c.plan.clone().expect("plan");
    let weights: Vec<f64> = plan.steps.iter().map(|s| s.weight).collect();
    assert_eq!(weights, [1.0, 5.0, 25.0, 80.0]);
    assert!(has_note(
        &c,
        "spec.analysis.threshold",
        &["first failed check"]
    ));
    let c = flagger(
        "kind: Canary\nspec:\n  analysis:\n    interval: 1m\n    metrics:\n    - {name: my-metric, templateRef: {name: missing}, thresholdRange: {max: 1}}\n",
        &ConvertOptions::default(),
    )
    .expect("converts");
    assert!(has_note(
        &c,
        "spec.analysis.metrics[my-metric].templateRef",
        &["\"missing\"", "not in the file"]
    ));
}

#[test]
fn bad_inputs_are_errors_that_say_where() {
    let opts = ConvertOptions::default();
    let e = kayenta("{not json", &opts).unwrap_err();
    assert!(
        matches!(e, ConvertError::Input { .. }) && e.to_string().contains("not JSON"),
        "{e}"
    );
    let e = kayenta(r#"{"name": "x"}"#, &opts).unwrap_err();
    assert_eq!(e.to_string(), "metrics: expected a list of metrics");
    let e = kayenta(r#"{"metrics": [{"groups": ["a"]}]}"#, &opts).unwrap_err();
    assert_eq!(e.to_string(), "metrics[0].name: expected the metric's name");
    let e = kayenta(
        r#"{"metrics": [{"name": "m", "analysisConfigurations": {"canary": {"effectSize": {"allowedIncrease": -1}}}}]}"#,
        &opts,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("metrics[0].effect.allowed_increase"),
        "{e}"
    );
    let e = argo("kind: Rollout\nspec: {}\n", &opts).unwrap_err();
    assert!(e.to_string().contains("no AnalysisTemplate"), "{e}");
    let e = argo("kind: AnalysisTemplate\nspec: {metrics: []}\n", &opts).unwrap_err();
    assert_eq!(e.to_string(), "spec.metrics: expected a list of metrics");
    let e = flagger("kind: Canary\nspec: {}\n", &opts).unwrap_err();
    assert_eq!(e.to_string(), "spec.analysis: the Canary has no analysis");
    let e = flagger(": : :\n", &opts).unwrap_err();
    assert!(e.to_string().contains("not YAML"), "{e}");
}

#[test]
fn kayenta_unsupported_constructs_are_noted() {
    let json = r#"{
      "judge": {"name": "NetflixACAJudge-v2.0", "judgeConfigurations": {"x": 1}},
      "metrics": [
        {"name": "a", "groups": ["g1", "g2"],
         "query": {"type": "stackdriver", "metricType": "x"},
         "analysisConfigurations": {"canary": {"direction": "up", "nanStrategy": "interpolate", "foo": 1,
            "effectSize": {"measure": "cohenD"}, "outliers": {"strategy": "winsorize"}}}},
        {"name": "b", "groups": ["g1"], "query": {"type": "prometheus", "customInlineTemplate": "PromQL:x{a=\"${scope}\"} <#if location??>y</#if>"}}
      ],
      "classifier": {"groupWeights": {"g1": 50, "unused": 50}},
      "extra": true
    }"#;
    let c = kayenta(json, &ConvertOptions::default()).expect("converts");
    let expect = [
        ("judge.name", "NetflixACAJudge-v2.0"),
        ("judge.judgeConfigurations", "ignored"),
        ("metrics[0].groups", "g1, g2"),
        ("metrics[0].query.type", "stackdriver"),
        (
            "metrics[0].analysisConfigurations.canary.direction",
            "\"up\"",
        ),
        (
            "metrics[0].analysisConfigurations.canary.nanStrategy",
            "interpolate",
        ),
        ("metrics[0].analysisConfigurations.canary.foo", "ignored"),
        (
            "metrics[0].analysisConfigurations.canary.effectSize.measure",
            "cohenD",
        ),
        (
            "metrics[0].analysisConfigurations.canary.outliers.strategy",
            "winsorize",
        ),
        ("metrics[1].query", "FreeMarker"),
        ("classifier.groupWeights.unused", "left out"),
        ("classifier.scoreThresholds", "75"),
        ("extra", "unknown"),
    ];
    for (path, words) in expect {
        assert!(
            c.notes
                .iter()
                .any(|n| n.path == path && n.message.contains(words)),
            "{path}: {:#?}",
            c.notes
        );
    }
    assert_eq!(
        c.config.metrics[0].direction,
        canary_judge::Direction::Either
    );
}

/// The plans the Argo and Flagger converters write load with the rollout engine's own
/// loader (written next to their config, as `canary convert -o DIR` does), with the
/// converted steps and limits.
#[test]
fn converted_plans_load_as_rollout_plans() {
    let conversions = [
        argo(
            &read("fixtures/compat/argo-analysis-template.yaml"),
            &counts(&["errors"]),
        )
        .expect("the Argo sample converts"),
        flagger(
            &read("fixtures/compat/flagger-canary.yaml"),
            &ConvertOptions::default(),
        )
        .expect("the Flagger sample converts"),
    ];
    for (index, c) in conversions.iter().enumerate() {
        let dir = std::env::temp_dir().join(format!(
            "canary-convert-plan-{}-{index}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("canary.yaml"), &c.config_yaml).expect("config written");
        let plan_yaml = c.plan_yaml.as_deref().expect("a plan");
        std::fs::write(dir.join("plan.yaml"), plan_yaml).expect("plan written");
        let loaded = canary_judge::rollout::RolloutPlan::from_path(dir.join("plan.yaml"));
        std::fs::remove_dir_all(&dir).ok();
        let loaded = loaded.unwrap_or_else(|e| panic!("converted plan {index} loads: {e}"));
        let converted = c.plan.as_ref().expect("a plan");
        assert_eq!(loaded.steps.len(), converted.steps.len());
        for (l, s) in loaded.steps.iter().zip(&converted.steps) {
            assert_eq!(l.weight, s.weight);
        }
        assert_eq!(loaded.limits.failure_limit, converted.limits.failure_limit);
    }
}
