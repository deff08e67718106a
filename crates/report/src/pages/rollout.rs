//! The rollout page (`canary rollout`): where the rollout ended, the traffic and score
//! at each observation with its decision, the plan's steps, every decision with its
//! reasons, and each judged observation's evidence.
//!
//! The JSON is read through the mirror types below, which name only the fields the page
//! shows and ignore the rest: outputs with fields added later still render, and this
//! crate does not depend on the rollout engine.

use crate::charts::{AMBER, BASELINE, GREEN, GREY, Line, LineChart, RED, XAxis};
use crate::html::{Cell, Page, Table, escape, number};
use crate::pages::verdict;
use crate::{Options, ReportError, footer};
use canary_judge::{Number, Report};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// `canary rollout --format json`, as the report reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rollout {
    /// The plan's name.
    #[serde(default)]
    pub plan: String,
    /// The strategy (`canary`, `blue_green`, `rolling`, `feature_flag`, `bake`).
    #[serde(default)]
    pub strategy: String,
    /// The plan's steps.
    pub steps: Vec<RolloutStep>,
    /// The plan's limits (`failure_limit`, …), shown as they are.
    #[serde(default)]
    pub limits: Map<String, Value>,
    /// The plan's sequential control, shown as it is.
    #[serde(default)]
    pub sequential: Map<String, Value>,
    /// One decision per observation.
    pub decisions: Vec<RolloutDecision>,
    /// The last decision's action.
    #[serde(default)]
    pub outcome: String,
    /// The status at the end (`progressing`, `paused`, `completed`, `rolled_back`).
    #[serde(default)]
    pub status: String,
    /// The step the rollout is at, from 1.
    #[serde(default)]
    pub step: usize,
}

/// One step of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RolloutStep {
    /// Traffic, cohort or instance %.
    pub weight: Number,
    /// The least time the step runs (`10m` or seconds).
    #[serde(default)]
    pub min_duration: Option<Value>,
    /// The least canary samples.
    #[serde(default)]
    pub min_samples: Option<u64>,
}

/// The decision after one observation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RolloutDecision {
    /// Which observation, from 1.
    pub observation: u32,
    /// The observed step, from 1.
    pub step: usize,
    /// Its weight.
    pub weight: Number,
    /// `advance`, `complete`, `hold` or `rollback`.
    pub action: String,
    /// `advance`: the next step.
    #[serde(default)]
    pub to_step: Option<usize>,
    /// `advance`: its weight.
    #[serde(default)]
    pub to_weight: Option<Number>,
    /// The status after the decision.
    #[serde(default)]
    pub status: String,
    /// How the observation counted (`successful`, `failed`, `inconclusive`, `error`);
    /// absent when it was not judged.
    #[serde(default)]
    pub measurement: Option<String>,
    /// Why.
    #[serde(default)]
    pub reasons: Vec<String>,
    /// The judge's report on the data so far.
    #[serde(default)]
    pub report: Option<Report>,
    /// Where the observation came from.
    #[serde(default)]
    pub source: Option<String>,
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), number),
        Value::Bool(b) => b.to_string(),
        Value::Null => "–".into(),
        other => other.to_string(),
    }
}

/// The banner's class: green when the rollout completed or advances, amber on hold or
/// pause, red when rolled back.
fn class_of(rollout: &Rollout) -> &'static str {
    match (rollout.status.as_str(), rollout.outcome.as_str()) {
        ("rolled_back", _) | (_, "rollback") => "rollback",
        ("completed", _) | (_, "complete" | "advance") => "promote",
        _ => "hold",
    }
}

pub(crate) fn page(rollout: &Rollout, options: &Options<'_>) -> Result<String, ReportError> {
    let default_title = format!("Canary rollout: {}", rollout.plan);
    let title = options.title.unwrap_or(&default_title);
    let mut page = Page::new(title);
    page.heading(1, "title", title);
    page.paragraph(
        "sub",
        &format!(
            "Strategy {}, {} steps, {} observations.",
            if rollout.strategy.is_empty() {
                "–"
            } else {
                &rollout.strategy
            },
            rollout.steps.len(),
            rollout.decisions.len()
        ),
    );
    let at = rollout
        .steps
        .get(rollout.step.saturating_sub(1))
        .map(|s| {
            format!(
                " at step {} of {} ({} %)",
                rollout.step,
                rollout.steps.len(),
                number(s.weight.0)
            )
        })
        .unwrap_or_default();
    let mut banner = format!(
        "<div id=\"banner\" class=\"banner {}\"><span class=\"big\">{}</span> &nbsp;{}{}<ul id=\"reasons\">",
        class_of(rollout),
        escape(&rollout.status.replace('_', " ")),
        escape(&rollout.outcome),
        escape(&at)
    );
    for reason in rollout
        .decisions
        .last()
        .map(|d| d.reasons.as_slice())
        .unwrap_or(&[])
    {
        let _ = write!(banner, "<li>{}</li>", escape(reason));
    }
    banner.push_str("</ul></div>\n");
    page.raw(&banner);

    page.heading(2, "progress", "Traffic and score per observation");
    page.raw(&format!(
        "<div class=\"charts\">{}</div>\n",
        chart(rollout)?
    ));

    page.heading(2, "plan", "Plan");
    let mut steps = Table::new(
        "steps",
        "",
        &[
            "step",
            "weight",
            "min duration",
            "min samples",
            "observations",
            "last decision",
        ],
    );
    for (i, s) in rollout.steps.iter().enumerate() {
        let here: Vec<&RolloutDecision> = rollout
            .decisions
            .iter()
            .filter(|d| d.step == i + 1)
            .collect();
        let last = here.last().map_or("not reached", |d| d.action.as_str());
        steps.row(
            if last == "rollback" { "bad" } else { "" },
            &[
                Cell::num((i + 1).to_string()),
                Cell::num(format!("{} %", number(s.weight.0))),
                Cell::num(s.min_duration.as_ref().map_or_else(|| "–".into(), scalar)),
                Cell::num(s.min_samples.map_or_else(|| "–".into(), |n| n.to_string())),
                Cell::num(here.len().to_string()),
                Cell::text(last).strong(),
            ],
        );
    }
    let mut settings = Table::new("limits", "", &["setting", "value"]);
    for (k, v) in rollout.limits.iter().chain(&rollout.sequential) {
        let key = if rollout.sequential.contains_key(k) && !rollout.limits.contains_key(k) {
            format!("sequential.{k}")
        } else {
            k.clone()
        };
        settings.pair_row(&key, &[Cell::num(scalar(v))]);
    }
    page.raw(&format!(
        "<div class=\"charts\">{}{}</div>\n",
        steps.finish(),
        settings.finish()
    ));

    page.heading(2, "decision-list", "Decisions");
    let mut decisions = Table::new(
        "decisions",
        "",
        &[
            "observation",
            "step",
            "weight",
            "measurement",
            "score",
            "action",
            "status",
            "reasons",
            "source",
        ],
    );
    for d in &rollout.decisions {
        let action = match (d.to_step, d.to_weight) {
            (Some(to), Some(w)) => format!("{} → step {to} ({} %)", d.action, number(w.0)),
            _ => d.action.clone(),
        };
        decisions.row(
            match d.action.as_str() {
                "rollback" => "bad",
                "complete" => "best",
                "hold" => "next",
                _ => "",
            },
            &[
                Cell::num(d.observation.to_string()),
                Cell::num(d.step.to_string()),
                Cell::num(format!("{} %", number(d.weight.0))),
                Cell::text(d.measurement.clone().unwrap_or_else(|| "not judged".into())),
                Cell::num(
                    d.report
                        .as_ref()
                        .map_or_else(|| "–".into(), |r| number(r.score.0)),
                ),
                Cell::text(action).strong(),
                Cell::text(d.status.replace('_', " ")),
                Cell::text(d.reasons.join(" · ")),
                Cell::text(d.source.clone().unwrap_or_default()),
            ],
        );
    }
    page.raw(&decisions.finish());

    page.heading(2, "evidence", "Evidence per observation");
    for d in &rollout.decisions {
        let Some(report) = &d.report else { continue };
        let prefix = format!("o{}-", d.observation);
        let open = if d.action == "rollback" || d.observation as usize == rollout.decisions.len() {
            " open"
        } else {
            ""
        };
        page.raw(&format!(
            "<details id=\"observation-{}\"{open}><summary>Observation {} (step {}, {} %): {} — score {}</summary>\n{}{}</details>\n",
            d.observation,
            d.observation,
            d.step,
            number(d.weight.0),
            escape(&d.action),
            number(report.score.0),
            verdict::banner(report)
                .replace("id=\"banner\"", &format!("id=\"{prefix}banner\""))
                .replace("id=\"reasons\"", &format!("id=\"{prefix}reasons\"")),
            verdict::sections(report, None, &prefix)?
        ));
    }
    Ok(page.finish(&footer()))
}

/// Traffic % and score at each observation, with the decisions as coloured dots.
fn chart(rollout: &Rollout) -> Result<String, ReportError> {
    let x = |d: &RolloutDecision| f64::from(d.observation);
    let weight: Vec<(f64, f64)> = rollout
        .decisions
        .iter()
        .map(|d| (x(d), d.weight.0))
        .collect();
    let score: Vec<(f64, f64)> = rollout
        .decisions
        .iter()
        .filter_map(|d| d.report.as_ref().map(|r| (x(d), r.score.0)))
        .collect();
    let dots = |action: &[&str]| -> Vec<Vec<(f64, f64)>> {
        rollout
            .decisions
            .iter()
            .filter(|d| action.contains(&d.action.as_str()))
            .map(|d| vec![(x(d), d.weight.0)])
            .collect()
    };
    let line = |label: &str, color, segments: Vec<Vec<(f64, f64)>>, dots: bool| Line {
        label: label.to_owned(),
        color,
        segments,
        dots,
    };
    let runs = |v: Vec<(f64, f64)>| if v.is_empty() { vec![] } else { vec![v] };
    LineChart {
        id: "rollout-chart".into(),
        title: format!("{}: traffic and score per observation", rollout.plan),
        x_desc: "observation".into(),
        y_desc: "% traffic · score".into(),
        x_axis: XAxis::Index,
        size: (760, 320),
        lines: vec![
            line("traffic %", BASELINE, runs(weight), false),
            line("score", GREY, runs(score), true),
            line(
                "advance / complete",
                GREEN,
                dots(&["advance", "complete"]),
                true,
            ),
            line("hold", AMBER, dots(&["hold"]), true),
            line("rollback", RED, dots(&["rollback"]), true),
        ],
        markers: vec![],
        y_range: Some((-3.0, 105.0)),
    }
    .render()
}
