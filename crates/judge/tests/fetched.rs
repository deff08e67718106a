//! Judging live fetches: failed metrics are `error`, empty ones `nodata`, and a failed
//! source never promotes; the config's `sources` section and its errors.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

use canary_judge::{
    Classification, Config, Fixture, MetricData, Sides, Verdict, judge, judge_fetched,
};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn corpus_config() -> Config {
    Config::from_path(fixtures().join("canary.yaml")).unwrap()
}

fn fixture(name: &str) -> Fixture {
    Fixture::from_path(fixtures().join(format!("{name}.json"))).unwrap()
}

fn fail(names: &[&str]) -> BTreeMap<String, String> {
    names
        .iter()
        .map(|n| {
            (
                (*n).to_owned(),
                "prometheus: HTTP 503: overloaded".to_owned(),
            )
        })
        .collect()
}

#[test]
fn without_failures_it_is_the_ordinary_judgement() {
    let config = corpus_config();
    for name in ["aa-gaussian", "error-spike", "latency-regression-30pct"] {
        let f = fixture(name);
        let live = judge_fetched(&config, &f.name, &f.metrics, &BTreeMap::new()).unwrap();
        assert_eq!(live.to_json(), judge(&config, &f).unwrap().to_json());
    }
}

#[test]
fn a_failed_metric_is_error_with_its_cause_and_the_verdict_holds() {
    let config = corpus_config();
    let f = fixture("aa-gaussian");
    assert_eq!(judge(&config, &f).unwrap().verdict, Verdict::Promote);
    let mut metrics = f.metrics.clone();
    metrics.remove("cpu_percent");
    let report = judge_fetched(&config, "live", &metrics, &fail(&["cpu_percent"])).unwrap();
    assert_eq!(report.verdict, Verdict::Hold);
    let cpu = report
        .metrics
        .iter()
        .find(|m| m.name == "cpu_percent")
        .unwrap();
    assert_eq!(cpu.classification, Classification::Error);
    assert_eq!(
        cpu.reason,
        "cpu_percent: could not be fetched: prometheus: HTTP 503: overloaded"
    );
    assert!(report.reasons[0].starts_with("1 of 5 metrics could not be fetched (cpu_percent)"));
    assert!(report.reasons.iter().any(|r| r == &cpu.reason));
}

#[test]
fn failures_alone_hold_even_when_the_score_falls_below_marginal() {
    let config = corpus_config();
    let f = fixture("aa-gaussian");
    let failed = ["latency_ms", "latency_seconds", "errors", "cpu_percent"];
    let mut metrics = f.metrics.clone();
    for n in failed {
        metrics.remove(n);
    }
    let report = judge_fetched(&config, "live", &metrics, &fail(&failed)).unwrap();
    assert!(report.score.0 < config.score.marginal, "{}", report.score.0);
    assert_eq!(report.verdict, Verdict::Hold);
    let all = [
        "latency_ms",
        "latency_seconds",
        "errors",
        "cpu_percent",
        "memory_mb",
    ];
    let report = judge_fetched(&config, "live", &BTreeMap::new(), &fail(&all)).unwrap();
    assert_eq!(report.verdict, Verdict::Hold);
    assert!(
        report
            .metrics
            .iter()
            .all(|m| m.classification == Classification::Error)
    );
}

#[test]
fn a_critical_failure_in_the_fetched_data_still_rolls_back() {
    let config = corpus_config();
    let f = fixture("error-spike");
    assert_eq!(judge(&config, &f).unwrap().verdict, Verdict::Rollback);
    let mut metrics = f.metrics.clone();
    metrics.remove("memory_mb");
    let report = judge_fetched(&config, "live", &metrics, &fail(&["memory_mb"])).unwrap();
    assert_eq!(report.verdict, Verdict::Rollback);
    assert!(
        report.reasons[0].starts_with("critical failure"),
        "{:?}",
        report.reasons
    );
    assert!(report.reasons[1].starts_with("1 of 5 metrics could not be fetched"));
}

#[test]
fn an_empty_fetch_is_nodata_and_never_promotes() {
    let config = corpus_config();
    let f = fixture("aa-gaussian");
    let mut metrics = f.metrics.clone();
    metrics.insert(
        "cpu_percent".into(),
        MetricData::Continuous(Sides {
            baseline: Vec::new(),
            canary: Vec::new(),
        }),
    );
    metrics.insert(
        "latency_seconds".into(),
        MetricData::Histogram(Sides {
            baseline: None,
            canary: None,
        }),
    );
    let report = judge_fetched(&config, "live", &metrics, &BTreeMap::new()).unwrap();
    assert_eq!(report.verdict, Verdict::Hold);
    for name in ["cpu_percent", "latency_seconds"] {
        let m = report.metrics.iter().find(|m| m.name == name).unwrap();
        assert_eq!(m.classification, Classification::Nodata, "{name}");
    }
}

fn all_fixtures() -> &'static [Fixture] {
    static ALL: std::sync::OnceLock<Vec<Fixture>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        canary_judge::collect_fixture_files(&[fixtures()])
            .unwrap()
            .iter()
            .map(|p| Fixture::from_path(p).unwrap())
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Whatever the data and whichever metrics fail (at least one), the verdict is never
    /// promote, and a rollback is what the fetched metrics alone decide.
    #[test]
    fn a_failed_source_never_promotes(index in 0usize..38, mask in 1u8..32) {
        let config = corpus_config();
        let fixtures = all_fixtures();
        let f = &fixtures[index % fixtures.len()];
        let names: Vec<&str> = config.metrics.iter().map(|m| m.name.as_str()).collect();
        let failed: Vec<&str> = names.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, n)| *n).collect();
        let mut metrics = f.metrics.clone();
        for n in &failed {
            metrics.remove(*n);
        }
        let report = judge_fetched(&config, "live", &metrics, &fail(&failed)).unwrap();
        prop_assert_ne!(report.verdict, Verdict::Promote);
        for m in &report.metrics {
            prop_assert_eq!(m.classification == Classification::Error, failed.contains(&m.name.as_str()));
        }
        // Deterministic.
        let again = judge_fetched(&config, "live", &metrics, &fail(&failed)).unwrap();
        prop_assert_eq!(report.to_json(), again.to_json());
    }
}

const SOURCES: &str = r#"
version: 1
metrics:
  - name: latency_ms
sources:
  prometheus:
    url: https://prometheus.example:9090/prom
    auth: {env: CANARY_PROMETHEUS_TOKEN}
    scopes: {baseline: v1, canary: v2}
    variables: {cluster: eu1}
    step: 30s
    timeout: 5s
    retries: 2
  datadog:
    url: https://api.datadoghq.eu
    auth: {file: /run/secrets/dd-api-key}
    credentials: {app_key: {env: DD_APP_KEY}}
    options: {site: datadoghq.eu}
"#;

#[test]
fn the_sources_section_parses_and_round_trips() {
    let config = Config::from_yaml_str(SOURCES).unwrap();
    let p = &config.sources["prometheus"];
    assert_eq!(
        p.url.as_deref(),
        Some("https://prometheus.example:9090/prom")
    );
    assert_eq!(
        p.auth.as_ref().unwrap().env.as_deref(),
        Some("CANARY_PROMETHEUS_TOKEN")
    );
    assert_eq!(p.scopes.as_ref().unwrap().canary, "v2");
    assert_eq!(p.variables["cluster"], "eu1");
    assert_eq!(
        config.sources["datadog"].credentials["app_key"]
            .env
            .as_deref(),
        Some("DD_APP_KEY")
    );
    assert_eq!(config.sources["datadog"].options["site"], "datadoghq.eu");
    let json = serde_json::to_string(&config).unwrap();
    assert_eq!(Config::from_json_str(&json).unwrap(), config);
    // Absent: nothing serialised, so existing configs stay byte-identical.
    let plain = Config::from_yaml_str("version: 1\nmetrics:\n  - name: x\n").unwrap();
    assert!(!serde_json::to_string(&plain).unwrap().contains("sources"));
}

#[test]
fn sources_problems_name_their_key_paths() {
    let bad = r#"
version: 1
metrics:
  - name: latency_ms
sources:
  prometheus:
    url: https://user:pw@prometheus.example
    auth: {env: CANARY_TOKEN, file: /tmp/token}
    variables: {scope: x, "bad-name": y}
    step: 1.5s
    timeout: 0s
    retries: 99
    credentials: {extra: {env: "s3cr3t value"}}
    options: {"bad option": x}
  influxdb:
    url: ftp://influx
"#;
    let e = Config::from_yaml_str(bad).unwrap_err().to_string();
    for wanted in [
        "sources.prometheus.url: the URL must not hold credentials",
        "sources.prometheus.auth: expected exactly one of env (a variable's name) or file (a path)",
        "sources.prometheus.variables.scope: ${scope} is built in",
        "sources.prometheus.variables.bad-name: expected a variable name",
        "sources.prometheus.step: expected a duration",
        "sources.prometheus.timeout: expected a positive duration",
        "sources.prometheus.retries: expected at most 10, got 99",
        "sources.prometheus.credentials.extra.env: expected an environment variable's name",
        "sources.influxdb.url: expected an http:// or https:// URL, not ftp://",
        "sources.prometheus.options.bad option: expected an option name",
    ] {
        assert!(e.contains(wanted), "missing {wanted:?} in\n{e}");
    }
    // A secret pasted in place of a reference is an unknown key, not silently kept.
    let pasted = "version: 1\nmetrics:\n  - name: x\nsources:\n  prometheus:\n    token: abc\n";
    let e = Config::from_yaml_str(pasted).unwrap_err().to_string();
    assert!(
        e.contains("sources.prometheus") && e.contains("unknown field `token`"),
        "{e}"
    );
}

/// In Kayenta mode live fetches are judged by Kayenta's rules (the same report as
/// `judge` when nothing failed), and a failed fetch is an `error` in its place that never
/// promotes.
#[test]
fn kayenta_mode_fetches_are_judged_by_kayenta_rules() {
    let config = Config::from_yaml_str(
        "version: 1\nmode: kayenta\nmetrics:\n  - {name: latency_ms}\n  - {name: cpu_percent}\n",
    )
    .unwrap();
    let data = fixture("aa-gaussian");
    let direct = judge(&config, &data).unwrap();
    let fetched = judge_fetched(&config, "live", &data.metrics, &BTreeMap::new()).unwrap();
    assert_eq!(fetched.to_json(), direct.to_json());

    let mut partial = data.metrics.clone();
    partial.remove("cpu_percent");
    let report = judge_fetched(&config, "live", &partial, &fail(&["cpu_percent"])).unwrap();
    assert_eq!(report.verdict, Verdict::Hold);
    assert_eq!(report.metrics.len(), 2);
    assert_eq!(report.metrics[0].name, "latency_ms");
    assert_eq!(report.metrics[0], direct.metrics[0]);
    assert_eq!(report.metrics[1].classification, Classification::Error);
    assert!(
        report.reasons[0].contains("cpu_percent"),
        "{:?}",
        report.reasons
    );

    let nothing = judge_fetched(
        &config,
        "live",
        &BTreeMap::new(),
        &fail(&["latency_ms", "cpu_percent"]),
    )
    .unwrap();
    assert_eq!(nothing.verdict, Verdict::Hold);
    assert!(
        nothing
            .metrics
            .iter()
            .all(|m| m.classification == Classification::Error)
    );
}
