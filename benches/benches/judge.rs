//! Judging a 50-metric config against the statistics it runs: the overhead of
//! `canary_judge::judge` over the sum of its statistical tests (issue 3; target ≤ 1.2×).
//!
//! The config has 40 continuous latency-like metrics (Mann–Whitney, `hl_ratio` effect,
//! p99 relative gate), 5 continuous metrics tested with Kolmogorov–Smirnov (`mean_ratio`
//! effect, absolute p99 gate) and 5 counts metrics (rate test, relative gate on the rate).
//! The fixture holds 1,440 points per side per metric (a day of minutes), seeded, with a
//! few missing values; a quarter of the latency metrics are 5 % slower on the canary.
//!
//! Group `judge_50_metrics`:
//! - `judge`: the whole `canary_judge::judge(&config, &fixture)` call;
//! - `tests_only`: the same statistical work done directly with `canary_stats`, as
//!   `crates/judge/src/evaluate.rs` does it but without anything else — per continuous
//!   metric: drop missing values and sort each side once, `mann_whitney_sorted` (whose
//!   result gives CLES and the shift) or `effect_sizes` + `ks_two_sample`, then the quantiles of the gate, the centre
//!   (medians) and the side summaries (mean, median, p95, p99, max) read from one
//!   `SortedSample` per side; per counts metric: the window totals and
//!   `rate_test_totals`.
//!
//! The ratio median(`judge`) / median(`tests_only`) is the judge's overhead: cleaning
//! copies, evidence and report building, classification, scoring. 1.0 would mean the
//! judge costs exactly its statistics.
//!
//! Run: `cargo bench -p canary-benches --bench judge`
//! (criterion prints each median; compare the two `time:` middle values).
#![allow(missing_docs)] // `criterion_group!` generates an undocumented function

use canary_benches::{counts_sample, latency_sample};
use canary_judge::stats::{
    Alternative, KsOptions, MannWhitneyOptions, RateTestOptions, SortedSample, effect_sizes,
    ks_two_sample, mann_whitney_sorted, rate_test_totals, sort_values,
};
use canary_judge::{
    Classification, Config, CountPoint, Fixture, MetricData, MetricKind, Point, Sides, Stat,
    TestKind, judge,
};
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// Points per side per metric: a day of one-minute intervals.
const POINTS: usize = 1_440;
const MANN_WHITNEY_METRICS: usize = 40;
const KS_METRICS: usize = 5;
const COUNTS_METRICS: usize = 5;

fn config() -> Config {
    let mut metrics: Vec<Value> = Vec::new();
    for i in 0..MANN_WHITNEY_METRICS {
        metrics.push(json!({
            "name": format!("latency_{i:02}"),
            "group": "latency",
            "test": "mann_whitney",
            "effect": {"measure": "hl_ratio", "allowed_increase": 1.1},
            "relative_gate": {"stat": "p99", "max_ratio": 1.2},
        }));
    }
    for i in 0..KS_METRICS {
        metrics.push(json!({
            "name": format!("cpu_{i:02}"),
            "group": "saturation",
            "test": "ks",
            "effect": {"measure": "mean_ratio", "allowed_increase": 1.1},
            "gate": {"stat": "p99", "max": 2.0},
        }));
    }
    for i in 0..COUNTS_METRICS {
        metrics.push(json!({
            "name": format!("errors_{i:02}"),
            "group": "errors",
            "kind": "counts",
            "critical": true,
            "relative_gate": {"stat": "rate", "max_ratio": 2.0},
        }));
    }
    let config = json!({"version": 1, "metrics": metrics});
    Config::from_json_str(&config.to_string()).expect("the bench config is valid")
}

/// A series of `values` at one-minute steps, with a missing value every 180 points
/// (shifted by `offset` so metrics lose different minutes).
fn series(values: Vec<f64>, offset: usize) -> Vec<Point> {
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| Point {
            timestamp: 60 * i as i64,
            value: (!(i + offset).is_multiple_of(180)).then_some(v),
        })
        .collect()
}

fn count_series(counts: Vec<(f64, f64)>) -> Vec<CountPoint> {
    counts
        .into_iter()
        .enumerate()
        .map(|(i, (events, total))| CountPoint {
            timestamp: 60 * i as i64,
            events,
            total,
        })
        .collect()
}

fn fixture() -> Fixture {
    let mut metrics = BTreeMap::new();
    let mut seed = 0u64;
    let mut next_seed = || {
        seed += 1;
        seed
    };
    for i in 0..MANN_WHITNEY_METRICS {
        let median = 40.0 + 5.0 * i as f64;
        let slowdown = if i % 4 == 0 { 1.05 } else { 1.0 };
        let sides = Sides {
            baseline: series(latency_sample(POINTS, next_seed(), median), i),
            canary: series(
                latency_sample(POINTS, next_seed(), median * slowdown),
                i + 7,
            ),
        };
        metrics.insert(format!("latency_{i:02}"), MetricData::Continuous(sides));
    }
    for i in 0..KS_METRICS {
        let median = 0.3 + 0.05 * i as f64;
        let sides = Sides {
            baseline: series(latency_sample(POINTS, next_seed(), median), i),
            canary: series(latency_sample(POINTS, next_seed(), median), i + 3),
        };
        metrics.insert(format!("cpu_{i:02}"), MetricData::Continuous(sides));
    }
    for i in 0..COUNTS_METRICS {
        let rate = 0.001 * (1 + i) as f64;
        let sides = Sides {
            baseline: count_series(counts_sample(POINTS, next_seed(), 600.0, rate)),
            canary: count_series(counts_sample(POINTS, next_seed(), 600.0, rate * 1.1)),
        };
        metrics.insert(format!("errors_{i:02}"), MetricData::Counts(sides));
    }
    Fixture {
        name: "judge-50-metrics".to_owned(),
        description: None,
        expected: None,
        metrics,
    }
}

/// What cleaning does with the default config: drop missing values, sort once (with
/// `sort_values`, as `crates/judge/src/clean.rs` does).
fn clean_sorted(points: &[Point]) -> Vec<f64> {
    let mut values: Vec<f64> = Vec::with_capacity(points.len());
    values.extend(
        points
            .iter()
            .filter_map(|p| p.value.filter(|v| v.is_finite())),
    );
    sort_values(&mut values);
    values
}

/// A gate statistic of a continuous side, as the judge computes it.
fn stat_of(sample: &SortedSample, stat: Stat) -> f64 {
    match stat {
        Stat::Mean => sample.as_slice().iter().sum::<f64>() / sample.len() as f64,
        Stat::Median => sample.quantile(0.5).unwrap_or(f64::NAN),
        Stat::Max => sample.as_slice().last().copied().unwrap_or(f64::NAN),
        Stat::Percentile(q) => sample.quantile(q).unwrap_or(f64::NAN),
        Stat::Rate => f64::NAN,
    }
}

/// The side summary's figures: mean, median, p95, p99, max.
fn summary_of(sample: &SortedSample) -> [f64; 5] {
    [
        stat_of(sample, Stat::Mean),
        stat_of(sample, Stat::Median),
        stat_of(sample, Stat::Percentile(0.95)),
        stat_of(sample, Stat::Percentile(0.99)),
        stat_of(sample, Stat::Max),
    ]
}

/// The statistical work of `judge(config, fixture)`, done directly; returns a checksum
/// of every figure so that none of it is optimised away.
fn tests_only(config: &Config, fixture: &Fixture) -> f64 {
    let mut checksum = 0.0;
    for metric in &config.metrics {
        let confidence = metric.confidence.unwrap_or(config.confidence);
        match &fixture.metrics[&metric.name] {
            MetricData::Continuous(sides) => {
                let baseline = clean_sorted(&sides.baseline);
                let canary = clean_sorted(&sides.canary);
                checksum += match metric.test_kind() {
                    TestKind::Ks => {
                        // Only the KS path needs the effect sizes on their own; the
                        // Mann–Whitney result carries CLES and the shift.
                        let effects = effect_sizes(&canary, &baseline).expect("valid samples");
                        let r = ks_two_sample(&canary, &baseline, &KsOptions::default())
                            .expect("valid samples");
                        effects.hl_ratio
                            + effects.mean_ratio
                            + effects.cles
                            + r.statistic
                            + r.p_value
                    }
                    _ => {
                        let options = MannWhitneyOptions {
                            alternative: Alternative::TwoSided,
                            confidence,
                            ..MannWhitneyOptions::default()
                        };
                        let r = mann_whitney_sorted(&canary, &baseline, &options)
                            .expect("valid samples");
                        r.p_value + r.estimate + r.confidence_interval.low
                    }
                };
                let b = SortedSample::from_sorted(baseline).expect("sorted");
                let c = SortedSample::from_sorted(canary).expect("sorted");
                if let Some(gate) = metric.gate {
                    checksum += stat_of(&c, gate.stat);
                }
                if let Some(gate) = metric.relative_gate {
                    checksum += stat_of(&c, gate.stat) / stat_of(&b, gate.stat);
                }
                checksum += summary_of(&b).iter().sum::<f64>() + summary_of(&c).iter().sum::<f64>();
            }
            MetricData::Counts(sides) => {
                let totals = |points: &[CountPoint]| {
                    points
                        .iter()
                        .fold((0.0, 0.0), |(e, t), p| (e + p.events, t + p.total))
                };
                let (eb, tb) = totals(&sides.baseline);
                let (ec, tc) = totals(&sides.canary);
                let options = RateTestOptions {
                    alternative: Alternative::TwoSided,
                    confidence,
                    ..RateTestOptions::default()
                };
                let r = rate_test_totals(ec, tc, eb, tb, &options).expect("valid counts");
                checksum += r.p_value + r.estimate + r.confidence_interval.low;
                checksum += (ec / tc) / (eb / tb);
            }
            MetricData::Histogram(_) => unreachable!("the bench config has no histograms"),
        }
    }
    checksum
}

fn bench_judge(c: &mut Criterion) {
    let config = config();
    let fixture = fixture();
    assert_eq!(config.metrics.len(), 50);
    assert!(
        config
            .metrics
            .iter()
            .all(|m| m.kind != MetricKind::Histogram)
    );
    // Every metric must be tested, or the bench would time early returns.
    let report = judge(&config, &fixture).expect("judged");
    assert!(
        report.metrics.iter().all(|m| !matches!(
            m.classification,
            Classification::Nodata | Classification::Error
        )),
        "every metric is tested"
    );
    assert!(tests_only(&config, &fixture).is_finite());
    let mut group = c.benchmark_group("judge_50_metrics");
    group.sample_size(50);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("judge", |b| {
        b.iter(|| judge(black_box(&config), black_box(&fixture)).expect("judged"))
    });
    group.bench_function("tests_only", |b| {
        b.iter(|| tests_only(black_box(&config), black_box(&fixture)))
    });
    group.finish();
}

criterion_group!(benches, bench_judge);
criterion_main!(benches);
