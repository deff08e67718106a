//! Running a sweep: one config per setting of a grid ([`TunePlan`]), judged on every
//! fixture by the caller (in parallel or not), then scored into a [`Tune`].
//!
//! The judging loop is left to the caller so that this crate stays free of thread pools:
//! `canary tune` and the Python bindings run the cells on rayon.
//!
//! ```
//! use canary_judge::{judge, Config, Fixture, Sweep, TunePlan};
//!
//! let config = Config::from_yaml_str("version: 1\nmetrics:\n  - {name: cpu, min_samples: 2}\n").unwrap();
//! let fixture = Fixture::from_json_str(r#"{"version": 1, "name": "a", "expected": "promote", "metrics": {"cpu": {
//!     "baseline": [[0, 1.0], [60, 1.2], [120, 1.1]], "canary": [[0, 1.1], [60, 1.0], [120, 1.2]]}}}"#).unwrap();
//! let plan = TunePlan::new(&config, vec![Sweep::parse("confidence=0.9..0.99:0.03").unwrap()]).unwrap();
//! let fixtures = [fixture];
//! let verdicts: Vec<_> = (0..plan.cells(fixtures.len()))
//!     .map(|cell| plan.judge_cell(cell, &fixtures).unwrap())
//!     .collect();
//! let tune = plan.finish(&fixtures, &verdicts);
//! assert_eq!(tune.settings.len(), 4);
//! assert_eq!(tune.recommendation.unwrap().setting.agreement, Some(1.0));
//! ```

use crate::config::Config;
use crate::error::JudgeError;
use crate::fixture::Fixture;
use crate::judge::judge;
use crate::sweep::{OverrideError, Sweep, SweepError, Tune, TuneSetting, grid};
use crate::verdict::Verdict;
use std::collections::{BTreeMap, BTreeSet};
use thiserror::Error;

/// Why a sweep cannot run.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TuneError {
    /// A sweep is malformed, or the grid is too large.
    #[error(transparent)]
    Sweep(#[from] SweepError),
    /// The same key is swept twice.
    #[error("{key}: swept more than once")]
    Duplicate {
        /// The key.
        key: String,
    },
    /// A swept value does not apply to the config (alone, or with the other values of a
    /// grid setting, named in `setting`).
    #[error("{error}{}", setting.as_ref().map(|s| format!(" (in the setting {s})")).unwrap_or_default())]
    Override {
        /// What was wrong, naming the key.
        error: OverrideError,
        /// `key=value, …` of the grid setting, when the value alone applied.
        setting: Option<String>,
    },
}

/// The configs of every setting of a grid of sweeps, ready to be judged.
#[derive(Debug, Clone)]
pub struct TunePlan {
    sweeps: Vec<Sweep>,
    settings: Vec<(BTreeMap<String, f64>, Config)>,
}

impl TunePlan {
    /// Builds one config per setting of the sweeps' grid (the first sweep varying
    /// slowest). Each value is first applied alone, so a bad key or value is reported for
    /// its sweep.
    ///
    /// # Errors
    /// [`TuneError`] naming the key: a duplicate sweep, a grid beyond
    /// [`MAX_GRID_SETTINGS`](crate::MAX_GRID_SETTINGS), or a value the config rejects.
    pub fn new(config: &Config, sweeps: Vec<Sweep>) -> Result<Self, TuneError> {
        let mut keys = BTreeSet::new();
        for sweep in &sweeps {
            if !keys.insert(sweep.key.as_str()) {
                return Err(TuneError::Duplicate {
                    key: sweep.key.clone(),
                });
            }
        }
        let grid = grid(&sweeps)?;
        for sweep in &sweeps {
            for &value in &sweep.values {
                config
                    .with_override(&sweep.key, value)
                    .map_err(|error| TuneError::Override {
                        error,
                        setting: None,
                    })?;
            }
        }
        let mut settings = Vec::with_capacity(grid.len());
        for setting in grid {
            let mut tuned = config.clone();
            let mut values = BTreeMap::new();
            for (sweep, &value) in sweeps.iter().zip(&setting) {
                tuned = tuned.with_override(&sweep.key, value).map_err(|error| {
                    TuneError::Override {
                        error,
                        setting: Some(
                            sweeps
                                .iter()
                                .zip(&setting)
                                .map(|(s, v)| format!("{}={v}", s.key))
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                    }
                })?;
                values.insert(sweep.key.clone(), value);
            }
            settings.push((values, tuned));
        }
        Ok(TunePlan { sweeps, settings })
    }

    /// The sweeps.
    pub fn sweeps(&self) -> &[Sweep] {
        &self.sweeps
    }

    /// Settings in the grid.
    pub fn len(&self) -> usize {
        self.settings.len()
    }

    /// Whether the grid is empty (never: no sweeps make one setting, the config itself).
    pub fn is_empty(&self) -> bool {
        self.settings.is_empty()
    }

    /// The config of setting `index`.
    pub fn config(&self, index: usize) -> Option<&Config> {
        self.settings.get(index).map(|(_, c)| c)
    }

    /// Judgements to make: settings × fixtures. Cell `c` is setting `c / fixtures`,
    /// fixture `c % fixtures`.
    pub fn cells(&self, fixtures: usize) -> usize {
        self.settings.len() * fixtures
    }

    /// Judges one cell (see [`TunePlan::cells`]).
    ///
    /// # Errors
    /// The fixture does not fit the config ([`JudgeError`]).
    ///
    /// # Panics
    /// Never for `cell < self.cells(fixtures.len())`; beyond, it indexes out of bounds.
    #[allow(clippy::indexing_slicing)]
    pub fn judge_cell(&self, cell: usize, fixtures: &[Fixture]) -> Result<Verdict, JudgeError> {
        let n = fixtures.len().max(1);
        judge(&self.settings[cell / n].1, &fixtures[cell % n]).map(|r| r.verdict)
    }

    /// Scores the settings from every cell's verdict (in cell order) against the
    /// fixtures' labels, and picks the recommendation ([`Tune::new`]).
    pub fn finish(self, fixtures: &[Fixture], verdicts: &[Verdict]) -> Tune {
        let n = fixtures.len();
        let settings = self
            .settings
            .into_iter()
            .enumerate()
            .map(|(i, (values, _))| {
                let row = verdicts.get(i * n..(i + 1) * n).unwrap_or(&[]);
                TuneSetting::new(
                    values,
                    fixtures.iter().map(|f| f.expected).zip(row.iter().copied()),
                )
            })
            .collect();
        Tune::new(self.sweeps, settings)
    }
}

impl Tune {
    /// How the runner-up compares with the recommendation, in counts over the same
    /// fixtures: `"the same missed regressions, 1 more false rollback, 1 fewer label
    /// agreeing"`. `None` without a runner-up.
    ///
    /// ```
    /// use canary_judge::{Tune, TuneSetting, Verdict::*};
    /// let s = |outcomes: &[_]| TuneSetting::new(Default::default(), outcomes.iter().copied());
    /// let tune = Tune::new(vec![], vec![
    ///     s(&[(Some(Promote), Promote), (Some(Rollback), Rollback)]),
    ///     s(&[(Some(Promote), Hold), (Some(Rollback), Rollback)]),
    /// ]);
    /// assert_eq!(tune.runner_up_gap().unwrap(),
    ///            "the same missed regressions, 1 more false rollback, 1 fewer label agreeing");
    /// ```
    pub fn runner_up_gap(&self) -> Option<String> {
        let (best, next) = (
            &self.recommendation.as_ref()?.setting,
            &self.runner_up.as_ref()?.setting,
        );
        let diff = |a: usize, b: usize, one: &str, many: &str| {
            let noun = |n: usize| if n == 1 { one } else { many };
            match b.cmp(&a) {
                std::cmp::Ordering::Equal => format!("the same {many}"),
                std::cmp::Ordering::Greater => format!("{} more {}", b - a, noun(b - a)),
                std::cmp::Ordering::Less => format!("{} fewer {}", a - b, noun(a - b)),
            }
        };
        Some(format!(
            "{}, {}, {}",
            diff(
                best.missed_regressions,
                next.missed_regressions,
                "missed regression",
                "missed regressions"
            ),
            diff(
                best.false_rollbacks,
                next.false_rollbacks,
                "false rollback",
                "false rollbacks"
            ),
            diff(
                best.correct,
                next.correct,
                "label agreeing",
                "labels agreeing"
            ),
        ))
    }
}
