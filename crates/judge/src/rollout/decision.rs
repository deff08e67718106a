//! What the rollout engine returns for each observation, and the whole-rollout output of
//! `canary rollout --format json`. Stable JSON: fields are only ever added.

use super::plan::{Limits, RolloutPlan, Sequential, SequentialMethod, Step, Strategy};
use crate::number::Number;
use crate::report::Report;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The engine's decision after one observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The step passed: move to the next step (`to_step`, `to_weight`).
    Advance,
    /// The last step passed: promote fully; the rollout is done.
    Complete,
    /// Stay at this step: wait for more data (step minimums not met, a tolerated failure,
    /// inconclusive or error measurement), or — with status `paused` — wait for a person
    /// to resume or abort.
    Hold,
    /// Undo the rollout: a failure beyond `failure_limit`, errors beyond
    /// `consecutive_error_limit`.
    Rollback,
}

impl Action {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Advance => "advance",
            Action::Complete => "complete",
            Action::Hold => "hold",
            Action::Rollback => "rollback",
        }
    }

    /// The `canary rollout` exit code: 0 advance or complete, 10 hold, 20 rollback.
    pub fn exit_code(self) -> u8 {
        match self {
            Action::Advance | Action::Complete => 0,
            Action::Hold => 10,
            Action::Rollback => 20,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a rollout stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RolloutStatus {
    /// Running: observations are expected.
    #[default]
    Progressing,
    /// Stopped by inconclusive measurements beyond `inconclusive_limit`: a person must
    /// resume or abort (Argo pauses the rollout).
    Paused,
    /// Every step passed.
    Completed,
    /// Rolled back (or aborted).
    RolledBack,
}

impl RolloutStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RolloutStatus::Progressing => "progressing",
            RolloutStatus::Paused => "paused",
            RolloutStatus::Completed => "completed",
            RolloutStatus::RolledBack => "rolled_back",
        }
    }

    /// Whether no further observation is accepted (`completed`, `rolled_back`).
    pub fn is_final(self) -> bool {
        matches!(self, RolloutStatus::Completed | RolloutStatus::RolledBack)
    }
}

impl fmt::Display for RolloutStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How one judged observation counts for the limits (Argo's measurement phases).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measurement {
    /// The judge said promote.
    Successful,
    /// The judge said rollback.
    Failed,
    /// The judge said hold (too little data, a metric without data, a marginal score).
    Inconclusive,
    /// A metric could not be obtained or used (classification `error`, or absent from
    /// the observation).
    Error,
}

impl Measurement {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Measurement::Successful => "successful",
            Measurement::Failed => "failed",
            Measurement::Inconclusive => "inconclusive",
            Measurement::Error => "error",
        }
    }
}

/// The running counts behind the limits, over the whole rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LimitCounts {
    /// Successful measurements.
    pub successful: u32,
    /// Failed measurements (compared with `failure_limit`).
    pub failed: u32,
    /// Inconclusive measurements (compared with `inconclusive_limit`; reset by a
    /// resume).
    pub inconclusive: u32,
    /// Error measurements.
    pub error: u32,
    /// Error measurements since the last measurement that was not an error (compared
    /// with `consecutive_error_limit`).
    pub consecutive_error: u32,
}

/// How far the current step is towards its minimums.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StepProgress {
    /// Seconds observed during the step (absent when no observation had a known
    /// duration).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed_seconds: Option<Number>,
    /// The step's `min_duration` in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_duration_seconds: Option<u64>,
    /// The fewest canary samples observed during the step over the metrics (points,
    /// requests or observations, each metric in its unit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canary_samples: Option<Number>,
    /// The step's `min_samples`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_samples: Option<u64>,
}

/// The level one metric was judged at in one look.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricLevel {
    /// The metric.
    pub name: String,
    /// The nominal (fixed-sample) two-sided level of this look: a change is significant
    /// when its test is significant at this level.
    pub nominal_alpha: Number,
    /// `1 − nominal_alpha`: the confidence the judge used for this metric.
    pub confidence: Number,
    /// `msprt`: the information of the look (the effective sample size
    /// `n_b·n_c / (n_b + n_c)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub information: Option<Number>,
}

/// Sequential error control at one look.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LookControl {
    /// The method.
    pub method: SequentialMethod,
    /// The plan's overall alpha.
    pub alpha: Number,
    /// The alpha of each metric (`alpha` over the number of metrics).
    pub metric_alpha: Number,
    /// Group-sequential methods: the look's information fraction (planned exposure up to
    /// this step over the plan's total).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub information_fraction: Option<Number>,
    /// Group-sequential methods: the metric alpha spent up to and including this look.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alpha_spent: Option<Number>,
    /// Whether this look repeats an earlier look of the same step (after a hold) and
    /// reuses its level.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub repeated: bool,
    /// Per metric: the level it was judged at.
    pub metrics: Vec<MetricLevel>,
}

/// The decision after one observation, with everything behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepDecision {
    /// Which observation this is, from 1.
    pub observation: u32,
    /// The step that was observed, from 1.
    pub step: usize,
    /// That step's weight (traffic, cohort or batch %).
    pub weight: Number,
    /// What to do now.
    pub action: Action,
    /// `advance`: the step to move to, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_step: Option<usize>,
    /// `advance`: its weight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_weight: Option<Number>,
    /// The rollout's status after this decision.
    pub status: RolloutStatus,
    /// How the observation counted; absent when it was not judged (the step's minimums
    /// were not met yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measurement: Option<Measurement>,
    /// Why, most important first (one sentence each).
    pub reasons: Vec<String>,
    /// The limit counts after this observation.
    pub counts: LimitCounts,
    /// The step's progress towards its minimums.
    pub progress: StepProgress,
    /// Sequential control of this look (absent with method `none` or when not judged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequential: Option<LookControl>,
    /// The judge's report on the data accumulated so far (absent when not judged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
    /// Where the observation's data came from (a fixture's path), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// The output of `canary rollout --format json`: the plan's shape and every decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RolloutOutput {
    /// The plan's name (or its strategy).
    pub plan: String,
    /// The strategy.
    pub strategy: Strategy,
    /// The plan's steps.
    pub steps: Vec<Step>,
    /// The plan's limits.
    pub limits: Limits,
    /// The plan's sequential control.
    pub sequential: Sequential,
    /// One decision per observation, in order.
    pub decisions: Vec<StepDecision>,
    /// The last decision's action (`hold` when there was no observation).
    pub outcome: Action,
    /// The rollout's status at the end.
    pub status: RolloutStatus,
    /// The step the rollout is at (from 1; the last step when completed).
    pub step: usize,
    /// The exit code of `canary rollout`: 0 advance/complete, 10 hold, 20 rollback.
    pub exit_code: u8,
}

impl RolloutOutput {
    /// Builds the output from a plan, its decisions and the final status and step
    /// (from 1).
    pub fn new(
        plan: &RolloutPlan,
        decisions: Vec<StepDecision>,
        status: RolloutStatus,
        step: usize,
    ) -> Self {
        let outcome = decisions.last().map_or(Action::Hold, |d| d.action);
        RolloutOutput {
            plan: plan.display_name().to_owned(),
            strategy: plan.strategy,
            steps: plan.steps.clone(),
            limits: plan.limits,
            sequential: plan.sequential,
            decisions,
            outcome,
            status,
            step,
            exit_code: outcome.exit_code(),
        }
    }

    /// Compact JSON (identical input gives identical bytes).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Indented JSON.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}
