//! # canary-report
//!
//! Self-contained HTML reports for the JSON that Canary Judge writes: one file with an
//! inline style sheet and inline SVG charts (drawn by plotters' SVG backend), no
//! scripts and no network requests, that opens in any browser and can be attached to a
//! ticket.
//!
//! | input JSON | page |
//! |---|---|
//! | `canary judge` / `canary gate` (the verdict schema) | verdict banner and reasons, group scores; per metric the reason, baseline vs canary over time, their distributions (ECDF), the evidence and gate tables |
//! | `canary replay` | agreement, the confusion matrix, the misjudged fixtures, every result |
//! | `canary tune` | the recommendation and runner-up, the rates against each swept value with the recommendation marked, every setting |
//! | `canary rollout` | where it ended and why, traffic and score per observation with each decision, the plan's steps and limits, every decision, each observation's evidence |
//!
//! **Where the raw series come from.** Verdict JSON holds the evidence, not the data. For
//! a verdict, pass the fixture it judged ([`Options::fixture`]; `canary report
//! --fixture F`) to get the charts; without it the page shows the evidence only and says
//! so. For a replay, pass the config ([`Options::config`]; `--config C`) and every
//! misjudged fixture is re-read from the `path` in its result and judged again, so the
//! page explains what went wrong metric by metric. Charts show the data as recorded,
//! before the judge's cleaning: missing values are gaps, and values the judge's outlier
//! rule removed are still drawn (the sides table counts both).
//!
//! **Large inputs** stay light: time series are reduced to the minimum and maximum of
//! each of [`downsample::TIME_BUCKETS`] time buckets, distributions to the ECDF at
//! [`downsample::ECDF_POINTS`] quantiles (see [`downsample`]); a 50-metric fixture with
//! 10,000 points per side gives a page of about a megabyte.
//!
//! **Deterministic**: the same input gives the same bytes (no clock, no randomness).
//!
//! ```
//! use canary_judge::{judge, Config, Fixture};
//! use canary_report::{render, Document, Options};
//!
//! let config = Config::from_yaml_str("version: 1\nmetrics:\n  - {name: cpu, min_samples: 2}\n").unwrap();
//! let fixture = Fixture::from_json_str(r#"{"version": 1, "name": "run", "metrics": {"cpu": {
//!     "baseline": [[0, 1.0], [60, 1.2], [120, 1.1]], "canary": [[0, 1.1], [60, 1.0], [120, 1.2]]}}}"#).unwrap();
//! let verdict = judge(&config, &fixture).unwrap();
//! let html = render(&Document::Verdict(verdict), &Options { fixture: Some(&fixture), ..Options::default() }).unwrap();
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! assert!(html.contains("id=\"series-cpu\"") && html.contains("id=\"evidence-cpu\""));
//! // Nothing is fetched: no scripts, links, sources or CSS urls (the SVG namespace URI
//! // is a name, never requested).
//! for fetch in ["<script", "<link", "src=", "href=", "url(", "@import"] {
//!     assert!(!html.contains(fetch), "{fetch}");
//! }
//! ```

pub mod charts;
pub mod downsample;
pub mod html;
mod pages;
pub mod tables;

pub use pages::rollout::{Rollout, RolloutDecision, RolloutStep};

use canary_judge::{Config, Fixture, Replay, Report, Tune};
use serde_json::Value;
use thiserror::Error;

/// Why a report could not be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReportError {
    /// The input is not JSON, or not of a kind this crate renders.
    #[error("{0}")]
    Input(String),
    /// Drawing a chart failed.
    #[error("drawing a chart: {0}")]
    Chart(String),
}

/// A result to render, by the command that wrote it.
#[derive(Debug, Clone)]
pub enum Document {
    /// `canary judge` or `canary gate`: the verdict schema.
    Verdict(Report),
    /// `canary replay`.
    Replay(Replay),
    /// `canary tune`.
    Tune(Box<Tune>),
    /// `canary rollout`.
    Rollout(Rollout),
}

impl Document {
    /// Parses result JSON and tells its kind by its keys: `verdict` + `metrics` (judge,
    /// gate), `results` + `summary` (replay), `sweeps` + `settings` (tune), `steps` +
    /// `decisions` (rollout). Unknown extra keys are ignored, so newer outputs still render.
    ///
    /// # Errors
    /// [`ReportError::Input`] naming what is wrong: not JSON, not an object, no
    /// recognised keys, or a recognised kind whose fields do not fit its schema.
    ///
    /// ```
    /// use canary_report::Document;
    /// let doc = Document::from_json_str(r#"{"results": [], "summary": {"total": 0, "correct": 0, "confusion": {}}}"#).unwrap();
    /// assert_eq!(doc.kind(), "replay");
    /// let e = Document::from_json_str(r#"{"hello": 1}"#).unwrap_err();
    /// assert!(e.to_string().contains("not the JSON of"));
    /// ```
    pub fn from_json_str(text: &str) -> Result<Self, ReportError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| ReportError::Input(format!("not JSON: {e}")))?;
        Self::from_json_value(value)
    }

    /// As [`Document::from_json_str`], from parsed JSON.
    ///
    /// # Errors
    /// As [`Document::from_json_str`].
    pub fn from_json_value(value: Value) -> Result<Self, ReportError> {
        let Some(object) = value.as_object() else {
            return Err(ReportError::Input(
                "expected a JSON object (the output of canary judge, gate, replay, tune or rollout)"
                    .into(),
            ));
        };
        let has = |k: &str| object.contains_key(k);
        let parse = |kind: &str, value: Value| -> Result<Document, ReportError> {
            let bad = |e: serde_json::Error| {
                ReportError::Input(format!("looks like {kind} JSON but does not fit: {e}"))
            };
            Ok(match kind {
                "verdict" => Document::Verdict(serde_json::from_value(value).map_err(bad)?),
                "replay" => Document::Replay(serde_json::from_value(value).map_err(bad)?),
                "tune" => Document::Tune(Box::new(serde_json::from_value(value).map_err(bad)?)),
                _ => Document::Rollout(serde_json::from_value(value).map_err(bad)?),
            })
        };
        if has("verdict") && has("metrics") {
            parse("verdict", value)
        } else if has("results") && has("summary") {
            parse("replay", value)
        } else if has("sweeps") && has("settings") {
            parse("tune", value)
        } else if has("steps") && has("decisions") {
            parse("rollout", value)
        } else {
            let keys: Vec<&str> = object.keys().map(String::as_str).take(8).collect();
            Err(ReportError::Input(format!(
                "not the JSON of canary judge, gate, replay, tune or rollout (keys: {}); \
                 expected verdict+metrics, results+summary, sweeps+settings or steps+decisions",
                keys.join(", ")
            )))
        }
    }

    /// `verdict`, `replay`, `tune` or `rollout`.
    pub fn kind(&self) -> &'static str {
        match self {
            Document::Verdict(_) => "verdict",
            Document::Replay(_) => "replay",
            Document::Tune(_) => "tune",
            Document::Rollout(_) => "rollout",
        }
    }
}

/// What a report may draw on beyond the result itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// The page title (default: by kind, e.g. "Canary verdict: rollback").
    pub title: Option<&'a str>,
    /// Verdicts: the fixture that was judged, for the time series and distributions.
    pub fixture: Option<&'a Fixture>,
    /// Replays: the config the replay used; misjudged fixtures are re-judged with it
    /// (read from their `path`) and shown metric by metric.
    pub config: Option<&'a Config>,
}

/// Renders a result as a self-contained HTML page.
///
/// # Errors
/// [`ReportError::Chart`] if a chart cannot be drawn.
pub fn render(document: &Document, options: &Options<'_>) -> Result<String, ReportError> {
    match document {
        Document::Verdict(report) => pages::verdict::page(report, options),
        Document::Replay(replay) => pages::replay::page(replay, options),
        Document::Tune(tune) => pages::tune::page(tune, options),
        Document::Rollout(rollout) => pages::rollout::page(rollout, options),
    }
}

/// Parses result JSON ([`Document::from_json_str`]) and renders it ([`render`]).
///
/// # Errors
/// As those two.
pub fn render_json(text: &str, options: &Options<'_>) -> Result<String, ReportError> {
    render(&Document::from_json_str(text)?, options)
}

/// The footer every page ends with: what made it and how data was thinned.
pub(crate) fn footer() -> String {
    format!(
        "Made by canary-report {}. Self-contained: no scripts, no network. Time series are \
         drawn from the minimum and maximum of each of {} time buckets; distributions from \
         the empirical CDF (exact up to {} values, otherwise at {} evenly spaced quantiles).",
        env!("CARGO_PKG_VERSION"),
        downsample::TIME_BUCKETS,
        downsample::ECDF_POINTS,
        downsample::ECDF_POINTS
    )
}
