//! Order statistics of the pairwise differences `x_i − y_j` without materialising them.
//!
//! The Hodges–Lehmann estimate and the Mann–Whitney confidence interval are order
//! statistics of the `n·m` differences between two samples. For sorted samples the
//! differences form a matrix that decreases along rows and increases down columns, so
//! the number of differences at or below any `d` takes one merge-like walk over both
//! samples (`O(n + m)`).
//!
//! Selection works coarse to fine:
//!
//! 1. thin both samples to every 16th order statistic, recursively, until at most
//!    16 384 differences remain; there, gather and sort them all;
//! 2. on each finer level, the coarser level's answer (rescaled rank) is a guess within
//!    a tiny fraction of the target, and its local density of differences gives a window
//!    `(lo, hi]` expected to hold about `0.06·(n + m)` differences around it;
//! 3. one walk over the level counts the differences at or below `lo` and gathers those
//!    in the window, for all requested ranks at once; the exact order statistic is then
//!    selected inside the window;
//! 4. if a window misses its rank (possible with heavy ties), a regula-falsi /
//!    bisection search over exact counts takes over, so the answer is always exact.
//!
//! Time: one walk per window on the finest level (ranks whose windows overlap share
//! one) plus a selection among about `0.06·(n + m)` gathered values; coarser levels add
//! about 1/16 of that each. Walks step four columns at a time without data-dependent
//! branches and interleave eight runs of rows, so a walk costs ~1.7 ns per element.
//! Memory `O(n + m)`.
//! Differences are always computed as the rounded `x_i − y_j`, so results are identical
//! to sorting all `n·m` differences.

/// Two sorted samples, seen as the sorted matrix of their differences `x_i − y_j`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PairwiseDifferences<'a> {
    x: &'a [f64],
    y: &'a [f64],
}

/// At or below this many differences, gather them all.
const DIRECT_LIMIT: u64 = 1 << 14;
/// Each coarser level keeps every this-many-th order statistic of each sample.
const THIN_FACTOR: usize = 16;
/// A sample is not thinned below this many values.
const MIN_THIN_SIDE: usize = 32;
/// Rows walked in lockstep, for instruction-level parallelism.
const SEGMENTS: usize = 8;

/// An order statistic found on one level, with the local density of differences there.
#[derive(Debug, Clone, Copy)]
struct Located {
    value: f64,
    /// Differences per unit of `d` around `value` (may be infinite with ties).
    density: f64,
}

/// What one walk learnt about a window `(lo, hi]`.
#[derive(Debug)]
struct WindowContents {
    lo: f64,
    hi: f64,
    count_at_most_lo: u64,
    values: Vec<f64>,
}

impl WindowContents {
    fn count_at_most_hi(&self) -> u64 {
        self.count_at_most_lo + self.values.len() as u64
    }
}

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
        let m = self.y.len() as u64;
        let mut count = 0u64;
        walk(self.x, self.y, [d], |_, p| count += m - p[0] as u64);
        count
    }

    /// The `k`-th smallest difference, `k` in `1..=n·m` (clamped).
    #[cfg(test)]
    pub(crate) fn kth_smallest(&self, k: u64) -> f64 {
        self.select(&[k])[0]
    }

    /// The differences of the given 1-based ranks (each clamped to `1..=n·m`).
    pub(crate) fn select(&self, ranks: &[u64]) -> Vec<f64> {
        let ranks: Vec<u64> = ranks.iter().map(|&k| k.clamp(1, self.len())).collect();
        self.locate(&ranks, true).iter().map(|l| l.value).collect()
    }

    /// The smallest difference strictly greater than `d`, if any.
    #[cfg(test)]
    pub(crate) fn smallest_above(&self, d: f64) -> Option<f64> {
        let mut best = f64::INFINITY;
        // Row i's differences above d are the prefix j < p_i; the smallest is at p_i − 1.
        walk(self.x, self.y, [d], |xi, p| {
            if p[0] > 0 {
                best = best.min(xi - self.y[p[0] - 1]);
            }
        });
        (best < f64::INFINITY).then_some(best)
    }

    fn locate(&self, ranks: &[u64], finest: bool) -> Vec<Located> {
        if self.len() <= DIRECT_LIMIT {
            return self.locate_directly(ranks);
        }
        let (cx, cy) = (thin(self.x), thin(self.y));
        let coarse = PairwiseDifferences::new(&cx, &cy);
        let scale = self.len() as f64 / coarse.len() as f64;
        let coarse_ranks: Vec<u64> = ranks
            .iter()
            .map(|&k| ((((k as f64) - 0.5) / scale).ceil() as u64).clamp(1, coarse.len()))
            .collect();
        let guesses = coarse.locate(&coarse_ranks, false);

        // A window around each guess, expected to hold ~0.06·(n + m) differences on the
        // finest level; coarser levels are cheap to walk, so their windows are wider and
        // miss less often.
        let share = if finest { 0.03 } else { 0.25 };
        let margin = share * (self.x.len() + self.y.len()) as f64 + 64.0;
        let mut windows: Vec<(f64, f64)> = Vec::new();
        let mut window_of = Vec::with_capacity(ranks.len());
        for guess in &guesses {
            let half = margin / (guess.density * scale);
            let (lo, hi) = if half.is_finite() && half > 0.0 {
                (guess.value - half, guess.value + half)
            } else {
                (guess.value, guess.value)
            };
            // Ranks whose windows overlap (the two middle ranks of an even count, say)
            // share one walk over the union.
            let index = match windows.iter().position(|&(a, b)| lo <= b && a <= hi) {
                Some(i) => {
                    windows[i] = (windows[i].0.min(lo), windows[i].1.max(hi));
                    i
                }
                None => {
                    windows.push((lo, hi));
                    windows.len() - 1
                }
            };
            window_of.push(index);
        }
        let mut contents = self.gather_windows(&windows);
        let located = ranks
            .iter()
            .zip(&window_of)
            .zip(&guesses)
            .map(|((&k, &w), guess)| {
                let window = &mut contents[w];
                if window.count_at_most_lo < k && k <= window.count_at_most_hi() {
                    let index = (k - window.count_at_most_lo - 1) as usize;
                    let (_, value, _) = window.values.select_nth_unstable_by(index, f64::total_cmp);
                    let width = window.hi - window.lo;
                    Located {
                        value: *value,
                        density: window.values.len() as f64 / width,
                    }
                } else {
                    Located {
                        value: self.search(k, window),
                        density: guess.density * scale,
                    }
                }
            })
            .collect();
        for window in contents {
            return_buffer(window.values);
        }
        located
    }

    /// Small problems: gather all differences and sort them.
    fn locate_directly(&self, ranks: &[u64]) -> Vec<Located> {
        let mut all: Vec<f64> = self
            .x
            .iter()
            .flat_map(|&a| self.y.iter().map(move |&b| a - b))
            .collect();
        crate::common::sort_finite(&mut all);
        let last = all.len() - 1;
        let reach = (all.len() / 64).max(1);
        ranks
            .iter()
            .map(|&k| {
                let i = (k - 1) as usize;
                let (a, b) = (i.saturating_sub(reach), (i + reach).min(last));
                Located {
                    value: all[i],
                    density: (b - a) as f64 / (all[b] - all[a]),
                }
            })
            .collect()
    }

    /// For each window, the count at or below its low end and the differences inside it
    /// (one walk per window).
    fn gather_windows(&self, windows: &[(f64, f64)]) -> Vec<WindowContents> {
        let y = self.y;
        let m = y.len();
        windows
            .iter()
            .map(|&(lo, hi)| {
                let mut count_at_most_lo = 0u64;
                let mut values = take_buffer();
                values.reserve((self.x.len() + m) / 8);
                walk(self.x, y, [hi], |xi, p| {
                    // Row i's part of the window starts at p_hi and runs while the
                    // difference stays above lo (usually no or one column).
                    let mut j = p[0];
                    while j < m && xi - y[j] > lo {
                        values.push(xi - y[j]);
                        j += 1;
                    }
                    count_at_most_lo += (m - j) as u64;
                });
                WindowContents {
                    lo,
                    hi,
                    count_at_most_lo,
                    values,
                }
            })
            .collect()
    }

    /// Exact search for the `k`-th difference by counting, starting from what a missed
    /// window told us: regula falsi (Illinois) on the counts with bisection when it
    /// stalls, until few enough differences remain to gather.
    fn search(&self, k: u64, window: &WindowContents) -> f64 {
        let mut bracket = if window.count_at_most_lo >= k {
            Bracket {
                lo: None,
                count_lo: 0,
                hi: window.lo,
                count_hi: window.count_at_most_lo,
            }
        } else {
            Bracket {
                lo: Some(window.hi),
                count_lo: window.count_at_most_hi(),
                hi: self.largest(),
                count_hi: self.len(),
            }
        };
        let limit = 4 * (self.x.len() + self.y.len()) as u64;
        if let Some(exact) = bracket.narrow(self, k, limit) {
            return exact;
        }
        let lo = bracket.lo.unwrap_or_else(|| prev_double(self.smallest()));
        let mut found = self.gather_windows(&[(lo, bracket.hi)]);
        let window = &mut found[0];
        let index = (k - window.count_at_most_lo - 1) as usize;
        let index = index.min(window.values.len().saturating_sub(1));
        if window.values.is_empty() {
            return bracket.hi;
        }
        *window
            .values
            .select_nth_unstable_by(index, f64::total_cmp)
            .1
    }
}

/// Most values kept in the per-thread pool of window buffers (32 MiB).
const MAX_POOLED_VALUES: usize = 1 << 22;

thread_local! {
    /// Window buffers kept between calls, so that gathering does not pay for fresh
    /// pages every time (see `common::with_sorted_copies`).
    static WINDOW_BUFFERS: std::cell::RefCell<Vec<Vec<f64>>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// An empty buffer from this thread's pool (or a new one).
fn take_buffer() -> Vec<f64> {
    let mut buffer = WINDOW_BUFFERS
        .with(|pool| pool.borrow_mut().pop())
        .unwrap_or_default();
    buffer.clear();
    buffer
}

/// Gives a buffer back to this thread's pool, unless the pool is full.
fn return_buffer(buffer: Vec<f64>) {
    WINDOW_BUFFERS.with(|pool| {
        let mut pool = pool.borrow_mut();
        let pooled: usize = pool.iter().map(Vec::capacity).sum();
        if pooled + buffer.capacity() <= MAX_POOLED_VALUES {
            pool.push(buffer);
        }
    });
}

/// Every `THIN_FACTOR`-th order statistic of a sorted sample (the middle of each block),
/// or the sample itself when it is already small.
fn thin(sorted: &[f64]) -> Vec<f64> {
    let n = sorted.len();
    let side = (n / THIN_FACTOR).max(MIN_THIN_SIDE.min(n));
    (0..side)
        .map(|t| sorted[((2 * t + 1) * n) / (2 * side)])
        .collect()
}

/// The search state for one order statistic: `count(lo) < k <= count(hi)`.
#[derive(Debug)]
struct Bracket {
    lo: Option<f64>,
    count_lo: u64,
    hi: f64,
    count_hi: u64,
}

impl Bracket {
    fn width(&self) -> u64 {
        self.count_hi - self.count_lo
    }

    fn inside(&self, d: f64) -> bool {
        d < self.hi && self.lo.is_none_or(|lo| d > lo)
    }

    /// Counts at `d` and moves the matching end of the bracket there; true when `lo`
    /// moved.
    fn probe(&mut self, diffs: &PairwiseDifferences<'_>, k: u64, d: f64) -> bool {
        let count = diffs.count_at_most(d);
        if count >= k {
            self.hi = d;
            self.count_hi = count;
            false
        } else {
            self.lo = Some(d);
            self.count_lo = count;
            true
        }
    }

    /// Narrows until at most `limit` differences remain inside; returns the answer
    /// directly when the bracket closes on one value.
    fn narrow(&mut self, diffs: &PairwiseDifferences<'_>, k: u64, limit: u64) -> Option<f64> {
        let mut last_moved_lo: Option<bool> = None;
        let (mut weight_lo, mut weight_hi) = (1.0f64, 1.0f64);
        while self.width() > limit {
            let before = self.width();
            let lo = self.lo.unwrap_or_else(|| prev_double(diffs.smallest()));
            let f_lo = (self.count_lo as f64 - k as f64 + 0.5) * weight_lo;
            let f_hi = (self.count_hi as f64 - k as f64 + 0.5) * weight_hi;
            let guess = lo + (self.hi - lo) * (-f_lo / (f_hi - f_lo));
            let d = if self.inside(guess) {
                guess
            } else {
                midpoint(lo, self.hi)
            };
            if !self.inside(d) {
                // lo and hi are adjacent doubles: what is left in the bracket equals hi.
                return Some(self.hi);
            }
            let moved_lo = self.probe(diffs, k, d);
            // Illinois: an end that stays put twice gets its weight halved.
            if last_moved_lo == Some(moved_lo) {
                if moved_lo {
                    weight_hi *= 0.5;
                } else {
                    weight_lo *= 0.5;
                }
            } else {
                (weight_lo, weight_hi) = (1.0, 1.0);
            }
            last_moved_lo = Some(moved_lo);
            if self.width() * 2 > before {
                // Slow progress (ties, or a kink in the distribution): bisect once.
                let lo = self.lo.unwrap_or_else(|| prev_double(diffs.smallest()));
                let d = midpoint(lo, self.hi);
                if !self.inside(d) {
                    return Some(self.hi);
                }
                self.probe(diffs, k, d);
            }
        }
        None
    }
}

/// For each row `i` of `x` (ascending) and each threshold `d_t`, the first column `j`
/// with `x_i − y_j <= d_t`; calls `visit(x_i, positions)`. Rows are visited in
/// `SEGMENTS` interleaved runs so that independent walks overlap in the CPU.
#[inline(always)]
pub(crate) fn walk<const K: usize>(
    x: &[f64],
    y: &[f64],
    thresholds: [f64; K],
    mut visit: impl FnMut(f64, &[usize; K]),
) {
    let n = x.len();
    let run = n.div_ceil(SEGMENTS);
    let mut row = [0usize; SEGMENTS];
    let mut end = [0usize; SEGMENTS];
    let mut positions = [[0usize; K]; SEGMENTS];
    for s in 0..SEGMENTS {
        row[s] = (s * run).min(n);
        end[s] = ((s + 1) * run).min(n);
        if row[s] < end[s] {
            let xi = x[row[s]];
            for (t, &d) in thresholds.iter().enumerate() {
                positions[s][t] = y.partition_point(|&yj| xi - yj > d);
            }
        }
    }
    // Every segment but the last has exactly `run` rows; the last may have fewer. Walk
    // the rows all segments have in lockstep, then the rest of the longer ones.
    let common = (0..SEGMENTS).map(|s| end[s] - row[s]).min().unwrap_or(0);
    for t in 0..common {
        for s in 0..SEGMENTS {
            let xi = x[row[s] + t];
            let p = &mut positions[s];
            for k in 0..K {
                let start = if k > 0 { p[k].max(p[k - 1]) } else { p[k] };
                p[k] = advance(xi, y, start, thresholds[k]);
            }
            visit(xi, p);
        }
    }
    for s in 0..SEGMENTS {
        for &xi in &x[row[s] + common..end[s]] {
            let p = &mut positions[s];
            for k in 0..K {
                let start = if k > 0 { p[k].max(p[k - 1]) } else { p[k] };
                p[k] = advance(xi, y, start, thresholds[k]);
            }
            visit(xi, p);
        }
    }
}

/// From column `j`, the first column at or after it with `x_i − y_j <= d`. Steps four
/// columns at a time without branching on each comparison (the comparisons are monotone
/// along the row, so their sum is the advance).
#[inline(always)]
fn advance(xi: f64, y: &[f64], mut j: usize, d: f64) -> usize {
    loop {
        match y.get(j..).and_then(<[f64]>::first_chunk::<4>) {
            Some(w) => {
                let step = usize::from(xi - w[0] > d)
                    + usize::from(xi - w[1] > d)
                    + usize::from(xi - w[2] > d)
                    + usize::from(xi - w[3] > d);
                j += step;
                if step < 4 {
                    return j;
                }
            }
            None => {
                while j < y.len() && xi - y[j] > d {
                    j += 1;
                }
                return j;
            }
        }
    }
}

/// The largest double below `v` (for finite `v`).
fn prev_double(v: f64) -> f64 {
    v.next_down()
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
        let mut all: Vec<f64> = x
            .iter()
            .flat_map(|&a| y.iter().map(move |&b| a - b))
            .collect();
        all.sort_unstable_by(f64::total_cmp);
        all
    }

    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn matches_brute_force_on_random_and_tied_data() {
        let mut seed = 42;
        for (n, m, levels) in [(300, 400, 0), (500, 300, 7), (1000, 1000, 0), (700, 900, 3)] {
            let mut x: Vec<f64> = (0..n)
                .map(|_| {
                    let v = lcg(&mut seed) * 10.0;
                    if levels > 0 {
                        (v * levels as f64 / 10.0).floor()
                    } else {
                        v
                    }
                })
                .collect();
            let mut y: Vec<f64> = (0..m)
                .map(|_| {
                    let v = lcg(&mut seed) * 10.0 + 0.5;
                    if levels > 0 {
                        (v * levels as f64 / 10.0).floor()
                    } else {
                        v
                    }
                })
                .collect();
            x.sort_unstable_by(f64::total_cmp);
            y.sort_unstable_by(f64::total_cmp);
            let all = brute(&x, &y);
            let diffs = PairwiseDifferences::new(&x, &y);
            let total = all.len() as u64;
            for k in [1, 2, total / 7, total / 2, total / 2 + 1, total - 3, total] {
                assert_eq!(
                    diffs.kth_smallest(k),
                    all[k as usize - 1],
                    "n={n} m={m} k={k}"
                );
            }
            let v = all[all.len() / 3];
            let above = all.iter().copied().find(|&d| d > v);
            assert_eq!(diffs.smallest_above(v), above);
            assert_eq!(
                diffs.count_at_most(v),
                all.iter().filter(|&&d| d <= v).count() as u64
            );
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
        for (a, b) in [
            (0.0, 1.0),
            (-1e300, 1e300),
            (1.0, 1.0 + 4.0 * f64::EPSILON),
            (-5.0, -4.0),
        ] {
            let m = midpoint(a, b);
            assert!(m > a && m < b, "{a} {b} {m}");
        }
    }
}
