//! The `canary` command: judge recorded canary runs, replay labelled corpora, step
//! rollout plans and simulate them.
//!
//! Exit codes: 0 promote · 10 hold · 20 rollback · 1 error (bad input) · 2 usage ·
//! 3 replay: some verdicts disagree with their labels.

mod convert;
mod gate;
mod output;
mod progress;
mod replay;
mod report;
mod rollout;
mod simulate;
mod tune;

use anyhow::Context;
use canary_judge::{Config, Fixture, judge};
use clap::{Args, Parser, Subcommand, ValueEnum};
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
        #[command(flatten)]
        common: Common,
        /// The fixture: JSON (format version 1) or CSV long format.
        #[arg(long, short)]
        fixture: PathBuf,
    },
    /// Judge many fixtures (files or folders) and compare with their `expected` labels.
    Replay {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        corpus: Corpus,
    },
    /// Fetch live data for a window from a metric source and judge it: a CI/CD gate
    /// (exit 0 promote, 10 hold, 20 rollback, 1 when nothing could be fetched).
    Gate {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        live: gate::Live,
    },
    /// Fetch live data for a window and save it as a fixture (written atomically).
    Record {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        live: gate::Live,
        /// The fixture file to write.
        #[arg(long, short)]
        output: PathBuf,
        /// The fixture's name (default: the file's stem).
        #[arg(long)]
        name: Option<String>,
    },
    /// Sweep config values over labelled fixtures: agreement, false-rollback,
    /// missed-regression and hold rates per setting, and a recommended setting.
    Tune {
        #[command(flatten)]
        common: Common,
        /// KEY=FROM..TO:STEP, e.g. `metrics[latency_ms].effect.allowed_increase=1.0..1.5:0.1`
        /// (KEY: a config path, metrics by name or index). Several form a grid.
        #[arg(
            long = "sweep",
            short,
            required = true,
            value_name = "KEY=FROM..TO:STEP"
        )]
        sweeps: Vec<String>,
        #[command(flatten)]
        corpus: Corpus,
    },
    /// Step a rollout plan through observations: one fixture per observation (in order),
    /// or one fixture split into the plan's steps by time. The exit code is the last
    /// decision (0 advance/complete, 10 hold, 20 rollback).
    Rollout {
        /// The rollout plan (YAML, JSON or TOML).
        #[arg(long, short)]
        plan: PathBuf,
        /// Fixtures, one per observation, in order.
        #[arg(required_unless_present = "abort")]
        fixtures: Vec<PathBuf>,
        /// Split a single fixture into the plan's steps by time (each step's
        /// `min_duration`, the last step taking the rest).
        #[arg(long)]
        split_by_time: bool,
        /// With --split-by-time: the window of steps without `min_duration` (e.g. 10m).
        #[arg(long, value_name = "DURATION")]
        step_duration: Option<String>,
        /// Strategy bake with --split-by-time: the deploy's unix time. The fixture's
        /// series before it is the pre-deploy window (the baseline); the steps follow it.
        #[arg(long, value_name = "UNIX_SECONDS")]
        deploy_at: Option<i64>,
        /// A saved rollout to continue (read when it exists) and to save to afterwards.
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
        /// Resume the saved rollout (--state), paused after too many inconclusive
        /// steps, before taking the fixtures.
        #[arg(long, requires = "state", conflicts_with = "abort")]
        resume: bool,
        /// Abort the saved rollout (--state): record a rollback with this reason
        /// (may be empty) and save it; takes no fixtures.
        #[arg(
            long,
            value_name = "REASON",
            requires = "state",
            conflicts_with = "fixtures"
        )]
        abort: Option<String>,
        /// Output for people (text) or machines (json).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Synthetic rollouts of a plan under a scenario: promote, hold and rollback rates
    /// (false rollbacks in A/A, power and time to detect with a regression).
    Simulate {
        /// The rollout plan (YAML, JSON or TOML).
        #[arg(long, short)]
        plan: PathBuf,
        /// `aa`, `latency-shift=F`, `error-rate=A:B` or `error-spike-at=T[:RATE]`.
        #[arg(long, short)]
        scenario: String,
        /// Synthetic rollouts.
        #[arg(long, default_value_t = 1000)]
        runs: u32,
        /// The seed (the same seed gives the same output).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Also judge the same data naively: every look at level alpha, no correction.
        #[arg(long, value_enum)]
        compare: Option<Compare>,
        /// Service requests per step window (split by the step's weight).
        #[arg(long, default_value_t = 10_000)]
        requests_per_step: u64,
        /// The baseline's error rate.
        #[arg(long, default_value_t = 0.003)]
        baseline_error_rate: f64,
        /// Worker threads (default: all cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Output for people (text) or machines (json).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Write a self-contained HTML page (inline CSS and SVG charts) for the JSON of
    /// judge, gate, replay, tune or rollout.
    Report(report::ReportArgs),
    /// Translate a Kayenta, Argo Rollouts or Flagger config into ours (and a rollout
    /// plan); notes on anything without an exact equivalent go to stderr.
    Convert {
        #[command(flatten)]
        args: convert::ConvertArgs,
        /// Output: the YAML files (text) or one JSON object (json).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

/// What `canary simulate --compare` runs beside the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Compare {
    /// Per-step testing at level alpha without correction.
    Naive,
}

/// The options every command takes.
#[derive(Debug, Args)]
struct Common {
    /// The analysis config (YAML, JSON or TOML).
    #[arg(long, short)]
    config: PathBuf,
    /// Output for people (text) or machines (json).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// A labelled corpus and how many threads judge it.
#[derive(Debug, Args)]
struct Corpus {
    /// Fixture files, or folders whose *.json and *.csv files are fixtures.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    jobs: Option<usize>,
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
        Command::Judge { common, fixture } => {
            let config_data = Config::from_path(&common.config)?;
            let fixture_data = Fixture::from_path(&fixture)?;
            let report = judge(&config_data, &fixture_data).with_context(|| {
                format!(
                    "{} judged with {}",
                    fixture.display(),
                    common.config.display()
                )
            })?;
            match common.format {
                Format::Json => output::line(&report.to_json()),
                Format::Text => output::text_report(&report),
            }
            Ok(report.verdict.exit_code())
        }
        Command::Gate { common, live } => gate::gate(&common, live),
        Command::Record {
            common,
            live,
            output,
            name,
        } => gate::record(&common, live, &output, name),
        Command::Replay { common, corpus } => {
            let config_data = Config::from_path(&common.config)?;
            let files = canary_judge::collect_fixture_files(&corpus.paths)?;
            let text = common.format == Format::Text;
            let replay = replay::run(&common.config, &config_data, &files, corpus.jobs, text)?;
            match common.format {
                Format::Json => {
                    output::line(&serde_json::to_string(&replay).context("serialising the replay")?)
                }
                Format::Text => output::text_replay(&replay),
            }
            let all_agree = replay.summary.correct == replay.labelled();
            Ok(if all_agree { 0 } else { 3 })
        }
        Command::Tune {
            common,
            sweeps,
            corpus,
        } => {
            let config_data = Config::from_path(&common.config)?;
            let files = canary_judge::collect_fixture_files(&corpus.paths)?;
            let tune = tune::run(
                &common.config,
                &config_data,
                &sweeps,
                &files,
                corpus.jobs,
                common.format == Format::Text,
            )?;
            match common.format {
                Format::Json => {
                    output::line(&serde_json::to_string(&tune).context("serialising the sweep")?)
                }
                Format::Text => output::text_tune(&tune),
            }
            Ok(0)
        }
        Command::Rollout {
            plan,
            fixtures,
            split_by_time,
            step_duration,
            deploy_at,
            state,
            resume,
            abort,
            format,
        } => {
            let step_duration = step_duration
                .map(|d| d.parse::<canary_judge::rollout::PlanDuration>())
                .transpose()
                .context("--step-duration")?
                .map(|d| d.seconds());
            let (output, unused) = rollout::run(&rollout::Request {
                plan_path: &plan,
                fixtures: &fixtures,
                split_by_time,
                step_duration,
                deploy_at,
                state: state.as_deref(),
                resume,
                abort: abort.as_deref(),
            })?;
            match format {
                Format::Json => output::line(&output.to_json()),
                Format::Text => rollout::print_text(&output, unused),
            }
            Ok(output.exit_code)
        }
        Command::Simulate {
            plan,
            scenario,
            runs,
            seed,
            compare,
            requests_per_step,
            baseline_error_rate,
            jobs,
            format,
        } => {
            let plan = canary_judge::rollout::RolloutPlan::from_path(&plan)?;
            let scenario: canary_judge::simulate::Scenario = scenario.parse()?;
            let options = canary_judge::simulate::SimulationOptions {
                runs,
                seed,
                requests_per_step,
                baseline_error_rate,
                compare_naive: compare == Some(Compare::Naive),
                ..canary_judge::simulate::SimulationOptions::default()
            };
            let report = replay::in_pool(jobs, || {
                canary_judge::simulate::simulate(&plan, scenario, &options)
            })??;
            match format {
                Format::Json => output::line(&report.to_json()),
                Format::Text => simulate::print_text(&report),
            }
            Ok(0)
        }
        Command::Report(args) => {
            report::run(&args)?;
            Ok(0)
        }
        Command::Convert { args, format } => convert::run(&args, format == Format::Json),
    }
}
