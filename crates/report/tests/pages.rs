//! Report pages from the bundled corpus: what each page holds (charts, tables, ids),
//! escaping, determinism, errors, and the size of a large report.
#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures

use canary_judge::{
    Config, Fixture, MetricData, Point, Replay, ReplayResult, Sides, Sweep, Tune, TuneSetting,
    judge,
};
use canary_report::{Document, Options, render, render_json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus_config() -> Config {
    Config::from_path(root().join("fixtures/canary.yaml")).unwrap()
}

fn fixture(name: &str) -> Fixture {
    Fixture::from_path(root().join("fixtures").join(name)).unwrap()
}

fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

/// Nothing in the page is fetched from anywhere.
fn assert_self_contained(html: &str) {
    for fetch in [
        "<script", "<link", "src=", "href=", "url(", "@import", "<iframe",
    ] {
        assert!(!html.contains(fetch), "page contains {fetch:?}");
    }
}

fn replay_corpus(config: &Config) -> Replay {
    let files = canary_judge::collect_fixture_files(&[root().join("fixtures")]).unwrap();
    Replay::new(
        files
            .iter()
            .map(|f| ReplayResult::judge_file(config, f).unwrap())
            .collect(),
    )
}

#[test]
fn verdict_page_with_fixture_has_charts_and_tables_per_metric() {
    let config = corpus_config();
    let fixture = fixture("error-spike.json");
    let report = judge(&config, &fixture).unwrap();
    let options = Options {
        fixture: Some(&fixture),
        ..Options::default()
    };
    let html = render(&Document::Verdict(report.clone()), &options).unwrap();
    assert_self_contained(&html);
    assert!(html.contains("<div id=\"banner\" class=\"banner rollback\">"));
    assert!(html.contains("<ul id=\"reasons\"><li>critical failure: errors</li>"));
    // 5 metrics: 4 with a series over time (not the histogram), every one a distribution.
    assert_eq!(count(&html, "<section class=\"metric\""), 5);
    assert_eq!(count(&html, "<svg id=\"series-"), 4);
    assert_eq!(count(&html, "<svg id=\"dist-"), 5);
    assert_eq!(count(&html, "<svg "), 9);
    for m in &report.metrics {
        assert!(
            html.contains(&format!("id=\"evidence-{}\"", m.name)),
            "{}",
            m.name
        );
        assert!(
            html.contains(&format!("id=\"sides-{}\"", m.name)),
            "{}",
            m.name
        );
    }
    assert!(html.contains("id=\"gates-errors\""));
    // Each reason appears in its section, escaped.
    assert!(html.contains("errors rose 9.79× (rate 0.283 % → 2.77 %"));
    // Deterministic bytes; the same page from the JSON text.
    assert_eq!(
        html,
        render(&Document::Verdict(report.clone()), &options).unwrap()
    );
    assert_eq!(html, render_json(&report.to_json(), &options).unwrap());
}

#[test]
fn verdict_page_without_fixture_shows_evidence_and_says_why_no_charts() {
    let report = judge(&corpus_config(), &fixture("latency-regression-30pct.json")).unwrap();
    let html = render_json(&report.to_json(), &Options::default()).unwrap();
    assert_self_contained(&html);
    assert_eq!(count(&html, "<svg"), 0);
    assert!(html.contains("--fixture F"));
    assert_eq!(count(&html, "class=\"evidence\""), report.metrics.len());
    assert!(html.contains("class=\"banner rollback\""));
}

#[test]
fn fixture_without_a_metric_says_so() {
    let config = corpus_config();
    let full = fixture("aa-gaussian.json");
    let report = judge(&config, &full).unwrap();
    let mut partial = full.clone();
    partial.metrics.remove("cpu_percent");
    let options = Options {
        fixture: Some(&partial),
        ..Options::default()
    };
    let html = render(&Document::Verdict(report), &options).unwrap();
    assert_eq!(count(&html, "The fixture has no data for this metric."), 1);
    assert!(!html.contains("id=\"series-cpu_percent\""));
}

#[test]
fn names_and_reasons_are_escaped() {
    let config =
        Config::from_yaml_str("version: 1\nmetrics:\n  - {name: \"<b>x</b>\", min_samples: 2}\n")
            .unwrap();
    let fixture = Fixture::from_json_str(
        r#"{"version": 1, "name": "<script>alert(1)</script>", "metrics": {"<b>x</b>": {
        "baseline": [[0, 1.0], [60, 1.2], [120, 1.1]], "canary": [[0, 1.1], [60, 1.0], [120, 1.2]]}}}"#,
    )
    .unwrap();
    let report = judge(&config, &fixture).unwrap();
    let html = render(
        &Document::Verdict(report),
        &Options {
            fixture: Some(&fixture),
            title: Some("a & b"),
            ..Options::default()
        },
    )
    .unwrap();
    assert!(!html.contains("<b>x</b>") && !html.contains("<script>"));
    assert!(html.contains("&lt;b&gt;x&lt;/b&gt;") && html.contains("<title>a &amp; b</title>"));
    assert_self_contained(&html);
}

#[test]
fn replay_page_has_the_confusion_matrix_and_misjudged_fixtures() {
    // The corpus config agrees with every label.
    let config = corpus_config();
    let html = render(
        &Document::Replay(replay_corpus(&config)),
        &Options::default(),
    )
    .unwrap();
    assert_self_contained(&html);
    assert!(html.contains("id=\"confusion\""));
    assert!(html.contains("38 of 38 agree"));
    assert!(html.contains("None: every labelled fixture got its label."));
    assert_eq!(count(&html, "<tr class=\"bad\">"), 0);

    // An errors threshold of 1.0 rolls a harmless error rise back: one misjudged fixture.
    let strict = config
        .with_override("metrics[errors].effect.allowed_increase", 1.0)
        .unwrap();
    let replay = replay_corpus(&strict);
    assert_eq!(replay.summary.correct, 37);
    let plain = render(&Document::Replay(replay.clone()), &Options::default()).unwrap();
    // The misjudged table and the all-results table mark it.
    assert_eq!(count(&plain, "<tr class=\"bad\">"), 2);
    assert!(plain.contains("canary report --config C"));
    assert_eq!(count(&plain, "<svg"), 0);

    let detailed = render(
        &Document::Replay(replay),
        &Options {
            config: Some(&strict),
            ..Options::default()
        },
    )
    .unwrap();
    assert_self_contained(&detailed);
    assert!(detailed.contains("id=\"detail-1\""));
    assert!(detailed.contains(": expected promote, got "));
    // The misjudged fixture judged again, with its charts under unique ids.
    assert!(
        count(&detailed, "<svg id=\"series-f") >= 1,
        "no detail charts"
    );
    assert!(
        count(&detailed, "<svg id=\"dist-f") >= 1,
        "no detail charts"
    );
    assert!(detailed.contains("id=\"banner-"));
}

#[test]
fn replay_detail_names_a_fixture_it_cannot_read() {
    let replay = Replay::new(vec![ReplayResult {
        path: "/nonexistent/x.json".into(),
        name: "gone".into(),
        expected: Some(canary_judge::Verdict::Promote),
        verdict: canary_judge::Verdict::Rollback,
        score: canary_judge::Number(0.0),
    }]);
    let html = render(
        &Document::Replay(replay),
        &Options {
            config: Some(&corpus_config()),
            ..Options::default()
        },
    )
    .unwrap();
    assert!(html.contains("Could not judge it again"));
    assert!(html.contains("/nonexistent/x.json"));
}

fn corpus_tune(sweeps: Vec<Sweep>) -> Tune {
    let config = corpus_config();
    let files = canary_judge::collect_fixture_files(&[root().join("fixtures")]).unwrap();
    let fixtures: Vec<Fixture> = files
        .iter()
        .map(|f| Fixture::from_path(f).unwrap())
        .collect();
    let settings = canary_judge::grid(&sweeps)
        .unwrap()
        .into_iter()
        .map(|values| {
            let mut tuned = config.clone();
            let mut named = BTreeMap::new();
            for (sweep, &v) in sweeps.iter().zip(&values) {
                tuned = tuned.with_override(&sweep.key, v).unwrap();
                named.insert(sweep.key.clone(), v);
            }
            TuneSetting::new(
                named,
                fixtures
                    .iter()
                    .map(|f| (f.expected, judge(&tuned, f).unwrap().verdict)),
            )
        })
        .collect();
    Tune::new(sweeps, settings)
}

#[test]
fn tune_page_marks_the_recommendation() {
    let sweep = Sweep::parse("metrics[errors].effect.allowed_increase=1.0..3.0:0.5").unwrap();
    let tune = corpus_tune(vec![sweep]);
    let html = render(&Document::Tune(Box::new(tune.clone())), &Options::default()).unwrap();
    assert_self_contained(&html);
    assert_eq!(count(&html, "<svg id=\"tune-chart-0\""), 1);
    assert!(html.contains("id=\"settings\""));
    // 5 settings: 1.0 rolls a good release back, 3.0 misses a regression.
    assert_eq!(count(&html, "<tr"), 6);
    assert_eq!(count(&html, "<tr class=\"best\">"), 1);
    assert_eq!(count(&html, "<tr class=\"next\">"), 1);
    assert!(html.contains("Recommended: metrics[errors].effect.allowed_increase = 1.5"));
    assert!(
        html.contains("\nrecommended\n</text>"),
        "the chart marks it"
    );
    let json = serde_json::to_string(&tune).unwrap();
    assert_eq!(html, render_json(&json, &Options::default()).unwrap());
}

#[test]
fn tune_grid_has_a_chart_per_key() {
    let tune = corpus_tune(vec![
        Sweep::parse("metrics[errors].effect.allowed_increase=1.0..2.0:0.5").unwrap(),
        Sweep::parse("score.pass=70..80:10").unwrap(),
    ]);
    let html = render(&Document::Tune(Box::new(tune)), &Options::default()).unwrap();
    assert_eq!(count(&html, "<svg id=\"tune-chart-"), 2);
    assert!(html.contains("other keys at the recommended"));
    assert_eq!(count(&html, "<tr"), 7);
}

#[test]
fn unknown_json_is_an_error_naming_the_problem() {
    let e = render_json("[1, 2]", &Options::default()).unwrap_err();
    assert!(e.to_string().contains("expected a JSON object"), "{e}");
    let e = render_json(
        "{\"verdict\": \"promote\", \"metrics\": 3}",
        &Options::default(),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("looks like verdict JSON but does not fit"),
        "{e}"
    );
    let e = render_json("{", &Options::default()).unwrap_err();
    assert!(e.to_string().starts_with("not JSON"), "{e}");
}

#[test]
fn verdict_json_with_extra_fields_still_renders() {
    // `canary gate` writes the verdict schema; newer writers may add fields.
    let report = judge(&corpus_config(), &fixture("aa-gaussian.json")).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    value["window"] = serde_json::json!({"start": 0, "end": 600});
    let html = render_json(&value.to_string(), &Options::default()).unwrap();
    assert!(html.contains("class=\"banner promote\""));
}

/// A fixture of `metrics` continuous metrics with `points` values per side.
fn large(metrics: usize, points: usize) -> (Config, Fixture) {
    let mut yaml = String::from("version: 1\nmetrics:\n");
    let mut data = BTreeMap::new();
    let mut state: u64 = 42;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for m in 0..metrics {
        let name = format!("metric_{m:02}");
        yaml.push_str(&format!("  - {{name: {name}}}\n"));
        let mut side = |shift: f64| -> Vec<Point> {
            (0..points)
                .map(|i| Point {
                    timestamp: 1_763_719_200 + 10 * i as i64,
                    value: Some(100.0 + shift + 20.0 * next()),
                })
                .collect()
        };
        let baseline = side(0.0);
        let canary = side(if m % 5 == 0 { 3.0 } else { 0.0 });
        data.insert(name, MetricData::Continuous(Sides { baseline, canary }));
    }
    let fixture = Fixture {
        name: "large".into(),
        description: None,
        expected: None,
        metrics: data,
    };
    (Config::from_yaml_str(&yaml).unwrap(), fixture)
}

#[test]
fn a_large_fixture_gives_a_bounded_page() {
    // 50 metrics × 10,000 points per side: 1,000,000 values.
    let (config, fixture) = large(50, 10_000);
    let report = judge(&config, &fixture).unwrap();
    let options = Options {
        fixture: Some(&fixture),
        ..Options::default()
    };
    let html = render(&Document::Verdict(report), &options).unwrap();
    assert_eq!(count(&html, "<svg "), 100);
    // Each time series: at most 2 points per bucket; each ECDF: at most 200 points.
    // Data lines are the polylines in the baseline and canary colours.
    let vertices: usize = html
        .split("<polyline ")
        .skip(1)
        .filter(|p| {
            p.starts_with("fill=\"none\" opacity=\"1\" stroke=\"#0969DA\"")
                || p.starts_with("fill=\"none\" opacity=\"1\" stroke=\"#E16F24\"")
        })
        .map(|p| {
            let points = &p[p.find("points=\"").unwrap() + 8..];
            points[..points.find('"').unwrap()]
                .split_whitespace()
                .count()
        })
        .sum();
    assert!(
        vertices > 50 * 2 * canary_report::downsample::ECDF_POINTS,
        "{vertices}"
    );
    let bound = 50
        * 2
        * (2 * canary_report::downsample::TIME_BUCKETS + canary_report::downsample::ECDF_POINTS);
    assert!(vertices <= bound, "{vertices} vertices > {bound}");
    // The page stays small enough to open at once (about 1 MB; raw data would be ~20 MB).
    assert!(html.len() < 2_000_000, "{} bytes", html.len());
}

fn rollout_json(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .unwrap()
}

#[test]
fn rollout_page_shows_steps_decisions_and_evidence() {
    // Recorded with `canary rollout --plan fixtures/plans/canary.yaml --format json
    // fixtures/plans/bad/step-*.json` (errors regress at step 2).
    let html = render_json(&rollout_json("rollout-rollback.json"), &Options::default()).unwrap();
    assert_self_contained(&html);
    assert!(html.contains(
        "<div id=\"banner\" class=\"banner rollback\"><span class=\"big\">rolled back</span>"
    ));
    assert!(html.contains("at step 2 of 5 (20 %)"));
    assert!(html.contains("critical failure: errors"));
    assert_eq!(count(&html, "<svg id=\"rollout-chart\""), 1);
    assert!(
        html.contains("id=\"steps\"")
            && html.contains("id=\"decisions\"")
            && html.contains("id=\"limits\"")
    );
    // 5 plan steps; 2 decisions, the second a rollback with its evidence open.
    let steps = html
        .split("id=\"steps\"")
        .nth(1)
        .unwrap()
        .split("</table>")
        .next()
        .unwrap();
    assert_eq!(count(steps, "<tr"), 6);
    assert_eq!(count(steps, "not reached"), 3);
    assert!(html.contains("<details id=\"observation-2\" open>"));
    assert!(html.contains("<details id=\"observation-1\">"));
    assert!(html.contains("id=\"evidence-o2-errors\""));

    let done = render_json(&rollout_json("rollout-complete.json"), &Options::default()).unwrap();
    assert!(done.contains("class=\"banner promote\"><span class=\"big\">completed</span>"));
    assert_eq!(count(&done, "<details id=\"observation-"), 5);
    assert_eq!(
        done,
        render_json(&rollout_json("rollout-complete.json"), &Options::default()).unwrap()
    );
}

#[test]
fn rollout_json_with_added_fields_still_renders() {
    let mut value: serde_json::Value =
        serde_json::from_str(&rollout_json("rollout-complete.json")).unwrap();
    value["new_top_level"] = serde_json::json!({"x": 1});
    value["decisions"][0]["new_field"] = serde_json::json!([1, 2]);
    value["steps"][0]["new_step_field"] = serde_json::json!("y");
    let html = render_json(&value.to_string(), &Options::default()).unwrap();
    assert!(html.contains("id=\"rollout-chart\""));
}
