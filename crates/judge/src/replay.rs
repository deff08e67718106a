//! Replaying labelled fixtures: each one's verdict against its `expected` label.

use crate::config::Config;
use crate::error::Error;
use crate::fixture::Fixture;
use crate::judge::judge;
use crate::number::Number;
use crate::verdict::Verdict;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// One replayed fixture (the design's replay JSON `results[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayResult {
    /// The fixture file.
    pub path: String,
    /// The fixture's name.
    pub name: String,
    /// Its label, if any.
    pub expected: Option<Verdict>,
    /// The verdict given.
    pub verdict: Verdict,
    /// The score.
    pub score: Number,
}

impl ReplayResult {
    /// Loads the fixture at `path` and judges it with `config`.
    ///
    /// # Errors
    /// [`Error::Fixture`] when the file cannot be loaded, [`Error::Judge`] when it does
    /// not fit the config.
    pub fn judge_file(config: &Config, path: &Path) -> Result<Self, Error> {
        let fixture = Fixture::from_path(path)?;
        let report = judge(config, &fixture)?;
        Ok(ReplayResult {
            path: path.display().to_string(),
            name: fixture.name,
            expected: fixture.expected,
            verdict: report.verdict,
            score: report.score,
        })
    }
}

/// Agreement with the labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplaySummary {
    /// Fixtures replayed.
    pub total: usize,
    /// Labelled fixtures whose verdict equals the label.
    pub correct: usize,
    /// Labelled fixtures only: `confusion[expected][verdict]` = count.
    pub confusion: BTreeMap<Verdict, BTreeMap<Verdict, usize>>,
}

/// The design's replay JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replay {
    /// Per fixture, in the order given (sorted paths within folders).
    pub results: Vec<ReplayResult>,
    /// Totals and the confusion matrix.
    pub summary: ReplaySummary,
}

impl Replay {
    /// Summarises results.
    ///
    /// ```
    /// use canary_judge::{Number, Replay, ReplayResult, Verdict};
    /// let r = Replay::new(vec![ReplayResult { path: "a.json".into(), name: "a".into(),
    ///     expected: Some(Verdict::Hold), verdict: Verdict::Hold, score: Number(100.0) }]);
    /// assert_eq!((r.summary.total, r.summary.correct), (1, 1));
    /// ```
    pub fn new(results: Vec<ReplayResult>) -> Self {
        let mut confusion: BTreeMap<Verdict, BTreeMap<Verdict, usize>> = BTreeMap::new();
        let mut correct = 0;
        for r in &results {
            if let Some(expected) = r.expected {
                *confusion
                    .entry(expected)
                    .or_default()
                    .entry(r.verdict)
                    .or_default() += 1;
                if expected == r.verdict {
                    correct += 1;
                }
            }
        }
        Replay {
            summary: ReplaySummary {
                total: results.len(),
                correct,
                confusion,
            },
            results,
        }
    }

    /// Labelled fixtures.
    pub fn labelled(&self) -> usize {
        self.results.iter().filter(|r| r.expected.is_some()).count()
    }
}
