//! Rendering the HTML report of a large judgement (issue 7): 50 continuous metrics with
//! 10,000 points per side, judged once, then `canary_report::render` with the fixture
//! (time series downsampled to min/max per bucket, ECDFs to 200 quantiles).
//!
//! Run: `cargo bench -p canary-benches --bench report` (criterion prints the median);
//! the page's size is printed once before timing.
#![allow(missing_docs)] // `criterion_group!` generates an undocumented function
#![allow(clippy::print_stdout)] // the bench reports the page size

use canary_benches::latency_sample;
use canary_judge::{Config, Fixture, MetricData, Point, Sides, judge};
use canary_report::{Document, Options, render};
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use std::collections::BTreeMap;
use std::time::Duration;

const METRICS: usize = 50;
const POINTS: usize = 10_000;

fn input() -> (Config, Fixture) {
    let mut yaml = String::from("version: 1\nmetrics:\n");
    let mut metrics = BTreeMap::new();
    for m in 0..METRICS {
        let name = format!("latency_{m:02}");
        yaml.push_str(&format!(
            "  - {{name: {name}, effect: {{measure: hl_ratio, allowed_increase: 1.1}}}}\n"
        ));
        let side = |seed: u64, median: f64| -> Vec<Point> {
            latency_sample(POINTS, seed, median)
                .into_iter()
                .enumerate()
                .map(|(i, v)| Point {
                    timestamp: 1_763_719_200 + 10 * i as i64,
                    value: Some(v),
                })
                .collect()
        };
        let slower = if m % 4 == 0 { 1.05 } else { 1.0 };
        let seed = 2 * m as u64;
        metrics.insert(
            name,
            MetricData::Continuous(Sides {
                baseline: side(seed, 120.0),
                canary: side(seed + 1, 120.0 * slower),
            }),
        );
    }
    let config = Config::from_yaml_str(&yaml).expect("a valid config");
    let fixture = Fixture {
        name: "large".into(),
        description: None,
        expected: None,
        metrics,
    };
    (config, fixture)
}

fn bench(c: &mut Criterion) {
    let (config, fixture) = input();
    let report = judge(&config, &fixture).expect("judged");
    let document = Document::Verdict(report);
    let options = Options {
        fixture: Some(&fixture),
        ..Options::default()
    };
    let html = render(&document, &options).expect("rendered");
    println!(
        "report of {METRICS} metrics x {POINTS} points per side: {} bytes",
        html.len()
    );
    let mut group = c.benchmark_group("report_50x10k");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("render", |b| {
        b.iter(|| render(black_box(&document), black_box(&options)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
