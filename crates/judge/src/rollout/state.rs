//! The engine's state between observations: what a controller persists between
//! reconciles (inside [`Rollout::to_json`](super::Rollout::to_json)).

use super::decision::{LimitCounts, RolloutStatus, StepDecision};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a rollout stands: status, step, limit counts, progress and every decision so
/// far. The accumulated metric data is kept beside it (see
/// [`Rollout::to_json`](super::Rollout::to_json)).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RolloutState {
    /// Progressing, paused, completed or rolled back.
    pub status: RolloutStatus,
    /// The current step, from 1 (the last step once completed).
    pub step: usize,
    /// Observations taken so far.
    pub observations: u32,
    /// Judged looks at the current step so far (a second one repeats the step's look).
    pub looks_at_step: u32,
    /// The limit counts.
    pub counts: LimitCounts,
    /// Totals over the whole rollout.
    pub totals: Totals,
    /// The totals when the current step started: the step's progress is the difference.
    pub step_start: Totals,
    /// Every decision so far, in order.
    pub history: Vec<StepDecision>,
}

/// Running totals of the data observed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Totals {
    /// Seconds covered (from explicit observation durations, or else the span of the
    /// canary data's timestamps); absent when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_seconds: Option<f64>,
    /// Whether the elapsed time comes from explicit durations.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub explicit_durations: bool,
    /// Canary samples per metric (points, requests or observations).
    #[serde(default)]
    pub canary_samples: BTreeMap<String, f64>,
}
