//! Errors of loading configs and fixtures; each names the file and the key path.

use std::fmt;
use thiserror::Error;

/// One problem in a config: where (`metrics[2].effect.allowed_increase`) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The key path, e.g. `metrics[2].effect.allowed_increase` (empty for the whole file).
    pub path: String,
    /// What was expected.
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Why a config could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{file}: cannot read: {message}")]
    Io {
        /// The file.
        file: String,
        /// The operating system's reason.
        message: String,
    },
    /// The text is not valid YAML/JSON/TOML for the schema (first problem only: the
    /// parser stops there).
    #[error("{file}: {problem}")]
    Parse {
        /// The file (or `<config>` for text).
        file: String,
        /// Where and what.
        problem: ConfigProblem,
    },
    /// The config parsed but some values are invalid; every problem is listed.
    #[error("{file}: {} problem(s):\n  {}", problems.len(), problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  "))]
    Invalid {
        /// The file (or `<config>` for text).
        file: String,
        /// Every problem found.
        problems: Vec<ConfigProblem>,
    },
}

impl ConfigError {
    pub(crate) fn in_file(self, name: &str) -> Self {
        match self {
            ConfigError::Io { message, .. } => ConfigError::Io {
                file: name.to_owned(),
                message,
            },
            ConfigError::Parse { problem, .. } => ConfigError::Parse {
                file: name.to_owned(),
                problem,
            },
            ConfigError::Invalid { problems, .. } => ConfigError::Invalid {
                file: name.to_owned(),
                problems,
            },
        }
    }
}

/// Why a fixture could not be loaded: the file, the key path
/// (`metrics.errors.canary[3][1]`) and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{file}{}{path}{}{message}", if file.is_empty() || path.is_empty() { "" } else { ": " }, if file.is_empty() && path.is_empty() { "" } else { ": " })]
pub struct FixtureError {
    /// The file (empty for text).
    pub file: String,
    /// The key path inside the fixture (empty for the whole file).
    pub path: String,
    /// What was wrong.
    pub message: String,
}

impl FixtureError {
    pub(crate) fn at(path: &str, message: impl Into<String>) -> Self {
        Self {
            file: String::new(),
            path: path.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn in_file(mut self, file: &str) -> Self {
        self.file = file.to_owned();
        self
    }
}

/// Why a fixture could not be judged with a config.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JudgeError {
    /// A configured metric is absent from the fixture.
    #[error(
        "fixture {fixture:?} has no data for metric {metric:?} (metrics[{index}] of the config)"
    )]
    MissingMetric {
        /// The fixture's name.
        fixture: String,
        /// The metric's name.
        metric: String,
        /// Its index in the config.
        index: usize,
    },
    /// The fixture's data for a metric is of another kind than the config says.
    #[error("metric {metric:?}: the config says {expected} but the fixture holds {found} data")]
    KindMismatch {
        /// The metric's name.
        metric: String,
        /// The kind in the config.
        expected: &'static str,
        /// The kind in the fixture.
        found: &'static str,
    },
}

/// Any error of this crate.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
    /// A config problem.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A fixture problem.
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    /// A config and fixture that do not fit together.
    #[error(transparent)]
    Judge(#[from] JudgeError),
}
