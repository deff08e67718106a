//! Order statistics of the pairwise differences `x_i − y_j` without materialising them.
//!
//! The Hodges–Lehmann estimate and the Mann–Whitney confidence interval are order
//! statistics of the `n·m` differences between two samples. For sorted samples the
//! differences form a matrix whose rows and columns are monotone, so the number of
//! differences at or below any `d` takes one merge-like pass (`O(n + m)`). Selection:
//!
//! 1. a coarse grid of at most 256 × 256 evenly spaced order statistics of each sample
//!    gives the quantiles of the differences to within about 1 %: a first bracket;
//! 2. regula falsi (Illinois variant) on the counts narrows the bracket, usually in two
//!    or three passes, until at most a few `n + m` differences remain in it; bisection
//!    over the ordered doubles takes over when progress stalls (heavy ties), so the loop
//!    ends after at most ~64 extra passes whatever the data;
//! 3. the differences inside the bracket are gathered and the exact one is selected.
//!
//! Time `O((n + m)·passes)`, memory `O(n + m)`. Differences are always computed as the
//! rounded `x_i − y_j`, so results are bit-identical to sorting all `n·m` differences.

/// Two sorted samples, seen as the sorted matrix of their differences `x_i − y_j`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PairwiseDifferences<'a> {
    x: &'a [f64],
    y: &'a [f64],
}

/// Most differences a grid probe looks at.
const GRID_SIDE: usize = 256;

impl<'a> PairwiseDifferences<'a> {
    /// Wraps two non-empty samples sorted ascending, with finite values.
    pub(crate) fn new(x_sorted: &'a [f64], y_sorted: &'a [f64]) -> Self {
        debug_assert!(!x_sorted.is_empty() && !y_sorted.is_empty());
        debug_assert!(x_sorted.is_sorted() && y_sorted.is_sorted());
        Self {
            x: x_sorted,
            y: y_sorted,
        }
    }

    /// `n·m`, the number of differences.
    pub(crate) fn len(&self) -> u64 {
        self.x.len() as u64 * self.y.len() as u64
    }

    fn smallest(&self) -> f64 {
        self.x[0] - self.y[self.y.len() - 1]
    }

    fn largest(&self) -> f64 {
        self.x[self.x.len() - 1] - self.y[0]
    }

    /// The number of differences `<= d`.
    pub(crate) fn count_at_most(&self, d: f64) -> u64 {
        let m = self.y.len();
        let mut j = 0;
        let mut count = 0u64;
        for &xi in self.x {
            // Row i decreases along j: skip the prefix whose differences exceed d.
            while j < m && xi - self.y[j] > d {
                j += 1;
            }
            count += (m - j) as u64;
        }
        count
    }

    /// The `k`-th smallest difference, `k` in `1..=n·m`.
    pub(crate) fn kth_smallest(&self, k: u64) -> f64 {
        let total = self.len();
        let k = k.clamp(1, total);
        if k == 1 {
            return self.smallest();
        }
        if k == total {
            return self.largest();
        }
        let limit = 4 * (self.x.len() + self.y.len()) as u64 + 4096;
        if total <= limit {
            return self.select_in(None, self.largest(), k);
        }
        let mut bracket = Bracket::new(self, k);
        bracket.seed_from_grid(self, k);
        bracket.narrow(self, k, limit);
        if let Some(exact) = bracket.exact {
            return exact;
        }
        let below = bracket.count_lo;
        self.select_in(bracket.lo, bracket.hi, k - below)
    }

    /// The smallest difference strictly greater than `d`, if any.
    pub(crate) fn smallest_above(&self, d: f64) -> Option<f64> {
        let m = self.y.len();
        let mut best: Option<f64> = None;
        // For row i, the differences above d are a prefix j < p_i; the smallest of them is
        // at j = p_i − 1. p_i is non-decreasing in i.
        let mut j = 0;
        for &xi in self.x {
            while j < m && xi - self.y[j] > d {
                j += 1;
            }
            if j > 0 {
                let candidate = xi - self.y[j - 1];
                best = Some(best.map_or(candidate, |b| b.min(candidate)));
            }
        }
        best
    }

    /// Gathers the differences in `(lo, hi]` (`lo = None` means no lower bound) and
    /// returns the `rank`-th smallest of them (1-based).
    fn select_in(&self, lo: Option<f64>, hi: f64, rank: u64) -> f64 {
        let m = self.y.len();
        let mut values = Vec::new();
        let (mut start, mut end) = (0usize, 0usize);
        for &xi in self.x {
            // start: first j with xi - y[j] <= hi; end: first j with xi - y[j] <= lo.
            while start < m && xi - self.y[start] > hi {
                start += 1;
            }
            match lo {
                Some(lo) => {
                    end = end.max(start);
                    while end < m && xi - self.y[end] > lo {
                        end += 1;
                    }
                }
                None => end = m,
            }
            values.extend(self.y[start..end].iter().map(|&yj| xi - yj));
        }
        let index = (rank as usize).saturating_sub(1).min(values.len().saturating_sub(1));
        if values.is_empty() {
            return hi;
        }
        let (_, value, _) = values.select_nth_unstable_by(index, f64::total_cmp);
        *value
    }

    /// Evenly spaced order statistics of both samples, and all their differences sorted:
    /// an approximation of the distribution of the differences.
    fn grid(&self) -> (Vec<f64>, f64) {
        let thin = |s: &[f64]| -> Vec<f64> {
            let side = s.len().min(GRID_SIDE);
            (0..side)
                .map(|t| s[((2 * t + 1) * s.len()) / (2 * side)])
                .collect()
        };
        let (gx, gy) = (thin(self.x), thin(self.y));
        let mut diffs: Vec<f64> = gx
            .iter()
            .flat_map(|&a| gy.iter().map(move |&b| a - b))
            .collect();
        diffs.sort_unstable_by(f64::total_cmp);
        // Worst-case error of the grid's distribution function, as a fraction.
        let error = 1.0 / gx.len() as f64 + 1.0 / gy.len() as f64;
        (diffs, error)
    }
}

/// The search state for one order statistic: `count(lo) < k <= count(hi)`.
#[derive(Debug)]
struct Bracket {
    lo: Option<f64>,
    count_lo: u64,
    hi: f64,
    count_hi: u64,
    exact: Option<f64>,
}

impl Bracket {
    fn new(diffs: &PairwiseDifferences<'_>, _k: u64) -> Self {
        Self {
            lo: None,
            count_lo: 0,
            hi: diffs.largest(),
            count_hi: diffs.len(),
            exact: None,
        }
    }

    fn width(&self) -> u64 {
        self.count_hi - self.count_lo
    }

    /// Counts at `d` and moves the matching end of the bracket there.
    fn probe(&mut self, diffs: &PairwiseDifferences<'_>, k: u64, d: f64) -> Side {
        let count = diffs.count_at_most(d);
        if count >= k {
            self.hi = d;
            self.count_hi = count;
            Side::Hi
        } else {
            self.lo = Some(d);
            self.count_lo = count;
            Side::Lo
        }
    }

    fn inside(&self, d: f64) -> bool {
        d < self.hi && self.lo.is_none_or(|lo| d > lo)
    }

    fn seed_from_grid(&mut self, diffs: &PairwiseDifferences<'_>, k: u64) {
        let (grid, error) = diffs.grid();
        let p = (k as f64 - 0.5) / diffs.len() as f64;
        let margin = 1.25 * error;
        let at = |fraction: f64| -> Option<f64> {
            if !(0.0..1.0).contains(&fraction) {
                return None;
            }
            let index = ((fraction * grid.len() as f64) as usize).min(grid.len() - 1);
            Some(grid[index])
        };
        for guess in [at(p - margin), at(p + margin)].into_iter().flatten() {
            if self.inside(guess) {
                self.probe(diffs, k, guess);
            }
        }
    }

    fn narrow(&mut self, diffs: &PairwiseDifferences<'_>, k: u64, limit: u64) {
        let mut last_side: Option<Side> = None;
        // Illinois weights: halve the weight of an end that stays put twice.
        let (mut weight_lo, mut weight_hi) = (1.0f64, 1.0f64);
        while self.width() > limit {
            let before = self.width();
            let d = match self.lo {
                None => midpoint(diffs.smallest() - 1.0, self.hi),
                Some(lo) => {
                    let f_lo = (self.count_lo as f64 - k as f64 + 0.5) * weight_lo;
                    let f_hi = (self.count_hi as f64 - k as f64 + 0.5) * weight_hi;
                    let t = -f_lo / (f_hi - f_lo);
                    let guess = lo + (self.hi - lo) * t;
                    if guess > lo && guess < self.hi {
                        guess
                    } else {
                        midpoint(lo, self.hi)
                    }
                }
            };
            if !self.inside(d) {
                // lo and hi are adjacent doubles: every difference left in the bracket
                // equals hi.
                self.exact = Some(self.hi);
                return;
            }
            let side = self.probe(diffs, k, d);
            if last_side == Some(side) {
                match side {
                    Side::Lo => weight_hi *= 0.5,
                    Side::Hi => weight_lo *= 0.5,
                }
            } else {
                weight_lo = 1.0;
                weight_hi = 1.0;
            }
            last_side = Some(side);
            if self.width() * 2 > before {
                // Slow progress (ties, or a kink in the distribution): bisect once.
                let d = match self.lo {
                    Some(lo) => midpoint(lo, self.hi),
                    None => midpoint(diffs.smallest() - 1.0, self.hi),
                };
                if !self.inside(d) {
                    self.exact = Some(self.hi);
                    return;
                }
                self.probe(diffs, k, d);
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Lo,
    Hi,
}

/// The point halfway between two finite doubles in their total order (so repeated
/// bisection ends after at most 64 steps even across many orders of magnitude).
fn midpoint(a: f64, b: f64) -> f64 {
    let key = |v: f64| -> i128 {
        let bits = v.to_bits() as i64;
        // Map the IEEE bit pattern onto a signed integer with the same order.
        (if bits < 0 { i64::MIN - bits } else { bits }) as i128
    };
    let from_key = |k: i128| -> f64 {
        let k = k as i64;
        let bits = if k < 0 { i64::MIN - k } else { k };
        f64::from_bits(bits as u64)
    };
    let (ka, kb) = (key(a), key(b));
    if ka.abs_diff(kb) > 1 << 40 {
        // Far apart (many binades): split in the ordered bit space.
        from_key((ka + kb) / 2)
    } else {
        let mid = a + (b - a) / 2.0;
        if mid > a.min(b) && mid < a.max(b) {
            mid
        } else {
            from_key((ka + kb) / 2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(x: &[f64], y: &[f64]) -> Vec<f64> {
        let mut all: Vec<f64> = x.iter().flat_map(|&a| y.iter().map(move |&b| a - b)).collect();
        all.sort_unstable_by(f64::total_cmp);
        all
    }

    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn matches_brute_force_on_random_and_tied_data() {
        let mut seed = 42;
        for (n, m, levels) in [(300, 400, 0), (500, 300, 7), (1000, 1000, 0), (700, 900, 3)] {
            let mut x: Vec<f64> = (0..n)
                .map(|_| {
                    let v = lcg(&mut seed) * 10.0;
                    if levels > 0 { (v * levels as f64 / 10.0).floor() } else { v }
                })
                .collect();
            let mut y: Vec<f64> = (0..m)
                .map(|_| {
                    let v = lcg(&mut seed) * 10.0 + 0.5;
                    if levels > 0 { (v * levels as f64 / 10.0).floor() } else { v }
                })
                .collect();
            x.sort_unstable_by(f64::total_cmp);
            y.sort_unstable_by(f64::total_cmp);
            let all = brute(&x, &y);
            let diffs = PairwiseDifferences::new(&x, &y);
            let total = all.len() as u64;
            for k in [1, 2, total / 7, total / 2, total / 2 + 1, total - 3, total] {
                assert_eq!(diffs.kth_smallest(k), all[k as usize - 1], "n={n} m={m} k={k}");
            }
            let v = all[all.len() / 3];
            let above = all.iter().copied().find(|&d| d > v);
            assert_eq!(diffs.smallest_above(v), above);
            assert_eq!(diffs.count_at_most(v), all.iter().filter(|&&d| d <= v).count() as u64);
        }
    }

    #[test]
    fn handles_all_equal_and_extreme_scales() {
        let x = vec![5.0; 3000];
        let y = vec![5.0; 2000];
        let diffs = PairwiseDifferences::new(&x, &y);
        assert_eq!(diffs.kth_smallest(3_000_000), 0.0);
        let x: Vec<f64> = (0..2000).map(|i| (i as f64 - 1000.0) * 1e200).collect();
        let y: Vec<f64> = (0..2000).map(|i| i as f64 * 1e-200).collect();
        let all = brute(&x, &y);
        let diffs = PairwiseDifferences::new(&x, &y);
        for k in [1u64, 1_999_999, 2_000_001, 4_000_000] {
            assert_eq!(diffs.kth_smallest(k), all[k as usize - 1]);
        }
    }

    #[test]
    fn midpoint_is_strictly_inside() {
        for (a, b) in [(0.0, 1.0), (-1e300, 1e300), (1.0, 1.0 + 4.0 * f64::EPSILON), (-5.0, -4.0)] {
            let m = midpoint(a, b);
            assert!(m > a && m < b, "{a} {b} {m}");
        }
    }
}
