//! Synthetic rollouts: how often a plan promotes, holds or rolls back under a scenario
//! (A/A, a latency shift, an error-rate change, an error spike), seeded and
//! deterministic.
//!
//! # The synthetic data model
//!
//! Each rollout walks the plan's steps. One observation covers one step's window:
//! `min_duration` (or [`SimulationOptions::default_step_seconds`]) cut into intervals of
//! [`SimulationOptions::interval_seconds`]. The service takes
//! [`SimulationOptions::requests_per_step`] requests per window, spread evenly over its
//! intervals; the step's weight (% of traffic) goes to the canary and the rest to the
//! baseline. So a 10 % step of 10,000 requests gives the canary 1,000 requests and the
//! baseline 9,000. For `bake`, the baseline is a pre-deploy window of the same size taken
//! once, before the first step, and every request after the deploy is on the canary side
//! (weight %).
//!
//! Metrics are drawn by kind, for every metric the analysis config names:
//! - **counts** (errors): per interval, `Binomial(requests, rate)` errors; the baseline
//!   rate is [`SimulationOptions::baseline_error_rate`] (0.3 %), the canary's per
//!   scenario;
//! - **histogram** (request latency): every request's latency is lognormal with median
//!   [`SimulationOptions::latency_median_seconds`] (100 ms) and log-sd
//!   [`SimulationOptions::latency_sigma`] (0.5), bucketed into 41 exponential buckets
//!   (5 ms × 1.25^i) plus `+Inf` — drawn directly as a multinomial, one histogram per
//!   side per observation;
//! - **continuous** (a latency gauge): per interval, the mean latency of that interval's
//!   requests, drawn from its normal approximation.
//!
//! Scenarios change the canary only: `aa` (nothing), `latency-shift=F` (every latency
//! × F), `error-rate=A:B` (baseline rate A, canary rate B), `error-spike-at=T[:R]` (the
//! canary's error rate jumps to R — default ten times the baseline rate — for intervals
//! starting `T` or later after the rollout began).
//!
//! A rollout ends when the plan completes (**promote**), rolls back (**rollback**), or
//! holds — paused, or still holding after
//! [`SimulationOptions::max_observations_per_step`] observations of one step
//! (**hold**).
//!
//! Run `i` draws from ChaCha8 seeded with `seed`, stream `i`, so results do not depend on
//! the number of threads: the same seed gives the same output. `--compare naive` judges
//! the same synthetic data with every metric tested at level `alpha` at every look,
//! without correction.

use crate::config::MetricKind;
use crate::data::{CountPoint, MetricData, Point, Sides};
use crate::number::Number;
use crate::rollout::{
    Action, Analysis, Observation, Rollout, RolloutError, RolloutPlan, RolloutStatus,
    SequentialMethod, Strategy,
};
use canary_stats::Histogram;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution, Normal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// The largest number of runs one simulation takes.
pub const MAX_RUNS: u32 = 1_000_000;

/// The first timestamp of synthetic data (2023-11-14).
const START: i64 = 1_700_000_000;

/// What the canary does differently.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scenario {
    /// Nothing: canary and baseline are the same (A/A).
    Aa,
    /// Every canary latency is multiplied by this factor (`latency-shift=1.2`).
    LatencyShift(f64),
    /// Error rates of the baseline and the canary (`error-rate=0.003:0.03`).
    ErrorRate {
        /// The baseline's (and the service's usual) rate.
        baseline: f64,
        /// The canary's rate.
        canary: f64,
    },
    /// The canary's error rate jumps `at_seconds` after the rollout began
    /// (`error-spike-at=2m` or `error-spike-at=2m:0.05`).
    ErrorSpikeAt {
        /// When, in seconds since the rollout began.
        at_seconds: u64,
        /// The canary's rate after the spike (default ten times the baseline rate).
        canary_rate: Option<f64>,
    },
}

/// A scenario that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "invalid scenario {text:?}: {problem}; expected aa, latency-shift=F, error-rate=A:B or error-spike-at=T[:RATE]"
)]
pub struct InvalidScenario {
    /// The text.
    pub text: String,
    /// What was wrong.
    pub problem: String,
}

impl FromStr for Scenario {
    type Err = InvalidScenario;

    /// ```
    /// use canary_judge::simulate::Scenario;
    ///
    /// assert_eq!("aa".parse::<Scenario>().unwrap(), Scenario::Aa);
    /// assert_eq!("latency-shift=1.2".parse::<Scenario>().unwrap(), Scenario::LatencyShift(1.2));
    /// assert_eq!("error-rate=0.003:0.03".parse::<Scenario>().unwrap(),
    ///            Scenario::ErrorRate { baseline: 0.003, canary: 0.03 });
    /// assert_eq!("error-spike-at=2m".parse::<Scenario>().unwrap(),
    ///            Scenario::ErrorSpikeAt { at_seconds: 120, canary_rate: None });
    /// assert!("error-rate=0.003".parse::<Scenario>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |problem: &str| InvalidScenario {
            text: s.to_owned(),
            problem: problem.to_owned(),
        };
        let rate = |text: &str, what: &str| -> Result<f64, InvalidScenario> {
            let v: f64 = text
                .trim()
                .parse()
                .map_err(|_| bad(&format!("{what} {text:?} is not a number")))?;
            if (0.0..=1.0).contains(&v) {
                Ok(v)
            } else {
                Err(bad(&format!("{what} must be a rate in [0, 1], got {v}")))
            }
        };
        let text = s.trim();
        if text == "aa" {
            return Ok(Scenario::Aa);
        }
        let Some((name, value)) = text.split_once('=') else {
            return Err(bad("unknown scenario"));
        };
        match name.trim() {
            "latency-shift" => {
                let f: f64 = value
                    .trim()
                    .parse()
                    .map_err(|_| bad("the factor is not a number"))?;
                if f.is_finite() && f > 0.0 {
                    Ok(Scenario::LatencyShift(f))
                } else {
                    Err(bad("the factor must be positive"))
                }
            }
            "error-rate" => {
                let (a, b) = value
                    .split_once(':')
                    .ok_or_else(|| bad("expected two rates BASELINE:CANARY"))?;
                Ok(Scenario::ErrorRate {
                    baseline: rate(a, "the baseline rate")?,
                    canary: rate(b, "the canary rate")?,
                })
            }
            "error-spike-at" => {
                let (at, r) = match value.split_once(':') {
                    Some((at, r)) => (at, Some(rate(r, "the spike rate")?)),
                    None => (value, None),
                };
                let at: crate::rollout::PlanDuration =
                    at.trim().parse().map_err(|e| bad(&format!("{e}")))?;
                Ok(Scenario::ErrorSpikeAt {
                    at_seconds: at.seconds(),
                    canary_rate: r,
                })
            }
            _ => Err(bad("unknown scenario")),
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scenario::Aa => f.write_str("aa"),
            Scenario::LatencyShift(x) => write!(f, "latency-shift={x}"),
            Scenario::ErrorRate { baseline, canary } => write!(f, "error-rate={baseline}:{canary}"),
            Scenario::ErrorSpikeAt {
                at_seconds,
                canary_rate,
            } => {
                write!(
                    f,
                    "error-spike-at={}",
                    crate::rollout::PlanDuration::from_seconds(*at_seconds)
                )?;
                if let Some(r) = canary_rate {
                    write!(f, ":{r}")?;
                }
                Ok(())
            }
        }
    }
}

/// The knobs of a simulation (see the module documentation for the data model).
#[derive(Debug, Clone, PartialEq)]
pub struct SimulationOptions {
    /// Synthetic rollouts to run (1 to [`MAX_RUNS`]).
    pub runs: u32,
    /// The seed: the same seed gives the same output.
    pub seed: u64,
    /// Service requests per step window (split by the step's weight).
    pub requests_per_step: u64,
    /// Seconds per interval (one point of a time series).
    pub interval_seconds: u64,
    /// The window of a step without `min_duration`, in seconds.
    pub default_step_seconds: u64,
    /// The baseline's error rate (and the canary's, unless the scenario changes it).
    pub baseline_error_rate: f64,
    /// The median request latency, in seconds.
    pub latency_median_seconds: f64,
    /// The standard deviation of log latency.
    pub latency_sigma: f64,
    /// A step still holding after this many observations ends the run as a hold.
    pub max_observations_per_step: u32,
    /// Also judge the same data naively (every look at level `alpha`, no correction).
    pub compare_naive: bool,
}

impl Default for SimulationOptions {
    fn default() -> Self {
        SimulationOptions {
            runs: 1000,
            seed: 1,
            requests_per_step: 10_000,
            interval_seconds: 60,
            default_step_seconds: 600,
            baseline_error_rate: 0.003,
            latency_median_seconds: 0.1,
            latency_sigma: 0.5,
            max_observations_per_step: 3,
            compare_naive: false,
        }
    }
}

/// How the runs of one judging method ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationOutcomes {
    /// The judging: the plan's sequential method, or `naive`.
    pub method: String,
    /// Runs.
    pub runs: u32,
    /// Share of runs that completed.
    pub promote_rate: Number,
    /// Share of runs that ended holding (paused, or held too long at one step).
    pub hold_rate: Number,
    /// Share of runs that rolled back.
    pub rollback_rate: Number,
    /// The mean step (from 1) at which runs rolled back; `null` when none did.
    pub mean_step_of_rollback: Option<Number>,
    /// Rollbacks per step (index 0 = step 1).
    pub rollbacks_by_step: Vec<u32>,
    /// The mean number of observations per run.
    pub mean_observations: Number,
}

/// The synthetic data behind a simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataModel {
    /// Service requests per step window.
    pub requests_per_step: u64,
    /// Canary requests per step window (from the plan's weights).
    pub canary_requests_by_step: Vec<u64>,
    /// Seconds per interval.
    pub interval_seconds: u64,
    /// Window seconds per step.
    pub step_seconds: Vec<u64>,
    /// The baseline error rate.
    pub baseline_error_rate: Number,
    /// Median latency, seconds.
    pub latency_median_seconds: Number,
    /// Log-sd of latency.
    pub latency_sigma: Number,
}

/// The result of [`simulate`]: the plan's own judging, and naive judging beside it when
/// asked. The JSON of `canary simulate --format json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationReport {
    /// The plan's name.
    pub plan: String,
    /// The scenario, as given.
    pub scenario: String,
    /// The seed.
    pub seed: u64,
    /// The plan's overall alpha (the naive per-test level).
    pub alpha: Number,
    /// The plan's own judging.
    #[serde(flatten)]
    pub outcomes: SimulationOutcomes,
    /// Naive per-step testing on the same data (with `compare_naive`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub naive: Option<SimulationOutcomes>,
    /// The synthetic data model.
    pub model: DataModel,
}

impl SimulationReport {
    /// Compact JSON (identical input gives identical bytes).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

/// Why a simulation could not run.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SimulationError {
    /// An option is out of range.
    #[error("{0}")]
    Options(String),
    /// The plan could not start a rollout, or a synthetic observation was refused.
    #[error(transparent)]
    Rollout(#[from] RolloutError),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum End {
    Promote,
    Hold,
    Rollback(usize),
}

struct Model<'a> {
    plan: &'a RolloutPlan,
    metrics: Vec<(String, MetricKind)>,
    scenario: Scenario,
    options: &'a SimulationOptions,
    bounds: Vec<f64>,
    baseline_probs: Vec<f64>,
    canary_probs: Vec<f64>,
}

/// Runs synthetic rollouts of a plan under a scenario (see the module documentation).
///
/// ```
/// use canary_judge::rollout::RolloutPlan;
/// use canary_judge::simulate::{simulate, Scenario, SimulationOptions};
///
/// let plan = RolloutPlan::from_yaml_str(r#"
/// version: 1
/// steps: [{weight: 10}, {weight: 50}]
/// analysis: {version: 1, metrics: [{name: errors, kind: counts, critical: true}]}
/// sequential: {method: pocock}
/// "#).unwrap();
/// let options = SimulationOptions { runs: 50, seed: 7, ..SimulationOptions::default() };
/// let spike = simulate(&plan, "error-rate=0.003:0.03".parse().unwrap(), &options).unwrap();
/// assert_eq!(spike.outcomes.rollback_rate.0, 1.0);
/// assert_eq!(simulate(&plan, Scenario::Aa, &options).unwrap(),
///            simulate(&plan, Scenario::Aa, &options).unwrap()); // deterministic
/// ```
pub fn simulate(
    plan: &RolloutPlan,
    scenario: Scenario,
    options: &SimulationOptions,
) -> Result<SimulationReport, SimulationError> {
    check_options(options)?;
    let config = plan.config().map_err(RolloutError::from)?;
    let model = Model::new(plan, scenario, options, config);
    let own = Rollout::new(plan.clone())?;
    let outcomes = run_all(&model, &own, plan.sequential.method.as_str())?;
    let naive = if options.compare_naive {
        let mut naive_plan = plan.clone();
        naive_plan.sequential.method = SequentialMethod::None;
        let mut naive_config = config.clone();
        for metric in &mut naive_config.metrics {
            metric.confidence = Some(1.0 - plan.sequential.alpha);
        }
        naive_plan.analysis = Analysis::Inline(Box::new(naive_config));
        let naive_rollout = Rollout::new(naive_plan)?;
        Some(run_all(&model, &naive_rollout, "naive")?)
    } else {
        None
    };
    Ok(SimulationReport {
        plan: plan.display_name().to_owned(),
        scenario: scenario.to_string(),
        seed: options.seed,
        alpha: Number(plan.sequential.alpha),
        outcomes,
        naive,
        model: model.describe(),
    })
}

fn check_options(o: &SimulationOptions) -> Result<(), SimulationError> {
    let bad = |m: String| Err(SimulationError::Options(m));
    if o.runs == 0 || o.runs > MAX_RUNS {
        return bad(format!("runs: expected 1 to {MAX_RUNS}, got {}", o.runs));
    }
    if o.requests_per_step == 0 || o.requests_per_step > 1_000_000_000 {
        return bad(format!(
            "requests per step: expected 1 to 1e9, got {}",
            o.requests_per_step
        ));
    }
    if o.interval_seconds == 0 || o.default_step_seconds == 0 {
        return bad("interval and step durations must be positive".into());
    }
    if !(0.0..=1.0).contains(&o.baseline_error_rate) {
        return bad(format!(
            "baseline error rate: expected a rate in [0, 1], got {}",
            o.baseline_error_rate
        ));
    }
    if !(o.latency_median_seconds.is_finite() && o.latency_median_seconds > 0.0) {
        return bad("latency median: expected a positive number".into());
    }
    if !(o.latency_sigma.is_finite() && o.latency_sigma > 0.0 && o.latency_sigma <= 5.0) {
        return bad("latency sigma: expected a number in (0, 5]".into());
    }
    if o.max_observations_per_step == 0 {
        return bad("max observations per step: expected at least 1".into());
    }
    Ok(())
}

fn run_all(
    model: &Model<'_>,
    prototype: &Rollout,
    method: &str,
) -> Result<SimulationOutcomes, SimulationError> {
    let runs = model.options.runs;
    let ends: Vec<(End, u32)> = (0..runs)
        .into_par_iter()
        .map(|i| model.run(prototype, i))
        .collect::<Result<_, _>>()?;
    let steps = model.plan.steps.len();
    let mut by_step = vec![0u32; steps];
    let (mut promote, mut hold, mut rollback, mut step_sum, mut observations) =
        (0u32, 0u32, 0u32, 0u64, 0u64);
    for (end, n) in &ends {
        observations += u64::from(*n);
        match end {
            End::Promote => promote += 1,
            End::Hold => hold += 1,
            End::Rollback(step) => {
                rollback += 1;
                step_sum += *step as u64;
                if let Some(slot) = by_step.get_mut(step.saturating_sub(1)) {
                    *slot += 1;
                }
            }
        }
    }
    let rate = |n: u32| Number(f64::from(n) / f64::from(runs));
    Ok(SimulationOutcomes {
        method: method.to_owned(),
        runs,
        promote_rate: rate(promote),
        hold_rate: rate(hold),
        rollback_rate: rate(rollback),
        mean_step_of_rollback: (rollback > 0)
            .then(|| Number(step_sum as f64 / f64::from(rollback))),
        rollbacks_by_step: by_step,
        mean_observations: Number(observations as f64 / f64::from(runs)),
    })
}

/// Latency bucket bounds: 5 ms × 1.25^i, i = 0..=40, then +Inf.
fn latency_bounds() -> Vec<f64> {
    let mut b: Vec<f64> = (0..=40).map(|i| 0.005 * 1.25f64.powi(i)).collect();
    b.push(f64::INFINITY);
    b
}

/// Per-bucket probabilities of a lognormal latency.
fn bucket_probs(bounds: &[f64], median: f64, sigma: f64) -> Vec<f64> {
    let cdf = |x: f64| {
        if x.is_infinite() {
            1.0
        } else {
            normal_cdf((x / median).ln() / sigma)
        }
    };
    let mut previous = 0.0;
    bounds
        .iter()
        .map(|&b| {
            let c = cdf(b);
            let p = (c - previous).max(0.0);
            previous = c;
            p
        })
        .collect()
}

fn normal_cdf(z: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal as StdNormal};
    StdNormal::new(0.0, 1.0).map_or(0.5, |n| n.cdf(z))
}

impl<'a> Model<'a> {
    fn new(
        plan: &'a RolloutPlan,
        scenario: Scenario,
        options: &'a SimulationOptions,
        config: &crate::config::Config,
    ) -> Self {
        let bounds = latency_bounds();
        let shift = match scenario {
            Scenario::LatencyShift(f) => f,
            _ => 1.0,
        };
        let median = options.latency_median_seconds;
        Model {
            plan,
            metrics: config
                .metrics
                .iter()
                .map(|m| (m.name.clone(), m.kind))
                .collect(),
            scenario,
            options,
            baseline_probs: bucket_probs(&bounds, median, options.latency_sigma),
            canary_probs: bucket_probs(&bounds, median * shift, options.latency_sigma),
            bounds,
        }
    }

    fn step_seconds(&self, step: usize) -> u64 {
        self.plan
            .steps
            .get(step)
            .and_then(|s| s.min_duration)
            .map_or(self.options.default_step_seconds, |d| d.seconds())
    }

    fn intervals(&self, step: usize) -> u64 {
        self.step_seconds(step)
            .div_ceil(self.options.interval_seconds)
            .max(1)
    }

    fn canary_requests(&self, total: u64, step: usize) -> u64 {
        let w = self.plan.steps.get(step).map_or(0.0, |s| s.weight) / 100.0;
        ((total as f64) * w).round() as u64
    }

    fn describe(&self) -> DataModel {
        let o = self.options;
        DataModel {
            requests_per_step: o.requests_per_step,
            canary_requests_by_step: (0..self.plan.steps.len())
                .map(|s| self.canary_requests(o.requests_per_step, s))
                .collect(),
            interval_seconds: o.interval_seconds,
            step_seconds: (0..self.plan.steps.len())
                .map(|s| self.step_seconds(s))
                .collect(),
            baseline_error_rate: Number(self.baseline_rate()),
            latency_median_seconds: Number(o.latency_median_seconds),
            latency_sigma: Number(o.latency_sigma),
        }
    }

    fn baseline_rate(&self) -> f64 {
        match self.scenario {
            Scenario::ErrorRate { baseline, .. } => baseline,
            _ => self.options.baseline_error_rate,
        }
    }

    fn canary_rate(&self, elapsed: u64) -> f64 {
        let base = self.baseline_rate();
        match self.scenario {
            Scenario::ErrorRate { canary, .. } => canary,
            Scenario::ErrorSpikeAt {
                at_seconds,
                canary_rate,
            } if elapsed >= at_seconds => canary_rate.unwrap_or((base * 10.0).min(1.0)),
            _ => base,
        }
    }

    /// One synthetic rollout: how it ended and how many observations it took.
    fn run(&self, prototype: &Rollout, index: u32) -> Result<(End, u32), SimulationError> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.options.seed);
        rng.set_stream(u64::from(index));
        let mut rollout = prototype.clone();
        let bake = self.plan.strategy == Strategy::Bake;
        let mut time = START;
        let mut elapsed: u64 = 0;
        let mut observations = 0u32;
        let mut at_step = 0u32;
        // Bake: the pre-deploy window, once, before the rollout starts.
        let mut pre_deploy = if bake {
            let n = self.intervals(0);
            let start = time - (n * self.options.interval_seconds) as i64;
            Some(self.window(&mut rng, 0, start, elapsed, true)?)
        } else {
            None
        };
        loop {
            let step = rollout.state().step - 1;
            let mut observation = self.window(&mut rng, step, time, elapsed, false)?;
            if bake {
                if let Some(pre) = pre_deploy.take() {
                    for (name, data) in pre.metrics {
                        if let Some(own) = observation.metrics.get_mut(&name) {
                            set_baseline(own, data);
                        }
                    }
                } else {
                    for own in observation.metrics.values_mut() {
                        clear_baseline(own);
                    }
                }
            }
            let seconds = self.intervals(step) * self.options.interval_seconds;
            time += seconds as i64;
            elapsed += seconds;
            observations += 1;
            let decision = rollout.observe(observation)?;
            match decision.action {
                Action::Advance => at_step = 0,
                Action::Complete => return Ok((End::Promote, observations)),
                Action::Rollback => return Ok((End::Rollback(decision.step), observations)),
                Action::Hold => {
                    at_step += 1;
                    if decision.status == RolloutStatus::Paused
                        || at_step >= self.options.max_observations_per_step
                    {
                        return Ok((End::Hold, observations));
                    }
                }
            }
        }
    }

    /// The data of one step window starting at `time`, `elapsed` seconds into the
    /// rollout. `all_baseline`: every request on the baseline side (bake's pre-deploy
    /// window).
    fn window(
        &self,
        rng: &mut ChaCha8Rng,
        step: usize,
        time: i64,
        elapsed: u64,
        all_baseline: bool,
    ) -> Result<Observation, SimulationError> {
        let o = self.options;
        let n_int = self.intervals(step);
        let total = o.requests_per_step;
        let per = total / n_int;
        let extra = total % n_int;
        let w = if all_baseline {
            0.0
        } else {
            self.plan.steps.get(step).map_or(0.0, |s| s.weight) / 100.0
        };
        // Requests per interval and side.
        let intervals: Vec<(i64, u64, u64, u64)> = (0..n_int)
            .map(|i| {
                let n = per + u64::from(i < extra);
                let c = ((n as f64) * w).round() as u64;
                let t = time + (i * o.interval_seconds) as i64;
                (t, n - c, c, elapsed + i * o.interval_seconds)
            })
            .collect();
        let base_rate = self.baseline_rate();
        let mut metrics = BTreeMap::new();
        for (name, kind) in &self.metrics {
            let data = match kind {
                MetricKind::Counts => {
                    let mut baseline = Vec::with_capacity(intervals.len());
                    let mut canary = Vec::with_capacity(intervals.len());
                    for &(t, nb, nc, e) in &intervals {
                        let cr = if all_baseline {
                            base_rate
                        } else {
                            self.canary_rate(e)
                        };
                        baseline.push(CountPoint {
                            timestamp: t,
                            events: binomial(rng, nb, base_rate) as f64,
                            total: nb as f64,
                        });
                        canary.push(CountPoint {
                            timestamp: t,
                            events: binomial(rng, nc, cr) as f64,
                            total: nc as f64,
                        });
                    }
                    MetricData::Counts(Sides { baseline, canary })
                }
                MetricKind::Histogram => {
                    let nb: u64 = intervals.iter().map(|i| i.1).sum();
                    let nc: u64 = intervals.iter().map(|i| i.2).sum();
                    let probs = if all_baseline {
                        &self.baseline_probs
                    } else {
                        &self.canary_probs
                    };
                    MetricData::Histogram(Sides {
                        baseline: Some(self.histogram(rng, nb, &self.baseline_probs)?),
                        canary: Some(self.histogram(rng, nc, probs)?),
                    })
                }
                MetricKind::Continuous => {
                    let shift = match self.scenario {
                        Scenario::LatencyShift(f) if !all_baseline => f,
                        _ => 1.0,
                    };
                    let mut baseline = Vec::with_capacity(intervals.len());
                    let mut canary = Vec::with_capacity(intervals.len());
                    for &(t, nb, nc, _) in &intervals {
                        baseline.push(Point {
                            timestamp: t,
                            value: self.mean_latency(rng, nb, 1.0),
                        });
                        canary.push(Point {
                            timestamp: t,
                            value: self.mean_latency(rng, nc, shift),
                        });
                    }
                    MetricData::Continuous(Sides { baseline, canary })
                }
            };
            metrics.insert(name.clone(), data);
        }
        Ok(Observation {
            metrics,
            duration_seconds: None,
            source: None,
        })
    }

    /// A multinomial draw of `n` requests over the latency buckets.
    fn histogram(
        &self,
        rng: &mut ChaCha8Rng,
        n: u64,
        probs: &[f64],
    ) -> Result<Histogram, SimulationError> {
        let mut remaining = n;
        let mut mass = 1.0;
        let mut cumulative = 0.0;
        let mut counts = Vec::with_capacity(probs.len());
        for (i, &p) in probs.iter().enumerate() {
            let k = if remaining == 0 {
                0
            } else if i + 1 == probs.len() || mass <= p {
                remaining
            } else {
                binomial(rng, remaining, (p / mass).clamp(0.0, 1.0))
            };
            remaining -= k;
            mass -= p;
            cumulative += k as f64;
            counts.push(cumulative);
        }
        Histogram::new(self.bounds.clone(), counts)
            .map_err(|e| SimulationError::Options(format!("synthetic histogram: {e}")))
    }

    /// The mean latency of `n` requests (normal approximation); missing when `n` is 0.
    fn mean_latency(&self, rng: &mut ChaCha8Rng, n: u64, shift: f64) -> Option<f64> {
        if n == 0 {
            return None;
        }
        let s2 = self.options.latency_sigma.powi(2);
        let mean = self.options.latency_median_seconds * shift * (s2 / 2.0).exp();
        let sd = mean * (s2.exp() - 1.0).sqrt() / (n as f64).sqrt();
        Normal::new(mean, sd).ok().map(|d| d.sample(rng).max(0.0))
    }
}

fn binomial(rng: &mut ChaCha8Rng, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    match Binomial::new(n, p) {
        Ok(d) => d.sample(rng),
        Err(_) => (0..n).filter(|_| rng.gen_bool(p)).count() as u64,
    }
}

fn set_baseline(target: &mut MetricData, pre: MetricData) {
    match (target, pre) {
        (MetricData::Counts(t), MetricData::Counts(p)) => t.baseline = p.baseline,
        (MetricData::Continuous(t), MetricData::Continuous(p)) => t.baseline = p.baseline,
        (MetricData::Histogram(t), MetricData::Histogram(p)) => t.baseline = p.baseline,
        _ => {}
    }
}

fn clear_baseline(target: &mut MetricData) {
    match target {
        MetricData::Counts(t) => t.baseline.clear(),
        MetricData::Continuous(t) => t.baseline.clear(),
        MetricData::Histogram(t) => t.baseline = None,
    }
}
