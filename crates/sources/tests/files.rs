//! The `files` backend: a fixture served as a source gives back exactly its data.
#![allow(clippy::unwrap_used)]

use canary_judge::{Config, Fixture, MetricData, judge, judge_metrics};
use canary_sources::{
    Cause, MetricSource, Scopes, SourceSettings, Window, build_source, fetch_all,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn files_source(path: &Path) -> Box<dyn MetricSource> {
    build_source(
        "files",
        SourceSettings {
            url: Some(path.display().to_string()),
            ..SourceSettings::default()
        },
    )
    .unwrap()
}

/// The first and last timestamp of the fixture's series.
fn span(fixture: &Fixture) -> (i64, i64) {
    let mut times = Vec::new();
    for data in fixture.metrics.values() {
        match data {
            MetricData::Continuous(s) => {
                times.extend(s.baseline.iter().chain(&s.canary).map(|p| p.timestamp))
            }
            MetricData::Counts(s) => {
                times.extend(s.baseline.iter().chain(&s.canary).map(|p| p.timestamp))
            }
            MetricData::Histogram(_) => {}
        }
    }
    (*times.iter().min().unwrap(), *times.iter().max().unwrap())
}

#[tokio::test]
async fn every_bundled_fixture_comes_back_unchanged_and_judges_the_same() {
    let config = Config::from_path(fixtures().join("canary.yaml")).unwrap();
    let scopes = Scopes {
        baseline: "unused".into(),
        canary: "unused".into(),
    };
    let mut seen = 0;
    for path in canary_judge::collect_fixture_files(&[fixtures()]).unwrap() {
        let fixture = Fixture::from_path(&path).unwrap();
        let (start, end) = span(&fixture);
        let source = files_source(&path);
        let window = Window::new(start, end.max(start + 1), 60).unwrap();
        let fetched = fetch_all(source.as_ref(), &config, window, &scopes, &BTreeMap::new()).await;
        assert!(
            fetched.failures.is_empty(),
            "{}: {:?}",
            path.display(),
            fetched.failures
        );
        assert_eq!(fetched.metrics, fixture.metrics, "{}", path.display());
        let live = judge_metrics(&config, &fixture.name, &fetched.metrics).unwrap();
        assert_eq!(live.to_json(), judge(&config, &fixture).unwrap().to_json());
        seen += 1;
    }
    assert!(seen >= 38, "{seen}");
}

#[tokio::test]
async fn points_outside_the_window_are_dropped_and_missing_metrics_fail() {
    let path = fixtures().join("error-spike.json");
    let fixture = Fixture::from_path(&path).unwrap();
    let (start, _) = span(&fixture);
    let source = files_source(&path);
    let config = Config::from_yaml_str(
        "version: 1\nmetrics:\n  - {name: latency_ms}\n  - {name: renamed, kind: counts, query: {files: errors}}\n  - {name: absent}\n",
    )
    .unwrap();
    let scopes = Scopes {
        baseline: "b".into(),
        canary: "c".into(),
    };
    let window = Window::new(start, start + 120, 60).unwrap();
    let fetched = fetch_all(source.as_ref(), &config, window, &scopes, &BTreeMap::new()).await;
    let MetricData::Continuous(s) = &fetched.metrics["latency_ms"] else {
        panic!()
    };
    let MetricData::Continuous(all) = &fixture.metrics["latency_ms"] else {
        panic!()
    };
    let inside = all
        .baseline
        .iter()
        .filter(|p| p.timestamp <= start + 120)
        .count();
    assert!(inside > 1 && inside < all.baseline.len());
    assert_eq!(s.baseline, all.baseline[..inside]);
    let MetricData::Counts(errors) = &fixture.metrics["errors"] else {
        panic!()
    };
    let inside = errors
        .canary
        .iter()
        .filter(|p| p.timestamp <= start + 120)
        .count();
    assert!(
        matches!(&fetched.metrics["renamed"], MetricData::Counts(s) if s.canary == errors.canary[..inside])
    );
    let e = &fetched.failures["absent"];
    assert!(
        matches!(&e.cause, Cause::Data(m) if m.contains("has no metric \"absent\"")),
        "{e}"
    );
    let e = build_source(
        "files",
        SourceSettings {
            url: Some("/nonexistent.json".into()),
            ..SourceSettings::default()
        },
    )
    .err()
    .unwrap();
    assert!(e.to_string().starts_with("files: /nonexistent.json"), "{e}");
}

/// `fetch_all_observed` reports each metric once as its fetch ends, failed ones too
/// (what the progress bar of `canary gate` counts).
#[tokio::test]
async fn every_metric_is_observed_once_when_its_fetch_ends() {
    let path = fixtures().join("error-spike.json");
    let fixture = Fixture::from_path(&path).unwrap();
    let (start, end) = span(&fixture);
    let source = files_source(&path);
    let config = Config::from_yaml_str(
        "version: 1\nmetrics:\n  - {name: latency_ms}\n  - {name: errors, kind: counts}\n  - {name: absent}\n",
    )
    .unwrap();
    let scopes = Scopes {
        baseline: "b".into(),
        canary: "c".into(),
    };
    let window = Window::new(start, end.max(start + 1), 60).unwrap();
    let seen = std::sync::Mutex::new(Vec::new());
    let fetched = canary_sources::fetch_all_observed(
        source.as_ref(),
        &config,
        window,
        &scopes,
        &BTreeMap::new(),
        &|name| seen.lock().unwrap().push(name.to_owned()),
    )
    .await;
    let mut seen = seen.into_inner().unwrap();
    seen.sort();
    assert_eq!(seen, ["absent", "errors", "latency_ms"]);
    assert_eq!(fetched.metrics.len(), 2);
    assert_eq!(fetched.failures.len(), 1);
}
