//! Synthetic rollouts (`canary simulate`): the time per simulated rollout of the example
//! plan (5 steps, a latency histogram and an error count, Pocock spending), against the
//! floor of judging the same kind of data directly — one judgement per observation, no
//! data drawn and no rollout engine.
//!
//! Simulation runs on one worker thread here.
//!
//! Run: `cargo bench -p canary-benches --bench simulate`. Criterion prints the median of
//! each; the ratio `simulate per rollout / (observations per rollout × judge)` is the
//! overhead of drawing the data and stepping the engine (printed once before timing).
#![allow(missing_docs)] // `criterion_group!` generates an undocumented function
#![allow(clippy::print_stdout)] // the bench reports the observations per rollout

use canary_judge::rollout::RolloutPlan;
use canary_judge::simulate::{Scenario, SimulationOptions, simulate};
use canary_judge::{Config, CountPoint, MetricData, Sides, judge_metrics};
use canary_stats::Histogram;
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

const RUNS: u32 = 200;

fn plan() -> RolloutPlan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/plans/canary.yaml");
    RolloutPlan::from_path(path).expect("the example plan loads")
}

/// One observation's worth of data shaped like the simulator's: 42 cumulative latency
/// buckets (5 ms × 1.25^i, then +Inf) of a lognormal with median 100 ms, and 10
/// one-minute intervals of error counts, 9,000 baseline and 1,000 canary requests.
fn step_data() -> BTreeMap<String, MetricData> {
    let bounds: Vec<f64> = (0..41).map(|i| 0.005 * 1.25f64.powi(i)).collect();
    let histogram = |requests: f64| {
        let mut upper = bounds.clone();
        let mut counts: Vec<f64> = bounds
            .iter()
            .map(|b| {
                let z = (b / 0.1).ln() / 0.5;
                (requests * 0.5 * erfc_approx(-z / std::f64::consts::SQRT_2)).round()
            })
            .collect();
        upper.push(f64::INFINITY);
        counts.push(requests);
        Histogram::new(upper, counts).expect("cumulative buckets")
    };
    let counts = |per_interval: u64, errors: u64| -> Vec<CountPoint> {
        (0..10)
            .map(|i| CountPoint {
                timestamp: 1_763_719_200 + 60 * i,
                events: errors as f64,
                total: per_interval as f64,
            })
            .collect()
    };
    BTreeMap::from([
        (
            "latency_seconds".to_owned(),
            MetricData::Histogram(Sides {
                baseline: Some(histogram(9000.0)),
                canary: Some(histogram(1000.0)),
            }),
        ),
        (
            "errors".to_owned(),
            MetricData::Counts(Sides {
                baseline: counts(900, 3),
                canary: counts(100, 0),
            }),
        ),
    ])
}

/// erfc by the Abramowitz–Stegun 7.1.26 approximation: enough for bench
/// data (only the shape of the histogram matters).
fn erfc_approx(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if x >= 0.0 { 1.0 - erf } else { 1.0 + erf }
}

fn bench(c: &mut Criterion) {
    let plan = plan();
    let options = SimulationOptions {
        runs: RUNS,
        seed: 1,
        ..SimulationOptions::default()
    };
    let report = simulate(&plan, Scenario::Aa, &options).expect("simulated");
    println!(
        "A/A: {} runs, {:.3} observations per rollout",
        RUNS, report.outcomes.mean_observations.0
    );
    let config: Config = plan.config().expect("the plan's analysis").clone();
    let data = step_data();
    let mut group = c.benchmark_group("simulate");
    group.measurement_time(Duration::from_secs(8));
    group.sample_size(20);
    // One worker thread, so the per-rollout figure compares with the single-threaded
    // judgement below (the CLI uses every core).
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool");
    group.bench_function("aa_200_rollouts_1_thread", |b| {
        b.iter(|| {
            one_thread
                .install(|| simulate(black_box(&plan), Scenario::Aa, &options).expect("simulated"))
        })
    });
    group.finish();
    let mut group = c.benchmark_group("simulate_floor");
    group.bench_function("judge_one_observation", |b| {
        b.iter(|| judge_metrics(black_box(&config), "step", black_box(&data)).expect("judged"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
