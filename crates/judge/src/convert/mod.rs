//! Translating other tools' canary configs into ours: Kayenta canary configs
//! ([`kayenta`]), Argo Rollouts AnalysisTemplates ([`argo`]) and Flagger Canaries with
//! their MetricTemplates ([`flagger`]).
//!
//! Each converter returns a [`Conversion`]: our config (checked by our loader), the
//! same as YAML text with the notes as a comment header, a rollout plan where the tool
//! has one (Argo, Flagger), and a [`Note`] for everything in the input that has no
//! equivalent or was translated approximately — nothing is dropped silently.
//!
//! ```
//! use canary_judge::convert::{kayenta, ConvertOptions};
//!
//! let json = r#"{"name": "demo", "metrics": [{"name": "latency_ms", "groups": ["Latency"],
//!   "query": {"type": "prometheus", "customInlineTemplate": "PromQL:latency{version=\"${scope}\"}"},
//!   "analysisConfigurations": {"canary": {"direction": "increase", "critical": true}}}],
//!   "classifier": {"groupWeights": {"Latency": 100}}}"#;
//! let c = kayenta(json, &ConvertOptions::default()).unwrap();
//! assert_eq!(c.config.metrics[0].name, "latency_ms");
//! assert!(c.config.metrics[0].critical);
//! assert!(c.config_yaml.contains("mode: kayenta"));
//! ```

mod argo;
mod flagger;
mod kayenta;
mod plan;

pub use argo::argo;
pub use flagger::flagger;
pub use kayenta::kayenta;
pub use plan::{Plan, PlanLimits, PlanStep};

use crate::config::{Config, MetricKind};
use crate::error::ConfigError;
use serde::Serialize;
use serde_yaml_ng::{Mapping, Value};
use std::collections::BTreeMap;
use std::fmt;
use thiserror::Error;

/// Which tool a config comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A Kayenta canary config (JSON).
    Kayenta,
    /// An Argo Rollouts AnalysisTemplate or ClusterAnalysisTemplate (YAML).
    Argo,
    /// A Flagger Canary and its MetricTemplates (YAML, several documents).
    Flagger,
}

impl Source {
    /// `kayenta`, `argo` or `flagger`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Kayenta => "kayenta",
            Source::Argo => "argo",
            Source::Flagger => "flagger",
        }
    }
}

/// Settings of a conversion.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConvertOptions {
    /// The kind of data of named metrics. None of the three tools has metric kinds (they
    /// only ever see one number per query and interval), so every metric is converted
    /// as `continuous` unless named here (e.g. `errors` → `counts` when the recorded
    /// data are `(events, total)` pairs).
    pub kinds: BTreeMap<String, MetricKind>,
}

/// Something in the input without an exact equivalent: where it is in the input and
/// what was done with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// The path in the input, e.g. `metrics[2].analysisConfigurations.canary.muted` or
    /// `spec.metrics[error-rate].successCondition`.
    pub path: String,
    /// What has no equivalent, and what the conversion did instead.
    pub message: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The result of a conversion.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversion {
    /// Which tool the input came from.
    pub source: Source,
    /// The config, as our loader reads it.
    pub config: Config,
    /// The config as YAML, with the notes as a comment header.
    pub config_yaml: String,
    /// The rollout plan (Argo and Flagger), if the input has one.
    pub plan: Option<Plan>,
    /// The plan as YAML, with the notes about it as a comment header.
    pub plan_yaml: Option<String>,
    /// Everything without an exact equivalent.
    pub notes: Vec<Note>,
}

/// Why an input could not be converted at all.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConvertError {
    /// The text is not JSON/YAML, or not a config of that tool.
    #[error("{path}{}{message}", if path.is_empty() { "" } else { ": " })]
    Input {
        /// Where in the input (empty for the whole input).
        path: String,
        /// What was wrong.
        message: String,
    },
    /// The converted config is not valid (e.g. a threshold our checks refuse).
    #[error("the converted config is invalid: {0}")]
    Config(#[from] ConfigError),
}

impl ConvertError {
    pub(crate) fn input(path: &str, message: impl Into<String>) -> Self {
        ConvertError::Input {
            path: path.to_owned(),
            message: message.into(),
        }
    }
}

/// Collects notes while converting.
#[derive(Debug, Default)]
pub(crate) struct Notes(pub(crate) Vec<Note>);

impl Notes {
    /// Adds a note, once (the same note for the same place is kept once).
    pub(crate) fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        let note = Note {
            path: path.into(),
            message: message.into(),
        };
        if !self.0.contains(&note) {
            self.0.push(note);
        }
    }
}

/// A YAML mapping built in insertion order.
pub(crate) fn map() -> Mapping {
    Mapping::new()
}

pub(crate) fn put(m: &mut Mapping, key: &str, value: impl Into<Value>) {
    m.insert(Value::from(key), value.into());
}

pub(crate) fn num(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        Value::from(v as i64)
    } else {
        Value::from(v)
    }
}

/// Renders a YAML document with a comment header: the title lines, then the notes.
pub(crate) fn render(
    title: &[String],
    notes: &[Note],
    document: &Value,
) -> Result<String, ConvertError> {
    let body = serde_yaml_ng::to_string(document)
        .map_err(|e| ConvertError::input("", format!("cannot write YAML: {e}")))?;
    let mut out = String::new();
    for line in title {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    if !notes.is_empty() {
        out.push_str("#\n# Notes (no exact equivalent; check these):\n");
        for note in notes {
            out.push_str("#   - ");
            out.push_str(&note.to_string().replace('\n', " "));
            out.push('\n');
        }
    }
    out.push_str(&body);
    Ok(out)
}

/// Parses the config YAML we wrote with our loader (the round trip every conversion
/// guarantees).
pub(crate) fn load(yaml: &str) -> Result<Config, ConvertError> {
    Ok(Config::from_yaml_str(yaml)?)
}

/// The kind for a metric (from the options, or `continuous`), and the YAML spelling.
pub(crate) fn kind_of(options: &ConvertOptions, name: &str) -> MetricKind {
    options
        .kinds
        .get(name)
        .copied()
        .unwrap_or(MetricKind::Continuous)
}
