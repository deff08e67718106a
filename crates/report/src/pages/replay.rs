//! The replay page (`canary replay`): agreement, the confusion matrix, the misjudged
//! fixtures (judged again metric by metric when the config is given), every result.

use crate::html::{Cell, Page, Table, escape, number};
use crate::pages::verdict;
use crate::{Options, ReportError, footer};
use canary_judge::{Fixture, Replay, ReplayResult, Verdict, judge};
use std::fmt::Write as _;

const VERDICTS: [Verdict; 3] = [Verdict::Promote, Verdict::Hold, Verdict::Rollback];

fn misjudged(r: &ReplayResult) -> bool {
    r.expected.is_some_and(|e| e != r.verdict)
}

pub(crate) fn page(replay: &Replay, options: &Options<'_>) -> Result<String, ReportError> {
    let total = replay.summary.total;
    let labelled = replay.labelled();
    let correct = replay.summary.correct;
    let mut page = Page::new(options.title.unwrap_or("Canary replay"));
    page.heading(1, "title", options.title.unwrap_or("Canary replay"));
    page.paragraph(
        "sub",
        &format!("{total} fixtures replayed, {labelled} of them labelled."),
    );
    let share = if labelled > 0 {
        100.0 * correct as f64 / labelled as f64
    } else {
        100.0
    };
    let class = if correct == labelled {
        "promote"
    } else {
        "rollback"
    };
    page.raw(&format!(
        "<div id=\"banner\" class=\"banner {class}\"><span class=\"big\">{correct} of \
         {labelled} agree</span> &nbsp;{} % of the labelled fixtures got their label</div>\n",
        number(share)
    ));

    page.heading(2, "confusion-matrix", "Confusion matrix");
    page.paragraph(
        "note",
        "Rows: the label (expected); columns: the verdict given. The diagonal agrees.",
    );
    let mut confusion = Table::new(
        "confusion",
        "",
        &[
            "expected \\ verdict",
            "promote",
            "hold",
            "rollback",
            "total",
        ],
    );
    for expected in VERDICTS {
        let row = replay.summary.confusion.get(&expected);
        let count = |v: Verdict| row.and_then(|r| r.get(&v)).copied().unwrap_or(0);
        let mut cells = vec![Cell::text(expected.as_str()).strong()];
        for v in VERDICTS {
            let c = count(v);
            let cell = Cell::num(c.to_string());
            cells.push(if c > 0 && v != expected {
                cell.strong()
            } else {
                cell
            });
        }
        cells.push(Cell::num(
            VERDICTS
                .iter()
                .map(|&v| count(v))
                .sum::<usize>()
                .to_string(),
        ));
        confusion.row("", &cells);
    }
    page.raw(&confusion.finish());

    page.heading(2, "misjudged-fixtures", "Misjudged fixtures");
    let wrong: Vec<(usize, &ReplayResult)> = replay
        .results
        .iter()
        .enumerate()
        .filter(|(_, r)| misjudged(r))
        .collect();
    if wrong.is_empty() {
        page.paragraph("note", "None: every labelled fixture got its label.");
    }
    let mut table = Table::new(
        "misjudged",
        "",
        &["fixture", "path", "expected", "verdict", "score"],
    );
    for (_, r) in &wrong {
        table.row("bad", &result_cells(r));
    }
    page.raw(&table.finish());
    if !wrong.is_empty() {
        match options.config {
            Some(config) => {
                for (ordinal, (_, r)) in wrong.iter().enumerate() {
                    page.raw(&detail(ordinal + 1, r, config)?);
                }
            }
            None => page.paragraph(
                "note",
                "Pass the replay's config (canary report --config C) to see each misjudged \
                 fixture judged again, metric by metric.",
            ),
        }
    }

    page.heading(2, "all-results", "All results");
    let mut all = Table::new(
        "results",
        "",
        &["fixture", "path", "expected", "verdict", "score"],
    );
    for r in &replay.results {
        all.row(if misjudged(r) { "bad" } else { "" }, &result_cells(r));
    }
    page.raw(&all.finish());
    Ok(page.finish(&footer()))
}

fn result_cells(r: &ReplayResult) -> [Cell; 5] {
    [
        Cell::text(r.name.clone()),
        Cell::text(r.path.clone()),
        Cell::text(r.expected.map_or("–", Verdict::as_str)),
        Cell::text(r.verdict.as_str()).strong(),
        Cell::num(number(r.score.0)),
    ]
}

/// The `index`-th misjudged fixture (from 1) judged again with the config: its banner
/// and metric sections (ids `detail-<index>`, `banner-<index>`, `f<index>-…`), or a note
/// saying why it could not be.
fn detail(
    index: usize,
    r: &ReplayResult,
    config: &canary_judge::Config,
) -> Result<String, ReportError> {
    let mut html = format!(
        "<h2 id=\"detail-{index}\">{}: expected {}, got {}</h2>\n",
        escape(&r.name),
        r.expected.map_or("–", Verdict::as_str),
        r.verdict
    );
    let outcome = Fixture::from_path(&r.path)
        .map_err(|e| e.to_string())
        .and_then(|f| {
            judge(config, &f)
                .map(|report| (f, report))
                .map_err(|e| format!("{}: {e}", r.path))
        });
    match outcome {
        Ok((fixture, report)) => {
            if report.verdict != r.verdict {
                let _ = writeln!(
                    html,
                    "<p class=\"note\">Judged again with the given config this fixture gets \
                     {} (the replay said {}): the config or the file has changed since.</p>",
                    report.verdict, r.verdict
                );
            }
            html.push_str(
                &verdict::banner(&report)
                    .replace("id=\"banner\"", &format!("id=\"banner-{index}\""))
                    .replace("id=\"reasons\"", &format!("id=\"reasons-{index}\"")),
            );
            html.push_str(&verdict::sections(
                &report,
                Some(&fixture),
                &format!("f{index}-"),
            )?);
        }
        Err(e) => {
            let _ = writeln!(
                html,
                "<p class=\"note\">Could not judge it again: {}</p>",
                escape(&e)
            );
        }
    }
    Ok(html)
}
