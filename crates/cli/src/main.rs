//! The `canary` command.
//!
//! Its subcommands (`judge`, `replay`, `tune`, …) arrive with the judge; today it only
//! answers `--help` and `--version`, and exits with the usage code 2 otherwise.

use clap::Parser;

/// Canary analysis: compare baseline and canary metrics, decide promote, hold or rollback.
#[derive(Debug, Parser)]
#[command(name = "canary", version, about)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
    let mut command = <Cli as clap::CommandFactory>::command();
    // Nothing to do yet without a subcommand: show the help and exit with the usage code.
    let _ = command.print_help();
    std::process::exit(2);
}
