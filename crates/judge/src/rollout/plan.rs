//! Rollout plans: the steps of a rollout, the analysis that judges each step, Argo-style
//! limits and sequential error control. One serde model for YAML, JSON and TOML; unknown
//! keys are errors, and every error names the key path (`steps[2].min_duration`).

use crate::config::Config;
use crate::config_load::{ConfigFormat, parse_document};
use crate::error::{ConfigError, ConfigProblem};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Every default of a plan, in one place.
pub mod plan_defaults {
    /// Failed measurements tolerated before rollback (Argo `failureLimit` default).
    pub const FAILURE_LIMIT: u32 = 0;
    /// Inconclusive measurements tolerated before the rollout pauses (Argo
    /// `inconclusiveLimit` default).
    pub const INCONCLUSIVE_LIMIT: u32 = 0;
    /// Consecutive error measurements tolerated before rollback (Argo
    /// `consecutiveErrorLimit` default).
    pub const CONSECUTIVE_ERROR_LIMIT: u32 = 4;
    /// Overall false-rollback probability of sequential control.
    pub const ALPHA: f64 = 0.05;
    /// Standard deviation of the mSPRT mixing distribution, in standard deviations of one
    /// observation (a standardised effect size).
    pub const TAU: f64 = 0.1;
    /// The weight of a step that names none: all traffic (what `bake` and `blue_green`
    /// steps use).
    pub const WEIGHT: f64 = 100.0;
}

/// The largest number of steps a plan may have (the limit of the group-sequential
/// boundaries, [`canary_stats::MAX_LOOKS`]).
pub const MAX_STEPS: usize = 200;

/// A rollout plan (`version: 1`).
///
/// ```
/// use canary_judge::rollout::{RolloutPlan, Strategy, SequentialMethod};
///
/// let plan = RolloutPlan::from_yaml_str(r#"
/// version: 1
/// strategy: canary
/// steps:
///   - {weight: 10, min_duration: 10m}
///   - {weight: 50, min_duration: 10m}
/// analysis:
///   version: 1
///   metrics: [{name: errors, kind: counts, critical: true}]
/// sequential: {method: pocock, alpha: 0.05}
/// "#).unwrap();
/// assert_eq!(plan.strategy, Strategy::Canary);
/// assert_eq!(plan.steps[0].min_duration.unwrap().seconds(), 600);
/// assert_eq!(plan.sequential.method, SequentialMethod::Pocock);
/// assert_eq!(plan.limits.consecutive_error_limit, 4);
/// assert_eq!(plan.config().unwrap().metrics[0].name, "errors");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolloutPlan {
    /// The schema version; must be 1.
    pub version: u32,
    /// A name for output (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How the new version is exposed (default `canary`).
    #[serde(default)]
    pub strategy: Strategy,
    /// The steps, in order; the rollout completes after the last one passes.
    pub steps: Vec<Step>,
    /// The analysis config that judges each step: inline, or a path (relative to the
    /// plan's file).
    pub analysis: Analysis,
    /// Argo-style limits on failed, inconclusive and error measurements.
    #[serde(default)]
    pub limits: Limits,
    /// Sequential error control across the plan's looks (default: none).
    #[serde(default)]
    pub sequential: Sequential,
    /// Whether each observation holds only the new data since the previous one
    /// (`incremental`, the default; the engine accumulates) or all data since the rollout
    /// started (`cumulative`; the engine replaces what it holds).
    #[serde(default)]
    pub windows: Windows,
}

/// How the new version is exposed; what a step's `weight` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// A share of traffic goes to the new version, beside a baseline of the old one.
    /// `weight` = traffic %.
    #[default]
    Canary,
    /// The new version runs beside the old one and takes all traffic at once after the
    /// preview step(s). `weight` = traffic % on the new (green) side.
    BlueGreen,
    /// Instances are replaced in batches. `weight` = share of instances replaced.
    Rolling,
    /// A feature flag is enabled for a cohort. `weight` = cohort %.
    FeatureFlag,
    /// After a full promotion: the post-deploy window (canary side) is compared with the
    /// pre-deploy window of the same service (baseline side); no concurrent baseline.
    Bake,
}

impl Strategy {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Canary => "canary",
            Strategy::BlueGreen => "blue_green",
            Strategy::Rolling => "rolling",
            Strategy::FeatureFlag => "feature_flag",
            Strategy::Bake => "bake",
        }
    }

    /// What a step's weight is for this strategy (`traffic`, `cohort`, `batch`).
    pub fn weight_meaning(self) -> &'static str {
        match self {
            Strategy::Canary | Strategy::BlueGreen | Strategy::Bake => "traffic",
            Strategy::Rolling => "batch",
            Strategy::FeatureFlag => "cohort",
        }
    }
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Traffic % (canary, blue_green, bake), cohort % (feature_flag) or share of
    /// instances % (rolling) on the new version, in (0, 100]. Default 100.
    #[serde(default = "default_weight")]
    pub weight: f64,
    /// The least time the step must run before it may advance (`30s`, `10m`, `1h30m`, or
    /// a number of seconds). Time comes from the observations (their data's timestamps
    /// or an explicit duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_duration: Option<PlanDuration>,
    /// The least number of canary samples, per metric with data, observed during the step
    /// before it may advance: points (continuous), requests (counts), observations
    /// (histogram).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_samples: Option<u64>,
}

fn default_weight() -> f64 {
    plan_defaults::WEIGHT
}

impl Step {
    /// A step with a weight and nothing else.
    pub fn with_weight(weight: f64) -> Self {
        Step {
            weight,
            min_duration: None,
            min_samples: None,
        }
    }
}

/// The analysis config of a plan: a path to a config file, or the config inline.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Analysis {
    /// A config file (YAML, JSON or TOML), relative to the plan's file. Loading a plan
    /// from a file ([`RolloutPlan::from_path`]) reads it and replaces it with
    /// [`Analysis::Inline`].
    Path(PathBuf),
    /// The config itself.
    Inline(Box<Config>),
}

impl<'de> Deserialize<'de> for Analysis {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AnalysisVisitor;
        impl<'de> serde::de::Visitor<'de> for AnalysisVisitor {
            type Value = Analysis;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a path to a config file or an inline config (version, metrics, ...)")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Analysis, E> {
                if v.trim().is_empty() {
                    return Err(E::custom(
                        "expected a path to a config file, got an empty string",
                    ));
                }
                Ok(Analysis::Path(PathBuf::from(v)))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Analysis, A::Error> {
                let config =
                    Config::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(Analysis::Inline(Box::new(config)))
            }
        }
        deserializer.deserialize_any(AnalysisVisitor)
    }
}

/// Argo Rollouts' analysis limits. A *measurement* is one judged observation:
/// successful (verdict promote), failed (rollback), inconclusive (hold) or error (a
/// metric could not be obtained or used). Counts run over the whole rollout, as an Argo
/// background analysis does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Roll back when failed measurements **exceed** this (Argo `failureLimit`; 0: the
    /// first failure rolls back). A tolerated failure holds the step for another
    /// measurement.
    #[serde(default = "default_failure_limit")]
    pub failure_limit: u32,
    /// Pause (hold, waiting for a person to resume or abort) when inconclusive
    /// measurements **exceed** this (Argo `inconclusiveLimit`; 0: the first inconclusive
    /// measurement pauses). A tolerated one holds the step for another measurement.
    #[serde(default = "default_inconclusive_limit")]
    pub inconclusive_limit: u32,
    /// Roll back when consecutive error measurements **exceed** this (Argo
    /// `consecutiveErrorLimit`, default 4). Any measurement that is not an error resets
    /// the run of errors, as in Argo.
    #[serde(default = "default_consecutive_error_limit")]
    pub consecutive_error_limit: u32,
}

fn default_failure_limit() -> u32 {
    plan_defaults::FAILURE_LIMIT
}
fn default_inconclusive_limit() -> u32 {
    plan_defaults::INCONCLUSIVE_LIMIT
}
fn default_consecutive_error_limit() -> u32 {
    plan_defaults::CONSECUTIVE_ERROR_LIMIT
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            failure_limit: plan_defaults::FAILURE_LIMIT,
            inconclusive_limit: plan_defaults::INCONCLUSIVE_LIMIT,
            consecutive_error_limit: plan_defaults::CONSECUTIVE_ERROR_LIMIT,
        }
    }
}

/// Sequential error control across the plan's looks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sequential {
    /// The method (default `none`: each look uses the config's confidence levels).
    #[serde(default)]
    pub method: SequentialMethod,
    /// The overall probability, with no real change, that any look finds a significant
    /// change in any metric, in (0, 0.5] (default 0.05). Split equally over the config's
    /// metrics (Bonferroni).
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// `msprt` only: the standard deviation τ of the normal mixture over the effect, in
    /// standard deviations of one observation (default 0.1).
    #[serde(default = "default_tau")]
    pub tau: f64,
}

fn default_alpha() -> f64 {
    plan_defaults::ALPHA
}
fn default_tau() -> f64 {
    plan_defaults::TAU
}

impl Default for Sequential {
    fn default() -> Self {
        Sequential {
            method: SequentialMethod::None,
            alpha: plan_defaults::ALPHA,
            tau: plan_defaults::TAU,
        }
    }
}

/// How the tests behind rollback decisions are corrected across looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SequentialMethod {
    /// No correction: each look is judged at the config's confidence levels.
    #[default]
    None,
    /// Lan–DeMets alpha spending with the O'Brien–Fleming-type function: strict early,
    /// close to the fixed-sample level at the end.
    ObrienFleming,
    /// Lan–DeMets alpha spending with the Pocock-type function: about the same level at
    /// every look; stops big regressions at the first step.
    Pocock,
    /// Mixture SPRT always-valid p-values: valid however many looks are taken.
    Msprt,
}

impl SequentialMethod {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            SequentialMethod::None => "none",
            SequentialMethod::ObrienFleming => "obrien_fleming",
            SequentialMethod::Pocock => "pocock",
            SequentialMethod::Msprt => "msprt",
        }
    }
}

/// What an observation holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Windows {
    /// Each observation holds the data since the previous one; the engine adds it to
    /// what it holds (its state carries the accumulated data).
    #[default]
    Incremental,
    /// Each observation holds all data since the rollout started; the engine replaces
    /// what it holds.
    Cumulative,
}

/// A duration in whole seconds, written `90s`, `10m`, `1h30m`, `2d` or as a number of
/// seconds; serialised in the shortest such form (`10m`).
///
/// ```
/// use canary_judge::rollout::PlanDuration;
///
/// let d: PlanDuration = "1h30m".parse().unwrap();
/// assert_eq!(d.seconds(), 5400);
/// assert_eq!(d.to_string(), "1h30m");
/// assert_eq!(PlanDuration::from_seconds(600).to_string(), "10m");
/// assert!("10 minutes".parse::<PlanDuration>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PlanDuration(u64);

impl PlanDuration {
    /// A duration of `seconds`.
    pub fn from_seconds(seconds: u64) -> Self {
        PlanDuration(seconds)
    }

    /// The duration in seconds.
    pub fn seconds(self) -> u64 {
        self.0
    }
}

impl fmt::Display for PlanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        if rest == 0 {
            return f.write_str("0s");
        }
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
            if rest >= size {
                write!(f, "{}{unit}", rest / size)?;
                rest %= size;
            }
        }
        Ok(())
    }
}

/// A duration that is not `<number><unit>...` with units `s`, `m`, `h`, `d`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidDuration(pub String);

impl fmt::Display for InvalidDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid duration {:?}: expected e.g. 30s, 10m, 1h30m, 2d or a number of seconds",
            self.0
        )
    }
}

impl std::error::Error for InvalidDuration {}

impl FromStr for PlanDuration {
    type Err = InvalidDuration;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || InvalidDuration(s.to_owned());
        let text = s.trim();
        if text.is_empty() {
            return Err(bad());
        }
        if let Ok(seconds) = text.parse::<u64>() {
            return Ok(PlanDuration(seconds));
        }
        let mut total: u64 = 0;
        let mut digits = String::new();
        for c in text.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let size = match c {
                's' => 1,
                'm' => 60,
                'h' => 3_600,
                'd' => 86_400,
                _ => return Err(bad()),
            };
            let value: u64 = digits.parse().map_err(|_| bad())?;
            digits.clear();
            total = value
                .checked_mul(size)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(bad)?;
        }
        if !digits.is_empty() {
            return Err(bad());
        }
        Ok(PlanDuration(total))
    }
}

impl Serialize for PlanDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PlanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Seconds(u64),
            Text(String),
        }
        match Repr::deserialize(deserializer)? {
            Repr::Seconds(s) => Ok(PlanDuration(s)),
            Repr::Text(t) => t.parse().map_err(serde::de::Error::custom),
        }
    }
}

const TEXT: &str = "<plan>";

impl RolloutPlan {
    /// Reads and checks a plan file (format from the extension; YAML when it says
    /// nothing). An `analysis` path is read relative to the plan's folder and inlined;
    /// its errors name that file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Io {
            file: file.clone(),
            message: e.to_string(),
        })?;
        let format = ConfigFormat::from_path(path).unwrap_or(ConfigFormat::Yaml);
        let mut plan = Self::parse(&text, format).map_err(|e| e.in_file(&file))?;
        if let Analysis::Path(relative) = &plan.analysis {
            let base = path.parent().unwrap_or_else(|| Path::new(""));
            let config = Config::from_path(base.join(relative))?;
            plan.analysis = Analysis::Inline(Box::new(config));
        }
        plan.validate().map_err(|e| e.in_file(&file))?;
        Ok(plan)
    }

    /// Parses and checks a plan in the given format. An `analysis` path is read relative
    /// to the current directory.
    pub fn from_str_as(text: &str, format: ConfigFormat) -> Result<Self, ConfigError> {
        let mut plan = Self::parse(text, format)?;
        if let Analysis::Path(path) = &plan.analysis {
            plan.analysis = Analysis::Inline(Box::new(Config::from_path(path)?));
        }
        plan.validate()?;
        Ok(plan)
    }

    /// Parses and checks a YAML plan.
    pub fn from_yaml_str(text: &str) -> Result<Self, ConfigError> {
        Self::from_str_as(text, ConfigFormat::Yaml)
    }

    /// Parses and checks a JSON plan.
    pub fn from_json_str(text: &str) -> Result<Self, ConfigError> {
        Self::from_str_as(text, ConfigFormat::Json)
    }

    /// Parses and checks a TOML plan.
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        Self::from_str_as(text, ConfigFormat::Toml)
    }

    /// The plan as compact JSON (deterministic).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// The inline analysis config; a [`ConfigError`] when it is still a path (a plan
    /// built by hand, not loaded).
    pub fn config(&self) -> Result<&Config, ConfigError> {
        match &self.analysis {
            Analysis::Inline(config) => Ok(config),
            Analysis::Path(path) => Err(ConfigError::Invalid {
                file: TEXT.to_owned(),
                problems: vec![ConfigProblem {
                    path: "analysis".into(),
                    message: format!(
                        "the config file {} has not been read; load the plan with RolloutPlan::from_path",
                        path.display()
                    ),
                }],
            }),
        }
    }

    /// The display name: `name`, or the strategy.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(self.strategy.as_str())
    }

    /// Checks every value, reporting all problems at once (an inline analysis config's
    /// problems are prefixed with `analysis.`).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let problems = plan_problems(self);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid {
                file: TEXT.to_owned(),
                problems,
            })
        }
    }

    fn parse(text: &str, format: ConfigFormat) -> Result<Self, ConfigError> {
        parse_document(text, format, "plan", TEXT)
    }
}

fn plan_problems(plan: &RolloutPlan) -> Vec<ConfigProblem> {
    let mut out = Vec::new();
    let mut problem = |path: String, message: String| out.push(ConfigProblem { path, message });
    if plan.version != 1 {
        problem(
            "version".into(),
            format!("expected 1, got {}", plan.version),
        );
    }
    if plan.steps.is_empty() {
        problem("steps".into(), "expected at least one step".into());
    }
    if plan.steps.len() > MAX_STEPS {
        problem(
            "steps".into(),
            format!("at most {MAX_STEPS} steps, got {}", plan.steps.len()),
        );
    }
    for (i, step) in plan.steps.iter().enumerate() {
        if !(step.weight.is_finite() && step.weight > 0.0 && step.weight <= 100.0) {
            problem(
                format!("steps[{i}].weight"),
                format!("expected a number in (0, 100], got {}", step.weight),
            );
        }
        if step.min_samples == Some(0) {
            problem(
                format!("steps[{i}].min_samples"),
                "expected at least 1".into(),
            );
        }
        if step.min_duration.is_some_and(|d| d.seconds() == 0) {
            problem(
                format!("steps[{i}].min_duration"),
                "expected a positive duration".into(),
            );
        }
    }
    let s = plan.sequential;
    if !(s.alpha > 0.0 && s.alpha <= 0.5) {
        problem(
            "sequential.alpha".into(),
            format!("expected a number in (0, 0.5], got {}", s.alpha),
        );
    }
    if !(s.tau.is_finite() && s.tau > 0.0) {
        problem(
            "sequential.tau".into(),
            format!("expected a positive number, got {}", s.tau),
        );
    }
    if let Analysis::Inline(config) = &plan.analysis
        && let Err(ConfigError::Invalid { problems, .. }) = config.validate()
    {
        for p in problems {
            let path = if p.path.is_empty() {
                "analysis".to_owned()
            } else {
                format!("analysis.{}", p.path)
            };
            problem(path, p.message);
        }
    }
    out
}
