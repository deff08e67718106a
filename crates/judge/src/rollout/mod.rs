//! Rollouts: multi-step plans, Argo-style limits, sequential error control and a pure
//! decision engine.
//!
//! A [`RolloutPlan`] lists steps (traffic, cohort or batch %, minimum duration and
//! samples), the analysis config that judges each step, [`Limits`] with Argo Rollouts'
//! meanings and optional [`Sequential`] error control. The engine takes one observation
//! (a window of metric data) at a time and returns a [`StepDecision`]: `advance`,
//! `complete`, `hold` or `rollback`, with reasons, the judge's report and the limit
//! counts.
//!
//! Plans load like configs: YAML, JSON or TOML, unknown keys are errors and every error
//! names its key path ([`RolloutPlan::from_path`]).

mod decision;
mod engine;
mod plan;
mod sequential;
mod state;
mod window;

pub use decision::{
    Action, LimitCounts, LookControl, Measurement, MetricLevel, RolloutOutput, RolloutStatus,
    StepDecision, StepProgress,
};
pub use engine::{Observation, Rollout, RolloutError};
pub use plan::{
    Analysis, InvalidDuration, Limits, MAX_STEPS, PlanDuration, RolloutPlan, Sequential,
    SequentialMethod, Step, Strategy, Windows, plan_defaults,
};
pub use sequential::information_fractions;
pub use state::{RolloutState, Totals};
