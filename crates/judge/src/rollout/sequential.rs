//! Sequential error control across a plan's looks: the level each metric is judged at in
//! each look.
//!
//! Every method reduces to a **nominal level per look and metric**: the judge tests the
//! metric on all data so far at confidence `1 − nominal`, and the rest of the judge
//! (effects, gates, scoring, verdict) is unchanged. With no real change, a rollback
//! needs some metric to test significant at some look, so the false-rollback probability
//! over the whole rollout is at most the probability that any metric ever tests
//! significant:
//!
//! - **Several metrics**: `alpha` is split equally over the config's `M` metrics
//!   (Bonferroni, `alpha / M` each), so the family-wise probability stays `≤ alpha`
//!   whatever the metrics' correlation.
//! - **Alpha spending** (`obrien_fleming`, `pocock`): Lan–DeMets two-sided boundaries at
//!   level `alpha / M` ([`canary_stats::group_sequential_bounds_with`]) at the plan's
//!   information fractions; look `k`'s nominal level is the boundary's `nominal_p`.
//! - **mSPRT** (`msprt`): a look is significant when the mixture likelihood ratio of its
//!   z-statistic reaches `M / alpha`, i.e. when `|z| ≥ z*` with
//!   `z*² = ((1 + r) / r) · (ln(1 + r) − 2 ln(alpha / M))`, `r = I τ²`; the nominal level
//!   is `2 (1 − Φ(z*))`. `I` is the look's effective sample size
//!   `n_b n_c / (n_b + n_c)` (samples per side in the metric's unit) and `τ` the plan's
//!   `sequential.tau` in standard deviations of one observation. Valid for any number of
//!   looks, including repeated looks at a held step.
//!
//! **Information fraction** of step `k` (group-sequential methods): the planned canary
//! exposure up to and including step `k` over the plan's total. A step's exposure is its
//! `min_samples` when every step sets one (canary samples are information); otherwise
//! `weight × min_duration` when every step sets a duration (traffic share × time ∝
//! canary requests); otherwise its `weight`. A five-step canary at 10/20/40/60/80 % for
//! 10 minutes each thus looks at `t = 10/210, 30/210, 70/210, 130/210, 1`. The fractions
//! are fixed by the plan, not by the data, as Lan–DeMets requires for the timing of looks.
//!
//! **Repeated looks**: a step judged again after a hold (a tolerated failure, an
//! inconclusive or error measurement) reuses that step's boundary. This is an extra look
//! the spending does not cover; with the default limits (`failure_limit: 0`,
//! `inconclusive_limit: 0`) the only repeats follow error measurements, in which no
//! metric was tested successfully. Use `msprt` when steps are expected to repeat.

use super::decision::{LookControl, MetricLevel};
use super::plan::{RolloutPlan, SequentialMethod};
use crate::number::Number;
use canary_stats::{Alternative, Boundary, SpendingFunction, group_sequential_bounds_with};
use statrs::distribution::{ContinuousCDF, Normal};

/// The smallest nominal level used: confidence stays below 1, so every test can run
/// (O'Brien–Fleming spends almost nothing at early looks).
const MIN_NOMINAL: f64 = 1e-12;

/// The information fraction of each step of a plan (see the module documentation).
///
/// ```
/// use canary_judge::rollout::{information_fractions, RolloutPlan};
///
/// let plan = RolloutPlan::from_yaml_str(
///     "version: 1\nsteps: [{weight: 10}, {weight: 30}, {weight: 60}]\nanalysis: {version: 1, metrics: [{name: x}]}\n",
/// ).unwrap();
/// assert_eq!(information_fractions(&plan), vec![0.1, 0.4, 1.0]);
/// ```
pub fn information_fractions(plan: &RolloutPlan) -> Vec<f64> {
    let steps = &plan.steps;
    let exposures: Vec<f64> = if steps.iter().all(|s| s.min_samples.is_some()) {
        steps
            .iter()
            .map(|s| s.min_samples.unwrap_or(1) as f64)
            .collect()
    } else if steps.iter().all(|s| s.min_duration.is_some()) {
        steps
            .iter()
            .map(|s| s.weight * s.min_duration.map_or(1.0, |d| d.seconds() as f64))
            .collect()
    } else {
        steps.iter().map(|s| s.weight).collect()
    };
    let total: f64 = exposures.iter().sum();
    let mut cumulative = 0.0;
    let mut out: Vec<f64> = exposures
        .iter()
        .map(|e| {
            cumulative += e;
            cumulative / total
        })
        .collect();
    if let Some(last) = out.last_mut() {
        *last = 1.0;
    }
    out
}

/// The levels of every look of a plan.
#[derive(Debug, Clone)]
pub(crate) struct Levels {
    method: SequentialMethod,
    alpha: f64,
    metric_alpha: f64,
    tau: f64,
    fractions: Vec<f64>,
    bounds: Vec<Boundary>,
}

impl Levels {
    /// Computes the boundaries of a plan with `metrics` metrics.
    pub(crate) fn new(plan: &RolloutPlan, metrics: usize) -> Result<Self, String> {
        let s = plan.sequential;
        let metric_alpha = s.alpha / metrics.max(1) as f64;
        let fractions = information_fractions(plan);
        let spending = match s.method {
            SequentialMethod::ObrienFleming => Some(SpendingFunction::OBrienFleming),
            SequentialMethod::Pocock => Some(SpendingFunction::Pocock),
            SequentialMethod::None | SequentialMethod::Msprt => None,
        };
        let bounds = match spending {
            Some(f) => {
                group_sequential_bounds_with(f, metric_alpha, &fractions, Alternative::TwoSided)
                    .map_err(|e| format!("sequential: cannot compute the boundaries: {e}"))?
            }
            None => Vec::new(),
        };
        Ok(Levels {
            method: s.method,
            alpha: s.alpha,
            metric_alpha,
            tau: s.tau,
            fractions,
            bounds,
        })
    }

    /// Whether looks are corrected at all.
    pub(crate) fn is_active(&self) -> bool {
        self.method != SequentialMethod::None
    }

    /// The control of a look at `step` (0-based): per metric `(name, effective sample
    /// size)`.
    pub(crate) fn look(
        &self,
        step: usize,
        repeated: bool,
        metrics: &[(String, f64)],
    ) -> Option<LookControl> {
        let levels = |nominal: &dyn Fn(f64) -> f64, with_info: bool| {
            metrics
                .iter()
                .map(|(name, info)| {
                    let p = nominal(*info).clamp(MIN_NOMINAL, 1.0 - MIN_NOMINAL);
                    MetricLevel {
                        name: name.clone(),
                        nominal_alpha: Number(p),
                        confidence: Number(1.0 - p),
                        information: with_info.then_some(Number(*info)),
                    }
                })
                .collect()
        };
        match self.method {
            SequentialMethod::None => None,
            SequentialMethod::ObrienFleming | SequentialMethod::Pocock => {
                let b = self.bounds.get(step).or(self.bounds.last())?;
                Some(LookControl {
                    method: self.method,
                    alpha: Number(self.alpha),
                    metric_alpha: Number(self.metric_alpha),
                    information_fraction: self.fractions.get(step).map(|t| Number(*t)),
                    alpha_spent: Some(Number(b.alpha_spent)),
                    repeated,
                    metrics: levels(&|_| b.nominal_p, false),
                })
            }
            SequentialMethod::Msprt => Some(LookControl {
                method: self.method,
                alpha: Number(self.alpha),
                metric_alpha: Number(self.metric_alpha),
                information_fraction: None,
                alpha_spent: None,
                repeated,
                metrics: levels(
                    &|info| msprt_nominal(self.metric_alpha, self.tau, info),
                    true,
                ),
            }),
        }
    }
}

/// The fixed-sample two-sided level at which a z-statistic with information `info`
/// crosses the mSPRT threshold `1 / alpha` (1 when there is no information).
pub(crate) fn msprt_nominal(alpha: f64, tau: f64, info: f64) -> f64 {
    let r = info * tau * tau;
    if !(r.is_finite() && r > 0.0) {
        return 1.0;
    }
    let z2 = ((1.0 + r) / r) * ((1.0 + r).ln() - 2.0 * alpha.ln());
    let Ok(normal) = Normal::new(0.0, 1.0) else {
        return 1.0;
    };
    (2.0 * normal.sf(z2.sqrt())).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use canary_stats::mixture_likelihood_ratio;

    #[test]
    fn msprt_nominal_level_is_where_the_likelihood_ratio_reaches_one_over_alpha() {
        for (alpha, tau, info) in [(0.05, 0.1, 1000.0), (0.025, 0.2, 50.0), (0.01, 0.05, 1e5)] {
            let p = msprt_nominal(alpha, tau, info);
            let normal = Normal::new(0.0, 1.0).unwrap();
            let z = normal.inverse_cdf(1.0 - p / 2.0);
            let lr = mixture_likelihood_ratio(z, info, tau * tau).unwrap();
            assert!(
                (lr * alpha - 1.0).abs() < 1e-6,
                "{alpha} {tau} {info}: {lr}"
            );
        }
        assert_eq!(msprt_nominal(0.05, 0.1, 0.0), 1.0);
    }
}
