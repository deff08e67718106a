//! Synthetic rollouts of the example plan (fixtures/plans/canary.yaml: five steps at
//! 10/20/40/60/80 % of 10,000 requests per 10-minute step, latency histogram and errors,
//! both critical): false-rollback control with no change, and power against the classic
//! regressions. Fixed seeds; every figure can fail.

use canary_judge::rollout::{RolloutPlan, SequentialMethod};
use canary_judge::simulate::{Scenario, SimulationOptions, simulate};
use std::path::Path;

fn example(method: SequentialMethod) -> RolloutPlan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/plans/canary.yaml");
    let mut plan = RolloutPlan::from_path(path).expect("the example plan");
    plan.sequential.method = method;
    plan
}

fn options(runs: u32, seed: u64) -> SimulationOptions {
    SimulationOptions {
        compare_naive: true,
        ..without_naive(runs, seed)
    }
}

fn without_naive(runs: u32, seed: u64) -> SimulationOptions {
    SimulationOptions {
        runs,
        seed,
        ..SimulationOptions::default()
    }
}

#[test]
fn aa_rollbacks_stay_below_alpha_with_sequential_control_and_not_without() {
    let plan = example(SequentialMethod::Pocock);
    let r = simulate(&plan, Scenario::Aa, &options(2000, 1)).unwrap();
    let naive = r.naive.as_ref().unwrap();
    assert_eq!(r.outcomes.runs, 2000);
    assert!(r.outcomes.rollback_rate.0 <= 0.05, "{:?}", r.outcomes);
    assert!(naive.rollback_rate.0 > 0.05, "{naive:?}");
    assert!(
        naive.rollback_rate.0 >= 3.0 * r.outcomes.rollback_rate.0,
        "{naive:?}"
    );
    // Nothing holds in A/A: every run either completes or (rarely) rolls back.
    assert_eq!(r.outcomes.hold_rate.0, 0.0);
    assert!((r.outcomes.promote_rate.0 + r.outcomes.rollback_rate.0 - 1.0).abs() < 1e-12);
    // The other methods keep the bound too.
    for method in [SequentialMethod::ObrienFleming, SequentialMethod::Msprt] {
        let r = simulate(&example(method), Scenario::Aa, &without_naive(500, 2)).unwrap();
        assert!(
            r.outcomes.rollback_rate.0 <= 0.05,
            "{method:?}: {:?}",
            r.outcomes
        );
    }
}

#[test]
fn an_error_rate_of_three_percent_rolls_back_at_the_first_step() {
    let plan = example(SequentialMethod::Pocock);
    let scenario: Scenario = "error-rate=0.003:0.03".parse().unwrap();
    let r = simulate(&plan, scenario, &without_naive(2000, 3)).unwrap();
    // ~1,000 canary requests at 10 % of traffic in step 1.
    assert_eq!(r.model.canary_requests_by_step[0], 1000);
    let at_first = f64::from(r.outcomes.rollbacks_by_step[0]) / 2000.0;
    assert!(at_first >= 0.99, "{:?}", r.outcomes);
    let msprt = simulate(
        &example(SequentialMethod::Msprt),
        scenario,
        &without_naive(500, 3),
    );
    assert!(f64::from(msprt.unwrap().outcomes.rollbacks_by_step[0]) / 500.0 >= 0.99);
}

#[test]
fn a_latency_shift_of_twenty_percent_rolls_back_before_completion() {
    let plan = example(SequentialMethod::Pocock);
    let scenario: Scenario = "latency-shift=1.2".parse().unwrap();
    // 10,000 requests per step: 1,000 canary requests at step 1.
    let r = simulate(&plan, scenario, &without_naive(1000, 4)).unwrap();
    assert!(r.outcomes.rollback_rate.0 >= 0.95, "{:?}", r.outcomes);
    // A tenth of that traffic (100 canary requests at step 1, 2,100 over the plan;
    // without the plan's 500-sample minimum of step 1).
    let mut plan = plan;
    plan.steps[0].min_samples = None;
    let small = SimulationOptions {
        requests_per_step: 1000,
        ..without_naive(1000, 5)
    };
    let r = simulate(&plan, scenario, &small).unwrap();
    assert!(r.outcomes.rollback_rate.0 >= 0.95, "{:?}", r.outcomes);
    assert!(
        r.outcomes.mean_step_of_rollback.unwrap().0 > 1.0,
        "{:?}",
        r.outcomes
    );
}

#[test]
fn an_error_spike_rolls_back_in_the_step_it_happens() {
    let plan = example(SequentialMethod::Pocock);
    // Steps last 10 minutes: 25 minutes in is the middle of step 3.
    let r = simulate(
        &plan,
        "error-spike-at=25m".parse().unwrap(),
        &without_naive(500, 6),
    )
    .unwrap();
    assert!(r.outcomes.rollback_rate.0 >= 0.95, "{:?}", r.outcomes);
    let at_three = f64::from(r.outcomes.rollbacks_by_step[2]) / 500.0;
    assert!(at_three >= 0.9, "{:?}", r.outcomes);
}

#[test]
fn the_same_seed_gives_the_same_output() {
    let plan = example(SequentialMethod::Pocock);
    let a = simulate(&plan, Scenario::Aa, &options(300, 9))
        .unwrap()
        .to_json();
    let b = simulate(&plan, Scenario::Aa, &options(300, 9))
        .unwrap()
        .to_json();
    let c = simulate(&plan, Scenario::Aa, &options(300, 10))
        .unwrap()
        .to_json();
    assert_eq!(a, b);
    assert_ne!(a, c);
    let value: serde_json::Value = serde_json::from_str(&a).unwrap();
    for key in [
        "runs",
        "promote_rate",
        "hold_rate",
        "rollback_rate",
        "mean_step_of_rollback",
        "naive",
    ] {
        assert!(value.get(key).is_some(), "{key} missing from {a}");
    }
}

#[test]
fn bake_rolls_back_an_error_spike_after_the_deploy() {
    let plan = RolloutPlan::from_yaml_str(
        "version: 1\nstrategy: bake\nsteps: [{min_duration: 5m}, {min_duration: 5m}, {min_duration: 5m}]\nanalysis: {version: 1, metrics: [{name: errors, kind: counts, critical: true}]}\nsequential: {method: pocock}\n",
    )
    .unwrap();
    let spike = simulate(
        &plan,
        "error-spike-at=5m".parse().unwrap(),
        &without_naive(300, 11),
    )
    .unwrap();
    assert!(
        spike.outcomes.rollback_rate.0 >= 0.95,
        "{:?}",
        spike.outcomes
    );
    assert!(spike.outcomes.rollbacks_by_step[0] == 0 || spike.outcomes.rollbacks_by_step[0] < 30);
    let aa = simulate(&plan, Scenario::Aa, &without_naive(300, 12)).unwrap();
    assert!(aa.outcomes.rollback_rate.0 <= 0.05, "{:?}", aa.outcomes);
}

#[test]
fn bad_options_are_errors() {
    let plan = example(SequentialMethod::Pocock);
    let zero = SimulationOptions {
        runs: 0,
        ..SimulationOptions::default()
    };
    assert!(
        simulate(&plan, Scenario::Aa, &zero)
            .unwrap_err()
            .to_string()
            .contains("runs")
    );
    for bad in [
        "ab",
        "latency-shift=0",
        "latency-shift=x",
        "error-rate=0.1:2",
        "error-spike-at=soon",
    ] {
        assert!(bad.parse::<Scenario>().is_err(), "{bad}");
    }
}
