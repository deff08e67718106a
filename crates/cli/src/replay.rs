//! `canary replay`: judging many fixtures in parallel, results in a stable order.

use crate::progress::progress_bar;
use anyhow::{Context, bail};
use canary_judge::{Config, Error, Replay, ReplayResult};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Runs `work` on `jobs` worker threads (default: rayon's global pool, all cores).
pub(crate) fn in_pool<R: Send>(
    jobs: Option<usize>,
    work: impl FnOnce() -> R + Send,
) -> anyhow::Result<R> {
    Ok(match jobs {
        Some(threads) => rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build()
            .context("starting worker threads")?
            .install(work),
        None => work(),
    })
}

/// Judges every file, in parallel; a progress bar shows on a terminal when `show_progress`.
pub(crate) fn run(
    config_path: &Path,
    config: &Config,
    files: &[PathBuf],
    jobs: Option<usize>,
    show_progress: bool,
) -> anyhow::Result<Replay> {
    let bar = progress_bar(files.len(), "fixtures", show_progress);
    let judge_one = |path: &PathBuf| -> Result<ReplayResult, String> {
        let result = ReplayResult::judge_file(config, path).map_err(|e| match e {
            Error::Judge(e) => format!(
                "{} judged with {}: {e}",
                path.display(),
                config_path.display()
            ),
            other => other.to_string(),
        });
        bar.inc(1);
        result
    };
    let outcomes: Vec<Result<ReplayResult, String>> =
        in_pool(jobs, || files.par_iter().map(judge_one).collect())?;
    bar.finish_and_clear();
    let mut results = Vec::with_capacity(outcomes.len());
    let mut errors = Vec::new();
    for outcome in outcomes {
        match outcome {
            Ok(r) => results.push(r),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        bail!(
            "{} fixture(s) could not be judged:\n{}",
            errors.len(),
            errors.join("\n")
        );
    }
    Ok(Replay::new(results))
}
