//! Mann–Whitney with Hodges–Lehmann estimate and CI, against the floor: sorting the same
//! data (both samples) with `sort_unstable_by(f64::total_cmp)` (`sort_both`), and with the
//! crate's own `sort_values` (`sort_both_finite`, comparing NaN-free doubles directly),
//! in the same group.
//!
//! Run: `cargo bench -p canary-benches --bench mann_whitney`
#![allow(missing_docs)] // `criterion_group!` generates an undocumented function

use canary_benches::latency_sample;
use canary_stats::{MannWhitneyOptions, mann_whitney};
use criterion::{BenchmarkId, Criterion, Throughput, black_box, criterion_group, criterion_main};
use std::time::Duration;

/// The crate's own sort of both samples (`partial_cmp` on NaN-free data), the real
/// floor of `mann_whitney`.
fn sort_both_finite(x: &[f64], y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut a = x.to_vec();
    let mut b = y.to_vec();
    canary_stats::sort_values(&mut a);
    canary_stats::sort_values(&mut b);
    (a, b)
}

fn sort_both(x: &[f64], y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut a = x.to_vec();
    let mut b = y.to_vec();
    a.sort_unstable_by(f64::total_cmp);
    b.sort_unstable_by(f64::total_cmp);
    (a, b)
}

/// The textbook Hodges–Lehmann estimate: all n·m differences, then their median.
fn naive_hodges_lehmann(x: &[f64], y: &[f64]) -> f64 {
    let mut diffs: Vec<f64> = x
        .iter()
        .flat_map(|&a| y.iter().map(move |&b| a - b))
        .collect();
    let mid = diffs.len() / 2;
    let (_, upper, _) = diffs.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if diffs.len() % 2 == 1 {
        return upper;
    }
    let lower = diffs[..mid]
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    (lower + upper) / 2.0
}

fn bench_mann_whitney(c: &mut Criterion) {
    let options = MannWhitneyOptions::default();
    let mut group = c.benchmark_group("mann_whitney");
    for &n in &[1_000usize, 100_000, 1_000_000] {
        let x = latency_sample(n, 1, 121.0);
        let y = latency_sample(n, 2, 120.0);
        if n >= 100_000 {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(8));
        }
        group.throughput(Throughput::Elements(2 * n as u64));
        group.bench_with_input(BenchmarkId::new("sort_both", n), &n, |b, _| {
            b.iter(|| sort_both(black_box(&x), black_box(&y)))
        });
        group.bench_with_input(BenchmarkId::new("sort_both_finite", n), &n, |b, _| {
            b.iter(|| sort_both_finite(black_box(&x), black_box(&y)))
        });
        group.bench_with_input(BenchmarkId::new("test_estimate_ci", n), &n, |b, _| {
            b.iter(|| mann_whitney(black_box(&x), black_box(&y), &options))
        });
        if n == 1_000 {
            group.bench_with_input(BenchmarkId::new("naive_hodges_lehmann", n), &n, |b, _| {
                b.iter(|| naive_hodges_lehmann(black_box(&x), black_box(&y)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_mann_whitney);
criterion_main!(benches);
