//! Seeded data for the benchmarks, so that every run measures the same numbers.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution, LogNormal, Poisson};

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

/// `n` intervals of `(events, total)` counts from a fixed `seed`: each interval's total is
/// Poisson with mean `requests`, its events Binomial(total, `rate`). Whole numbers, with
/// `events <= total`, as a counts metric (e.g. 5xx out of requests) reports them.
///
/// ```
/// let a = canary_benches::counts_sample(1440, 3, 600.0, 0.002);
/// assert_eq!(a, canary_benches::counts_sample(1440, 3, 600.0, 0.002));
/// assert!(a.iter().all(|&(e, t)| e <= t && e.fract() == 0.0 && t.fract() == 0.0));
/// ```
pub fn counts_sample(n: usize, seed: u64, requests: f64, rate: f64) -> Vec<(f64, f64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let totals = Poisson::new(requests).expect("a positive mean number of requests");
    (0..n)
        .map(|_| {
            let total: f64 = totals.sample(&mut rng);
            let events = Binomial::new(total as u64, rate)
                .expect("a rate in [0, 1]")
                .sample(&mut rng);
            (events as f64, total)
        })
        .collect()
}
