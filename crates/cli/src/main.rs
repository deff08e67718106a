//! The `canary` command: judge recorded canary runs and replay labelled corpora.
//!
//! Exit codes: 0 promote · 10 hold · 20 rollback · 1 error (bad input) · 2 usage ·
//! 3 replay: some verdicts disagree with their labels.

mod output;
mod replay;
mod tune;

use anyhow::Context;
use canary_judge::{Config, Fixture, judge};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Canary analysis: compare baseline and canary metrics, decide promote, hold or rollback.
#[derive(Debug, Parser)]
#[command(name = "canary", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Judge one fixture; the exit code is the verdict (0 promote, 10 hold, 20 rollback).
    Judge {
        /// The analysis config (YAML, JSON or TOML).
        #[arg(long, short)]
        config: PathBuf,
        /// The fixture: JSON (format version 1) or CSV long format.
        #[arg(long, short)]
        fixture: PathBuf,
        /// Output for people (text) or machines (json).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Judge many fixtures (files or folders) and compare with their `expected` labels.
    Replay {
        /// The analysis config (YAML, JSON or TOML).
        #[arg(long, short)]
        config: PathBuf,
        /// Fixture files, or folders whose *.json and *.csv files are fixtures.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output for people (text) or machines (json).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Worker threads (default: all cores).
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// Sweep config values over labelled fixtures: agreement, false-rollback,
    /// missed-regression and hold rates per setting, and a recommended setting.
    Tune {
        /// The analysis config (YAML, JSON or TOML).
        #[arg(long, short)]
        config: PathBuf,
        /// KEY=FROM..TO:STEP, e.g. `metrics[latency_ms].effect.allowed_increase=1.0..1.5:0.1`
        /// (KEY: a config path, metrics by name or index). Several form a grid.
        #[arg(
            long = "sweep",
            short,
            required = true,
            value_name = "KEY=FROM..TO:STEP"
        )]
        sweeps: Vec<String>,
        /// Fixture files, or folders whose *.json and *.csv files are fixtures.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output for people (text) or machines (json).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Worker threads (default: all cores).
        #[arg(long)]
        jobs: Option<usize>,
    },
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Sentences and tables for people.
    Text,
    /// The stable JSON schema.
    Json,
}

/// Exit code for a failed command (bad input, unreadable file).
const EXIT_ERROR: u8 = 1;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            output::error(&format!("{error:#}"));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Judge {
            config,
            fixture,
            format,
        } => {
            let config_data = Config::from_path(&config)?;
            let fixture_data = Fixture::from_path(&fixture)?;
            let report = judge(&config_data, &fixture_data).with_context(|| {
                format!("{} judged with {}", fixture.display(), config.display())
            })?;
            match format {
                Format::Json => output::line(&report.to_json()),
                Format::Text => output::text_report(&report),
            }
            Ok(report.verdict.exit_code())
        }
        Command::Replay {
            config,
            paths,
            format,
            jobs,
        } => {
            let config_data = Config::from_path(&config)?;
            let files = replay::collect_files(&paths)?;
            let replay = replay::run(&config, &config_data, &files, jobs, format == Format::Text)?;
            match format {
                Format::Json => {
                    output::line(&serde_json::to_string(&replay).context("serialising the replay")?)
                }
                Format::Text => output::text_replay(&replay),
            }
            let disagreements = replay
                .results
                .iter()
                .filter(|r| r.expected.is_some_and(|e| e != r.verdict))
                .count();
            Ok(if disagreements > 0 { 3 } else { 0 })
        }
        Command::Tune {
            config,
            sweeps,
            paths,
            format,
            jobs,
        } => {
            let config_data = Config::from_path(&config)?;
            let files = replay::collect_files(&paths)?;
            let tune = tune::run(
                &config,
                &config_data,
                &sweeps,
                &files,
                jobs,
                format == Format::Text,
            )?;
            match format {
                Format::Json => {
                    output::line(&serde_json::to_string(&tune).context("serialising the sweep")?)
                }
                Format::Text => output::text_tune(&tune),
            }
            Ok(0)
        }
    }
}
