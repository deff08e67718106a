//! Printing: reports and replays as text for people, JSON for machines.
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool prints

use canary_judge::{Classification, Replay, Report, Verdict};

/// Prints one line to standard output.
pub(crate) fn line(text: &str) {
    println!("{text}");
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
