//! Printing: reports and replays as text for people, JSON for machines.
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool prints

use canary_judge::{Classification, Replay, Report, Tune, TuneChoice, TuneSetting, Verdict};

/// Prints one line to standard output.
pub(crate) fn line(text: &str) {
    println!("{text}");
}

/// Writes text to standard output as it is.
pub(crate) fn raw(text: &str) {
    print!("{text}");
}

/// Prints a line to standard error (notes and progress beside the output).
pub(crate) fn info(text: &str) {
    eprintln!("{text}");
}

/// Prints an error to standard error.
pub(crate) fn error(text: &str) {
    eprintln!("error: {text}");
}

fn fmt_score(score: f64) -> String {
    format!("{:.1}", (score * 10.0).round() / 10.0)
}

/// A report for people: the verdict, why, then every metric.
pub(crate) fn text_report(report: &Report) {
    println!(
        "verdict: {} (score {})",
        report.verdict,
        fmt_score(report.score.0)
    );
    if let Some(first) = report.reasons.first() {
        println!("  {first}");
    }
    println!("metrics:");
    for m in &report.metrics {
        let tag = match m.classification {
            Classification::Pass => "pass  ",
            Classification::High => "HIGH  ",
            Classification::Low => "LOW   ",
            Classification::Nodata => "nodata",
            Classification::Error => "ERROR ",
        };
        let critical = if m.critical { " CRITICAL" } else { "" };
        println!("  [{tag}]{critical} {}", m.reason);
    }
    let groups: Vec<String> = report
        .groups
        .iter()
        .map(|g| {
            format!(
                "{} {} (weight {})",
                g.name,
                fmt_score(g.score.0),
                fmt_score(g.weight.0)
            )
        })
        .collect();
    println!("groups: {}", groups.join(", "));
}

/// A replay for people: one line per fixture, then accuracy and the confusion matrix.
pub(crate) fn text_replay(replay: &Replay) {
    let width = replay
        .results
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    println!(
        "{:width$}  {:8}  {:8}  {:>5}",
        "name", "expected", "verdict", "score"
    );
    for r in &replay.results {
        let expected = r.expected.map_or("-", |e| e.as_str());
        let mark = match r.expected {
            Some(e) if e == r.verdict => "",
            Some(_) => "  ✗ disagrees",
            None => "",
        };
        println!(
            "{:width$}  {:8}  {:8}  {:>5}{mark}",
            r.name,
            expected,
            r.verdict.as_str(),
            fmt_score(r.score.0)
        );
    }
    let labelled = replay.labelled();
    println!();
    println!(
        "{} fixtures, {labelled} labelled, {} agree ({:.1} %)",
        replay.summary.total,
        replay.summary.correct,
        if labelled > 0 {
            100.0 * replay.summary.correct as f64 / labelled as f64
        } else {
            100.0
        }
    );
    let verdicts = [Verdict::Promote, Verdict::Hold, Verdict::Rollback];
    println!("confusion (rows: expected, columns: verdict)");
    println!("{:10}{:>9}{:>9}{:>9}", "", "promote", "hold", "rollback");
    for expected in verdicts {
        let row = replay.summary.confusion.get(&expected);
        let cells: Vec<String> = verdicts
            .iter()
            .map(|v| format!("{:>9}", row.and_then(|r| r.get(v)).copied().unwrap_or(0)))
            .collect();
        println!("{:10}{}", expected.as_str(), cells.join(""));
    }
}

/// Decimals needed to print every value of a sweep (the shortest round-trip text).
fn value_decimals(values: &[f64]) -> usize {
    values
        .iter()
        .map(|v| {
            format!("{}", v.abs())
                .split_once('.')
                .map_or(0, |(_, frac)| frac.len())
        })
        .max()
        .unwrap_or(0)
}

fn fmt_percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "-".to_owned(), |r| format!("{:.1} %", 100.0 * r))
}

fn fmt_rate(part: usize, whole: usize, rate: Option<f64>) -> String {
    format!("{} ({part}/{whole})", fmt_percent(rate))
}

/// `key = value, key = value` in sweep order.
fn fmt_values(tune: &Tune, setting: &TuneSetting) -> String {
    tune.sweeps
        .iter()
        .map(|s| {
            let decimals = value_decimals(&s.values);
            let v = setting.values.get(&s.key).copied().unwrap_or(f64::NAN);
            format!("{} = {v:.decimals$}", s.key)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn fmt_choice(tune: &Tune, c: &TuneChoice) -> String {
    let s = &c.setting;
    format!(
        "{}: missed-regression rate {}, false-rollback rate {}, agreement {}, hold rate {}",
        fmt_values(tune, s),
        fmt_rate(s.missed_regressions, s.bad, s.missed_regression_rate),
        fmt_rate(s.false_rollbacks, s.good, s.false_rollback_rate),
        fmt_rate(s.correct, s.labelled, s.agreement),
        fmt_rate(s.held, s.total, s.hold_rate),
    )
}

/// A sweep for people: one row per setting, then the recommendation and the runner-up.
pub(crate) fn text_tune(tune: &Tune) {
    let Some(first) = tune.settings.first() else {
        println!("no settings");
        return;
    };
    println!(
        "{} settings × {} fixtures ({} labelled: {} expected to promote, {} to roll back)",
        tune.settings.len(),
        first.total,
        first.labelled,
        first.good,
        first.bad
    );
    println!(
        "false rollback: a good release (expected promote) not promoted; \
         missed regression: a bad release (expected rollback) promoted"
    );
    println!();
    let columns: Vec<(usize, usize)> = tune
        .sweeps
        .iter()
        .map(|s| {
            let decimals = value_decimals(&s.values);
            let widest = s
                .values
                .iter()
                .map(|v| format!("{v:.decimals$}").len())
                .max()
                .unwrap_or(1);
            (s.key.chars().count().max(widest), decimals)
        })
        .collect();
    let mut header: Vec<String> = tune
        .sweeps
        .iter()
        .zip(&columns)
        .map(|(s, (width, _))| format!("{:>width$}", s.key))
        .collect();
    header.push(format!(
        "{:>17}  {:>17}  {:>19}  {:>17}",
        "agreement", "false rollbacks", "missed regressions", "holds"
    ));
    println!("{}", header.join("  "));
    let recommended = tune.recommendation.as_ref().map(|c| c.index);
    let runner_up = tune.runner_up.as_ref().map(|c| c.index);
    for (i, s) in tune.settings.iter().enumerate() {
        let mut row: Vec<String> = tune
            .sweeps
            .iter()
            .zip(&columns)
            .map(|(sweep, &(width, decimals))| {
                let v = s.values.get(&sweep.key).copied().unwrap_or(f64::NAN);
                format!("{v:>width$.decimals$}")
            })
            .collect();
        row.push(format!(
            "{:>17}  {:>17}  {:>19}  {:>17}",
            fmt_rate(s.correct, s.labelled, s.agreement),
            fmt_rate(s.false_rollbacks, s.good, s.false_rollback_rate),
            fmt_rate(s.missed_regressions, s.bad, s.missed_regression_rate),
            fmt_rate(s.held, s.total, s.hold_rate),
        ));
        let mark = if Some(i) == recommended {
            "  ← recommended"
        } else if Some(i) == runner_up {
            "  ← runner-up"
        } else {
            ""
        };
        println!("{}{mark}", row.join("  "));
    }
    println!();
    if let Some(rec) = &tune.recommendation {
        if rec.no_missed_regressions {
            println!(
                "Recommended (no missed regressions, then the fewest false rollbacks): {}.",
                fmt_choice(tune, rec)
            );
        } else {
            println!(
                "No setting avoids missed regressions; the fewest: {}.",
                fmt_choice(tune, rec)
            );
        }
    }
    if let Some(next) = &tune.runner_up {
        let gap = tune
            .runner_up_gap()
            .map(|g| format!(" Against the recommendation: {g}."))
            .unwrap_or_default();
        println!("Runner-up: {}.{gap}", fmt_choice(tune, next));
    }
}
