//! Threshold tuning: overriding one config value by its key path
//! ([`Config::with_override`]), sweeping values over a range ([`Sweep`]), a grid of
//! several sweeps ([`grid`]), and scoring each setting against labelled fixtures
//! ([`TuneSetting`], [`Tune`]).
//!
//! The rates, per setting, over the labelled fixtures:
//! - **false-rollback rate**: good releases (`expected: promote`) that were *not*
//!   promoted (held or rolled back) / fixtures expected to promote;
//! - **missed-regression rate**: bad releases (`expected: rollback`) that were promoted /
//!   fixtures expected to roll back;
//! - **hold rate**: fixtures held / all fixtures (labelled or not);
//! - **agreement**: fixtures whose verdict equals their label / labelled fixtures.
//!
//! A rate whose denominator is zero is `None` (`null` in JSON).

use crate::config::Config;
use crate::error::ConfigError;
use crate::verdict::Verdict;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use thiserror::Error;

/// The most values one sweep may have.
pub const MAX_SWEEP_VALUES: usize = 1000;
/// The most settings a grid of sweeps may have.
pub const MAX_GRID_SETTINGS: usize = 10_000;

/// A config override that could not be applied: the key path as given and why.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{key}: {message}")]
pub struct OverrideError {
    /// The key path as given, e.g. `metrics[latency_ms].effect.allowed_increase`.
    pub key: String,
    /// What was wrong.
    pub message: String,
}

impl OverrideError {
    fn new(key: &str, message: impl Into<String>) -> Self {
        Self {
            key: key.to_owned(),
            message: message.into(),
        }
    }
}

/// One step of a key path: an object member, then zero or more `[selector]`s.
#[derive(Debug)]
enum Step<'a> {
    Member(&'a str),
    Select(&'a str),
}

fn parse_path(path: &str) -> Result<Vec<Step<'_>>, String> {
    let mut steps = Vec::new();
    let mut rest = path;
    loop {
        let end = rest.find(['.', '[', ']']).unwrap_or(rest.len());
        let member = &rest[..end];
        if member.trim().is_empty() {
            return Err("expected a key before '.', '[' or the end".into());
        }
        steps.push(Step::Member(member));
        rest = &rest[end..];
        while let Some(after) = rest.strip_prefix('[') {
            let close = after
                .find(']')
                .ok_or_else(|| "'[' without a closing ']'".to_owned())?;
            let selector = &after[..close];
            if selector.is_empty() {
                return Err("empty selector []: expected an index or a name".into());
            }
            steps.push(Step::Select(selector));
            rest = &after[close + 1..];
        }
        if rest.is_empty() {
            return Ok(steps);
        }
        rest = rest
            .strip_prefix('.')
            .ok_or_else(|| format!("unexpected {:?}", rest.chars().next().unwrap_or('.')))?;
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Walks one step down from `node`, creating missing object members (as objects) on
/// the way; `seen` is the path walked so far, for messages. Also returns the step as
/// the schema's path spells it (a metric name becomes its index).
fn descend<'v>(
    node: &'v mut Value,
    step: &Step<'_>,
    seen: &str,
) -> Result<(&'v mut Value, String), String> {
    let at = if seen.is_empty() { "the config" } else { seen };
    if node.is_null() {
        *node = Value::Object(Map::new());
    }
    match (step, node) {
        (Step::Member(key) | Step::Select(key), Value::Object(map)) => {
            let resolved = if seen.is_empty() {
                (*key).to_owned()
            } else {
                format!(".{key}")
            };
            Ok((
                map.entry((*key).to_owned()).or_insert(Value::Null),
                resolved,
            ))
        }
        (Step::Select(selector), Value::Array(items)) => {
            let singular = seen
                .rsplit(['.', ']'])
                .next()
                .and_then(|s| s.strip_suffix('s'))
                .filter(|s| !s.is_empty())
                .unwrap_or("element");
            let len = items.len();
            let index = match selector.parse::<usize>() {
                Ok(index) if index < len => index,
                Ok(index) => return Err(format!("no {seen}[{index}]: there are {len} {seen}")),
                Err(_) => items
                    .iter()
                    .position(|item| item.get("name").and_then(Value::as_str) == Some(selector))
                    .ok_or_else(|| format!("no {singular} named {selector:?}"))?,
            };
            Ok((&mut items[index], format!("[{index}]")))
        }
        (Step::Member(key), other) => Err(format!(
            "{at} is {}, so it has no key {key:?}",
            describe(other)
        )),
        (Step::Select(selector), other) => Err(format!(
            "{at} is {}, so [{selector}] does not apply",
            describe(other)
        )),
    }
}

fn json_number(value: f64) -> Option<Value> {
    // Whole numbers become JSON integers so that integer fields (`min_samples`) accept
    // them; float fields accept integers too.
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if value.fract() == 0.0 && value.abs() < EXACT {
        Some(Value::from(value as i64))
    } else {
        serde_json::Number::from_f64(value).map(Value::Number)
    }
}

impl Config {
    /// This config with one numeric value replaced, addressed by its key path:
    /// `confidence`, `score.pass`, `metrics[latency_ms].effect.allowed_increase` (a
    /// metric by name), `metrics[0].min_samples` (by index), `groups.latency`, …
    ///
    /// Missing objects on the way are created (an absent `effect` becomes
    /// `{allowed_increase: v}`); the result is parsed with the config schema and
    /// [`validated`](Config::validate), so an unknown key or an invalid value is an error.
    ///
    /// # Errors
    /// An [`OverrideError`] naming `path`: a malformed path, no such metric or index,
    /// a key the schema does not have, a non-numeric field, or a value the config
    /// rejects (with the problems [`Config::validate`] found).
    ///
    /// ```
    /// use canary_judge::Config;
    ///
    /// let config = Config::from_yaml_str("version: 1\nmetrics:\n  - {name: latency_ms}\n").unwrap();
    /// let tuned = config.with_override("metrics[latency_ms].effect.allowed_increase", 1.2).unwrap();
    /// assert_eq!(tuned.metrics[0].effect.unwrap().allowed_increase, Some(1.2));
    ///
    /// let error = config.with_override("metrics[latencyms].confidence", 0.9).unwrap_err();
    /// assert_eq!(error.to_string(), r#"metrics[latencyms].confidence: no metric named "latencyms""#);
    /// assert!(config.with_override("confidence", 1.5).is_err());
    /// ```
    pub fn with_override(&self, path: &str, value: f64) -> Result<Config, OverrideError> {
        let err = |message: String| OverrideError::new(path, message);
        let steps = parse_path(path).map_err(|m| err(format!("malformed key: {m}")))?;
        let number = json_number(value)
            .ok_or_else(|| err(format!("expected a finite number, got {value}")))?;
        let mut root = serde_json::to_value(self)
            .map_err(|e| err(format!("cannot represent the config: {e}")))?;
        let mut node = &mut root;
        let mut seen = String::new();
        let mut resolved = String::new();
        for step in &steps {
            let (next, spelled) = descend(node, step, &seen).map_err(err)?;
            node = next;
            resolved.push_str(&spelled);
            match step {
                Step::Member(key) if seen.is_empty() => seen.push_str(key),
                Step::Member(key) => {
                    seen.push('.');
                    seen.push_str(key);
                }
                Step::Select(selector) => {
                    seen.push('[');
                    seen.push_str(selector);
                    seen.push(']');
                }
            }
        }
        match node {
            Value::Null | Value::Number(_) => *node = number,
            other => return Err(err(format!("holds {}, not a number", describe(other)))),
        }
        let config: Config = serde_path_to_error::deserialize(root).map_err(|e| {
            let inner = e.inner().to_string();
            let at = e.path().to_string();
            // The schema's path is worth showing only when it is not the key itself.
            if at == "." || at.is_empty() || at == resolved {
                err(inner)
            } else {
                err(format!("{at}: {inner}"))
            }
        })?;
        config.validate().map_err(|e| match e {
            ConfigError::Invalid { problems, .. } => err(format!(
                "{value} makes the config invalid: {}",
                problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            other => err(other.to_string()),
        })?;
        Ok(config)
    }
}

/// A swept config key and its values, in order (`KEY=FROM..TO:STEP`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// The key path (see [`Config::with_override`]).
    pub key: String,
    /// The values, ascending.
    pub values: Vec<f64>,
}

/// A `--sweep` that is not `KEY=FROM..TO:STEP` or whose range is unusable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SweepError {
    /// Not of the form `KEY=FROM..TO:STEP`.
    #[error("{text:?}: expected KEY=FROM..TO:STEP, e.g. confidence=0.9..0.99:0.01")]
    Syntax {
        /// The text given.
        text: String,
    },
    /// The range of a key is unusable (step ≤ 0, from > to, too many values, NaN).
    #[error("{key}: {message}")]
    Range {
        /// The swept key.
        key: String,
        /// What was wrong.
        message: String,
    },
    /// The grid of all sweeps has more than [`MAX_GRID_SETTINGS`] settings.
    #[error(
        "the sweeps form a grid of {settings} settings; at most {MAX_GRID_SETTINGS} are allowed (use fewer values or a larger step)"
    )]
    GridTooLarge {
        /// Settings of the grid (saturating).
        settings: usize,
    },
}

/// The decimals in the shortest text that reads back as `x` (Rust prints no exponent).
fn decimals(x: f64) -> i32 {
    let text = format!("{}", x.abs());
    text.split_once('.')
        .map_or(0, |(_, frac)| frac.len().min(15) as i32)
}

impl Sweep {
    /// Parses `KEY=FROM..TO:STEP`: the inclusive range FROM, FROM+STEP, … up to TO.
    /// Each value is computed as FROM + i·STEP and rounded to the decimals of FROM and
    /// STEP, so `1.0..1.5:0.1` gives exactly 1.0, 1.1, 1.2, 1.3, 1.4, 1.5.
    /// The key is not checked here: [`Config::with_override`] does.
    ///
    /// # Errors
    /// [`SweepError::Syntax`] for another form; [`SweepError::Range`] naming the key for a
    /// non-number, NaN or infinity, STEP ≤ 0, FROM > TO or more than
    /// [`MAX_SWEEP_VALUES`] values.
    ///
    /// ```
    /// use canary_judge::Sweep;
    /// let s = Sweep::parse("metrics[latency_ms].effect.allowed_increase=1.0..1.5:0.1").unwrap();
    /// assert_eq!(s.key, "metrics[latency_ms].effect.allowed_increase");
    /// assert_eq!(s.values, [1.0, 1.1, 1.2, 1.3, 1.4, 1.5]);
    /// assert!(Sweep::parse("confidence=0.99..0.9:0.01").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, SweepError> {
        let syntax = || SweepError::Syntax {
            text: text.to_owned(),
        };
        let (key, range) = text.rsplit_once('=').ok_or_else(syntax)?;
        let key = key.trim();
        let (from, rest) = range.split_once("..").ok_or_else(syntax)?;
        let (to, step) = rest.rsplit_once(':').ok_or_else(syntax)?;
        if key.is_empty() {
            return Err(syntax());
        }
        let range_error = |message: String| SweepError::Range {
            key: key.to_owned(),
            message,
        };
        let number = |what: &str, s: &str| -> Result<f64, SweepError> {
            let v: f64 = s
                .trim()
                .parse()
                .map_err(|_| range_error(format!("{what} {s:?} is not a number")))?;
            if v.is_finite() {
                Ok(v)
            } else {
                Err(range_error(format!(
                    "{what} must be a finite number, got {s}"
                )))
            }
        };
        let (from, to, step) = (
            number("FROM", from)?,
            number("TO", to)?,
            number("STEP", step)?,
        );
        let values = Self::range(from, to, step).map_err(range_error)?;
        Ok(Sweep {
            key: key.to_owned(),
            values,
        })
    }

    /// The inclusive range `from..to:step` (see [`Sweep::parse`]); the error says why
    /// it is unusable.
    pub fn range(from: f64, to: f64, step: f64) -> Result<Vec<f64>, String> {
        if !(from.is_finite() && to.is_finite() && step.is_finite()) {
            return Err(format!(
                "FROM, TO and STEP must be finite numbers, got {from}..{to}:{step}"
            ));
        }
        if step <= 0.0 {
            return Err(format!("STEP must be positive, got {step}"));
        }
        if from > to {
            return Err(format!("FROM must not exceed TO ({from} > {to})"));
        }
        // A tolerance of 1e-9 steps keeps TO when (TO − FROM) / STEP is a whole number
        // computed a hair short (0.3 / 0.1 = 2.9999999999999996).
        let steps = ((to - from) / step + 1e-9).floor();
        if steps >= MAX_SWEEP_VALUES as f64 {
            return Err(format!(
                "{from}..{to}:{step} has more than {MAX_SWEEP_VALUES} values; use a larger step"
            ));
        }
        let scale = 10f64.powi(decimals(from).max(decimals(step)));
        Ok((0..=steps as usize)
            .map(|i| ((from + i as f64 * step) * scale).round() / scale)
            .collect())
    }
}

/// Every setting of a grid of sweeps: the cartesian product of their values, the first
/// sweep varying slowest (so one sweep gives its values in order). Each setting holds
/// one value per sweep, in the sweeps' order.
///
/// # Errors
/// [`SweepError::GridTooLarge`] beyond [`MAX_GRID_SETTINGS`] settings.
///
/// ```
/// use canary_judge::{grid, Sweep};
/// let a = Sweep { key: "a".into(), values: vec![1.0, 2.0] };
/// let b = Sweep { key: "b".into(), values: vec![10.0, 20.0, 30.0] };
/// let settings = grid(&[a, b]).unwrap();
/// assert_eq!(settings.len(), 6);
/// assert_eq!(settings[1], [1.0, 20.0]);
/// ```
pub fn grid(sweeps: &[Sweep]) -> Result<Vec<Vec<f64>>, SweepError> {
    let settings = sweeps
        .iter()
        .fold(1usize, |n, s| n.saturating_mul(s.values.len()));
    if settings > MAX_GRID_SETTINGS {
        return Err(SweepError::GridTooLarge { settings });
    }
    let mut out: Vec<Vec<f64>> = vec![Vec::new()];
    for sweep in sweeps {
        out = out
            .iter()
            .flat_map(|prefix| {
                sweep.values.iter().map(move |&v| {
                    let mut setting = prefix.clone();
                    setting.push(v);
                    setting
                })
            })
            .collect();
    }
    Ok(out)
}

/// How one setting did on the fixtures: agreement, false-rollback, missed-regression and
/// hold rates (defined at the top of this module).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TuneSetting {
    /// The swept keys' values.
    pub values: BTreeMap<String, f64>,
    /// `correct / labelled`; `None` without labelled fixtures.
    pub agreement: Option<f64>,
    /// Good releases not promoted / good releases (`expected: promote`).
    pub false_rollback_rate: Option<f64>,
    /// Bad releases promoted / bad releases (`expected: rollback`).
    pub missed_regression_rate: Option<f64>,
    /// Fixtures held / all fixtures.
    pub hold_rate: Option<f64>,
    /// Labelled fixtures whose verdict equals the label.
    pub correct: usize,
    /// Labelled fixtures.
    pub labelled: usize,
    /// All fixtures judged.
    pub total: usize,
    /// Good releases not promoted.
    pub false_rollbacks: usize,
    /// Fixtures expected to promote.
    pub good: usize,
    /// Bad releases promoted.
    pub missed_regressions: usize,
    /// Fixtures expected to roll back.
    pub bad: usize,
    /// Fixtures held.
    pub held: usize,
}

fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl TuneSetting {
    /// Scores one setting from `(expected label, verdict)` per fixture.
    ///
    /// ```
    /// use canary_judge::{TuneSetting, Verdict::*};
    /// let s = TuneSetting::new(Default::default(),
    ///     [(Some(Promote), Hold), (Some(Promote), Promote), (Some(Rollback), Promote), (None, Hold)]);
    /// assert_eq!(s.false_rollback_rate, Some(0.5));
    /// assert_eq!(s.missed_regression_rate, Some(1.0));
    /// assert_eq!(s.hold_rate, Some(0.5));
    /// assert_eq!((s.correct, s.labelled), (1, 3));
    /// ```
    pub fn new(
        values: BTreeMap<String, f64>,
        outcomes: impl IntoIterator<Item = (Option<Verdict>, Verdict)>,
    ) -> Self {
        let mut s = TuneSetting {
            values,
            agreement: None,
            false_rollback_rate: None,
            missed_regression_rate: None,
            hold_rate: None,
            correct: 0,
            labelled: 0,
            total: 0,
            false_rollbacks: 0,
            good: 0,
            missed_regressions: 0,
            bad: 0,
            held: 0,
        };
        for (expected, verdict) in outcomes {
            s.total += 1;
            s.held += usize::from(verdict == Verdict::Hold);
            let Some(expected) = expected else { continue };
            s.labelled += 1;
            s.correct += usize::from(expected == verdict);
            match expected {
                Verdict::Promote => {
                    s.good += 1;
                    s.false_rollbacks += usize::from(verdict != Verdict::Promote);
                }
                Verdict::Rollback => {
                    s.bad += 1;
                    s.missed_regressions += usize::from(verdict == Verdict::Promote);
                }
                Verdict::Hold => {}
            }
        }
        s.agreement = ratio(s.correct, s.labelled);
        s.false_rollback_rate = ratio(s.false_rollbacks, s.good);
        s.missed_regression_rate = ratio(s.missed_regressions, s.bad);
        s.hold_rate = ratio(s.held, s.total);
        s
    }
}

/// A recommended setting (or the runner-up): its index in [`Tune::settings`] and how it
/// did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TuneChoice {
    /// Index into [`Tune::settings`].
    pub index: usize,
    /// No bad release was promoted under this setting.
    pub no_missed_regressions: bool,
    /// The setting and its rates.
    #[serde(flatten)]
    pub setting: TuneSetting,
}

/// The result of a sweep: every setting and the recommendation (`canary tune`'s JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tune {
    /// The swept keys and their values.
    pub sweeps: Vec<Sweep>,
    /// Every setting, in [`grid`] order.
    pub settings: Vec<TuneSetting>,
    /// The best setting; `None` only without settings.
    pub recommendation: Option<TuneChoice>,
    /// The next best; `None` with fewer than two settings.
    pub runner_up: Option<TuneChoice>,
}

impl Tune {
    /// Ranks the settings and picks the recommendation: among settings with no missed
    /// regressions, the one with the fewest false rollbacks, ties broken by higher
    /// agreement, then by the first in sweep order. When every setting misses some
    /// regression, the one with the fewest missed regressions (then the same order).
    /// The runner-up is the second in that ranking.
    pub fn new(sweeps: Vec<Sweep>, settings: Vec<TuneSetting>) -> Self {
        let mut order: Vec<usize> = (0..settings.len()).collect();
        // Counts rank like rates: every setting judges the same fixtures.
        order.sort_by_key(|&i| {
            let s = &settings[i];
            (
                s.missed_regressions,
                s.false_rollbacks,
                std::cmp::Reverse(s.correct),
                i,
            )
        });
        let choice = |rank: usize| {
            order.get(rank).map(|&index| TuneChoice {
                index,
                no_missed_regressions: settings[index].missed_regressions == 0,
                setting: settings[index].clone(),
            })
        };
        let (recommendation, runner_up) = (choice(0), choice(1));
        Tune {
            sweeps,
            settings,
            recommendation,
            runner_up,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "version: 1
score: {pass: 75, marginal: 50}
metrics:
  - name: latency_ms
    effect: {measure: hl_ratio, allowed_increase: 1.1}
    relative_gate: {stat: p99, max_ratio: 1.5}
    min_samples: 8
  - name: errors
    kind: counts
    gate: {stat: rate, max: 0.05}
";

    fn config() -> Config {
        Config::from_yaml_str(YAML).unwrap()
    }

    #[test]
    fn overrides_by_name_index_and_top_level() {
        let c = config();
        let t = c
            .with_override("metrics[latency_ms].effect.allowed_increase", 1.3)
            .unwrap();
        assert_eq!(t.metrics[0].effect.unwrap().allowed_increase, Some(1.3));
        assert_eq!(t.metrics[1], c.metrics[1]);
        let t = c.with_override("metrics[1].gate.max", 0.1).unwrap();
        assert_eq!(t.metrics[1].gate.unwrap().max, Some(0.1));
        assert_eq!(c.with_override("confidence", 0.9).unwrap().confidence, 0.9);
        assert_eq!(
            c.with_override("score.pass", 80.0).unwrap().score.pass,
            80.0
        );
        let t = c.with_override("metrics[errors].confidence", 0.99).unwrap();
        assert_eq!(t.metrics[1].confidence, Some(0.99));
        let t = c
            .with_override("metrics[latency_ms].relative_gate.max_ratio", 2.0)
            .unwrap();
        assert_eq!(t.metrics[0].relative_gate.unwrap().max_ratio, Some(2.0));
    }

    #[test]
    fn integer_fields_take_whole_numbers() {
        let c = config();
        let t = c.with_override("metrics[0].min_samples", 12.0).unwrap();
        assert_eq!(t.metrics[0].min_samples, Some(12));
        let e = c.with_override("metrics[0].min_samples", 2.5).unwrap_err();
        assert_eq!(e.key, "metrics[0].min_samples");
        assert!(e.message.contains("expected u64"), "{e}");
        assert!(c.with_override("metrics[0].min_samples", -1.0).is_err());
    }

    #[test]
    fn missing_objects_are_created() {
        let t = config()
            .with_override("metrics[errors].effect.allowed_increase", 2.0)
            .unwrap();
        let effect = t.metrics[1].effect.unwrap();
        assert_eq!(effect.allowed_increase, Some(2.0));
        assert_eq!(effect.measure, None);
    }

    #[test]
    fn same_value_round_trips() {
        let c = config();
        assert_eq!(
            c.with_override("metrics[latency_ms].effect.allowed_increase", 1.1)
                .unwrap(),
            c
        );
    }

    #[test]
    fn bad_overrides_name_the_key() {
        let c = config();
        let cases = [
            (
                "metrics[latencyms].effect.allowed_increase",
                1.2,
                "no metric named \"latencyms\"",
            ),
            (
                "metrics[7].confidence",
                0.9,
                "no metrics[7]: there are 2 metrics",
            ),
            ("confidnce", 0.9, "unknown field `confidnce`"),
            (
                "metrics[0].effect.allowed_increas",
                1.2,
                "unknown field `allowed_increas`",
            ),
            (
                "confidence",
                1.5,
                "1.5 makes the config invalid: confidence: expected a number strictly between 0 and 1",
            ),
            (
                "metrics[0].effect.allowed_increase",
                0.9,
                "must be at least 1",
            ),
            (
                "score.pass",
                40.0,
                "score.marginal: must not exceed score.pass",
            ),
            ("metrics[0].gate.max", 10.0, "missing field `stat`"),
            ("metrics[0].name", 1.0, "holds a string, not a number"),
            (
                "confidence.x",
                1.0,
                "confidence is a number, so it has no key \"x\"",
            ),
            ("metrics..x", 1.0, "malformed key"),
            ("metrics[0", 1.0, "malformed key"),
            ("", 1.0, "malformed key"),
            ("confidence", f64::NAN, "expected a finite number"),
        ];
        for (key, value, want) in cases {
            let e = c.with_override(key, value).unwrap_err();
            assert_eq!(e.key, key);
            let text = e.to_string();
            assert!(text.starts_with(&format!("{key}: ")), "{text}");
            assert!(text.contains(want), "{key}: {text:?} lacks {want:?}");
        }
    }

    #[test]
    fn ranges_are_exact_decimals() {
        assert_eq!(
            Sweep::range(1.0, 1.5, 0.1).unwrap(),
            [1.0, 1.1, 1.2, 1.3, 1.4, 1.5]
        );
        assert_eq!(Sweep::range(0.0, 0.3, 0.1).unwrap(), [0.0, 0.1, 0.2, 0.3]);
        assert_eq!(Sweep::range(1.05, 1.25, 0.1).unwrap(), [1.05, 1.15, 1.25]);
        assert_eq!(Sweep::range(5.0, 5.0, 1.0).unwrap(), [5.0]);
        assert_eq!(
            Sweep::range(50.0, 80.0, 10.0).unwrap(),
            [50.0, 60.0, 70.0, 80.0]
        );
        assert_eq!(Sweep::range(0.0, 999.0, 1.0).unwrap().len(), 1000);
        assert!(Sweep::range(0.0, 1000.0, 1.0).is_err());
        assert!(Sweep::range(1.0, 2.0, 0.0).is_err());
        assert!(Sweep::range(1.0, 2.0, -0.1).is_err());
        assert!(Sweep::range(2.0, 1.0, 0.1).is_err());
        assert!(Sweep::range(f64::NAN, 1.0, 0.1).is_err());
    }

    #[test]
    fn sweep_syntax() {
        let s = Sweep::parse("score.pass=60..80:5").unwrap();
        assert_eq!(s.values, [60.0, 65.0, 70.0, 75.0, 80.0]);
        let s = Sweep::parse("metrics[a=b].gate.max=-1..1:1").unwrap();
        assert_eq!(
            (s.key.as_str(), s.values.len()),
            ("metrics[a=b].gate.max", 3)
        );
        for bad in ["confidence", "confidence=0.9", "=1..2:1", "confidence=1..2"] {
            assert!(
                matches!(Sweep::parse(bad), Err(SweepError::Syntax { .. })),
                "{bad}"
            );
        }
        for bad in [
            "confidence=x..2:1",
            "confidence=NaN..1:0.1",
            "confidence=1..2:0",
        ] {
            let e = Sweep::parse(bad).unwrap_err();
            assert!(e.to_string().starts_with("confidence: "), "{e}");
        }
    }

    #[test]
    fn grid_is_capped() {
        let s = |key: &str, n: usize| Sweep {
            key: key.into(),
            values: (0..n).map(|i| i as f64).collect(),
        };
        assert_eq!(grid(&[s("a", 100), s("b", 100)]).unwrap().len(), 10_000);
        assert_eq!(
            grid(&[s("a", 100), s("b", 101)]),
            Err(SweepError::GridTooLarge { settings: 10_100 })
        );
        assert_eq!(grid(&[]).unwrap(), vec![Vec::<f64>::new()]);
    }

    #[test]
    fn recommendation_prefers_no_missed_regressions() {
        use Verdict::*;
        let setting = |v: f64, outcomes: &[(Option<Verdict>, Verdict)]| {
            TuneSetting::new(
                BTreeMap::from([("k".to_owned(), v)]),
                outcomes.iter().copied(),
            )
        };
        let settings = vec![
            // Strict: a false rollback, no miss.
            setting(
                1.0,
                &[(Some(Promote), Rollback), (Some(Rollback), Rollback)],
            ),
            // Lenient: no false rollback, a miss.
            setting(2.0, &[(Some(Promote), Promote), (Some(Rollback), Promote)]),
            // Same as the first: the first in sweep order wins the tie.
            setting(
                3.0,
                &[(Some(Promote), Rollback), (Some(Rollback), Rollback)],
            ),
        ];
        let tune = Tune::new(vec![], settings);
        let rec = tune.recommendation.unwrap();
        assert_eq!((rec.index, rec.no_missed_regressions), (0, true));
        assert_eq!(tune.runner_up.unwrap().index, 2);

        let all_miss = vec![
            setting(1.0, &[(Some(Rollback), Promote), (Some(Rollback), Promote)]),
            setting(
                2.0,
                &[(Some(Rollback), Promote), (Some(Rollback), Rollback)],
            ),
        ];
        let rec = Tune::new(vec![], all_miss).recommendation.unwrap();
        assert_eq!((rec.index, rec.no_missed_regressions), (1, false));
    }
}
