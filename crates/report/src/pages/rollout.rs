//! The rollout page (`canary rollout`): the steps and the decision at each.
//!
//! Read leniently: the rollout output is a list of `steps`, each an object; fields this
//! page does not know are shown as they are, so newer rollout outputs still render.

use crate::html::{Cell, Page, Table, escape, number};
use crate::{Options, ReportError, footer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `canary rollout`'s JSON as the report reads it: the steps, and every other field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rollout {
    /// One object per step, in order.
    pub steps: Vec<Map<String, Value>>,
    /// The other top-level fields.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => n.as_f64().map(number),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some("–".into()),
        _ => None,
    }
}

pub(crate) fn page(rollout: &Rollout, options: &Options<'_>) -> Result<String, ReportError> {
    let title = options.title.unwrap_or("Canary rollout");
    let mut page = Page::new(title);
    page.heading(1, "title", title);
    let mut keys: Vec<&str> = Vec::new();
    for step in &rollout.steps {
        for (k, v) in step {
            if scalar(v).is_some() && !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
    }
    let mut headers = vec!["step"];
    headers.extend(keys.iter().copied());
    let mut table = Table::new("steps", "", &headers);
    for (i, step) in rollout.steps.iter().enumerate() {
        let mut cells = vec![Cell::num((i + 1).to_string())];
        for k in &keys {
            cells.push(Cell::text(
                step.get(*k).and_then(scalar).unwrap_or_default(),
            ));
        }
        table.row("", &cells);
    }
    page.heading(2, "steps-heading", "Steps");
    page.raw(&table.finish());
    let mut other = Table::new("summary", "", &["field", "value"]);
    for (k, v) in &rollout.other {
        if let Some(text) = scalar(v) {
            other.pair_row(k, &[Cell::text(text)]);
        }
    }
    page.raw(&other.finish());
    let _ = escape;
    Ok(page.finish(&footer()))
}
