//! The rollout engine: a pure state machine fed one observation at a time.

use super::decision::{
    Action, LimitCounts, LookControl, Measurement, RolloutOutput, RolloutStatus, StepDecision,
    StepProgress,
};
use super::plan::{RolloutPlan, Strategy, Windows};
use super::sequential::Levels;
use super::state::{RolloutState, Totals};
use super::window::{StoredData, accumulate, samples, span_seconds};
use crate::config::Config;
use crate::data::MetricData;
use crate::error::ConfigError;
use crate::fixture::Fixture;
use crate::judge::judge_metrics;
use crate::number::Number;
use crate::report::{Classification, Report};
use crate::verdict::Verdict;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use thiserror::Error;

/// Why the engine refused an observation or a state. The rollout's state is unchanged.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RolloutError {
    /// The plan (or its analysis config) is invalid.
    #[error(transparent)]
    Plan(#[from] ConfigError),
    /// An observation's data cannot be used: wrong kind, time going backwards, histogram
    /// buckets that changed, a negative duration.
    #[error("metric {metric:?}: {message}")]
    Data {
        /// The metric (empty for the observation as a whole).
        metric: String,
        /// What was wrong.
        message: String,
    },
    /// The rollout takes no observation in its status (completed, rolled back, or
    /// paused until [`Rollout::resume`]).
    #[error("the rollout is {status}: {hint}")]
    NotProgressing {
        /// Its status.
        status: RolloutStatus,
        /// What to do.
        hint: &'static str,
    },
    /// A saved rollout could not be read.
    #[error("saved rollout: {0}")]
    State(String),
}

/// One observation: a window of metric data per configured metric, and optionally how
/// many seconds it covers (otherwise taken from the canary data's timestamps).
///
/// With the plan's default `windows: incremental`, the window holds the data since the
/// previous observation; with `windows: cumulative`, all data since the rollout started.
/// For `strategy: bake`, the baseline side is the pre-deploy window: a non-empty
/// baseline replaces the one held instead of being added to it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Observation {
    /// Data by metric name (metrics the config does not name are ignored).
    pub metrics: BTreeMap<String, MetricData>,
    /// Seconds the window covers (incremental) or since the rollout started
    /// (cumulative).
    pub duration_seconds: Option<f64>,
    /// Where the data came from (a fixture's path or name), for the decision's `source`.
    pub source: Option<String>,
}

impl From<Fixture> for Observation {
    fn from(fixture: Fixture) -> Self {
        Observation {
            source: Some(fixture.name),
            metrics: fixture.metrics,
            duration_seconds: None,
        }
    }
}

impl From<&Fixture> for Observation {
    fn from(fixture: &Fixture) -> Self {
        Observation {
            metrics: fixture.metrics.clone(),
            duration_seconds: None,
            source: Some(fixture.name.clone()),
        }
    }
}

/// A rollout in progress: a plan, its state and the data accumulated so far.
///
/// Feed it one observation per look ([`observe`](Self::observe)); each returns a
/// [`StepDecision`]. The whole rollout — plan, state and data — serialises to JSON
/// ([`to_json`](Self::to_json)) and back ([`from_json`](Self::from_json)) so that a
/// controller can persist it between reconciles.
///
/// Rules, in order, for one observation at step `k`:
/// 1. A configured metric absent from the observation is an **error** measurement.
/// 2. Otherwise, if step `k` has not met its minimums — `min_duration`, `min_samples`,
///    and at least one canary sample of every metric during the step — the decision is
///    **hold** (waiting; nothing judged, nothing counted). Missing data never advances.
/// 3. Otherwise the judge runs on all data so far (at the sequential levels of the look,
///    when enabled): verdict promote → **successful**, rollback → **failed**, hold →
///    **inconclusive**, except that a metric classified `error` makes the look an
///    **error** measurement unless another metric failed (high or low).
/// 4. Limits (Argo Rollouts): failed > `failure_limit` → rollback, else a tolerated
///    failure holds; inconclusive > `inconclusive_limit` → hold and **pause** (a person
///    resumes or aborts), else hold; consecutive errors > `consecutive_error_limit` →
///    rollback, else hold; successful → advance, or complete after the last step.
///
/// ```
/// use canary_judge::rollout::{Action, Observation, Rollout, RolloutPlan};
/// use canary_judge::Fixture;
///
/// let plan = RolloutPlan::from_yaml_str(r#"
/// version: 1
/// steps: [{weight: 10}, {weight: 50}]
/// analysis: {version: 1, metrics: [{name: errors, kind: counts, critical: true}]}
/// "#).unwrap();
/// let mut rollout = Rollout::new(plan).unwrap();
/// let window = |t: i64, canary_errors: u32| Fixture::from_json_str(&format!(
///     r#"{{"version": 1, "name": "w", "metrics": {{"errors": {{"kind": "counts",
///         "baseline": [[{t}, 3, 1000]], "canary": [[{t}, {canary_errors}, 1000]]}}}}}}"#)).unwrap();
/// let first = rollout.observe(Observation::from(window(0, 2))).unwrap();
/// assert_eq!(first.action, Action::Advance);
/// assert_eq!(first.to_step, Some(2));
/// let second = rollout.observe(Observation::from(window(60, 40))).unwrap();
/// assert_eq!(second.action, Action::Rollback);
/// // The state survives a round trip through JSON.
/// let saved = rollout.to_json();
/// assert_eq!(Rollout::from_json(&saved).unwrap().to_json(), saved);
/// ```
#[derive(Debug, Clone)]
pub struct Rollout {
    plan: RolloutPlan,
    config: Config,
    levels: Levels,
    state: RolloutState,
    data: BTreeMap<String, MetricData>,
}

/// The JSON form of a rollout.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Saved {
    version: u32,
    plan: RolloutPlan,
    state: RolloutState,
    data: BTreeMap<String, StoredData>,
}

impl Rollout {
    /// Starts a rollout at step 1. The plan must be valid and its analysis inline
    /// (plans loaded with [`RolloutPlan::from_path`] are).
    pub fn new(plan: RolloutPlan) -> Result<Self, RolloutError> {
        plan.validate()?;
        let config = plan.config()?.clone();
        let levels = Levels::new(&plan, config.metrics.len()).map_err(|message| {
            RolloutError::Plan(ConfigError::Invalid {
                file: "<plan>".into(),
                problems: vec![crate::error::ConfigProblem {
                    path: "sequential".into(),
                    message,
                }],
            })
        })?;
        Ok(Rollout {
            plan,
            config,
            levels,
            state: RolloutState {
                step: 1,
                ..RolloutState::default()
            },
            data: BTreeMap::new(),
        })
    }

    /// The plan.
    pub fn plan(&self) -> &RolloutPlan {
        &self.plan
    }

    /// The state (status, step, counts, history).
    pub fn state(&self) -> &RolloutState {
        &self.state
    }

    /// The data accumulated so far, by metric.
    pub fn data(&self) -> &BTreeMap<String, MetricData> {
        &self.data
    }

    /// The whole rollout so far in the form of `canary rollout --format json`.
    pub fn output(&self) -> RolloutOutput {
        RolloutOutput::new(
            &self.plan,
            self.state.history.clone(),
            self.state.status,
            self.state.step,
        )
    }

    /// The rollout as compact JSON: `{"version": 1, "plan", "state", "data"}`
    /// (deterministic: the same rollout gives the same bytes).
    pub fn to_json(&self) -> String {
        let saved = Saved {
            version: 1,
            plan: self.plan.clone(),
            state: self.state.clone(),
            data: self
                .data
                .iter()
                .map(|(k, v)| (k.clone(), StoredData::from_data(v)))
                .collect(),
        };
        serde_json::to_string(&saved).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Restores a rollout saved with [`to_json`](Self::to_json).
    pub fn from_json(text: &str) -> Result<Self, RolloutError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let saved: Saved = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            RolloutError::State(format!("{path}: {}", e.inner()))
        })?;
        if saved.version != 1 {
            return Err(RolloutError::State(format!(
                "version: expected 1, got {}",
                saved.version
            )));
        }
        let mut rollout = Rollout::new(saved.plan)?;
        let steps = rollout.plan.steps.len();
        if saved.state.step < 1 || saved.state.step > steps {
            return Err(RolloutError::State(format!(
                "state.step: expected 1 to {steps}, got {}",
                saved.state.step
            )));
        }
        rollout.state = saved.state;
        for (name, stored) in saved.data {
            let data = stored
                .to_data()
                .map_err(|e| RolloutError::State(format!("data.{name}: {e}")))?;
            rollout.data.insert(name, data);
        }
        Ok(rollout)
    }

    /// Resumes a paused rollout (after inconclusive measurements beyond the limit, a
    /// person decided to go on): the inconclusive count starts again from 0, as a new
    /// Argo analysis run would.
    pub fn resume(&mut self) -> Result<(), RolloutError> {
        if self.state.status != RolloutStatus::Paused {
            return Err(RolloutError::NotProgressing {
                status: self.state.status,
                hint: "only a paused rollout can be resumed",
            });
        }
        self.state.status = RolloutStatus::Progressing;
        self.state.counts.inconclusive = 0;
        Ok(())
    }

    /// Aborts the rollout (a person decided to roll back): records a rollback decision.
    pub fn abort(&mut self, reason: &str) -> Result<StepDecision, RolloutError> {
        if self.state.status.is_final() {
            return Err(RolloutError::NotProgressing {
                status: self.state.status,
                hint: "the rollout has ended",
            });
        }
        self.state.status = RolloutStatus::RolledBack;
        let step = self.state.step;
        let mut reasons = vec![format!("aborted at step {step}: roll back")];
        if !reason.trim().is_empty() {
            reasons.push(reason.trim().to_owned());
        }
        let decision = StepDecision {
            observation: self.state.observations,
            step,
            weight: Number(self.weight(step)),
            action: Action::Rollback,
            to_step: None,
            to_weight: None,
            status: RolloutStatus::RolledBack,
            measurement: None,
            reasons,
            counts: self.state.counts,
            progress: self.progress(),
            sequential: None,
            report: None,
            source: None,
        };
        self.state.history.push(decision.clone());
        Ok(decision)
    }

    fn weight(&self, step: usize) -> f64 {
        self.plan
            .steps
            .get(step.saturating_sub(1))
            .map_or(0.0, |s| s.weight)
    }

    fn describe_step(&self, step: usize) -> String {
        format!(
            "step {step} ({} % {})",
            self.weight(step),
            self.plan.strategy.weight_meaning()
        )
    }

    /// Feeds one observation at the current step and decides. On an error the state is
    /// unchanged.
    pub fn observe(&mut self, observation: Observation) -> Result<StepDecision, RolloutError> {
        match self.state.status {
            RolloutStatus::Progressing => {}
            RolloutStatus::Paused => {
                return Err(RolloutError::NotProgressing {
                    status: RolloutStatus::Paused,
                    hint: "resume or abort it first",
                });
            }
            status => {
                return Err(RolloutError::NotProgressing {
                    status,
                    hint: "the rollout has ended",
                });
            }
        }
        if let Some(d) = observation.duration_seconds
            && !(d.is_finite() && d >= 0.0)
        {
            return Err(RolloutError::Data {
                metric: String::new(),
                message: format!("duration_seconds: expected a non-negative number, got {d}"),
            });
        }
        let data = self.next_data(&observation)?;
        let totals = self.next_totals(&data, observation.duration_seconds);
        self.data = data;
        self.state.totals = totals;
        self.state.observations += 1;

        let step = self.state.step;
        let absent: Vec<&str> = self
            .config
            .metrics
            .iter()
            .filter(|m| !observation.metrics.contains_key(&m.name))
            .map(|m| m.name.as_str())
            .collect();
        let progress = self.progress();
        let mut reasons = Vec::new();
        let mut sequential = None;
        let mut report = None;
        let measurement = if !absent.is_empty() {
            reasons.push(format!(
                "no data for {} in this observation (the source returned nothing)",
                quote_list(&absent)
            ));
            Some(Measurement::Error)
        } else if let Some(waiting) = self.unmet_minimums(&progress) {
            reasons.push(waiting);
            None
        } else {
            let repeated = self.state.looks_at_step > 0;
            self.state.looks_at_step += 1;
            let (r, control) = self.judge_look(step, repeated)?;
            let measurement = measurement_of(&r);
            reasons.extend(r.reasons.iter().cloned());
            sequential = control;
            report = Some(r);
            Some(measurement)
        };
        let (action, mut head) = self.apply(measurement, step);
        let (to_step, to_weight) = if action == Action::Advance {
            (Some(step + 1), Some(Number(self.weight(step + 1))))
        } else {
            (None, None)
        };
        if let Some(first) = reasons.first()
            && measurement.is_none()
        {
            head = format!("{head}: {first}");
            reasons.remove(0);
        }
        reasons.insert(0, head);
        let decision = StepDecision {
            observation: self.state.observations,
            step,
            weight: Number(self.weight(step)),
            action,
            to_step,
            to_weight,
            status: self.state.status,
            measurement,
            reasons,
            counts: self.state.counts,
            progress,
            sequential,
            report,
            source: observation.source.clone(),
        };
        if action == Action::Advance {
            self.state.step = step + 1;
            self.state.step_start = self.state.totals.clone();
            self.state.looks_at_step = 0;
        }
        self.state.history.push(decision.clone());
        Ok(decision)
    }

    /// The data after adding an observation (the held data is not touched).
    fn next_data(
        &self,
        observation: &Observation,
    ) -> Result<BTreeMap<String, MetricData>, RolloutError> {
        let bake = self.plan.strategy == Strategy::Bake;
        let mut data = match self.plan.windows {
            Windows::Incremental => self.data.clone(),
            Windows::Cumulative => BTreeMap::new(),
        };
        for metric in &self.config.metrics {
            let Some(new) = observation.metrics.get(&metric.name) else {
                if self.plan.windows == Windows::Cumulative
                    && let Some(held) = self.data.get(&metric.name)
                {
                    data.insert(metric.name.clone(), held.clone());
                }
                continue;
            };
            if new.kind() != metric.kind {
                return Err(RolloutError::Data {
                    metric: metric.name.clone(),
                    message: format!(
                        "the config says {} but the observation holds {} data",
                        metric.kind.as_str(),
                        new.kind().as_str()
                    ),
                });
            }
            match (self.plan.windows, data.get_mut(&metric.name)) {
                (Windows::Incremental, Some(held)) => {
                    accumulate(held, new, bake).map_err(|message| RolloutError::Data {
                        metric: metric.name.clone(),
                        message,
                    })?;
                }
                _ => {
                    data.insert(metric.name.clone(), new.clone());
                }
            }
        }
        Ok(data)
    }

    fn next_totals(&self, data: &BTreeMap<String, MetricData>, duration: Option<f64>) -> Totals {
        let previous = &self.state.totals;
        let explicit = previous.explicit_durations || duration.is_some();
        let elapsed_seconds = if explicit {
            match (self.plan.windows, duration) {
                (Windows::Incremental, Some(d)) => {
                    Some(previous.elapsed_seconds.unwrap_or(0.0) + d)
                }
                (Windows::Cumulative, Some(d)) => Some(d),
                (_, None) => previous.elapsed_seconds,
            }
        } else {
            span_seconds(data)
        };
        Totals {
            elapsed_seconds,
            explicit_durations: explicit,
            canary_samples: data
                .iter()
                .map(|(k, v)| (k.clone(), samples(v).canary))
                .collect(),
        }
    }

    /// The current step's progress: totals now minus totals at its start.
    fn progress(&self) -> StepProgress {
        let step = self.plan.steps.get(self.state.step.saturating_sub(1));
        let now = &self.state.totals;
        let start = &self.state.step_start;
        let elapsed = now
            .elapsed_seconds
            .map(|e| e - start.elapsed_seconds.unwrap_or(0.0));
        let canary_samples = self
            .config
            .metrics
            .iter()
            .map(|m| {
                now.canary_samples.get(&m.name).copied().unwrap_or(0.0)
                    - start.canary_samples.get(&m.name).copied().unwrap_or(0.0)
            })
            .fold(None, |acc: Option<f64>, n| {
                Some(acc.map_or(n, |a| a.min(n)))
            });
        StepProgress {
            elapsed_seconds: elapsed.map(Number),
            min_duration_seconds: step.and_then(|s| s.min_duration).map(|d| d.seconds()),
            canary_samples: canary_samples.map(Number),
            min_samples: step.and_then(|s| s.min_samples),
        }
    }

    /// Why the current step cannot be judged yet, if it cannot.
    fn unmet_minimums(&self, progress: &StepProgress) -> Option<String> {
        let step = self.state.step;
        let now = &self.state.totals;
        let start = &self.state.step_start;
        let empty: Vec<&str> = self
            .config
            .metrics
            .iter()
            .filter(|m| {
                now.canary_samples.get(&m.name).copied().unwrap_or(0.0)
                    - start.canary_samples.get(&m.name).copied().unwrap_or(0.0)
                    <= 0.0
            })
            .map(|m| m.name.as_str())
            .collect();
        if !empty.is_empty() {
            return Some(format!(
                "no canary data for {} during {}",
                quote_list(&empty),
                self.describe_step(step)
            ));
        }
        if let (Some(min), Some(n)) = (progress.min_samples, progress.canary_samples)
            && n.0 < min as f64
        {
            return Some(format!(
                "{} has {} canary samples of its minimum {min}",
                self.describe_step(step),
                n.0
            ));
        }
        if let Some(min) = progress.min_duration_seconds {
            match progress.elapsed_seconds {
                None => {
                    return Some(format!(
                        "cannot tell how long {} has run (no timestamps and no duration given); \
                         its minimum is {}",
                        self.describe_step(step),
                        super::plan::PlanDuration::from_seconds(min)
                    ));
                }
                Some(e) if e.0 < min as f64 => {
                    return Some(format!(
                        "{} has run {} of its minimum {}",
                        self.describe_step(step),
                        format_seconds(e.0),
                        super::plan::PlanDuration::from_seconds(min)
                    ));
                }
                Some(_) => {}
            }
        }
        None
    }

    /// Judges all data so far at the levels of this look.
    fn judge_look(
        &self,
        step: usize,
        repeated: bool,
    ) -> Result<(Report, Option<LookControl>), RolloutError> {
        let control = if self.levels.is_active() {
            let info: Vec<(String, f64)> = self
                .config
                .metrics
                .iter()
                .map(|m| {
                    let n = self.data.get(&m.name).map(samples);
                    let eff = n.map_or(0.0, |n| {
                        let sum = n.baseline + n.canary;
                        if sum > 0.0 {
                            n.baseline * n.canary / sum
                        } else {
                            0.0
                        }
                    });
                    (m.name.clone(), eff)
                })
                .collect();
            self.levels.look(step - 1, repeated, &info)
        } else {
            None
        };
        let report = match &control {
            Some(control) => {
                let mut config = self.config.clone();
                for (metric, level) in config.metrics.iter_mut().zip(&control.metrics) {
                    metric.confidence = Some(level.confidence.0);
                }
                judge_metrics(&config, self.plan.display_name(), &self.data)
            }
            None => judge_metrics(&self.config, self.plan.display_name(), &self.data),
        }
        .map_err(|e| RolloutError::Data {
            metric: String::new(),
            message: e.to_string(),
        })?;
        Ok((report, control))
    }

    /// Applies the limits to a measurement; returns the action and the headline reason,
    /// and updates counts and status.
    fn apply(&mut self, measurement: Option<Measurement>, step: usize) -> (Action, String) {
        let limits = self.plan.limits;
        let at = self.describe_step(step);
        let counts: &mut LimitCounts = &mut self.state.counts;
        let last = step >= self.plan.steps.len();
        match measurement {
            None => (Action::Hold, format!("hold at {at}")),
            Some(Measurement::Successful) => {
                counts.successful += 1;
                counts.consecutive_error = 0;
                if last {
                    self.state.status = RolloutStatus::Completed;
                    (
                        Action::Complete,
                        format!("{at} passed, the last step: complete the rollout"),
                    )
                } else {
                    let next = self.describe_step(step + 1);
                    (Action::Advance, format!("{at} passed: advance to {next}"))
                }
            }
            Some(Measurement::Failed) => {
                counts.failed += 1;
                counts.consecutive_error = 0;
                if counts.failed > limits.failure_limit {
                    self.state.status = RolloutStatus::RolledBack;
                    (
                        Action::Rollback,
                        format!(
                            "{at} failed ({} failure(s) > failure_limit {}): roll back",
                            counts.failed, limits.failure_limit
                        ),
                    )
                } else {
                    (
                        Action::Hold,
                        format!(
                            "{at} failed ({} failure(s), failure_limit {} tolerates it): hold and measure again",
                            counts.failed, limits.failure_limit
                        ),
                    )
                }
            }
            Some(Measurement::Inconclusive) => {
                counts.inconclusive += 1;
                counts.consecutive_error = 0;
                if counts.inconclusive > limits.inconclusive_limit {
                    self.state.status = RolloutStatus::Paused;
                    (
                        Action::Hold,
                        format!(
                            "{at} inconclusive ({} > inconclusive_limit {}): pause until a person resumes or aborts",
                            counts.inconclusive, limits.inconclusive_limit
                        ),
                    )
                } else {
                    (
                        Action::Hold,
                        format!(
                            "{at} inconclusive ({} of inconclusive_limit {}): hold and measure again",
                            counts.inconclusive, limits.inconclusive_limit
                        ),
                    )
                }
            }
            Some(Measurement::Error) => {
                counts.error += 1;
                counts.consecutive_error += 1;
                if counts.consecutive_error > limits.consecutive_error_limit {
                    self.state.status = RolloutStatus::RolledBack;
                    (
                        Action::Rollback,
                        format!(
                            "{at} could not be measured ({} consecutive error(s) > consecutive_error_limit {}): roll back",
                            counts.consecutive_error, limits.consecutive_error_limit
                        ),
                    )
                } else {
                    (
                        Action::Hold,
                        format!(
                            "{at} could not be measured ({} consecutive error(s) of consecutive_error_limit {}): hold and measure again",
                            counts.consecutive_error, limits.consecutive_error_limit
                        ),
                    )
                }
            }
        }
    }
}

/// How a judged look counts for the limits. A metric classified `error` (its data could
/// not be used) makes the look an error measurement — counted against
/// `consecutive_error_limit`, as Argo counts a provider error — unless some metric truly
/// failed (high or low), even though the judge's score counts an error as a failure.
fn measurement_of(report: &Report) -> Measurement {
    let any_error = report
        .metrics
        .iter()
        .any(|m| m.classification == Classification::Error);
    let any_failure = report.metrics.iter().any(|m| m.classification.is_failure());
    match report.verdict {
        _ if any_error && !any_failure => Measurement::Error,
        Verdict::Rollback => Measurement::Failed,
        Verdict::Promote => Measurement::Successful,
        Verdict::Hold => Measurement::Inconclusive,
    }
}

fn quote_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn format_seconds(seconds: f64) -> String {
    if seconds.fract() == 0.0 && seconds >= 0.0 {
        super::plan::PlanDuration::from_seconds(seconds as u64).to_string()
    } else {
        format!("{seconds:.1}s")
    }
}
