//! `canary tune`: every setting of a grid of config sweeps judged on every fixture, in
//! parallel, and scored against the fixtures' labels.

use crate::progress::progress_bar;
use crate::replay::in_pool;
use anyhow::bail;
use canary_judge::{Config, Fixture, Sweep, Tune, TuneError, TunePlan, Verdict};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The most judging errors listed before "and N more".
const MAX_LISTED_ERRORS: usize = 10;

/// Parses the `--sweep` texts and plans one config per setting of their grid. Every
/// error names the key.
pub(crate) fn plan(config: &Config, sweep_texts: &[String]) -> anyhow::Result<TunePlan> {
    let sweeps = sweep_texts
        .iter()
        .map(|text| Sweep::parse(text).map_err(|e| anyhow::anyhow!("--sweep {e}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    TunePlan::new(config, sweeps).map_err(|e| match e {
        TuneError::Sweep(e) => anyhow::anyhow!("--sweep: {e}"),
        other => anyhow::anyhow!("--sweep {other}"),
    })
}

/// Loads every fixture once, judges it with every setting (settings × fixtures in
/// parallel; a progress bar on a terminal when `show_progress`), and scores the settings.
pub(crate) fn run(
    config_path: &Path,
    config: &Config,
    sweep_texts: &[String],
    files: &[PathBuf],
    jobs: Option<usize>,
    show_progress: bool,
) -> anyhow::Result<Tune> {
    let plan = plan(config, sweep_texts)?;
    let (fixtures, verdicts) = in_pool(jobs, || -> anyhow::Result<_> {
        let loaded: Vec<Result<Fixture, String>> = files
            .par_iter()
            .map(|path| Fixture::from_path(path).map_err(|e| e.to_string()))
            .collect();
        let fixtures = collect_errors(loaded, "fixture(s) could not be loaded")?;
        let cells = plan.cells(fixtures.len());
        let bar = progress_bar(cells, "judgements", show_progress);
        let verdicts: Vec<Result<Verdict, String>> = (0..cells)
            .into_par_iter()
            .map(|cell| {
                let result = plan.judge_cell(cell, &fixtures).map_err(|e| {
                    format!(
                        "{} judged with {}: {e}",
                        files[cell % fixtures.len()].display(),
                        config_path.display()
                    )
                });
                bar.inc(1);
                result
            })
            .collect();
        bar.finish_and_clear();
        let verdicts = collect_errors(verdicts, "fixture(s) could not be judged")?;
        Ok((fixtures, verdicts))
    })??;
    Ok(plan.finish(&fixtures, &verdicts))
}

/// The values, or every distinct error (in order, the first few listed).
fn collect_errors<T>(outcomes: Vec<Result<T, String>>, what: &str) -> anyhow::Result<Vec<T>> {
    let mut values = Vec::with_capacity(outcomes.len());
    let mut seen = BTreeSet::new();
    let mut errors = Vec::new();
    for outcome in outcomes {
        match outcome {
            Ok(v) => values.push(v),
            Err(e) => {
                if seen.insert(e.clone()) {
                    errors.push(e);
                }
            }
        }
    }
    if errors.is_empty() {
        return Ok(values);
    }
    let more = errors.len().saturating_sub(MAX_LISTED_ERRORS);
    errors.truncate(MAX_LISTED_ERRORS);
    if more > 0 {
        errors.push(format!("… and {more} more"));
    }
    bail!("{} {what}:\n{}", seen.len(), errors.join("\n"))
}
