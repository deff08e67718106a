//! One merge pass over two sorted samples: the Mann–Whitney U of the first sample with
//! mid-ranks for ties, and the tie sums the variance of U needs.

/// What the rank test needs to know about two sorted samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RankSummary {
    /// U of the first sample: pairs `x_i > y_j` plus half the pairs `x_i == y_j`
    /// (equal to the sum of the mid-ranks of `x` minus `n(n+1)/2`).
    pub(crate) u: f64,
    /// `Σ (t³ − t)` over groups of equal values in the pooled sample.
    pub(crate) pooled_ties: f64,
    /// `Σ (t³ − t)` over groups of equal values within each sample separately.
    pub(crate) within_ties: f64,
}

impl RankSummary {
    /// Whether any value occurs more than once in the pooled sample.
    pub(crate) fn has_ties(&self) -> bool {
        self.pooled_ties > 0.0
    }
}

/// The rank summary of two sorted samples.
///
/// U comes from one walk of the pairwise-difference matrix at `d = 0` (for each `x_i`,
/// how many `y_j` are below it, and how many equal). Without values shared between the
/// samples, the pooled tie groups are the within-sample ones, found by scanning each
/// sample for runs; only when some `x_i == y_j` does the full merge run.
pub(crate) fn rank_summary(x_sorted: &[f64], y_sorted: &[f64]) -> RankSummary {
    let m = y_sorted.len();
    // Twice U, exactly: 2·#{y < x_i} + #{y == x_i}, summed over i.
    let mut twice_u = 0u128;
    let mut shared_values = false;
    crate::pairwise::walk(x_sorted, y_sorted, [0.0], |xi, p| {
        let below = p[0];
        let mut equal = 0;
        while below + equal < m && y_sorted[below + equal] == xi {
            equal += 1;
        }
        shared_values |= equal > 0;
        twice_u += (2 * below + equal) as u128;
    });
    if shared_values {
        return merge_rank_summary(x_sorted, y_sorted);
    }
    let within_ties = run_ties(x_sorted) + run_ties(y_sorted);
    RankSummary {
        u: twice_u as f64 / 2.0,
        pooled_ties: within_ties,
        within_ties,
    }
}

/// `Σ (t³ − t)` over runs of equal values in a sorted sample.
fn run_ties(sorted: &[f64]) -> f64 {
    let mut total = 0.0;
    let mut run = 1usize;
    for w in sorted.windows(2) {
        if w[0] == w[1] {
            run += 1;
        } else if run > 1 {
            total += cube_excess(run);
            run = 1;
        }
    }
    if run > 1 {
        total += cube_excess(run);
    }
    total
}

fn cube_excess(t: usize) -> f64 {
    let t = t as f64;
    t * t * t - t
}

/// Walks both sorted samples once, group of equal values by group.
fn merge_rank_summary(x_sorted: &[f64], y_sorted: &[f64]) -> RankSummary {
    let (mut i, mut j) = (0usize, 0usize);
    let (n, m) = (x_sorted.len(), y_sorted.len());
    let mut u = 0.0;
    let mut pooled_ties = 0.0;
    let mut within_ties = 0.0;
    while i < n || j < m {
        let value = match (x_sorted.get(i), y_sorted.get(j)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        let y_below = j;
        let x_start = i;
        while i < n && x_sorted[i] == value {
            i += 1;
        }
        let y_start = j;
        while j < m && y_sorted[j] == value {
            j += 1;
        }
        let (a, b) = (i - x_start, j - y_start);
        u += a as f64 * (y_below as f64 + 0.5 * b as f64);
        pooled_ties += cube_excess(a + b);
        within_ties += cube_excess(a) + cube_excess(b);
    }
    RankSummary {
        u,
        pooled_ties,
        within_ties,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_pairs_with_half_credit_for_ties() {
        let s = rank_summary(&[1.0, 2.0, 2.0, 5.0], &[2.0, 3.0]);
        // x=1: 0; x=2: 0.5 each; x=5: 2 -> U = 3.
        assert_eq!(s.u, 3.0);
        assert_eq!(s.pooled_ties, 24.0); // one group of three 2s
        assert_eq!(s.within_ties, 6.0); // the two 2s in x
        assert!(s.has_ties());
        let s = rank_summary(&[1.0], &[0.0]);
        assert_eq!((s.u, s.pooled_ties), (1.0, 0.0));
        assert_eq!(
            rank_summary(&[1.0, 2.0, 2.0, 5.0], &[2.0, 3.0]),
            merge_rank_summary(&[1.0, 2.0, 2.0, 5.0], &[2.0, 3.0])
        );
        // Within-sample ties only: the fast path.
        let s = rank_summary(&[1.0, 1.0, 4.0, 4.0, 4.0], &[0.5, 2.0, 2.0, 7.0]);
        assert_eq!(
            s,
            merge_rank_summary(&[1.0, 1.0, 4.0, 4.0, 4.0], &[0.5, 2.0, 2.0, 7.0])
        );
        assert_eq!(s.within_ties, 6.0 + 24.0 + 6.0);
    }
}
