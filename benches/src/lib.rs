//! Seeded data for the benchmarks, so that every run measures the same numbers.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};

/// `n` latency-like values (log-normal, median `median_ms`) from a fixed `seed`.
///
/// ```
/// let a = canary_benches::latency_sample(1000, 7, 120.0);
/// assert_eq!(a, canary_benches::latency_sample(1000, 7, 120.0));
/// assert!(a.iter().all(|v| *v > 0.0));
/// ```
pub fn latency_sample(n: usize, seed: u64, median_ms: f64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let dist = LogNormal::new(median_ms.ln(), 0.35).expect("valid log-normal parameters");
    (0..n).map(|_| dist.sample(&mut rng)).collect()
}
