//! The main job until the judge exists: a canary compared with its baseline using the
//! statistics of `canary-stats`, with every figure R would give.
//!
//! Run: `cargo run --release -p canary-stats --example compare_latency`
#![allow(clippy::print_stdout)] // a command-line example: printing is its job

use canary_stats::{
    KsOptions, MannWhitneyOptions, Result, effect_sizes, ks_two_sample, mann_whitney, quantile_ci,
};

/// A small deterministic generator, so the example prints the same figures every run.
struct Lcg(u64);

impl Lcg {
    fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// A log-normal latency in milliseconds (Box–Muller).
    fn latency(&mut self, median_ms: f64, sigma: f64) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        let z = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
        (median_ms * (sigma * z).exp() * 100.0).round() / 100.0
    }
}

fn main() -> Result<()> {
    let mut rng = Lcg(20_261_125);
    // Ten minutes of requests: the baseline at 120 ms median, the canary 8 % slower with
    // a heavier tail.
    let baseline: Vec<f64> = (0..3000).map(|_| rng.latency(120.0, 0.30)).collect();
    let canary: Vec<f64> = (0..600).map(|_| rng.latency(129.6, 0.36)).collect();

    println!(
        "canary: {} requests, baseline: {} requests",
        canary.len(),
        baseline.len()
    );
    let mw = mann_whitney(&canary, &baseline, &MannWhitneyOptions::default())?;
    println!(
        "Mann-Whitney ({}): U = {}, p = {:.3e}; Hodges-Lehmann shift {:+.2} ms, \
         95 % CI [{:+.2}, {:+.2}] ms",
        mw.method.as_str(),
        mw.statistic,
        mw.p_value,
        mw.estimate,
        mw.confidence_interval.low,
        mw.confidence_interval.high
    );
    let effect = effect_sizes(&canary, &baseline)?;
    println!(
        "effect: mean ratio {:.3}, CLES {:.3}, shift over baseline median {:.3}",
        effect.mean_ratio, effect.cles, effect.hl_ratio
    );
    let ks = ks_two_sample(&canary, &baseline, &KsOptions::default())?;
    println!(
        "Kolmogorov-Smirnov ({}): D = {:.4}, p = {:.3e}",
        ks.method.as_str(),
        ks.statistic,
        ks.p_value
    );
    for q in [0.5, 0.95, 0.99] {
        let b = quantile_ci(&baseline, q, 0.95)?;
        let c = quantile_ci(&canary, q, 0.95)?;
        println!(
            "p{:<2}: baseline {:7.2} ms [{:7.2}, {:7.2}]   canary {:7.2} ms [{:7.2}, {:7.2}]",
            (q * 100.0).round(),
            b.estimate,
            b.confidence_interval.low,
            b.confidence_interval.high,
            c.estimate,
            c.confidence_interval.low,
            c.confidence_interval.high
        );
    }
    Ok(())
}
