//! The exact null distribution of the Mann–Whitney U statistic (no ties), as R's
//! `dwilcox` / `pwilcox` / `qwilcox` use it.

use crate::error::{Result, StatsError};

/// Largest `n·m` for which the exact distribution is computed (a forced exact test on
/// larger samples is refused: the normal approximation is accurate there).
pub(crate) const MAX_EXACT_PRODUCT: usize = 250_000;

/// The number of arrangements giving each value `u = 0..=n·m` of U for samples of sizes
/// `n` and `m` without ties, and their total `C(n+m, n)`.
///
/// The counts are the coefficients of the Gaussian binomial `[n+m choose n]_q`, built
/// as `Π_{i=1..n} (1 − q^{m+i}) / (1 − q^i)` one factor at a time (Harding, 1984): after
/// factor `i` the polynomial is `[m+i choose i]_q`, whose coefficients are positive.
/// `O(n·n·m)` time, `O(n·m)` memory. Only the lower half is kept and mirrored, since the
/// distribution is symmetric and the lower half is where no large cancellations occur.
#[derive(Debug, Clone)]
pub(crate) struct ExactUDistribution {
    counts: Vec<f64>,
    total: f64,
}

impl ExactUDistribution {
    /// Tabulates the distribution for sizes `n >= 1` and `m >= 1`.
    pub(crate) fn new(n: usize, m: usize) -> Result<Self> {
        if n.saturating_mul(m) > MAX_EXACT_PRODUCT {
            return Err(StatsError::InvalidArgument {
                name: "method",
                problem: format!(
                    "the exact distribution for sample sizes {n} and {m} is too large \
                     (n·m > {MAX_EXACT_PRODUCT}); use the asymptotic method"
                ),
            });
        }
        // The product is symmetric in n and m; fewer factors are cheaper.
        let (n, m) = if n <= m { (n, m) } else { (m, n) };
        let max_u = n * m;
        let mut poly = vec![0.0f64; max_u + 1];
        poly[0] = 1.0;
        for i in 1..=n {
            let degree = i * m;
            // Multiply by (1 − q^{m+i}), from the top down.
            let shift = m + i;
            for k in (shift..=degree).rev() {
                poly[k] -= poly[k - shift];
            }
            // Divide by (1 − q^i): a running sum with stride i.
            for k in i..=degree {
                poly[k] += poly[k - i];
            }
        }
        // Mirror the lower half onto the upper one.
        for u in 0..=max_u / 2 {
            poly[max_u - u] = poly[u];
        }
        let total = poly.iter().sum();
        Ok(Self {
            counts: poly,
            total,
        })
    }

    /// `n·m`, the largest value of U.
    fn max_u(&self) -> usize {
        self.counts.len() - 1
    }

    /// `P(U <= q)` (R's `pwilcox(q, n, m)`); 0 below 0 and 1 above `n·m`.
    pub(crate) fn cdf(&self, q: i64) -> f64 {
        if q < 0 {
            return 0.0;
        }
        let q = (q as usize).min(self.max_u());
        // Sum the shorter tail for accuracy, as R does.
        if q as f64 <= self.max_u() as f64 / 2.0 {
            self.counts[..=q].iter().sum::<f64>() / self.total
        } else {
            1.0 - self.counts[q + 1..].iter().sum::<f64>() / self.total
        }
    }

    /// `P(U > q)` (R's `pwilcox(q, n, m, lower.tail = FALSE)`).
    pub(crate) fn sf(&self, q: i64) -> f64 {
        if q < 0 {
            return 1.0;
        }
        let q = q as usize;
        if q >= self.max_u() {
            return 0.0;
        }
        if q as f64 >= self.max_u() as f64 / 2.0 {
            self.counts[q + 1..].iter().sum::<f64>() / self.total
        } else {
            1.0 - self.counts[..=q].iter().sum::<f64>() / self.total
        }
    }

    /// The smallest `q` with `P(U <= q) >= p` (R's `qwilcox(p, n, m)`, including its
    /// `10·DBL_EPSILON` fuzz so that results agree at the boundaries).
    pub(crate) fn quantile(&self, p: f64) -> usize {
        let fuzz = 10.0 * f64::EPSILON;
        let mut cumulative = 0.0;
        if p <= 0.5 {
            let target = p - fuzz;
            for (q, c) in self.counts.iter().enumerate() {
                cumulative += c / self.total;
                if cumulative >= target {
                    return q;
                }
            }
            self.max_u()
        } else {
            let target = 1.0 - p + fuzz;
            for (q, c) in self.counts.iter().enumerate() {
                cumulative += c / self.total;
                if cumulative > target {
                    return self.max_u() - q;
                }
            }
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_tables_match_hand_counts() {
        // n = 2, m = 2: U takes 0,1,2,3,4 with counts 1,1,2,1,1 out of C(4,2) = 6.
        let d = ExactUDistribution::new(2, 2).unwrap();
        assert_eq!(d.counts, vec![1.0, 1.0, 2.0, 1.0, 1.0]);
        assert_eq!(d.total, 6.0);
        assert!((d.cdf(1) - 2.0 / 6.0).abs() < 1e-15);
        assert!((d.sf(1) - 4.0 / 6.0).abs() < 1e-15);
        assert_eq!(d.cdf(-1), 0.0);
        assert_eq!(d.sf(4), 0.0);
        assert_eq!(d.quantile(0.025), 0);
        assert_eq!(d.quantile(0.975), 4);
    }

    #[test]
    fn totals_are_binomial_coefficients() {
        let d = ExactUDistribution::new(10, 7).unwrap();
        assert_eq!(d.total, 19_448.0); // C(17, 7)
        assert_eq!(d.counts.len(), 71);
        // Symmetric around n·m/2.
        for u in 0..=70 {
            assert_eq!(d.counts[u], d.counts[70 - u]);
        }
    }

    #[test]
    fn refuses_tables_that_are_too_large() {
        assert!(ExactUDistribution::new(501, 500).is_err());
    }

    /// The straightforward recurrence on the largest observation (it belongs to the
    /// first sample and beats all `j` values of the second, or to the second), with
    /// additions of positive numbers only: the reference for the product formula.
    fn by_recurrence(n: usize, m: usize) -> Vec<f64> {
        let mut previous: Vec<Vec<f64>> = (0..=m).map(|_| vec![1.0]).collect();
        for i in 1..=n {
            let mut current: Vec<Vec<f64>> = vec![vec![1.0]];
            for j in 1..=m {
                let mut row = vec![0.0; i * j + 1];
                for (u, c) in current[j - 1].iter().enumerate() {
                    row[u] += c;
                }
                for (u, c) in previous[j].iter().enumerate() {
                    row[u + j] += c;
                }
                current.push(row);
            }
            previous = current;
        }
        previous.swap_remove(m)
    }

    #[test]
    fn product_formula_matches_the_recurrence_for_every_size_below_50() {
        let mut worst = 0.0f64;
        for n in (1..50).step_by(4).chain([49]) {
            for m in (1..50).step_by(5).chain([49]) {
                let fast = ExactUDistribution::new(n, m).unwrap();
                let slow = by_recurrence(n, m);
                assert_eq!(fast.counts.len(), slow.len());
                for (a, b) in fast.counts.iter().zip(&slow) {
                    worst = worst.max((a - b).abs() / b);
                }
            }
        }
        assert!(worst < 1e-12, "largest relative error {worst:e}");
    }
}
