//! `canary report`: a self-contained HTML page from the JSON of judge, gate, replay,
//! tune or rollout.

use anyhow::Context;
use canary_judge::{Config, Fixture};
use canary_report::{Document, Options, render};
use clap::Args;
use std::io::Read;
use std::path::PathBuf;

/// The options of `canary report`.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// The JSON written by `canary judge|gate|replay|tune|rollout --format json` (`-` for
    /// standard input).
    result: PathBuf,
    /// Where to write the HTML (default: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// For a verdict (judge, gate): the fixture that was judged, for the time series and
    /// distribution charts (the verdict JSON holds only the evidence).
    #[arg(long, short)]
    fixture: Option<PathBuf>,
    /// For a replay: the config it used; misjudged fixtures are judged again (from the
    /// paths in the results) and shown metric by metric.
    #[arg(long, short)]
    config: Option<PathBuf>,
    /// The page title.
    #[arg(long)]
    title: Option<String>,
}

/// Reads the result, renders it and writes the page.
pub(crate) fn run(args: &ReportArgs) -> anyhow::Result<()> {
    let text = if args.result.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading the result from standard input")?;
        text
    } else {
        std::fs::read_to_string(&args.result)
            .with_context(|| format!("cannot read {}", args.result.display()))?
    };
    let document =
        Document::from_json_str(&text).with_context(|| format!("{}", args.result.display()))?;
    let fixture = args.fixture.as_ref().map(Fixture::from_path).transpose()?;
    let config = args.config.as_ref().map(Config::from_path).transpose()?;
    if fixture.is_some() && !matches!(document, Document::Verdict(_)) {
        anyhow::bail!(
            "--fixture applies to a verdict (judge, gate); {} is a {} result",
            args.result.display(),
            document.kind()
        );
    }
    if config.is_some() && !matches!(document, Document::Replay(_)) {
        anyhow::bail!(
            "--config applies to a replay; {} is a {} result",
            args.result.display(),
            document.kind()
        );
    }
    let options = Options {
        title: args.title.as_deref(),
        fixture: fixture.as_ref(),
        config: config.as_ref(),
    };
    let html = render(&document, &options)?;
    match &args.output {
        Some(path) => std::fs::write(path, html)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => crate::output::raw(&html),
    }
    Ok(())
}
