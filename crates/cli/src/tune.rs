//! `canary tune`: every setting of a grid of config sweeps judged on every fixture, in
//! parallel, and scored against the fixtures' labels.

use crate::replay::{in_pool, progress_bar};
use anyhow::bail;
use canary_judge::{Config, Fixture, Sweep, Tune, TuneSetting, Verdict, grid, judge};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The most judging errors listed before "and N more".
const MAX_LISTED_ERRORS: usize = 10;

/// One setting of the grid: the swept keys' values and the config they make.
type Setting = (BTreeMap<String, f64>, Config);

/// Parses the `--sweep` texts and builds one config per setting of their grid (the first
/// sweep varying slowest). Every error names the key.
pub(crate) fn settings(
    config: &Config,
    sweep_texts: &[String],
) -> anyhow::Result<(Vec<Sweep>, Vec<Setting>)> {
    let mut sweeps = Vec::with_capacity(sweep_texts.len());
    let mut keys = BTreeSet::new();
    for text in sweep_texts {
        let sweep = Sweep::parse(text).map_err(|e| anyhow::anyhow!("--sweep {e}"))?;
        if !keys.insert(sweep.key.clone()) {
            bail!("--sweep {}: swept more than once", sweep.key);
        }
        sweeps.push(sweep);
    }
    let grid = grid(&sweeps).map_err(|e| anyhow::anyhow!("--sweep: {e}"))?;
    // Each value alone first, so that a bad key or value is reported for its sweep.
    for sweep in &sweeps {
        for &value in &sweep.values {
            config
                .with_override(&sweep.key, value)
                .map_err(|e| anyhow::anyhow!("--sweep {e}"))?;
        }
    }
    let mut out = Vec::with_capacity(grid.len());
    for setting in grid {
        let mut tuned = config.clone();
        let mut values = BTreeMap::new();
        for (sweep, &value) in sweeps.iter().zip(&setting) {
            tuned = tuned.with_override(&sweep.key, value).map_err(|e| {
                anyhow::anyhow!(
                    "--sweep {e} (in the setting {})",
                    describe(&sweeps, &setting)
                )
            })?;
            values.insert(sweep.key.clone(), value);
        }
        out.push((values, tuned));
    }
    Ok((sweeps, out))
}

fn describe(sweeps: &[Sweep], setting: &[f64]) -> String {
    sweeps
        .iter()
        .zip(setting)
        .map(|(s, v)| format!("{}={v}", s.key))
        .collect::<Vec<_>>()
        .join(", ")
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
    let (sweeps, settings) = settings(config, sweep_texts)?;
    let (fixtures, verdicts) = in_pool(jobs, || -> anyhow::Result<_> {
        let loaded: Vec<Result<Fixture, String>> = files
            .par_iter()
            .map(|path| Fixture::from_path(path).map_err(|e| e.to_string()))
            .collect();
        let fixtures = collect_errors(loaded, "fixture(s) could not be loaded")?;
        let cells = settings.len() * fixtures.len();
        let bar = progress_bar(cells, "judgements", show_progress);
        let verdicts: Vec<Result<Verdict, String>> = (0..cells)
            .into_par_iter()
            .map(|cell| {
                let (setting, fixture) = (cell / fixtures.len(), cell % fixtures.len());
                let result = judge(&settings[setting].1, &fixtures[fixture])
                    .map(|report| report.verdict)
                    .map_err(|e| {
                        format!(
                            "{} judged with {}: {e}",
                            files[fixture].display(),
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
    let scored = settings
        .into_iter()
        .zip(verdicts.chunks(fixtures.len().max(1)))
        .map(|((values, _), verdicts)| {
            TuneSetting::new(
                values,
                fixtures
                    .iter()
                    .map(|f| f.expected)
                    .zip(verdicts.iter().copied()),
            )
        })
        .collect();
    Ok(Tune::new(sweeps, scored))
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
