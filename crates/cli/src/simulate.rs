//! `canary simulate`: synthetic rollouts of a plan, with naive testing beside them.
#![allow(clippy::print_stdout)] // a command-line tool prints

use canary_judge::simulate::{SimulationOutcomes, SimulationReport};

fn percent(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

/// The simulation for people: the data model, then one row per judging method.
pub(crate) fn print_text(report: &SimulationReport) {
    let m = &report.model;
    let canary: Vec<String> = m
        .canary_requests_by_step
        .iter()
        .map(ToString::to_string)
        .collect();
    println!(
        "simulate {}: scenario {}, {} runs, seed {}",
        report.plan, report.scenario, report.outcomes.runs, report.seed
    );
    println!(
        "  {} requests per step window; canary requests by step {}; latency lognormal (median {} s, sigma {}); baseline error rate {}",
        m.requests_per_step,
        canary.join(" / "),
        m.latency_median_seconds.0,
        m.latency_sigma.0,
        m.baseline_error_rate.0
    );
    println!(
        "  {:<16} {:>9} {:>9} {:>9} {:>10}  rollbacks by step",
        "judging", "promote", "hold", "rollback", "mean step"
    );
    let row = |o: &SimulationOutcomes| {
        let mean = o
            .mean_step_of_rollback
            .map_or_else(|| "-".to_owned(), |s| format!("{:.2}", s.0));
        let by: Vec<String> = o
            .rollbacks_by_step
            .iter()
            .map(ToString::to_string)
            .collect();
        println!(
            "  {:<16} {:>9} {:>9} {:>9} {:>10}  {}",
            o.method,
            percent(o.promote_rate.0),
            percent(o.hold_rate.0),
            percent(o.rollback_rate.0),
            mean,
            by.join(" ")
        );
    };
    row(&report.outcomes);
    if let Some(naive) = &report.naive {
        row(naive);
        println!(
            "  naive: every metric tested at level {} at every look, no correction",
            report.alpha.0
        );
    }
}
