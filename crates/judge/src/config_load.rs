//! Reading a config from YAML, JSON or TOML, and checking its values.

use crate::config::{
    Config, EffectMeasure, MetricConfig, MetricKind, Mode, OutlierStrategy, Stat, TestKind,
};
use crate::error::{ConfigError, ConfigProblem};
use serde::de::DeserializeOwned;
use std::collections::BTreeSet;
use std::path::Path;

/// The text format of a config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigFormat {
    /// YAML (`.yaml`, `.yml`).
    Yaml,
    /// JSON (`.json`).
    Json,
    /// TOML (`.toml`).
    Toml,
}

impl ConfigFormat {
    /// The format a file name implies; `None` for other extensions.
    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "yaml" | "yml" => Some(ConfigFormat::Yaml),
            "json" => Some(ConfigFormat::Json),
            "toml" => Some(ConfigFormat::Toml),
            _ => None,
        }
    }
}

const TEXT: &str = "<config>";

impl Config {
    /// Reads and checks a config file; the format comes from the extension (YAML when
    /// it says nothing).
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Io {
            file: file.clone(),
            message: e.to_string(),
        })?;
        let format = ConfigFormat::from_path(path).unwrap_or(ConfigFormat::Yaml);
        Self::from_str_as(&text, format).map_err(|e| e.in_file(&file))
    }

    /// Parses and checks a config in the given format.
    pub fn from_str_as(text: &str, format: ConfigFormat) -> Result<Self, ConfigError> {
        let config: Config = parse_document(text, format, "config", TEXT)?;
        config.validate()?;
        Ok(config)
    }

    /// Parses and checks a YAML config.
    pub fn from_yaml_str(text: &str) -> Result<Self, ConfigError> {
        Self::from_str_as(text, ConfigFormat::Yaml)
    }

    /// Parses and checks a JSON config.
    pub fn from_json_str(text: &str) -> Result<Self, ConfigError> {
        Self::from_str_as(text, ConfigFormat::Json)
    }

    /// Parses and checks a TOML config.
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        Self::from_str_as(text, ConfigFormat::Toml)
    }

    /// Checks every value, reporting all problems at once.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let problems = problems(self);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid {
                file: TEXT.to_owned(),
                problems,
            })
        }
    }
}

fn parse_error(label: &str, path: &str, message: &str) -> ConfigError {
    ConfigError::Parse {
        file: label.to_owned(),
        problem: ConfigProblem {
            path: path.to_owned(),
            message: message.to_owned(),
        },
    }
}

/// Parses a document (a config, a rollout plan) in `format` into `T`. Errors name the
/// key path; `what` names the document in the message for empty text, and `label`
/// stands for its file until [`ConfigError::in_file`] names it.
pub(crate) fn parse_document<T: DeserializeOwned>(
    text: &str,
    format: ConfigFormat,
    what: &str,
    label: &str,
) -> Result<T, ConfigError> {
    if text.trim().is_empty() {
        return Err(parse_error(label, "", &format!("the {what} is empty")));
    }
    match format {
        ConfigFormat::Yaml => deserialize(label, serde_yaml_ng::Deserializer::from_str(text)),
        ConfigFormat::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            let value = deserialize(label, &mut de)?;
            de.end()
                .map_err(|e| parse_error(label, "", &e.to_string()))?;
            Ok(value)
        }
        ConfigFormat::Toml => {
            let de = toml::Deserializer::parse(text)
                .map_err(|e| parse_error(label, "", e.to_string().trim()))?;
            deserialize(label, de)
        }
    }
}

fn deserialize<'de, T, D>(label: &str, deserializer: D) -> Result<T, ConfigError>
where
    T: DeserializeOwned,
    D: serde::Deserializer<'de>,
    D::Error: std::fmt::Display,
{
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        // Some parsers (YAML) already start their message with a path: keep one.
        let message = e.inner().to_string();
        let message = match message.split_once(": ") {
            Some((prefix, rest)) if !path.is_empty() && path.starts_with(prefix) => rest.to_owned(),
            _ => message,
        };
        parse_error(label, &path, &message)
    })
}

/// Collects every problem of a parsed config.
fn problems(config: &Config) -> Vec<ConfigProblem> {
    let mut out = Vec::new();
    let mut problem = |path: String, message: String| out.push(ConfigProblem { path, message });
    if config.version != 1 {
        problem(
            "version".into(),
            format!("expected 1, got {}", config.version),
        );
    }
    check_probability(&mut problem, "confidence", config.confidence);
    if let Some(t) = config.tolerance {
        check_positive(&mut problem, "tolerance", t);
    }
    let score = config.score;
    for (key, value) in [
        ("score.pass", score.pass),
        ("score.marginal", score.marginal),
    ] {
        if !(0.0..=100.0).contains(&value) {
            problem(
                key.into(),
                format!("expected a number from 0 to 100, got {value}"),
            );
        }
    }
    if score.marginal > score.pass {
        problem(
            "score.marginal".into(),
            format!(
                "must not exceed score.pass ({} > {})",
                score.marginal, score.pass
            ),
        );
    }
    for (group, weight) in &config.groups {
        if !(weight.is_finite() && *weight >= 0.0) {
            problem(
                format!("groups.{group}"),
                format!("expected a non-negative weight, got {weight}"),
            );
        }
        if !config.metrics.iter().any(|m| m.group_name() == group) {
            problem(
                format!("groups.{group}"),
                "no metric is in this group".into(),
            );
        }
    }
    if config.metrics.is_empty() {
        problem("metrics".into(), "expected at least one metric".into());
    }
    let mut seen = BTreeSet::new();
    for (i, metric) in config.metrics.iter().enumerate() {
        let at = |key: &str| format!("metrics[{i}].{key}");
        if metric.name.trim().is_empty() {
            problem(at("name"), "expected a non-empty name".into());
        } else if !seen.insert(metric.name.as_str()) {
            problem(
                at("name"),
                format!("duplicate metric name {:?}", metric.name),
            );
        }
        if config.mode == Mode::Kayenta {
            crate::kayenta::metric_problems(metric, &at, &mut problem);
        } else {
            metric_problems(metric, &at, &mut problem);
        }
    }
    crate::sources_config::problems(&config.sources, &mut problem);
    out
}

fn metric_problems(
    metric: &MetricConfig,
    at: &dyn Fn(&str) -> String,
    problem: &mut dyn FnMut(String, String),
) {
    let kind = metric.kind;
    let test = metric.test_kind();
    let test_fits = matches!(
        (kind, test),
        (MetricKind::Continuous, TestKind::MannWhitney | TestKind::Ks)
            | (MetricKind::Counts, TestKind::Rate)
            | (MetricKind::Histogram, TestKind::MannWhitney)
    );
    if !test_fits {
        let allowed = match kind {
            MetricKind::Continuous => "mann_whitney or ks",
            MetricKind::Counts => "rate",
            MetricKind::Histogram => "mann_whitney",
        };
        problem(
            at("test"),
            format!(
                "{} does not apply to {} data; expected {allowed}",
                test.as_str(),
                kind.as_str()
            ),
        );
    }
    if let Some(c) = metric.confidence {
        check_probability(problem, &at("confidence"), c);
    }
    if let Some(t) = metric.tolerance {
        check_positive(problem, &at("tolerance"), t);
    }
    if metric.outliers.strategy == OutlierStrategy::Remove || metric.outliers.factor != 3.0 {
        check_positive(problem, &at("outliers.factor"), metric.outliers.factor);
    }
    if metric.min_samples == Some(0) {
        problem(at("min_samples"), "expected at least 1".into());
    }
    if let Some(effect) = &metric.effect {
        let measure = metric.effect_measure();
        let measure_fits = match kind {
            MetricKind::Continuous => matches!(
                measure,
                EffectMeasure::MeanRatio | EffectMeasure::Cles | EffectMeasure::HlRatio
            ),
            MetricKind::Counts => measure == EffectMeasure::RateRatio,
            MetricKind::Histogram => measure == EffectMeasure::QuantileRatio,
        };
        if !measure_fits {
            let allowed = match kind {
                MetricKind::Continuous => "mean_ratio, cles or hl_ratio",
                MetricKind::Counts => "rate_ratio",
                MetricKind::Histogram => "quantile_ratio",
            };
            problem(
                at("effect.measure"),
                format!(
                    "{} does not apply to {} data; expected {allowed}",
                    measure.as_str(),
                    kind.as_str()
                ),
            );
        }
        let thresholds = [
            ("allowed_increase", effect.allowed_increase),
            ("allowed_decrease", effect.allowed_decrease),
            ("critical_increase", effect.critical_increase),
            ("critical_decrease", effect.critical_decrease),
        ];
        for (key, value) in thresholds {
            let Some(value) = value else { continue };
            let key = at(&format!("effect.{key}"));
            if measure == EffectMeasure::Cles {
                check_probability(problem, &key, value);
            } else {
                check_positive(problem, &key, value);
            }
        }
        let neutral = measure.neutral();
        let valid = |v: f64| v.is_finite() && v > 0.0;
        if effect
            .allowed_increase
            .is_some_and(|v| valid(v) && v < neutral)
        {
            problem(
                at("effect.allowed_increase"),
                format!(
                    "must be at least {neutral} (no change) for {}",
                    measure.as_str()
                ),
            );
        }
        if effect
            .allowed_decrease
            .is_some_and(|v| valid(v) && v > neutral)
        {
            problem(
                at("effect.allowed_decrease"),
                format!(
                    "must be at most {neutral} (no change) for {}",
                    measure.as_str()
                ),
            );
        }
        if let (Some(a), Some(c)) = (effect.allowed_increase, effect.critical_increase)
            && c < a
        {
            problem(
                at("effect.critical_increase"),
                format!("must be at least allowed_increase ({c} < {a})"),
            );
        }
        if let (Some(a), Some(c)) = (effect.allowed_decrease, effect.critical_decrease)
            && c > a
        {
            problem(
                at("effect.critical_decrease"),
                format!("must be at most allowed_decrease ({c} > {a})"),
            );
        }
        if let Some(q) = effect.quantile {
            if measure != EffectMeasure::QuantileRatio {
                problem(
                    at("effect.quantile"),
                    "only applies to quantile_ratio".into(),
                );
            } else if !(q > 0.0 && q < 1.0) {
                problem(
                    at("effect.quantile"),
                    format!("expected a quantile in (0, 1), got {q}"),
                );
            }
        }
    }
    if let Some(gate) = &metric.gate {
        check_stat(problem, &at("gate.stat"), gate.stat, kind);
        if gate.min.is_none() && gate.max.is_none() {
            problem(at("gate"), "expected min, max or both".into());
        }
        for (key, value) in [("gate.min", gate.min), ("gate.max", gate.max)] {
            if let Some(v) = value
                && !v.is_finite()
            {
                problem(at(key), format!("expected a finite number, got {v}"));
            }
        }
        if let (Some(lo), Some(hi)) = (gate.min, gate.max)
            && lo > hi
        {
            problem(
                at("gate.min"),
                format!("must not exceed gate.max ({lo} > {hi})"),
            );
        }
    }
    if let Some(gate) = &metric.relative_gate {
        check_stat(problem, &at("relative_gate.stat"), gate.stat, kind);
        if gate.min_ratio.is_none() && gate.max_ratio.is_none() {
            problem(
                at("relative_gate"),
                "expected min_ratio, max_ratio or both".into(),
            );
        }
        for (key, value) in [
            ("relative_gate.min_ratio", gate.min_ratio),
            ("relative_gate.max_ratio", gate.max_ratio),
        ] {
            if let Some(v) = value {
                check_positive(problem, &at(key), v);
            }
        }
    }
}

fn check_stat(problem: &mut dyn FnMut(String, String), path: &str, stat: Stat, kind: MetricKind) {
    let fits = match kind {
        MetricKind::Counts => stat == Stat::Rate,
        MetricKind::Continuous => stat != Stat::Rate,
        MetricKind::Histogram => matches!(stat, Stat::Median | Stat::Percentile(_)),
    };
    if !fits {
        let allowed = match kind {
            MetricKind::Counts => "rate",
            MetricKind::Continuous => "mean, median, max or pNN",
            MetricKind::Histogram => "median or pNN",
        };
        problem(
            path.to_owned(),
            format!(
                "{stat} does not apply to {} data; expected {allowed}",
                kind.as_str()
            ),
        );
    }
}

pub(crate) fn check_probability(problem: &mut dyn FnMut(String, String), path: &str, value: f64) {
    if !(value > 0.0 && value < 1.0) {
        problem(
            path.to_owned(),
            format!("expected a number strictly between 0 and 1, got {value}"),
        );
    }
}

pub(crate) fn check_positive(problem: &mut dyn FnMut(String, String), path: &str, value: f64) {
    if !(value.is_finite() && value > 0.0) {
        problem(
            path.to_owned(),
            format!("expected a positive number, got {value}"),
        );
    }
}
