//! Config overrides and sweep scoring on the bundled corpus config and fixtures.

use canary_judge::{Config, Fixture, Sweep, Tune, TuneSetting, Verdict, grid, judge};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn corpus() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures"))
}

fn corpus_config() -> Config {
    Config::from_path(corpus().join("canary.yaml")).expect("fixtures/canary.yaml loads")
}

/// Overriding any numeric setting of the corpus config with its own value changes nothing.
#[test]
fn overriding_with_the_current_value_is_the_identity() {
    let config = corpus_config();
    let mut keys = vec![
        ("confidence".to_owned(), config.confidence),
        ("score.pass".to_owned(), config.score.pass),
        ("score.marginal".to_owned(), config.score.marginal),
    ];
    for (i, m) in config.metrics.iter().enumerate() {
        let by_name = format!("metrics[{}]", m.name);
        let by_index = format!("metrics[{i}]");
        if let Some(e) = m.effect {
            if let Some(v) = e.allowed_increase {
                keys.push((format!("{by_name}.effect.allowed_increase"), v));
                keys.push((format!("{by_index}.effect.allowed_increase"), v));
            }
            if let Some(v) = e.critical_increase {
                keys.push((format!("{by_name}.effect.critical_increase"), v));
            }
        }
        if let Some(v) = m.relative_gate.and_then(|g| g.max_ratio) {
            keys.push((format!("{by_name}.relative_gate.max_ratio"), v));
        }
        if let Some(v) = m.gate.and_then(|g| g.max) {
            keys.push((format!("{by_name}.gate.max"), v));
        }
        if let Some(v) = m.min_samples {
            keys.push((format!("{by_name}.min_samples"), v as f64));
        }
    }
    for (group, weight) in &config.groups {
        keys.push((format!("groups.{group}"), *weight));
    }
    assert!(keys.len() > 20);
    for (key, value) in keys {
        assert_eq!(
            config.with_override(&key, value).as_ref(),
            Ok(&config),
            "{key}"
        );
    }
}

/// An override changes only its value, and the judged verdicts follow it.
#[test]
fn an_override_changes_verdicts() {
    let config = corpus_config();
    let strict = config
        .with_override("metrics[latency_ms].effect.allowed_increase", 1.0)
        .expect("1.0 is a valid allowance");
    assert_eq!(
        strict.metrics[0].effect.and_then(|e| e.allowed_increase),
        Some(1.0)
    );
    assert_eq!(strict.metrics[1..], config.metrics[1..]);
    let fixture = Fixture::from_path(corpus().join("latency-harmless-2pct.json")).expect("fixture");
    assert_eq!(fixture.expected, Some(Verdict::Promote));
    assert_eq!(
        judge(&config, &fixture).expect("judged").verdict,
        Verdict::Promote
    );
    assert_ne!(
        judge(&strict, &fixture).expect("judged").verdict,
        Verdict::Promote
    );
}

/// The library alone reproduces `canary tune`: a sweep over the corpus recommends the
/// corpus's own setting (1.1), which agrees with every label.
#[test]
fn sweeping_the_corpus_recommends_its_setting() {
    let config = corpus_config();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus())
        .expect("the corpus folder")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let fixtures: Vec<Fixture> = paths
        .iter()
        .map(|p| Fixture::from_path(p).expect("fixture"))
        .collect();
    let sweep =
        Sweep::parse("metrics[latency_ms].effect.allowed_increase=1.0..1.2:0.1").expect("sweep");
    let settings = grid(std::slice::from_ref(&sweep))
        .expect("grid")
        .into_iter()
        .map(|values| {
            let tuned = config
                .with_override(&sweep.key, values[0])
                .expect("override");
            TuneSetting::new(
                BTreeMap::from([(sweep.key.clone(), values[0])]),
                fixtures
                    .iter()
                    .map(|f| (f.expected, judge(&tuned, f).expect("judged").verdict)),
            )
        })
        .collect();
    let tune = Tune::new(vec![sweep.clone()], settings);
    let rec = tune.recommendation.expect("a recommendation");
    assert_eq!(rec.setting.values[&sweep.key], 1.1);
    assert_eq!(rec.setting.agreement, Some(1.0));
    assert!(rec.no_missed_regressions);
    assert_eq!(
        tune.settings[0].false_rollbacks, 1,
        "1.0 rolls back the harmless 2 % rise"
    );
}
