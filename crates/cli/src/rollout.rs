//! `canary rollout`: steps a rollout plan through fixtures (one per observation, or one
//! fixture split into the plan's steps by time) and prints each decision.
#![allow(clippy::print_stdout)] // a command-line tool prints

use anyhow::{Context, bail};
use canary_judge::rollout::{
    Action, Observation, Rollout, RolloutOutput, RolloutPlan, RolloutStatus, StepDecision,
};
use canary_judge::{CountPoint, Fixture, MetricData, Point, Sides};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What `canary rollout` was asked to do.
pub(crate) struct Request<'a> {
    pub(crate) plan_path: &'a Path,
    pub(crate) fixtures: &'a [PathBuf],
    pub(crate) split_by_time: bool,
    pub(crate) step_duration: Option<u64>,
    pub(crate) deploy_at: Option<i64>,
    pub(crate) state: Option<&'a Path>,
    /// Resume the saved (paused) rollout before observing.
    pub(crate) resume: bool,
    /// Abort the saved rollout with this reason instead of observing.
    pub(crate) abort: Option<&'a str>,
}

/// Runs the rollout; returns its output and how many fixtures (or windows) were not
/// used because the rollout ended before them.
pub(crate) fn run(request: &Request<'_>) -> anyhow::Result<(RolloutOutput, usize)> {
    let plan = RolloutPlan::from_path(request.plan_path)?;
    let mut rollout = match request.state {
        Some(path) if path.exists() => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read the saved rollout", path.display()))?;
            let saved = Rollout::from_json(&text)
                .with_context(|| format!("{}: not a saved rollout", path.display()))?;
            if saved.plan() != &plan {
                bail!(
                    "{}: the saved rollout was started with another plan than {}",
                    path.display(),
                    request.plan_path.display()
                );
            }
            saved
        }
        Some(path) if request.resume || request.abort.is_some() => bail!(
            "{}: no saved rollout to {}",
            path.display(),
            if request.resume { "resume" } else { "abort" }
        ),
        _ => Rollout::new(plan.clone())?,
    };
    if request.resume {
        rollout.resume().context("--resume")?;
    }
    if let Some(reason) = request.abort {
        rollout.abort(reason).context("--abort")?;
        save(request.state, &rollout)?;
        return Ok((rollout.output(), 0));
    }
    let observations = if request.split_by_time {
        let [path] = request.fixtures else {
            bail!(
                "--split-by-time takes exactly one fixture, got {}",
                request.fixtures.len()
            );
        };
        split_by_time(&plan, path, request.step_duration, request.deploy_at)?
    } else {
        if request.deploy_at.is_some() {
            bail!("--deploy-at needs --split-by-time (one fixture holding the service's series)");
        }
        request
            .fixtures
            .iter()
            .map(|path| {
                let fixture = Fixture::from_path(path)?;
                Ok(Observation {
                    metrics: fixture.metrics,
                    duration_seconds: None,
                    source: Some(path.display().to_string()),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    let total = observations.len();
    let mut used = 0;
    for observation in observations {
        if rollout.state().status != RolloutStatus::Progressing {
            break;
        }
        let source = observation.source.clone().unwrap_or_default();
        rollout
            .observe(observation)
            .with_context(|| format!("{source}: observation {} refused", used + 1))?;
        used += 1;
    }
    save(request.state, &rollout)?;
    Ok((rollout.output(), total - used))
}

/// Saves the rollout to `--state`, when given (atomically: a reader never sees half).
fn save(state: Option<&Path>, rollout: &Rollout) -> anyhow::Result<()> {
    if let Some(path) = state {
        canary_sources::write_atomically(path, &rollout.to_json())
            .with_context(|| format!("{}: cannot save the rollout", path.display()))?;
    }
    Ok(())
}

/// Cuts one fixture into the plan's step windows: step k covers `min_duration` of step k
/// (or `step_duration`) after the previous one; the last step takes the rest (and needs
/// no duration). Every
/// metric must be a time series (a histogram has no timestamps).
///
/// With `deploy_at` (bake): each metric's series is the fixture's canary side (or its
/// baseline side when the canary's is empty) — one service; points before `deploy_at`
/// form the pre-deploy window (the baseline of the first observation), and the windows
/// start at `deploy_at`.
fn split_by_time(
    plan: &RolloutPlan,
    path: &Path,
    step_duration: Option<u64>,
    deploy_at: Option<i64>,
) -> anyhow::Result<Vec<Observation>> {
    let mut fixture = Fixture::from_path(path)?;
    let mut pre_deploy: BTreeMap<String, MetricData> = BTreeMap::new();
    if let Some(deploy) = deploy_at {
        if plan.strategy != canary_judge::rollout::Strategy::Bake {
            bail!(
                "--deploy-at applies to strategy bake; the plan's strategy is {}",
                plan.strategy.as_str()
            );
        }
        for (name, data) in fixture.metrics.iter_mut() {
            let (pre, post) = match data {
                MetricData::Continuous(s) => {
                    let series = if s.canary.is_empty() {
                        &s.baseline
                    } else {
                        &s.canary
                    };
                    let (pre, post): (Vec<Point>, Vec<Point>) =
                        series.iter().partition(|p| p.timestamp < deploy);
                    (
                        MetricData::Continuous(Sides {
                            baseline: pre,
                            canary: Vec::new(),
                        }),
                        MetricData::Continuous(Sides {
                            baseline: Vec::new(),
                            canary: post,
                        }),
                    )
                }
                MetricData::Counts(s) => {
                    let series = if s.canary.is_empty() {
                        &s.baseline
                    } else {
                        &s.canary
                    };
                    let (pre, post): (Vec<CountPoint>, Vec<CountPoint>) =
                        series.iter().partition(|p| p.timestamp < deploy);
                    (
                        MetricData::Counts(Sides {
                            baseline: pre,
                            canary: Vec::new(),
                        }),
                        MetricData::Counts(Sides {
                            baseline: Vec::new(),
                            canary: post,
                        }),
                    )
                }
                MetricData::Histogram(_) => bail!(
                    "{}: metric {name:?} is a histogram, which has no timestamps to split at the deploy",
                    path.display()
                ),
            };
            pre_deploy.insert(name.clone(), pre);
            *data = post;
        }
    }
    let mut durations = Vec::with_capacity(plan.steps.len());
    let last_step = plan.steps.len().saturating_sub(1);
    for (i, step) in plan.steps.iter().enumerate() {
        match step.min_duration.map(|d| d.seconds()).or(step_duration) {
            Some(d) if d > 0 => durations.push(d as i64),
            // The last step takes the rest of the data.
            _ if i == last_step => durations.push(0),
            _ => bail!(
                "--split-by-time needs a duration for every step: steps[{i}] has no min_duration; give --step-duration"
            ),
        }
    }
    let mut start: Option<i64> = None;
    for (name, data) in &fixture.metrics {
        let first = match data {
            MetricData::Continuous(s) => {
                s.baseline.first().or(s.canary.first()).map(|p| p.timestamp)
            }
            MetricData::Counts(s) => s.baseline.first().or(s.canary.first()).map(|p| p.timestamp),
            MetricData::Histogram(_) => bail!(
                "{}: metric {name:?} is a histogram, which has no timestamps to split by; record one fixture per step instead",
                path.display()
            ),
        };
        if let Some(t) = first {
            start = Some(start.map_or(t, |s: i64| s.min(t)));
        }
    }
    let Some(start) = start else {
        bail!("{}: no timestamped data to split", path.display());
    };
    let start = deploy_at.unwrap_or(start);
    let mut observations = Vec::new();
    let mut from = start;
    for (k, d) in durations.iter().enumerate() {
        let last = k + 1 == durations.len();
        let to = if last { i64::MAX } else { from + d };
        let in_window = |t: i64| t >= from && t < to;
        let metrics: BTreeMap<String, MetricData> = fixture
            .metrics
            .iter()
            .map(|(name, data)| {
                let mut cut = match data {
                    MetricData::Continuous(s) => MetricData::Continuous(Sides {
                        baseline: keep(&s.baseline, |p: &Point| in_window(p.timestamp)),
                        canary: keep(&s.canary, |p: &Point| in_window(p.timestamp)),
                    }),
                    MetricData::Counts(s) => MetricData::Counts(Sides {
                        baseline: keep(&s.baseline, |p: &CountPoint| in_window(p.timestamp)),
                        canary: keep(&s.canary, |p: &CountPoint| in_window(p.timestamp)),
                    }),
                    MetricData::Histogram(s) => MetricData::Histogram(s.clone()),
                };
                if k == 0 {
                    match (&mut cut, pre_deploy.get(name)) {
                        (MetricData::Continuous(c), Some(MetricData::Continuous(p))) => {
                            c.baseline = p.baseline.clone();
                        }
                        (MetricData::Counts(c), Some(MetricData::Counts(p))) => {
                            c.baseline = p.baseline.clone();
                        }
                        _ => {}
                    }
                }
                (name.clone(), cut)
            })
            .collect();
        observations.push(Observation {
            metrics,
            duration_seconds: (!last).then_some(*d as f64),
            source: Some(format!("{} [step {} window]", path.display(), k + 1)),
        });
        from = to;
    }
    Ok(observations)
}

fn keep<T: Clone>(points: &[T], pred: impl Fn(&T) -> bool) -> Vec<T> {
    points.iter().filter(|p| pred(p)).cloned().collect()
}

fn pct(x: f64) -> String {
    format!("{}", (x * 1e6).round() / 1e6)
}

/// The rollout for people: one block per decision, then the outcome.
pub(crate) fn print_text(output: &RolloutOutput, unused: usize) {
    let seq = &output.sequential;
    let control = match seq.method {
        canary_judge::rollout::SequentialMethod::None => "no sequential control".to_owned(),
        m => format!("{} sequential control at alpha {}", m.as_str(), seq.alpha),
    };
    let weights: Vec<String> = output
        .steps
        .iter()
        .map(|s| format!("{} %", s.weight))
        .collect();
    println!(
        "rollout {} ({}; steps {}; {control})",
        output.plan,
        output.strategy.as_str(),
        weights.join(" → ")
    );
    for d in &output.decisions {
        print_decision(d);
    }
    println!(
        "outcome: {} (status {}, step {} of {})",
        output.outcome,
        output.status,
        output.step,
        output.steps.len()
    );
    if unused > 0 {
        println!("  {unused} observation(s) not used: the rollout stopped before them");
    }
}

fn print_decision(d: &StepDecision) {
    let action = match d.action {
        Action::Advance => "ADVANCE",
        Action::Complete => "COMPLETE",
        Action::Hold => "HOLD",
        Action::Rollback => "ROLLBACK",
    };
    let source = d
        .source
        .as_deref()
        .map(|s| format!("  [{s}]"))
        .unwrap_or_default();
    println!(
        "#{} step {} ({} %): {action}{source}",
        d.observation,
        d.step,
        pct(d.weight.0)
    );
    for reason in &d.reasons {
        println!("    {reason}");
    }
    if let Some(report) = &d.report {
        for m in &report.metrics {
            println!(
                "    - {} [{}]: {}",
                m.name,
                m.classification.as_str(),
                m.reason
            );
        }
    }
    if let Some(s) = &d.sequential {
        let levels: Vec<String> = s
            .metrics
            .iter()
            .map(|m| format!("{} at {:.3e}", m.name, m.nominal_alpha.0))
            .collect();
        let fraction = s
            .information_fraction
            .map(|t| format!(", information {:.3}", t.0))
            .unwrap_or_default();
        println!(
            "    sequential {}{fraction}: nominal levels {}",
            s.method.as_str(),
            levels.join(", ")
        );
    }
}
