//! The sweep page (`canary tune`): the recommendation and runner-up, the rates against
//! each swept value with the recommendation marked, and every setting.

use crate::charts::{AMBER, GREEN, GREY, Line, LineChart, Marker, PURPLE, RED, XAxis};
use crate::html::{Page, escape};
use crate::tables::{self, MAX_SETTING_ROWS, rate, setting_values};
use crate::{Options, ReportError, footer};
use canary_judge::{Tune, TuneChoice, TuneSetting};
use std::fmt::Write as _;

const CHART_SIZE: (u32, u32) = (760, 340);

fn describe(c: &TuneChoice) -> String {
    let s = &c.setting;
    format!(
        "missed regressions {}, false rollbacks {}, agreement {}, holds {}",
        rate(s.missed_regressions, s.bad, s.missed_regression_rate),
        rate(s.false_rollbacks, s.good, s.false_rollback_rate),
        rate(s.correct, s.labelled, s.agreement),
        rate(s.held, s.total, s.hold_rate),
    )
}

pub(crate) fn page(tune: &Tune, options: &Options<'_>) -> Result<String, ReportError> {
    let title = options.title.unwrap_or("Threshold sweep");
    let mut page = Page::new(title);
    page.heading(1, "title", title);
    if let Some(first) = tune.settings.first() {
        page.paragraph(
            "sub",
            &format!(
                "{} settings × {} fixtures ({} labelled: {} expected to promote, {} to roll \
                 back). False rollback: a good release not promoted; missed regression: a \
                 bad release promoted.",
                tune.settings.len(),
                first.total,
                first.labelled,
                first.good,
                first.bad
            ),
        );
    }
    match &tune.recommendation {
        Some(rec) => {
            let class = if rec.no_missed_regressions {
                "promote"
            } else {
                "rollback"
            };
            let head = if rec.no_missed_regressions {
                "Recommended"
            } else {
                "No setting avoids missed regressions; the fewest"
            };
            let mut html = format!(
                "<div id=\"banner\" class=\"banner {class}\"><span class=\"head\">{head}: {}</span>\
                 <ul id=\"reasons\"><li>{}{}</li>",
                escape(&setting_values(tune, &rec.setting)),
                if rec.no_missed_regressions {
                    "Chosen for no missed regressions, then the fewest false rollbacks: "
                } else {
                    ""
                },
                escape(&describe(rec))
            );
            if let Some(next) = &tune.runner_up {
                let _ = write!(
                    html,
                    "<li>Runner-up {}: {} — {}</li>",
                    escape(&setting_values(tune, &next.setting)),
                    escape(&describe(next)),
                    escape(&tune.runner_up_gap().unwrap_or_default())
                );
            }
            html.push_str("</ul></div>\n");
            page.raw(&html);
        }
        None => page.paragraph("note", "No settings were swept."),
    }

    page.heading(2, "rates", "Rates against the swept values");
    if tune.sweeps.len() > 1 {
        page.paragraph(
            "note",
            "A grid: each chart varies one key with the other keys at the recommended \
             setting's values.",
        );
    }
    let mut charts = String::from("<div class=\"charts\">");
    for (i, sweep) in tune.sweeps.iter().enumerate() {
        charts.push_str(&sweep_chart(tune, i, &sweep.key)?);
    }
    charts.push_str("</div>\n");
    page.raw(&charts);

    page.heading(2, "all-settings", "Every setting");
    if tune.settings.len() > MAX_SETTING_ROWS {
        page.paragraph(
            "note",
            &format!(
                "The first {MAX_SETTING_ROWS} of {} settings (the JSON has them all).",
                tune.settings.len()
            ),
        );
    }
    page.raw(&tables::settings(tune));
    Ok(page.finish(&footer()))
}

/// The rates against sweep `i`'s values, the other keys held at the recommendation's.
fn sweep_chart(tune: &Tune, i: usize, key: &str) -> Result<String, ReportError> {
    let fixed = tune.recommendation.as_ref().map(|c| &c.setting.values);
    let on_slice = |s: &TuneSetting| {
        tune.sweeps.iter().enumerate().all(|(j, other)| {
            j == i || fixed.is_none_or(|f| f.get(&other.key) == s.values.get(&other.key))
        })
    };
    let slice: Vec<&TuneSetting> = tune.settings.iter().filter(|s| on_slice(s)).collect();
    type Get = fn(&TuneSetting) -> Option<f64>;
    let rates: [(&str, _, Get); 4] = [
        ("agreement", GREEN, |s| s.agreement),
        ("false-rollback rate", RED, |s| s.false_rollback_rate),
        ("missed-regression rate", PURPLE, |s| {
            s.missed_regression_rate
        }),
        ("hold rate", AMBER, |s| s.hold_rate),
    ];
    let lines = rates
        .iter()
        .map(|&(label, color, get)| {
            let mut segments = vec![];
            let mut run = vec![];
            for s in &slice {
                match (s.values.get(key), get(s)) {
                    (Some(&x), Some(r)) => run.push((x, 100.0 * r)),
                    _ => {
                        if !run.is_empty() {
                            segments.push(std::mem::take(&mut run));
                        }
                    }
                }
            }
            if !run.is_empty() {
                segments.push(run);
            }
            Line {
                label: label.to_owned(),
                color,
                segments,
                dots: true,
            }
        })
        .collect();
    let mut markers = vec![];
    if let Some(x) = fixed.and_then(|f| f.get(key)) {
        markers.push(Marker {
            x: *x,
            label: "recommended".into(),
            color: GREY,
        });
    }
    LineChart {
        id: format!("tune-chart-{i}"),
        title: format!("Rates against {key}"),
        x_desc: key.to_owned(),
        y_desc: "% of fixtures".into(),
        x_axis: XAxis::Number,
        size: CHART_SIZE,
        lines,
        markers,
        y_range: Some((-2.0, 105.0)),
    }
    .render()
}
