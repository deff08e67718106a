//! The rollout engine: Argo limit semantics, step minimums, missing data, state
//! round trips, sequential levels, bake and cumulative windows.

use canary_judge::rollout::{
    Action, Measurement, Observation, Rollout, RolloutError, RolloutPlan, RolloutStatus,
};
use canary_judge::{CountPoint, MetricData, Sides};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// A plan of `steps` steps judging one critical counts metric `errors`, with extra YAML
/// appended. Cumulative windows: each observation stands alone, so each window's verdict
/// does not depend on the ones before it.
fn plan(steps: usize, extra: &str) -> RolloutPlan {
    plan_inc(steps, &format!("windows: cumulative\n{extra}"))
}

/// [`plan`] with incremental windows (the default).
fn plan_inc(steps: usize, extra: &str) -> RolloutPlan {
    let steps: Vec<String> = (1..=steps)
        .map(|i| format!("{{weight: {}}}", (i * 10).min(100)))
        .collect();
    RolloutPlan::from_yaml_str(&format!(
        "version: 1\nsteps: [{}]\nanalysis:\n  version: 1\n  metrics:\n    - {{name: errors, kind: counts, critical: true, min_samples: 100}}\n{extra}",
        steps.join(", ")
    ))
    .expect("a valid plan")
}

/// Counts data for one interval at time `t`.
fn counts(t: i64, baseline: (f64, f64), canary: (f64, f64)) -> MetricData {
    MetricData::Counts(Sides {
        baseline: vec![CountPoint {
            timestamp: t,
            events: baseline.0,
            total: baseline.1,
        }],
        canary: vec![CountPoint {
            timestamp: t,
            events: canary.0,
            total: canary.1,
        }],
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum W {
    /// Same error rate on both sides: the judge promotes.
    Pass,
    /// Canary errors ×20: the judge rolls back.
    Fail,
    /// No baseline requests: the judge holds (nodata).
    Inconclusive,
    /// A negative event count: the rate test refuses it, the judge classifies `error`.
    Broken,
    /// The metric is absent from the observation (the source returned nothing).
    Absent,
    /// The canary side has no requests at all.
    NoCanary,
}

/// Windows for [`plan`] (cumulative: the k-th window holds k·1000 requests per side, so
/// the canary data grows) or, with [`Feed::incremental`], windows of 1000 requests each.
struct Feed {
    t: i64,
    k: f64,
    cumulative: bool,
}

impl Feed {
    fn new() -> Self {
        Feed {
            t: 1_700_000_000,
            k: 0.0,
            cumulative: true,
        }
    }

    fn incremental() -> Self {
        Feed {
            cumulative: false,
            ..Feed::new()
        }
    }

    fn window(&mut self, w: W) -> Observation {
        self.t += 60;
        self.k += 1.0;
        let t = self.t;
        let n = if self.cumulative {
            1000.0 * self.k
        } else {
            1000.0
        };
        let r = n / 1000.0;
        let data = match w {
            W::Pass => Some(counts(t, (3.0 * r, n), (3.0 * r, n))),
            W::Fail => Some(counts(t, (3.0 * r, n), (60.0 * r, n))),
            W::Inconclusive => Some(counts(t, (0.0, 0.0), (3.0 * r, n))),
            W::Broken => Some(counts(t, (3.0 * r, n), (-1.0, n))),
            W::NoCanary => Some(counts(t, (3.0 * r, n), (0.0, 0.0))),
            W::Absent => None,
        };
        let mut metrics = BTreeMap::new();
        if let Some(d) = data {
            metrics.insert("errors".to_owned(), d);
        }
        Observation {
            metrics,
            duration_seconds: None,
            source: None,
        }
    }
}

/// Feeds windows, returning (action, measurement, status) per observation.
fn run(rollout: &mut Rollout, windows: &[W]) -> Vec<(Action, Option<Measurement>, RolloutStatus)> {
    let mut feed = Feed::new();
    windows
        .iter()
        .map(|w| {
            let d = rollout
                .observe(feed.window(*w))
                .expect("an accepted observation");
            (d.action, d.measurement, d.status)
        })
        .collect()
}

use Action::{Advance, Complete, Hold, Rollback};
use Measurement::{Error, Failed, Inconclusive, Successful};
use RolloutStatus::{Completed, Paused, Progressing, RolledBack};

#[test]
fn passing_steps_advance_then_complete() {
    let mut r = Rollout::new(plan(3, "")).unwrap();
    let out = run(&mut r, &[W::Pass, W::Pass, W::Pass]);
    assert_eq!(
        out,
        [
            (Advance, Some(Successful), Progressing),
            (Advance, Some(Successful), Progressing),
            (Complete, Some(Successful), Completed),
        ]
    );
    let first = &r.state().history[0];
    assert_eq!((first.step, first.to_step), (1, Some(2)));
    assert_eq!(first.to_weight.unwrap().0, 20.0);
    assert!(first.reasons[0].contains("step 1 (10 % traffic) passed: advance to step 2"));
    let err = r.observe(Feed::new().window(W::Pass)).unwrap_err();
    assert!(matches!(
        err,
        RolloutError::NotProgressing {
            status: Completed,
            ..
        }
    ));
    assert_eq!(r.output().exit_code, 0);
}

#[test]
fn failure_limit_zero_rolls_back_at_the_first_failure() {
    let mut r = Rollout::new(plan(3, "")).unwrap();
    let out = run(&mut r, &[W::Pass, W::Fail]);
    assert_eq!(out[1], (Rollback, Some(Failed), RolledBack));
    let d = &r.state().history[1];
    assert!(
        d.reasons[0].contains("1 failure(s) > failure_limit 0"),
        "{:?}",
        d.reasons
    );
    assert_eq!(r.output().exit_code, 20);
}

#[test]
fn failures_within_the_limit_hold_and_count_over_the_rollout() {
    let mut r = Rollout::new(plan(3, "limits: {failure_limit: 1}\n")).unwrap();
    let out = run(&mut r, &[W::Fail, W::Pass, W::Fail]);
    assert_eq!(
        out,
        [
            (Hold, Some(Failed), Progressing), // tolerated: measure step 1 again
            (Advance, Some(Successful), Progressing),
            (Rollback, Some(Failed), RolledBack), // 2 > 1, though not consecutive
        ]
    );
    assert_eq!(r.state().counts.failed, 2);
}

#[test]
fn inconclusive_pauses_beyond_the_limit_until_resumed() {
    let mut r = Rollout::new(plan(3, "")).unwrap();
    let out = run(&mut r, &[W::Inconclusive]);
    assert_eq!(out[0], (Hold, Some(Inconclusive), Paused));
    // A paused rollout takes no observation until a person resumes (or aborts) it.
    let err = r.observe(Feed::new().window(W::Pass)).unwrap_err();
    assert!(matches!(
        err,
        RolloutError::NotProgressing { status: Paused, .. }
    ));
    r.resume().unwrap();
    assert_eq!(r.state().counts.inconclusive, 0);
    let mut feed = Feed::new();
    feed.k = 5.0;
    let d = r.observe(feed.window(W::Pass)).unwrap();
    assert_eq!((d.action, d.step), (Advance, 1));
    assert!(r.resume().is_err(), "only a paused rollout resumes");
}

#[test]
fn inconclusive_within_the_limit_holds_without_pausing() {
    let mut r = Rollout::new(plan(3, "limits: {inconclusive_limit: 2}\n")).unwrap();
    let out = run(&mut r, &[W::Inconclusive, W::Inconclusive, W::Inconclusive]);
    assert_eq!(
        out,
        [
            (Hold, Some(Inconclusive), Progressing),
            (Hold, Some(Inconclusive), Progressing),
            (Hold, Some(Inconclusive), Paused),
        ]
    );
    assert_eq!(r.output().exit_code, 10);
}

#[test]
fn consecutive_errors_roll_back_after_the_limit() {
    let mut r = Rollout::new(plan(3, "")).unwrap();
    let out = run(
        &mut r,
        &[W::Absent, W::Broken, W::Absent, W::Absent, W::Absent],
    );
    let expected_hold = (Hold, Some(Error), Progressing);
    assert_eq!(out[..4], [expected_hold; 4]);
    assert_eq!(out[4], (Rollback, Some(Error), RolledBack)); // 5 > 4
    assert_eq!(r.state().counts.consecutive_error, 5);
    let d = &r.state().history[4];
    assert!(d.reasons[0].contains("5 consecutive error(s) > consecutive_error_limit 4"));
    assert!(
        r.state().history[0]
            .reasons
            .iter()
            .any(|s| s.contains("no data for \"errors\""))
    );
}

#[test]
fn a_success_resets_the_run_of_errors() {
    let mut r = Rollout::new(plan(3, "limits: {consecutive_error_limit: 2}\n")).unwrap();
    let out = run(
        &mut r,
        &[
            W::Absent,
            W::Absent,
            W::Pass,
            W::Absent,
            W::Absent,
            W::Absent,
        ],
    );
    assert_eq!(out[2], (Advance, Some(Successful), Progressing));
    assert_eq!(out[4], (Hold, Some(Error), Progressing)); // 2 in a row again: not > 2
    assert_eq!(out[5], (Rollback, Some(Error), RolledBack));
    assert_eq!(r.state().counts.error, 5);
}

#[test]
fn failures_and_inconclusives_also_reset_errors_as_in_argo() {
    let mut r = Rollout::new(plan(
        3,
        "limits: {consecutive_error_limit: 1, failure_limit: 5, inconclusive_limit: 5}\n",
    ))
    .unwrap();
    let out = run(
        &mut r,
        &[W::Absent, W::Fail, W::Absent, W::Inconclusive, W::Absent],
    );
    assert!(out.iter().all(|o| o.0 == Hold), "{out:?}");
    assert_eq!(r.state().counts.consecutive_error, 1);
}

#[test]
fn missing_canary_data_never_advances_and_is_not_counted() {
    let mut r = Rollout::new(plan(2, "")).unwrap();
    let out = run(&mut r, &[W::NoCanary, W::NoCanary, W::NoCanary]);
    assert!(
        out.iter().all(|o| *o == (Hold, None, Progressing)),
        "{out:?}"
    );
    assert_eq!(r.state().step, 1);
    assert_eq!(r.state().counts, Default::default());
    let d = &r.state().history[0];
    assert!(
        d.reasons[0].contains("no canary data for \"errors\" during step 1"),
        "{:?}",
        d.reasons
    );
}

#[test]
fn step_minimums_hold_until_met() {
    let p = RolloutPlan::from_yaml_str(
        "version: 1\nsteps: [{weight: 10, min_duration: 3m, min_samples: 2500}, {weight: 50}]\nanalysis: {version: 1, metrics: [{name: errors, kind: counts, critical: true}]}\n",
    )
    .unwrap();
    let mut r = Rollout::new(p).unwrap();
    let mut feed = Feed::incremental();
    // One interval of 1000 requests: 60 s of 3m and 1000 of 2500 samples.
    let d = r.observe(feed.window(W::Pass)).unwrap();
    assert_eq!((d.action, d.measurement), (Hold, None));
    assert!(
        d.reasons[0].contains("1000 canary samples of its minimum 2500"),
        "{:?}",
        d.reasons
    );
    let d = r.observe(feed.window(W::Pass)).unwrap();
    assert!(
        d.reasons[0].contains("2000 canary samples"),
        "{:?}",
        d.reasons
    );
    // Three intervals: 3000 samples, 180 s (two minutes of gaps plus one interval).
    let d = r.observe(feed.window(W::Pass)).unwrap();
    assert_eq!(d.action, Advance, "{:?}", d.reasons);
    assert_eq!(d.progress.elapsed_seconds.unwrap().0, 180.0);
    // An explicit duration counts instead of the timestamps' span.
    let p = RolloutPlan::from_yaml_str(
        "version: 1\nsteps: [{weight: 10, min_duration: 10m}, {weight: 50}]\nanalysis: {version: 1, metrics: [{name: errors, kind: counts}]}\n",
    )
    .unwrap();
    let mut r = Rollout::new(p).unwrap();
    let mut w = feed.window(W::Pass);
    w.duration_seconds = Some(300.0);
    assert!(r.observe(w.clone()).unwrap().reasons[0].contains("has run 5m of its minimum 10m"));
    let mut w = feed.window(W::Pass);
    w.duration_seconds = Some(300.0);
    assert_eq!(r.observe(w).unwrap().action, Advance);
}

#[test]
fn bad_observations_are_refused_and_leave_the_state_alone() {
    let mut r = Rollout::new(plan_inc(3, "")).unwrap();
    let mut feed = Feed::incremental();
    r.observe(feed.window(W::Pass)).unwrap();
    let before = r.to_json();
    // Time going backwards.
    let mut back = Feed::incremental();
    let err = r.observe(back.window(W::Pass)).unwrap_err();
    assert!(
        err.to_string()
            .contains("must continue after the previous one"),
        "{err}"
    );
    // Another kind of data.
    let mut wrong = BTreeMap::new();
    wrong.insert(
        "errors".to_owned(),
        MetricData::Histogram(Sides {
            baseline: None,
            canary: None,
        }),
    );
    let err = r
        .observe(Observation {
            metrics: wrong,
            duration_seconds: None,
            source: None,
        })
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("the config says counts but the observation holds histogram data")
    );
    let mut w = feed.window(W::Pass);
    w.duration_seconds = Some(-1.0);
    assert!(r.observe(w).is_err());
    assert_eq!(r.to_json(), before);
}

#[test]
fn the_state_round_trips_through_json_at_every_step() {
    let extra = "limits: {failure_limit: 1, inconclusive_limit: 1}\nsequential: {method: pocock}\n";
    let windows = [
        W::Pass,
        W::Absent,
        W::Fail,
        W::Pass,
        W::Inconclusive,
        W::Pass,
        W::Pass,
    ];
    let mut live = Rollout::new(plan(4, extra)).unwrap();
    for (mut rollout, mut feed) in [
        (Rollout::new(plan(4, extra)).unwrap(), Feed::new()),
        (
            Rollout::new(plan_inc(4, extra)).unwrap(),
            Feed::incremental(),
        ),
    ] {
        let mut replies = Vec::new();
        for w in windows {
            let obs = feed.window(w);
            let saved = rollout.to_json();
            let mut restored = Rollout::from_json(&saved).unwrap();
            assert_eq!(
                restored.to_json(),
                saved,
                "byte-identical after a round trip"
            );
            let a = rollout.observe(obs.clone());
            let b = restored.observe(obs);
            assert_eq!(a, b, "a restored rollout decides as the live one");
            assert_eq!(restored.to_json(), rollout.to_json());
            replies.push(a.map(|d| d.action));
        }
        if feed.cumulative {
            let replies: Vec<Action> = replies.into_iter().map(Result::unwrap).collect();
            assert_eq!(
                replies,
                [Advance, Hold, Hold, Advance, Hold, Advance, Complete]
            );
            assert_eq!(rollout.state().status, Completed);
            live = rollout;
        } else {
            // Incremental: the failure stays in the accumulated data and rolls back.
            assert_eq!(replies[3], Ok(Rollback));
        }
    }
    // Corrupt saves are typed errors.
    assert!(matches!(
        Rollout::from_json("{}"),
        Err(RolloutError::State(_))
    ));
    let bad_step = live.to_json().replacen(
        "\"step\":4,\"observations\"",
        "\"step\":9,\"observations\"",
        1,
    );
    assert!(
        Rollout::from_json(&bad_step)
            .unwrap_err()
            .to_string()
            .contains("state.step")
    );
}

#[test]
fn sequential_looks_use_the_spent_levels() {
    let p = plan(3, "sequential: {method: pocock, alpha: 0.05}\n");
    let mut r = Rollout::new(p).unwrap();
    let mut feed = Feed::new();
    let d = r.observe(feed.window(W::Pass)).unwrap();
    let control = d.sequential.expect("sequential control");
    // Weights 10, 20, 30: fractions 1/6, 1/2, 1.
    assert!((control.information_fraction.unwrap().0 - 10.0 / 60.0).abs() < 1e-12);
    let level = &control.metrics[0];
    assert!(
        level.nominal_alpha.0 < 0.05 && level.nominal_alpha.0 > 0.01,
        "{level:?}"
    );
    let evidence = &d.report.unwrap().metrics[0].evidence;
    assert_eq!(evidence.confidence.unwrap().0, level.confidence.0);
    // Without sequential control the config's confidence applies.
    let mut plain = Rollout::new(plan(3, "")).unwrap();
    let d = plain.observe(Feed::new().window(W::Pass)).unwrap();
    assert!(d.sequential.is_none());
    assert_eq!(
        d.report.unwrap().metrics[0].evidence.confidence.unwrap().0,
        0.95
    );
}

#[test]
fn cumulative_windows_replace_the_data() {
    let mut r = Rollout::new(plan(2, "")).unwrap();
    let mut obs = Feed::new().window(W::Pass);
    r.observe(obs.clone()).unwrap();
    // The same window again (all data since the start, nothing new): accepted, and the
    // step has no new canary data, so it waits.
    let d = r.observe(obs.clone()).unwrap();
    assert_eq!((d.action, d.measurement), (Hold, None));
    obs.metrics.insert(
        "errors".into(),
        MetricData::Counts(Sides {
            baseline: vec![
                CountPoint {
                    timestamp: 1,
                    events: 3.0,
                    total: 1000.0,
                },
                CountPoint {
                    timestamp: 2,
                    events: 3.0,
                    total: 1000.0,
                },
            ],
            canary: vec![
                CountPoint {
                    timestamp: 1,
                    events: 3.0,
                    total: 1000.0,
                },
                CountPoint {
                    timestamp: 2,
                    events: 3.0,
                    total: 1000.0,
                },
            ],
        }),
    );
    assert_eq!(r.observe(obs).unwrap().action, Complete);
    assert_eq!(r.state().totals.canary_samples["errors"], 2000.0);
}

#[test]
fn bake_keeps_the_pre_deploy_window_as_baseline() {
    let p = RolloutPlan::from_yaml_str(
        "version: 1\nstrategy: bake\nsteps: [{min_duration: 2m}, {min_duration: 2m}]\nanalysis: {version: 1, metrics: [{name: errors, kind: counts, critical: true}]}\n",
    )
    .unwrap();
    let mut r = Rollout::new(p).unwrap();
    // Pre-deploy: 3 errors per 1000 at t = 0..60; post-deploy at other times.
    let window = |baseline: Vec<CountPoint>, t: i64, events: f64| {
        let mut metrics = BTreeMap::new();
        metrics.insert(
            "errors".to_owned(),
            MetricData::Counts(Sides {
                baseline,
                canary: vec![
                    CountPoint {
                        timestamp: t,
                        events,
                        total: 1000.0,
                    },
                    CountPoint {
                        timestamp: t + 60,
                        events,
                        total: 1000.0,
                    },
                ],
            }),
        );
        Observation {
            metrics,
            duration_seconds: None,
            source: None,
        }
    };
    let pre = vec![
        CountPoint {
            timestamp: 0,
            events: 3.0,
            total: 1000.0,
        },
        CountPoint {
            timestamp: 60,
            events: 3.0,
            total: 1000.0,
        },
    ];
    let d = r.observe(window(pre, 1000, 3.0)).unwrap();
    assert_eq!(d.action, Advance);
    assert_eq!(d.weight.0, 100.0);
    // The error rate spikes after the deploy: compared with the pre-deploy window (no
    // baseline in this observation), roll back.
    let d = r.observe(window(Vec::new(), 2000, 40.0)).unwrap();
    assert_eq!(d.action, Rollback, "{:?}", d.reasons);
    let report = d.report.unwrap();
    assert_eq!(
        report.metrics[0].evidence.baseline.as_ref().unwrap().n.0,
        2000.0
    );
    assert_eq!(
        report.metrics[0].evidence.canary.as_ref().unwrap().n.0,
        4000.0
    );
}

#[test]
fn abort_rolls_back() {
    let mut r = Rollout::new(plan(2, "")).unwrap();
    let d = r.abort("latency dashboards look wrong").unwrap();
    assert_eq!((d.action, d.status), (Rollback, RolledBack));
    assert_eq!(d.reasons[1], "latency dashboards look wrong");
    assert!(r.abort("again").is_err());
}

fn window_strategy() -> impl Strategy<Value = W> {
    prop_oneof![
        3 => Just(W::Pass),
        1 => Just(W::Fail),
        1 => Just(W::Inconclusive),
        1 => Just(W::Broken),
        2 => Just(W::Absent),
        3 => Just(W::NoCanary),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever the sequence of observations and limits, a step only advances (or
    /// completes) on a successful judgement of an observation that held every metric,
    /// with canary data during that step; and it never moves more than one step.
    #[test]
    fn never_advances_past_a_step_whose_data_is_missing(
        windows in proptest::collection::vec(window_strategy(), 1..30),
        failure_limit in 0u32..3,
        inconclusive_limit in 0u32..3,
        error_limit in 0u32..5,
        method in prop_oneof![Just("none"), Just("pocock"), Just("msprt"), Just("obrien_fleming")],
    ) {
        let mut r = Rollout::new(plan(4, &format!(
            "limits: {{failure_limit: {failure_limit}, inconclusive_limit: {inconclusive_limit}, consecutive_error_limit: {error_limit}}}\nsequential: {{method: {method}}}\n"
        ))).unwrap();
        let mut feed = Feed::new();
        for w in windows {
            let step_before = r.state().step;
            let obs = feed.window(w);
            let has_metric = obs.metrics.contains_key("errors");
            match r.observe(obs) {
                Ok(d) => {
                    if matches!(d.action, Advance | Complete) {
                        prop_assert!(has_metric);
                        prop_assert_eq!(d.measurement, Some(Successful));
                        prop_assert!(d.progress.canary_samples.unwrap().0 > 0.0);
                        prop_assert!(matches!(w, W::Pass));
                    }
                    if matches!(w, W::Absent | W::NoCanary) {
                        prop_assert!(matches!(d.action, Hold | Rollback));
                        prop_assert_eq!(r.state().step, step_before);
                    }
                    prop_assert!(r.state().step <= step_before + 1);
                }
                Err(RolloutError::NotProgressing { .. }) => break,
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
        }
    }
}
