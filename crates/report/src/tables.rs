//! The tables of a report: a metric's evidence, both sides' summaries, its gate checks,
//! and the sweep settings.

use crate::html::{Cell, Table, number, percent};
use canary_judge::{Evidence, Number, SideSummary, Tune, TuneSetting};

fn num(x: Option<Number>) -> Option<String> {
    x.map(|n| number(n.0))
}

/// The test figures of one metric (test, p-value, estimate, CI, effect, change,
/// thresholds) as a two-column table with id `evidence-<slug>`.
pub fn evidence(slug: &str, e: &Evidence) -> String {
    let mut t = Table::new(
        &format!("evidence-{slug}"),
        "evidence",
        &["figure", "value"],
    );
    let mut pair = |key: &str, value: Option<String>| {
        if let Some(v) = value {
            t.pair_row(key, &[Cell::num(v)]);
        }
    };
    pair("test", e.test.clone());
    pair("p-value", num(e.p_value));
    pair("statistic", num(e.statistic));
    pair("estimate", num(e.estimate));
    pair(
        "confidence interval",
        e.ci.map(|[lo, hi]| {
            let level = e
                .confidence
                .map(|c| format!(" ({} %)", number(100.0 * c.0)))
                .unwrap_or_default();
            format!("{} to {}{level}", number(lo.0), number(hi.0))
        }),
    );
    pair(
        "effect",
        e.effect.map(|x| {
            let measure = e
                .effect_measure
                .as_deref()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default();
            format!("{}{measure}", number(x.0))
        }),
    );
    pair("significant change", e.change.clone());
    let th = &e.thresholds;
    pair("allowed increase", num(th.allowed_increase));
    pair("allowed decrease", num(th.allowed_decrease));
    pair("critical increase", num(th.critical_increase));
    pair("critical decrease", num(th.critical_decrease));
    t.finish()
}

/// Both sides' summaries as a table with id `sides-<slug>` (rows: n, missing, …, max;
/// only the rows either side has). Empty when neither side has a summary.
pub fn sides(slug: &str, baseline: Option<&SideSummary>, canary: Option<&SideSummary>) -> String {
    if baseline.is_none() && canary.is_none() {
        return String::new();
    }
    type Get = fn(&SideSummary) -> Option<String>;
    let rows: [(&str, Get); 10] = [
        ("n", |s| Some(number(s.n.0))),
        ("missing", |s| s.missing.map(|m| m.to_string())),
        ("outliers removed", |s| {
            s.outliers_removed.map(|m| m.to_string())
        }),
        ("events", |s| num(s.events)),
        ("rate", |s| num(s.rate)),
        ("mean", |s| num(s.mean)),
        ("median", |s| num(s.median)),
        ("p95", |s| num(s.p95)),
        ("p99", |s| num(s.p99)),
        ("max", |s| num(s.max)),
    ];
    let mut t = Table::new(
        &format!("sides-{slug}"),
        "sides",
        &["", "baseline", "canary"],
    );
    for (name, get) in rows {
        let b = baseline.and_then(get);
        let c = canary.and_then(get);
        if b.is_some() || c.is_some() {
            let dash = || "–".to_owned();
            t.pair_row(
                name,
                &[
                    Cell::num(b.unwrap_or_else(dash)),
                    Cell::num(c.unwrap_or_else(dash)),
                ],
            );
        }
    }
    t.finish()
}

/// The gate checks as a table with id `gates-<slug>`; empty without gates.
pub fn gates(slug: &str, e: &Evidence) -> String {
    if e.gates.is_empty() {
        return String::new();
    }
    let mut t = Table::new(
        &format!("gates-{slug}"),
        "gates",
        &[
            "gate", "stat", "canary", "baseline", "value", "min", "max", "breached",
        ],
    );
    for g in &e.gates {
        let opt = |x: Option<Number>| num(x).unwrap_or_else(|| "–".into());
        let breached = g.breached.map_or("no", |c| c.as_str());
        t.row(
            if g.breached.is_some() { "bad" } else { "" },
            &[
                Cell::text(g.kind.clone()),
                Cell::text(g.stat.clone()),
                Cell::num(number(g.canary.0)),
                Cell::num(opt(g.baseline)),
                Cell::num(number(g.value.0)),
                Cell::num(opt(g.min)),
                Cell::num(opt(g.max)),
                Cell::text(breached).strong(),
            ],
        );
    }
    t.finish()
}

/// `12.5 % (1/8)`.
pub fn rate(part: usize, whole: usize, rate: Option<f64>) -> String {
    format!("{} ({part}/{whole})", percent(rate))
}

/// A swept value as the sweep's own decimals print it.
pub fn swept_value(tune: &Tune, key: &str, value: f64) -> String {
    let decimals = tune.sweeps.iter().find(|s| s.key == key).map_or(0, |s| {
        s.values
            .iter()
            .map(|v| {
                format!("{}", v.abs())
                    .split_once('.')
                    .map_or(0, |(_, f)| f.len())
            })
            .max()
            .unwrap_or(0)
    });
    format!("{value:.decimals$}")
}

/// `key = value, key = value` of a setting, in sweep order.
pub fn setting_values(tune: &Tune, s: &TuneSetting) -> String {
    tune.sweeps
        .iter()
        .map(|sweep| {
            let v = s.values.get(&sweep.key).copied().unwrap_or(f64::NAN);
            format!("{} = {}", sweep.key, swept_value(tune, &sweep.key, v))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The most settings listed in the settings table.
pub const MAX_SETTING_ROWS: usize = 1000;

/// Every setting (up to [`MAX_SETTING_ROWS`]) with its rates, as the table `settings`;
/// the recommendation's row has class `best`, the runner-up's `next`.
pub fn settings(tune: &Tune) -> String {
    let mut headers: Vec<&str> = tune.sweeps.iter().map(|s| s.key.as_str()).collect();
    headers.extend([
        "agreement",
        "false rollbacks",
        "missed regressions",
        "holds",
        "",
    ]);
    let mut t = Table::new("settings", "", &headers);
    let best = tune.recommendation.as_ref().map(|c| c.index);
    let next = tune.runner_up.as_ref().map(|c| c.index);
    for (i, s) in tune.settings.iter().enumerate().take(MAX_SETTING_ROWS) {
        let mut cells: Vec<Cell> = tune
            .sweeps
            .iter()
            .map(|sweep| {
                let v = s.values.get(&sweep.key).copied().unwrap_or(f64::NAN);
                Cell::num(swept_value(tune, &sweep.key, v))
            })
            .collect();
        cells.extend([
            Cell::num(rate(s.correct, s.labelled, s.agreement)),
            Cell::num(rate(s.false_rollbacks, s.good, s.false_rollback_rate)),
            Cell::num(rate(s.missed_regressions, s.bad, s.missed_regression_rate)),
            Cell::num(rate(s.held, s.total, s.hold_rate)),
        ]);
        let (class, mark) = if Some(i) == best {
            ("best", "recommended")
        } else if Some(i) == next {
            ("next", "runner-up")
        } else {
            ("", "")
        };
        cells.push(Cell::text(mark).strong());
        t.row(class, &cells);
    }
    t.finish()
}
